"""What the IVR needs from outside: its flows in storage, the callers the customer records
know, and the conversion of audio files to telephone audio (numpy work done by an adapter)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from helpline.app.acd.ports import AcdUnit
from helpline.domain.ivr.records import IvrFlowRecord

Pcm = np.ndarray
"""Telephone audio: 8 kHz mono 16-bit samples."""


class IvrFlowRepository(Protocol):
    async def get(self, flow_id: str) -> IvrFlowRecord | None: ...

    async def list(self) -> Sequence[IvrFlowRecord]:
        """This tenant's flows, ordered by id."""
        ...

    async def put(self, flow: IvrFlowRecord) -> IvrFlowRecord:
        """Create or replace (``updated_at`` is filled in)."""
        ...

    async def delete(self, flow_id: str) -> None: ...

    async def active_everywhere(self) -> Sequence[IvrFlowRecord]:
        """The active flows of every tenant: the numbers they answer belong to the platform's
        switch, so one flow in all answers a number (and the switch loads them all)."""
        ...


class IvrUnit(AcdUnit, Protocol):
    """The flows, and the ACD's repositories (flows name queues; callers ask for callbacks)."""

    @property
    def ivr_flows(self) -> IvrFlowRepository: ...


IvrUnits = Callable[[str], AbstractAsyncContextManager[IvrUnit]]
"""Opens a unit for a tenant: the IVR works outside requests, one short unit per need."""


@dataclass(frozen=True)
class KnownCaller:
    """A customer whose number called (the IVR's VIP look-up)."""

    customer_id: str
    vip_level: int


CallerLookup = Callable[[str, str], Awaitable[KnownCaller | None]]
"""``lookup(tenant_id, caller)``: the best-matching customer, or None."""


class PhoneAudio(Protocol):
    """WAV files in and out of telephone audio."""

    def to_phone_pcm(self, data: bytes) -> Pcm:
        """Any uncompressed PCM WAV as 8 kHz mono 16-bit; ``ValueError`` when it is not one."""
        ...

    def encode_wav(self, pcm: Pcm) -> bytes: ...
