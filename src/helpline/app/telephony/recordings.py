"""Recordings: the WAV files a call leaves (its recording, split channels, a voicemail),
linked to its call record, and who may hear them.

Leaders hear every call of their tenant; an agent only the calls they took part in. Any
other call is answered as not found, so an agent cannot learn which calls exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpline.app.telephony.ports import TelephonyUnit, TelephonyUnits
from helpline.domain.errors import NotFound
from helpline.domain.telephony.records import LegQuality, Recording


async def save_recordings(
    units: TelephonyUnits, tenant_id: str, call_id: str, kind: str, files: Sequence[tuple[str, float]]
) -> None:
    """Link WAV files (path, seconds) of one kind to the call record (the IVR's voicemail)."""
    if not files:
        return
    async with units(tenant_id) as uow:
        await uow.recordings.add(
            [Recording(call_id, kind, path, round(seconds, 3)) for path, seconds in files]
        )
        await uow.commit()


async def keep_ended_call(
    uow: TelephonyUnit, call_id: str, recordings: Sequence[Recording], legs: Sequence[LegQuality]
) -> None:
    """A finished call's recordings and the media figures of its legs, in one commit."""
    if not recordings and not legs:
        return
    if recordings:
        await uow.recordings.add(recordings)
    if legs:
        await uow.call_quality.add(call_id, legs)
    await uow.commit()


async def may_hear(uow: TelephonyUnit, call_id: str, *, user_id: str, leader: bool) -> None:
    """NotFound (``call_not_found``) unless the call exists in the unit's tenant and the
    asker is a leader (or above) or one of its agents."""
    parties = await uow.call_parties.get(call_id)
    if parties is None:
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
    if leader or parties.agent_id == user_id:
        return
    if user_id not in await uow.call_parties.agents_on(call_id):
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)


async def recordings_of(
    uow: TelephonyUnit, call_id: str, *, user_id: str, leader: bool
) -> Sequence[Recording]:
    """Every recording of a call the asker may hear, oldest first."""
    await may_hear(uow, call_id, user_id=user_id, leader=leader)
    return await uow.recordings.of_call(call_id)


async def recording_file(
    uow: TelephonyUnit, call_id: str, kind: str, *, user_id: str, leader: bool
) -> Recording:
    """The newest recording of ``kind`` whose file is still there."""
    await may_hear(uow, call_id, user_id=user_id, leader=leader)
    found = await uow.recordings.latest(call_id, kind)
    if found is None or not Path(found.path).is_file():
        raise NotFound("recording_not_found", f"call {call_id} has no {kind} recording", call_id=call_id)
    return found
