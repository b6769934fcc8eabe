"""What the telephony use cases need from outside: storage (SIP accounts, recordings, call
quality, and two small reads of the ACD's rows), and the switch and the WebRTC gateway as
the application sees them.

The switch's own types (``adapters/telephony/sip``) and the gateway's (``adapters/webrtc``)
satisfy the Protocols below structurally; the composition root wires them, and mypy checks
it there. Only the SIP package knows SIP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from os import PathLike
from typing import Any, Protocol

from helpline.app.people.ports import UserRepository
from helpline.app.ports import UnitOfWork
from helpline.app.telephony.directory import SipDirectory
from helpline.domain.telephony.records import CallParties, LegQuality, Recording, SipAccount

# ---- storage -----------------------------------------------------------------------------------


class SipAccountRepository(Protocol):
    """SIP accounts of the unit's tenant, by user; user names are unique on the platform."""

    async def get(self, user_id: str) -> SipAccount | None: ...

    async def holder_of(self, username: str) -> SipAccount | None:
        """The account registering as ``username``, in any tenant (one registrar serves all)."""
        ...

    async def add(self, account: SipAccount) -> SipAccount:
        """Store a new account of this tenant; ``sip_username_taken`` when its user name is
        taken (also concurrently)."""
        ...

    async def save(self, account: SipAccount) -> None:
        """Store the changed fields of an account loaded from this repository."""
        ...

    async def delete(self, user_id: str) -> None: ...

    async def every_tenant(self) -> Sequence[SipAccount]:
        """Every account on the platform: what the switch's directory is loaded with."""
        ...


class AgentExtensions(Protocol):
    """A read of the ACD's agent profiles: the extension a SIP account is named after."""

    async def extension_of(self, user_id: str) -> str | None:
        """The user's extension (``""``: a profile without one; None: no profile)."""
        ...


class RecordingRepository(Protocol):
    async def add(self, recordings: Sequence[Recording]) -> None:
        """Store WAV files of calls of this tenant (ids and times are given here)."""
        ...

    async def of_call(self, call_id: str) -> Sequence[Recording]:
        """Oldest first."""
        ...

    async def latest(self, call_id: str, kind: str) -> Recording | None: ...


class CallQualityRepository(Protocol):
    async def add(self, call_id: str, legs: Sequence[LegQuality]) -> None: ...

    async def of_call(self, call_id: str) -> Sequence[LegQuality]:
        """In the order they were stored."""
        ...


class CallPartiesReader(Protocol):
    """A read of the ACD's call records: who may hear a call."""

    async def get(self, call_id: str) -> CallParties | None: ...

    async def agents_on(self, call_id: str) -> frozenset[str]:
        """Every agent named by one of the call's segments (offered, answered, transferred...)."""
        ...


class TelephonyUnit(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sip_accounts(self) -> SipAccountRepository: ...

    @property
    def agent_extensions(self) -> AgentExtensions: ...

    @property
    def recordings(self) -> RecordingRepository: ...

    @property
    def call_quality(self) -> CallQualityRepository: ...

    @property
    def call_parties(self) -> CallPartiesReader: ...


TelephonyUnits = Callable[[str], AbstractAsyncContextManager[TelephonyUnit]]
"""Opens a unit for a tenant, for work that no request carries (the switch's reports)."""


# ---- the switch, as the bridge sees it ---------------------------------------------------------


class InboundCall(Protocol):
    """A call the switch's IVR is done with."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def call_id(self) -> str: ...

    @property
    def caller(self) -> str: ...

    @property
    def callee(self) -> str: ...

    @property
    def digits(self) -> str:
        """What the caller chose in the IVR (``""`` when nothing)."""
        ...

    @property
    def source(self) -> str: ...

    @property
    def route(self) -> Mapping[str, Any]:
        """What the IVR flow decided (queue, priority, skills, data, or an action); empty with
        the built-in one-prompt menu."""
        ...


class LegStats(Protocol):
    """What the switch keeps per leg (its RTP statistics)."""

    @property
    def role(self) -> str: ...

    def quality(self) -> dict[str, Any]: ...


class EndedCall(Protocol):
    """What is left of a call the switch carried: its recordings and each leg's media."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def call_id(self) -> str: ...

    @property
    def rtp(self) -> Mapping[str, LegStats]: ...

    @property
    def recordings(self) -> Sequence[PathLike[str]]: ...

    @property
    def recording_seconds(self) -> float: ...

    @property
    def split_recordings(self) -> Sequence[tuple[str, PathLike[str]]]:
        """(stereo | caller | agent, file) where a tenant records the directions apart."""
        ...


class QualityObserver(Protocol):
    """Media totals for /metrics: each ended call's legs, as the quality rows' dicts."""

    def observe(self, tenant_id: str, rows: list[dict[str, Any]]) -> None: ...


class SwitchControl(Protocol):
    """What the bridge itself asks of the switch (besides the ACD's Telephony commands)."""

    async def hangup(self, tenant_id: str, call_id: str) -> None: ...

    async def cancel_ring(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def release_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None: ...

    async def consult(
        self,
        tenant_id: str,
        call_id: str,
        consult_id: str,
        agent_id: str,
        *,
        target_agent_id: str | None = None,
        number: str | None = None,
    ) -> None: ...

    async def end_consult(self, tenant_id: str, call_id: str, consult_id: str, outcome: str) -> None: ...

    async def transfer_out(self, tenant_id: str, call_id: str, number: str) -> bool: ...

    def carries(self, tenant_id: str, call_id: str) -> bool: ...

    async def dial(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> bool: ...

    async def internal_call(self, tenant_id: str, call_id: str, agent_id: str, callee: str) -> bool: ...


# ---- the browser softphone's gateway -----------------------------------------------------------

LineKey = tuple[str, str]  # (tenant id, user id)


class RingingCall(Protocol):
    @property
    def call_id(self) -> str: ...


class LinePhone(Protocol):
    """The SIP phone behind a softphone line."""

    @property
    def call(self) -> RingingCall | None:
        """The call it rings for or carries (None: idle)."""
        ...


class SoftphoneLine(Protocol):
    """One user's browser audio joined to a SIP phone registered with their account."""

    @property
    def phone(self) -> LinePhone: ...

    def snapshot(self) -> dict[str, Any]:
        """The line's state as the panel shows it (JSON-ready)."""
        ...

    def answer(self) -> bool: ...

    def hangup(self) -> bool: ...

    def dtmf(self, digits: str) -> bool:
        """Queue keypad keys; ValueError for a key not on the keypad."""
        ...


class SoftphoneGateway(Protocol):
    """The lines of every user with the softphone on (``adapters/webrtc``)."""

    @property
    def ice_servers(self) -> list[str]: ...

    def get(self, key: LineKey) -> SoftphoneLine | None: ...

    async def open(
        self, key: LineKey, username: str, password: str | Callable[[], str], offer_sdp: str
    ) -> tuple[SoftphoneLine, str]:
        """Register the user's phone and answer the browser's offer -> (line, answer SDP).
        Raises the error the service was given as ``register_failed`` when the switch
        refuses the registration, ValueError for an offer it cannot answer."""
        ...

    async def close(self, key: LineKey, *, unregister: bool = True, line_id: str | None = None) -> bool: ...

    async def close_all(self, *, unregister: bool = True) -> None: ...


class SipSide(Protocol):
    """The running SIP switch as the softphone needs it: whether it listens, and its
    accounts in memory."""

    @property
    def started(self) -> bool: ...

    @property
    def directory(self) -> SipDirectory: ...
