"""The caller's first minute: prompts and digit collection on an answered leg.

:class:`IvrSession` is what an IVR flow works with (play a prompt with barge-in, collect
digits with a first-digit and an inter-digit timeout, a terminator, recording a message).
A flow is any ``async (IvrSession) -> str`` returning the caller's choice; :func:`menu` is
the built-in one (one prompt, up to N digits). Richer flows (the platform's flow engine,
``helpline.app.ivr.runner``) are other such functions: they also fill in
:attr:`IvrSession.route`, which the switch hands to the ACD with the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpline.adapters.telephony.sip import g711
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.media import play
from helpline.adapters.telephony.sip.recording import CallRecorder
from helpline.adapters.telephony.sip.rtp import RtpSession
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket


@dataclass(frozen=True)
class MenuConfig:
    prompt: Pcm
    max_digits: int = 1
    first_timeout: float = 5.0  # after the prompt ends
    inter_digit_timeout: float = 3.0
    terminator: str = "#"


class IvrSession:
    def __init__(
        self, rtp: RtpSession, *, caller: str, callee: str, tenant_id: str = "", call_id: str = ""
    ) -> None:
        self.rtp = rtp
        self.caller = caller
        self.callee = callee
        self.tenant_id = tenant_id
        self.call_id = call_id
        # what the flow decided, for the ACD: queue, priority, skills, data, or an action
        # (hangup, voicemail, callback) that ends the call without an agent
        self.route: dict[str, Any] = {}
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self._player: asyncio.Task[None] | None = None

    def dtmf(self, digit: str) -> None:
        """Feed a digit (RFC 4733 from RTP, or SIP INFO)."""
        self.digits.put_nowait(digit)

    async def play(self, pcm: Pcm, *, barge_in: bool = True) -> str | None:
        """Play ``pcm``; with barge-in, a key press stops it and is returned."""
        self._player = asyncio.create_task(play(self.rtp, pcm))
        try:
            if not barge_in:
                await self._player
                return None
            getter = asyncio.create_task(self.digits.get())
            done, _ = await asyncio.wait({self._player, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                return getter.result()
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await getter
            return None
        finally:
            await self.stop()

    async def stop(self) -> None:
        if self._player is not None and not self._player.done():
            self._player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._player
        self._player = None

    async def collect(
        self,
        max_digits: int,
        first_timeout: float,
        inter_digit_timeout: float,
        terminator: str = "#",
        first: str | None = None,
    ) -> str:
        """Digits until ``max_digits``, the terminator, or a timeout (what came so far)."""
        collected = ""
        pending = first
        while len(collected) < max_digits:
            if pending is None:
                timeout = first_timeout if not collected else inter_digit_timeout
                try:
                    pending = await asyncio.wait_for(self.digits.get(), timeout)
                except TimeoutError:
                    break
            if pending == terminator:
                break
            collected += pending
            pending = None
        return collected

    async def record(self, path: str | Path, max_seconds: float, stop_digits: str = "#") -> float:
        """Record what the caller says to a WAV (voicemail) until ``max_seconds`` or a key in
        ``stop_digits``; -> seconds recorded. What the call already does with the caller's
        audio (the call recording) goes on."""
        recorder = CallRecorder(path)  # on the clock: a silent caller still leaves a message
        track = recorder.track("caller")
        previous = self.rtp.on_packet

        def on_packet(packet: RtpPacket) -> None:
            if previous is not None:
                previous(packet)
            plan = self.rtp.plan
            if plan is not None and packet.pt == plan.pt and packet.payload:
                track.write(g711.decode(packet.payload, plan.codec))

        self.rtp.on_packet = on_packet
        deadline = time.monotonic() + max_seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    digit = await asyncio.wait_for(self.digits.get(), left)
                except TimeoutError:
                    break
                if digit in stop_digits:
                    break
        finally:
            if self.rtp.on_packet is on_packet:
                self.rtp.on_packet = previous
            seconds = recorder.close()
        return seconds


IvrFlow = Callable[[IvrSession], Awaitable[str]]


def menu(config: MenuConfig) -> IvrFlow:
    """Play the prompt (barge-in allowed) and collect up to ``max_digits`` digits."""

    async def flow(session: IvrSession) -> str:
        first = await session.play(config.prompt)
        return await session.collect(
            config.max_digits, config.first_timeout, config.inter_digit_timeout, config.terminator, first
        )

    return flow
