"""A mix-minus conference on a 20 ms clock: what three or more legs hear of each other.

Used when a supervisor joins a call (NORMS §2: 监听 listen, 耳语 whisper, 强插 barge,
拦截 intercept) and for three-party calls. Each leg's received audio is decoded into a
short FIFO; every 20 ms each participant is sent the sum of the frames of those it may
hear, never its own. Who hears whom:

* callers and agents are heard by everyone;
* a supervisor in ``listen`` mode is heard by no one, in ``whisper`` mode by the agents
  only, in ``barge`` or ``intercept`` mode by everyone.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from helpline.adapters.telephony.sip import g711
from helpline.adapters.telephony.sip.g711 import Pcm
from helpline.adapters.telephony.sip.leg import Leg
from helpline.adapters.telephony.sip.media import mix
from helpline.adapters.telephony.sip.rtp import SAMPLES_PER_FRAME
from helpline.adapters.telephony.sip.rtp_packet import RtpPacket

MAX_BUFFERED = SAMPLES_PER_FRAME * 10  # 200 ms: beyond that, the oldest audio is dropped


@dataclass
class Participant:
    key: str
    role: str  # "caller", "agent" or "supervisor"
    leg: Leg
    mode: str | None = None  # a supervisor's mode
    _fifo: Pcm = field(default_factory=lambda: np.zeros(0, dtype=np.int16))

    def feed(self, pcm: Pcm) -> None:
        self._fifo = np.concatenate([self._fifo, pcm])[-MAX_BUFFERED:]

    def take(self) -> Pcm | None:
        if len(self._fifo) < SAMPLES_PER_FRAME:
            return None
        frame, self._fifo = self._fifo[:SAMPLES_PER_FRAME], self._fifo[SAMPLES_PER_FRAME:]
        return frame

    def heard_by(self, listener: Participant) -> bool:
        if listener is self:
            return False
        if self.role != "supervisor":
            return True
        if self.mode in ("barge", "intercept"):
            return True
        return self.mode == "whisper" and listener.role == "agent"


class Conference:
    def __init__(self) -> None:
        self.participants: dict[str, Participant] = {}
        self.heard: Counter[str] = Counter()  # "listener<speaker" -> frames mixed, for the record
        self._task: asyncio.Task[None] | None = None

    def add(self, key: str, role: str, leg: Leg, mode: str | None = None) -> None:
        self.participants[key] = Participant(key, role, leg, mode)

    def tap(self, key: str) -> None:
        """Feed what ``key``'s leg receives into the mix (audio only; DTMF events are not mixed)."""
        participant = self.participants[key]

        def on_packet(packet: RtpPacket) -> None:
            plan = participant.leg.plan
            if plan is not None and packet.pt == plan.pt and packet.payload:
                participant.feed(g711.decode(packet.payload, plan.codec))

        previous = participant.leg.rtp.on_packet

        def both(packet: RtpPacket) -> None:  # keep the recorder the call wired in
            if previous is not None:
                previous(packet)
            on_packet(packet)

        participant.leg.rtp.on_packet = both

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        """Stop mixing (the legs keep whatever ``on_packet`` the call wires next)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def tick(self) -> None:
        """One 20 ms step: every participant gets the mix of those it hears."""
        frames = {key: p.take() for key, p in self.participants.items()}
        for listener in self.participants.values():
            heard = []
            for speaker in self.participants.values():
                frame = frames[speaker.key]
                if frame is not None and speaker.heard_by(listener):
                    heard.append(frame)
                    self.heard[f"{listener.key}<{speaker.key}"] += 1
            if listener.leg.live:
                listener.leg.rtp.send_pcm(mix(heard))

    async def _run(self) -> None:
        clock = asyncio.get_running_loop()
        start, index = clock.time(), 0
        while True:
            index += 1
            delay = start + index * 0.02 - clock.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:
                start, index = clock.time(), 0
            self.tick()
