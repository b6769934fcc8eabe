"""The WebRTC gateway: one :class:`SoftphoneLine` per user who turned the browser softphone on.

A line is an aiortc peer connection to the browser (audio both ways, and a data channel
``events`` on which the line pushes its state) plus a :class:`SipPhone` registered to the
switch with the user's SIP account. Signalling is one HTTP exchange: the browser posts its
offer with every ICE candidate gathered, the answer comes back the same way (no trickle).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import structlog
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdatachannel import RTCDataChannel

from helpline.adapters.telephony.sip.rtp import RtpSession
from helpline.adapters.webrtc.audio import MicrophonePump, SwitchAudioTrack
from helpline.adapters.webrtc.sip_phone import Ringing, SipPhone

log = structlog.get_logger("helpline.softphone")
Key = tuple[str, str]  # (tenant id, user id)


class SoftphoneLine:
    """A browser's audio and a SIP phone, joined."""

    def __init__(
        self,
        key: Key,
        phone: SipPhone,
        ice_servers: list[str],
        on_change: Callable[[SoftphoneLine], None] | None = None,
    ) -> None:
        self.key = key
        self.id = secrets.token_hex(8)  # which line of this user (a reload makes a new one)
        self.phone = phone
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(u) for u in ice_servers]))
        self.to_browser = SwitchAudioTrack()
        self.pump = MicrophonePump(lambda: self._rtp)
        self.channel: RTCDataChannel | None = None
        self.on_change = on_change or (lambda line: None)
        self.on_gone: Callable[[SoftphoneLine], None] = lambda line: None
        self.last_cause: str | None = None
        self._rtp: RtpSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        phone.on_state = self._phone_state
        phone.on_media = self._media

    # -- signalling ---------------------------------------------------------------------------

    async def accept(self, offer_sdp: str) -> str:
        """Answer the browser's offer (audio and the ``events`` data channel) -> answer SDP."""
        pc = self.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self._spawn(self.pump.run(track))

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            self.channel = channel
            channel.on("message", self._message)
            self.push()

        @pc.on("connectionstatechange")
        async def on_connection() -> None:
            log.info("softphone_webrtc", user=self.key[1], state=pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                self.phone.hangup()
                self.on_gone(self)  # the browser is gone: unregister, so nothing rings here

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        pc.addTrack(self.to_browser)
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)  # gathers every candidate: no trickle
        return str(pc.localDescription.sdp)

    # -- the phone ----------------------------------------------------------------------------

    def _media(self, rtp: RtpSession | None) -> None:
        self._rtp = rtp
        self.to_browser.attach(rtp)

    def _phone_state(self, state: str, call: Ringing | None, cause: str | None) -> None:
        if state == "in_call":
            self.to_browser.start_sending()
        self.last_cause = cause
        self.push()
        self.on_change(self)

    def _message(self, text: Any) -> None:
        """``{"dtmf": "12#"}`` from the browser's keypad: no HTTP round trip per key."""
        try:
            message = json.loads(text) if isinstance(text, str) else {}
        except ValueError:
            return
        digits = message.get("dtmf") if isinstance(message, dict) else None
        if isinstance(digits, str) and 0 < len(digits) <= 32:
            with contextlib.suppress(ValueError):  # a key not on the keypad: ignored
                self.phone.dtmf(digits)

    def snapshot(self) -> dict[str, Any]:
        return {
            **self.phone.snapshot(),
            "line": self.id,
            "webrtc": self.pc.connectionState,
            "cause": self.last_cause,
            "frames_to_browser": self.to_browser.frames_from_switch,
            "frames_to_switch": self.pump.frames_to_switch,
            "mic_peak": round(self.pump.peak_level, 4),
        }

    def push(self) -> None:
        """Tell the browser the line's state (on the data channel, when it is open)."""
        channel = self.channel
        if channel is not None and channel.readyState == "open":
            with contextlib.suppress(Exception):  # a closing channel: the browser is going anyway
                channel.send(json.dumps(self.snapshot()))

    def answer(self) -> bool:
        return self.phone.answer()

    def hangup(self) -> bool:
        return self.phone.hangup()

    def dtmf(self, digits: str) -> bool:
        return self.phone.dtmf(digits)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, *, unregister: bool = True) -> None:
        await self.phone.stop(unregister=unregister)
        self._media(None)
        self.to_browser.stop()
        await self.pc.close()
        for task in list(self._tasks):
            task.cancel()


class WebRtcGateway:
    """The lines of every signed-in user with the softphone on, by (tenant, user)."""

    def __init__(
        self,
        switch: Callable[[], tuple[str, int]],
        *,
        ice_servers: list[str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.switch = switch  # where the SIP switch listens (known once it has started)
        self.ice_servers = list(ice_servers or [])
        self.host = host
        self.lines: dict[Key, SoftphoneLine] = {}
        self.on_change: Callable[[SoftphoneLine], None] = lambda line: None
        self._closing: set[asyncio.Task[bool]] = set()

    async def open(
        self, key: Key, username: str, password: str | Callable[[], str], offer_sdp: str
    ) -> tuple[SoftphoneLine, str]:
        """Register the user's SIP phone and answer the browser's offer; a line the user
        already had (another tab, a reload) is closed first. Raises ``RegisterFailed``."""
        await self.close(key)
        phone = SipPhone(username, password, self.switch(), host=self.host)
        line = SoftphoneLine(key, phone, self.ice_servers, on_change=lambda line: self.on_change(line))
        line.on_gone = self._gone
        try:
            answer = await line.accept(offer_sdp)
            await phone.start()
        except BaseException:
            await line.close()
            raise
        self.lines[key] = line
        log.info("softphone_on", tenant=key[0], user=key[1], sip_user=username)
        return line, answer

    def _gone(self, line: SoftphoneLine) -> None:
        if self.lines.get(line.key) is line:
            task = asyncio.ensure_future(self.close(line.key))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def get(self, key: Key) -> SoftphoneLine | None:
        return self.lines.get(key)

    async def close(self, key: Key, *, unregister: bool = True, line_id: str | None = None) -> bool:
        """Close the user's line (only if it is ``line_id``, when given: a late "off" from a
        page that was reloaded must not close the line the new page opened)."""
        line = self.lines.get(key)
        if line is None or (line_id is not None and line.id != line_id):
            return False
        del self.lines[key]
        await line.close(unregister=unregister)
        log.info("softphone_off", tenant=key[0], user=key[1])
        return True

    async def close_all(self, *, unregister: bool = True) -> None:
        for key in list(self.lines):
            await self.close(key, unregister=unregister)
