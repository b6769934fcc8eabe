"""Call quality per leg (RTP/RTCP statistics of finished SIP calls).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_leg_quality",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("leg", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("codec", sa.String(length=8), nullable=False),
        sa.Column("packets_sent", sa.Integer(), nullable=False),
        sa.Column("octets_sent", sa.Integer(), nullable=False),
        sa.Column("packets_received", sa.Integer(), nullable=False),
        sa.Column("octets_received", sa.Integer(), nullable=False),
        sa.Column("packets_lost", sa.Integer(), nullable=False),
        sa.Column("jitter_ms", sa.Float(), nullable=False),
        sa.Column("rtcp_sent", sa.Integer(), nullable=False),
        sa.Column("rtcp_received", sa.Integer(), nullable=False),
        sa.Column("remote_fraction_lost", sa.Float(), nullable=True),
        sa.Column("remote_packets_lost", sa.Integer(), nullable=True),
        sa.Column("remote_jitter_ms", sa.Float(), nullable=True),
        sa.Column("rtt_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_call_leg_quality_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_leg_quality")),
    )
    with op.batch_alter_table("call_leg_quality", schema=None) as batch_op:
        batch_op.create_index("ix_call_leg_quality_call", ["tenant_id", "call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_leg_quality_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_leg_quality", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_leg_quality_tenant_id"))
        batch_op.drop_index("ix_call_leg_quality_call")
    op.drop_table("call_leg_quality")
