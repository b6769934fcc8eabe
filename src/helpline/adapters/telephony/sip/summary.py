"""What is left of a finished call: the switch keeps the last ones (``B2bua.history``) and
tells the platform of each (``B2bua.on_ended``), which links the recording to the call record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpline.adapters.telephony.sip.calls import SwitchCall
from helpline.adapters.telephony.sip.recording import split_files
from helpline.adapters.telephony.sip.rtp_stats import RtpStats


@dataclass(frozen=True)
class CallSummary:
    """What is left of a finished call: for the call record and for tests."""

    tenant_id: str
    call_id: str
    caller: str
    callee: str
    digits: str
    parties: tuple[str, ...]  # every agent or supervisor leg that was placed, in order
    bridged: str | None  # the agent last bridged
    rtp: dict[str, RtpStats]  # "caller" and each party
    relayed: dict[str, int]  # packets bridged "to_agent" and "to_caller"
    heard: dict[str, int]  # frames conferences mixed, "listener<speaker"
    recordings: tuple[Path, ...]
    recording_seconds: float = 0.0
    split_recordings: tuple[tuple[str, Path], ...] = ()  # (stereo | caller | agent, file)

    @classmethod
    def of(cls, call: SwitchCall) -> CallSummary:
        """The summary of ``call`` once it is closed (its recordings are written)."""
        rtp = {"caller": call.caller_leg.rtp.stats, **{p: leg.rtp.stats for p, leg in call.placed}}
        return cls(
            call.tenant_id,
            call.call_id,
            call.caller,
            call.callee,
            call.digits,
            tuple(p for p, _ in call.placed),
            call.last_bridged,
            rtp,
            dict(call.relayed),
            dict(call.heard),
            tuple(call.recordings),
            call.recording_seconds,
            tuple(split_files(call.recordings)),
        )
