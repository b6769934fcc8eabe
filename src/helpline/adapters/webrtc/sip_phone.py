"""A SIP phone in the server: it registers to the switch as an agent's extension, rings when the
switch calls it, answers or declines when told, and ends calls either way.

It reuses the switch's own SIP stack as a client (transport, transaction layer, dialogs,
:class:`Leg` for the INVITE it receives, :class:`RtpSession` for G.711), so the switch sees an
ordinary desk phone on loopback and needs no change: hold, transfer, supervision and recording
keep working because the switch owns the call. Registering is ``registration.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from helpline.adapters.telephony.sip.address import Address
from helpline.adapters.telephony.sip.dialog import Dialog, new_tag
from helpline.adapters.telephony.sip.dtmf import DTMF_EVENTS, DtmfEvent
from helpline.adapters.telephony.sip.errors import SipParseError
from helpline.adapters.telephony.sip.leg import Leg, LegState
from helpline.adapters.telephony.sip.message import Request, Response
from helpline.adapters.telephony.sip.rtp import RtpSession
from helpline.adapters.telephony.sip.timers import TimerConfig
from helpline.adapters.telephony.sip.transaction import InviteServerTransaction, ServerTransaction
from helpline.adapters.telephony.sip.transport import RateLimiter, SipTransport
from helpline.adapters.telephony.sip.ua import UserAgent
from helpline.adapters.webrtc.registration import RegisterFailed as RegisterFailed  # re-exported
from helpline.adapters.webrtc.registration import Registration

log = structlog.get_logger("helpline.softphone.sip")
REGISTER_EXPIRES = 600  # seconds; refreshed at half of what the registrar grants
DTMF_KEYS = "0123456789*#"  # the keypad's twelve keys
DTMF_TONE_PACKETS = 5  # 100 ms per key (20 ms packets), then three end packets (RFC 4733 §2.5.1.4)
DTMF_GAP = 0.08  # seconds between keys, so that an IVR hears two presses of the same key
_ANSWER_AFTER_0 = re.compile(r";\s*answer-after\s*=\s*0+\s*(?:;|$)", re.IGNORECASE)


async def open_rtp(host: str) -> RtpSession:
    """An opened :class:`RtpSession` on a free even port whose odd neighbour (RTCP) is free too;
    the switch's own port range is left to the switch."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
            port = int(probe.getsockname()[1]) & ~1
        session = RtpSession(host, port)
        try:
            await session.open()
        except OSError:
            continue
        return session
    raise OSError("no free RTP port pair")


def auto_answer_requested(request: Request) -> bool:
    """The switch asks the phone to pick up by itself: ``Call-Info: <…>;answer-after=0`` (or an
    ``Alert-Info`` naming auto-answer). The switch sends it only for the agent's own dial-out,
    whose first leg rings the agent's phone; every other call rings until answered."""
    if any(_ANSWER_AFTER_0.search(value) for value in request.headers.values("call-info")):
        return True
    return any("auto" in value.lower() for value in request.headers.values("alert-info"))


@dataclass
class Ringing:
    """The call the phone rings for, as the switch's INVITE describes it."""

    call_id: str  # the ACD's call id (X-Helpline-Call-ID)
    caller: str
    caller_name: str | None
    auto_answer: bool = False  # the agent's own dial-out: picked up at once


StateFn = Callable[[str, Ringing | None, str | None], None]  # (state, call, cause)


class SipPhone:
    """States: ``off`` → ``registering`` → ``registered`` ⇄ ``ringing`` → ``in_call``.

    ``on_state(state, call, cause)`` hears every change; ``on_audio(pcm bytes codec, payload)``
    is set by the media bridge through :attr:`rtp`.
    """

    def __init__(
        self,
        username: str,
        password: str | Callable[[], str],
        switch: tuple[str, int],
        *,
        host: str = "127.0.0.1",
        on_state: StateFn | None = None,
        timers: TimerConfig | None = None,
    ) -> None:
        self.username = username
        self._password = password  # a function: a changed SIP password is used at the next refresh
        self.switch = Address(switch[0], switch[1])
        self.host = host
        self.on_state: StateFn = on_state or (lambda state, call, cause: None)
        self.on_media: Callable[[RtpSession | None], None] = lambda rtp: None
        self.timers = timers or TimerConfig()
        self.state = "off"
        self.call: Ringing | None = None
        self.leg: Leg | None = None
        self.transport: SipTransport | None = None
        self.ua: UserAgent | None = None
        self._registration = Registration(username, lambda: self.password, self.switch, host)
        self._refresh: asyncio.Task[None] | None = None
        self._digits = ""  # keys pressed, not yet sent
        self._keying: asyncio.Task[None] | None = None

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free loopback port and register; raises :class:`RegisterFailed`."""
        loop = asyncio.get_running_loop()
        transport = SipTransport(
            self.host, 0, self._receive, RateLimiter(loop.time, 500.0, 1000.0), tcp=False
        )
        await transport.start()
        self.transport = transport
        ua = UserAgent(
            transport.send,
            loop,
            self.timers,
            host=self.host,
            port=transport.port,
            media_host=self.host,
            user_agent="Helpline-WebRTC",
        )
        ua.on_request = self._on_request
        ua.on_leg_released = self._released
        self.ua = ua
        self._set("registering")
        try:
            granted = await self._register(REGISTER_EXPIRES)
        except BaseException:
            await self.stop()
            raise
        self._set("registered")
        self._refresh = asyncio.create_task(self._keep_registered(granted))

    async def stop(self, *, unregister: bool = True) -> None:
        """Hang up, unregister (best effort, not when the switch is gone), close the sockets."""
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None
        if self.leg is not None and self.leg.live:
            self.leg.hangup("softphone_off")
        if self.ua is not None and self.state not in ("off", "error") and unregister:
            with contextlib.suppress(RegisterFailed, TimeoutError, OSError):
                await asyncio.wait_for(self._register(0), 2.0)
            await asyncio.sleep(0.05)  # let the BYE / REGISTER leave
        if self.ua is not None:
            self.ua.layer.close()
        if self.transport is not None:
            await self.transport.stop()
        self.ua = self.transport = None
        self._set("off")

    @property
    def password(self) -> str:
        return self._password() if callable(self._password) else self._password

    @property
    def contact(self) -> str:
        port = self.transport.port if self.transport else 0
        return f"<sip:{self.username}@{self.host}:{port}>"

    # -- registration -------------------------------------------------------------------------

    async def _keep_registered(self, granted: int) -> None:
        while True:
            await asyncio.sleep(max(granted / 2, 5))
            try:
                granted = await self.refresh()
            except TimeoutError as exc:
                log.warning("softphone_register_timeout", user=self.username, error=str(exc))
                granted = 20  # try again soon
            except RegisterFailed as exc:  # refused: retrying would get loopback blocked for everyone
                log.warning("softphone_register_failed", user=self.username, error=str(exc))
                self._refresh = None
                self._set("error")
                return

    async def refresh(self) -> int:
        """Register again (with the password of now); -> seconds granted."""
        return await self._register(REGISTER_EXPIRES)

    async def _register(self, expires: int) -> int:
        """REGISTER (answering the digest challenge); -> the expiry the registrar granted."""
        assert self.ua is not None
        return await self._registration.register(self.ua, self.contact, expires)

    # -- calls --------------------------------------------------------------------------------

    def answer(self) -> bool:
        """Pick up the ringing call (the switch then bridges it); False when nothing rings."""
        leg = self.leg
        if leg is None or leg.state not in (LegState.CALLING, LegState.EARLY):
            return False
        leg.answer()
        self._set("in_call")
        return True

    def hangup(self) -> bool:
        """Decline the ringing call or end the current one; False when there is none."""
        leg = self.leg
        if leg is None or not leg.live:
            return False
        leg.hangup("agent")
        self._ended("hung_up")
        return True

    def _receive(self, message: Request | Response, source: Address) -> None:
        if self.ua is not None:
            self.ua.receive(message, source)

    def _on_request(self, txn: ServerTransaction) -> None:
        assert self.ua is not None
        request = txn.request
        if request.method == "OPTIONS":
            txn.respond(self.ua.response(request, 200))
        elif request.method == "INVITE" and isinstance(txn, InviteServerTransaction):
            asyncio.get_running_loop().create_task(self._incoming(txn))
        else:
            txn.respond(self.ua.response(request, 405))

    async def _incoming(self, txn: InviteServerTransaction) -> None:
        assert self.ua is not None
        request = txn.request
        if (self.leg is not None and self.leg.live) or self.state != "registered":
            txn.respond(self.ua.response(request, 486))
            return
        try:
            rtp = await open_rtp(self.host)
        except OSError:
            txn.respond(self.ua.response(request, 503, "No media ports"))
            return
        leg = Leg(self.ua, self, rtp, request, txn.peer, inbound=True)
        leg.server_txn = txn
        leg.dialog = Dialog.as_uas(request, new_tag(), txn.peer, self.ua.contact())
        self.ua.inbound_invites[txn.key] = leg
        if not request.body or not leg.apply_remote_sdp(request.body):
            leg.reject(488)
            return
        self.ua.register_leg(leg)
        txn.respond(self.ua.response(request, 180, to_tag=leg.dialog.local.tag))
        leg.state = LegState.EARLY
        self.leg = leg
        caller = request.from_
        user = ""
        with contextlib.suppress(SipParseError, ValueError):
            user = caller.sip_uri.user or ""
        auto = auto_answer_requested(request) and self._from_switch(txn.peer)
        self.call = Ringing(request.headers.get("x-helpline-call-id") or "", user, caller.display, auto)
        self.on_media(rtp)
        self._set("ringing")
        if auto:
            log.info("softphone_auto_answer", user=self.username, call_id=self.call.call_id)
            self.answer()

    def _from_switch(self, peer: Address) -> bool:
        """Only the switch this phone registered to may make it pick up by itself."""
        return (peer.host, peer.port) == (self.switch.host, self.switch.port)

    # -- keypad (RFC 4733 telephone-events on the call's RTP) ----------------------------------

    def dtmf(self, digits: str) -> bool:
        """Queue keypad presses to send to the switch, which relays them to the far end (an IVR
        after a dial-out, say). False when there is no call in progress; ValueError for a key
        that is not on the keypad."""
        bad = sorted({d for d in digits if d not in DTMF_KEYS})
        if bad:
            raise ValueError(f"not keypad keys: {''.join(bad)}")
        if self.state != "in_call" or self.leg is None or not digits:
            return False
        self._digits += digits
        if self._keying is None or self._keying.done():
            self._keying = asyncio.get_running_loop().create_task(self._send_digits())
        return True

    async def _send_digits(self) -> None:
        last_ts: int | None = None
        while self._digits and self.leg is not None and self.state == "in_call":
            digit, self._digits = self._digits[0], self._digits[1:]
            rtp, event = self.leg.rtp, DTMF_EVENTS.index(digit)
            ts = rtp.next_timestamp
            if ts == last_ts:  # no audio went out since the last key: a new event needs a new timestamp
                ts = (ts + 160 * (DTMF_TONE_PACKETS + 1)) & 0xFFFFFFFF
            last_ts = ts
            for n in range(1, DTMF_TONE_PACKETS + 1):
                rtp.send_dtmf(DtmfEvent(event, False, 10, 160 * n), ts)
                await asyncio.sleep(0.02)
            for _ in range(3):
                rtp.send_dtmf(DtmfEvent(event, True, 10, 160 * DTMF_TONE_PACKETS), ts)
            await asyncio.sleep(DTMF_GAP)
        self._digits = ""

    def _released(self, leg: Leg) -> None:
        leg.rtp.close()

    def _ended(self, cause: str) -> None:
        self.on_media(None)
        call, self.call, self.leg = self.call, None, None
        if self.state in ("ringing", "in_call"):
            self.state = "registered"
            self.on_state("registered", call, cause)

    def _set(self, state: str) -> None:
        self.state = state
        self.on_state(state, self.call, None)

    # -- LegEvents (the leg we answer) --------------------------------------------------------

    def leg_ringing(self, leg: Leg) -> None:
        pass

    def leg_answered(self, leg: Leg) -> None:
        pass

    def leg_confirmed(self, leg: Leg) -> None:
        log.info("softphone_call_confirmed", user=self.username)

    def leg_failed(self, leg: Leg, status: int) -> None:
        if leg is self.leg:
            self._ended(f"failed_{status}")

    def leg_ended(self, leg: Leg, cause: str) -> None:
        if leg is self.leg:
            self._ended(cause)

    def leg_dtmf(self, leg: Leg, digit: str) -> None:
        pass

    def snapshot(self) -> dict[str, Any]:
        call = self.call
        return {
            "state": self.state,
            "username": self.username,
            "call": None
            if call is None
            else {
                "call_id": call.call_id,
                "caller": call.caller,
                "caller_name": call.caller_name,
                "auto_answer": call.auto_answer,
            },
        }
