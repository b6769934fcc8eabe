"""Floor discipline (NORMS §5): messages from the leader, break requests with approval, norm alerts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:04:19.711612
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("from_user_id", sa.String(length=36), nullable=False),
        sa.Column("to_user_id", sa.String(length=36), nullable=True),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("to_all", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_agent_messages_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_messages")),
    )
    with op.batch_alter_table("agent_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_messages_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_agent_messages_to", ["tenant_id", "to_user_id", "created_at"], unique=False)

    op.create_table(
        "break_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_break_requests_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_requests")),
    )
    with op.batch_alter_table("break_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_break_requests_status", ["tenant_id", "status", "requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_break_requests_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "norm_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=True),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=36), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_norm_alerts_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_norm_alerts")),
    )
    with op.batch_alter_table("norm_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_norm_alerts_at", ["tenant_id", "raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_norm_alerts_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("norm_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_norm_alerts_tenant_id"))
        batch_op.drop_index("ix_norm_alerts_at")

    op.drop_table("norm_alerts")
    with op.batch_alter_table("break_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_break_requests_tenant_id"))
        batch_op.drop_index("ix_break_requests_status")

    op.drop_table("break_requests")
    with op.batch_alter_table("agent_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_messages_to")
        batch_op.drop_index(batch_op.f("ix_agent_messages_tenant_id"))

    op.drop_table("agent_messages")
