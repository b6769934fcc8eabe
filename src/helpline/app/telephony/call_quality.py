"""Call quality: the media figures of each leg of a finished call (RTP received, lost,
jitter; what the far end's RTCP said), kept with the call and read back by the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from helpline.app.telephony.ports import LegStats, TelephonyUnit
from helpline.app.telephony.recordings import may_hear
from helpline.domain.telephony.records import QUALITY_FIGURES, LegQuality


def leg_qualities(rtp: Mapping[str, LegStats]) -> list[LegQuality]:
    """One record per leg: ``leg`` (``caller`` or the party's id), ``role`` and the figures,
    cut to what storage holds."""
    legs = []
    for leg, stats in rtp.items():
        figures = stats.quality()
        values = {name: figures[name] for name in QUALITY_FIGURES if figures.get(name) is not None}
        values["codec"] = str(values.get("codec") or "")[:8]
        role = stats.role or ("caller" if leg == "caller" else "agent")
        legs.append(LegQuality(leg=str(leg)[:64], role=str(role)[:16], **values))
    return legs


def quality_row(leg: LegQuality) -> dict[str, Any]:
    """A leg as the API and /metrics see it: ``leg``, ``role``, then the figures."""
    return asdict(leg)


async def call_quality(
    uow: TelephonyUnit, call_id: str, *, user_id: str, leader: bool
) -> Sequence[LegQuality]:
    """The legs of a call the asker may hear (:func:`may_hear`)."""
    await may_hear(uow, call_id, user_id=user_id, leader=leader)
    return await uow.call_quality.of_call(call_id)
