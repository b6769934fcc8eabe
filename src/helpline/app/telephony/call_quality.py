"""Call quality rows: the media figures of each leg of a finished call (RTP received, lost,
jitter; what the far end's RTCP said), kept with the call and read back by the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables.telephony import CallLegQuality

FIELDS = (
    "codec",
    "packets_sent",
    "octets_sent",
    "packets_received",
    "octets_received",
    "packets_lost",
    "jitter_ms",
    "rtcp_sent",
    "rtcp_received",
    "remote_fraction_lost",
    "remote_packets_lost",
    "remote_jitter_ms",
    "rtt_ms",
)


class LegStats(Protocol):
    """What the switch keeps per leg (``RtpStats``)."""

    role: str

    def quality(self) -> dict[str, Any]: ...


def leg_rows(rtp: Mapping[str, LegStats]) -> list[dict[str, Any]]:
    """One row per leg: ``leg`` (``caller`` or the party's id), ``role`` and the figures."""
    return [
        {"leg": leg, "role": stats.role or ("caller" if leg == "caller" else "agent"), **stats.quality()}
        for leg, stats in rtp.items()
    ]


async def save_quality(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    call_id: str,
    rows: Sequence[dict[str, Any]],
) -> None:
    if not rows:
        return
    async with sessionmaker() as session, session.begin():
        for row in rows:
            values = {k: row.get(k) for k in FIELDS}
            values["codec"] = (values["codec"] or "")[:8]
            session.add(
                CallLegQuality(
                    tenant_id=tenant_id,
                    call_id=call_id,
                    leg=str(row["leg"])[:64],
                    role=str(row["role"])[:16],
                    **values,
                )
            )


async def call_quality(session: AsyncSession, tenant_id: str, call_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(CallLegQuality)
        .where(CallLegQuality.tenant_id == tenant_id, CallLegQuality.call_id == call_id)
        .order_by(CallLegQuality.id)
    )
    return [{"leg": r.leg, "role": r.role, **{k: getattr(r, k) for k in FIELDS}} for r in rows.all()]
