"""Early media (183 Session Progress, PRACK-free, the gateway model of RFC 3960): what an
admitted caller gets before the switch answers.

``SipConfig.early_media`` chooses:

* ``answer``: 200 OK at once and the IVR starts on the ACK (the switch's original behaviour);
* ``ringback``: 183 with SDP and a ringback tone for ``early_media_seconds``, then 200 OK and
  the IVR, as a PBX that lets the line ring before its attendant picks up;
* ``ivr``: 183 with SDP and the whole IVR (prompts, menu, digits by RFC 4733) in early media;
  the 200 OK goes out when the IVR hands the call on (to the queue, or to end it), so the
  caller is not charged for the menu.

Without an SDP offer in the INVITE there can be no early media without 100rel (our answer
would have to travel in a reliable response): such a call is answered at once. The tone is
per tenant (``ringback_by_tenant``), else ``ringback``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import numpy as np

from helpline.adapters.telephony.sip.calls import CallPhase, SwitchCall
from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.ivr import IvrFlow, IvrSession
from helpline.adapters.telephony.sip.leg import LegState
from helpline.adapters.telephony.sip.media import play, silence, tone

EARLY_MODES = ("answer", "ringback", "ivr")
# (frequencies in Hz, seconds on, seconds off): ITU-T E.180 and the national plans.
# China (YD/T 1250, GB 3380): 450 Hz, 1 s on 4 s off; CEPT/Europe: 425 Hz 1 s on 4 s off;
# North America (ANSI T1.401): 440 + 480 Hz, 2 s on 4 s off; UK: 400 + 450 Hz, double ring.
RINGBACK_TONES: dict[str, tuple[tuple[float, ...], float, float]] = {
    "cn": ((450.0,), 1.0, 4.0),
    "eu": ((425.0,), 1.0, 4.0),
    "us": ((440.0, 480.0), 2.0, 4.0),
}


def ringback(kind: str = "cn") -> Pcm:
    """One cadence of the ringback tone ``kind`` (loop it); unknown kinds ring as ``cn``."""
    freqs, on, off = RINGBACK_TONES.get(kind, RINGBACK_TONES["cn"])
    return np.concatenate([tone(freqs, on, 0.3), silence(off)])


def ringback_kind(config: SipConfig, tenant_id: str) -> str:
    """The tenant's own ringback tone, else the switch's."""
    return config.ringback_by_tenant.get(tenant_id, config.ringback)


def answer_caller(
    call: SwitchCall,
    config: SipConfig,
    ivr: IvrFlow,
    start_ivr: Callable[[SwitchCall, IvrFlow], None],
) -> None:
    """Answer an admitted caller the way ``early_media`` says (see the module docstring);
    ``ivr`` is the switch's flow and ``start_ivr`` runs a flow with the caller."""
    leg = call.caller_leg
    mode = config.early_media
    if mode not in ("ringback", "ivr") or not leg.progress():
        leg.answer()
        return
    if mode == "ringback":
        call.spawn(_ring_then_answer(config, call))
        return

    async def flow(session: IvrSession) -> str:
        try:
            return await ivr(session)
        finally:
            if leg.state is LegState.EARLY:
                leg.answer()  # the ACK finds the call past the IVR: it does not start again

    start_ivr(call, flow)


async def _ring_then_answer(config: SipConfig, call: SwitchCall) -> None:
    leg = call.caller_leg
    player = asyncio.create_task(play(leg.rtp, ringback(ringback_kind(config, call.tenant_id)), loop=True))
    try:
        await asyncio.sleep(config.early_media_seconds)
    finally:
        player.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await player
    if leg.state is LegState.EARLY and call.phase is CallPhase.IVR:
        leg.answer()
