"""Work orders with their calls, timeline, comments, attachments and custom field values;
units and handlers, duty roster, reason codes, custom field definitions, number counters,
and SLA clocks and events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 05:30:34.213433
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("leader_id", sa.String(length=36), nullable=False),
        sa.Column("hours", sa.String(length=16), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_duty_shifts_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
    )
    with op.batch_alter_table("duty_shifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_shifts_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "reason_codes",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_reason_codes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "code", name=op.f("pk_reason_codes")),
    )
    op.create_table(
        "sla_clocks",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_sla_clocks_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_sla_clocks")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_sla_clocks_tenant_order", ["tenant_id", "order_id"], unique=False)
        batch_op.create_index("ix_sla_clocks_tenant_state", ["tenant_id", "state"], unique=False)

    op.create_table(
        "sla_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("clock_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sla_events_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_events")),
    )
    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.create_index("ix_sla_events_tenant_at", ["tenant_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_events_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_sla_events_tenant_order", ["tenant_id", "order_id"], unique=False)

    op.create_table(
        "units",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("head_user_id", sa.String(length=36), nullable=True),
        sa.Column("calendar", sa.JSON(), nullable=True),
        sa.Column("deadline_hours", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_units_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_units")),
    )
    op.create_table(
        "work_order_counters",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_work_order_counters_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("pk_work_order_counters")),
    )
    op.create_table(
        "work_order_field_defs",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("required_for", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("tree", sa.JSON(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=True),
        sa.Column("maximum", sa.Float(), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("leaf_only", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_work_order_field_defs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_work_order_field_defs")),
    )
    op.create_table(
        "unit_members",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_unit_members_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_unit_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_unit_members")),
    )
    with op.batch_alter_table("unit_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_members_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=True),
        sa.Column("call_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("complex_case", sa.Boolean(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("event_time", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("course", sa.Text(), nullable=True),
        sa.Column("request", sa.Text(), nullable=True),
        sa.Column("who", sa.Text(), nullable=True),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("how", sa.Text(), nullable=True),
        sa.Column("caller_name", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("three_way_party", sa.Text(), nullable=True),
        sa.Column("answer_mode", sa.String(length=16), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("caller_number", sa.String(length=64), nullable=True),
        sa.Column("caller_key", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=True),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("first_owner_id", sa.String(length=36), nullable=True),
        sa.Column("assignee_kind", sa.String(length=8), nullable=True),
        sa.Column("assignee_id", sa.String(length=64), nullable=True),
        sa.Column("supervised", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("duplicate_ids", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("reply_text", sa.Text(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("return_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_work_orders_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_work_orders_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_work_orders_tenant_id_number")),
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index("ix_work_orders_tenant_assignee", ["tenant_id", "assignee_id"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_call", ["tenant_id", "call_id"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_caller_key", ["tenant_id", "caller_key"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_created", ["tenant_id", "created_at"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_customer", ["tenant_id", "customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_orders_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_owner", ["tenant_id", "first_owner_id"], unique=False)
        batch_op.create_index("ix_work_orders_tenant_state", ["tenant_id", "state"], unique=False)

    op.create_table(
        "work_order_attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_attachments_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_work_order_attachments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_attachments")),
    )
    with op.batch_alter_table("work_order_attachments", schema=None) as batch_op:
        batch_op.create_index("ix_work_order_attachments_order", ["tenant_id", "order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_attachments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "work_order_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_calls_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_work_order_calls_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_calls")),
        sa.UniqueConstraint(
            "tenant_id", "order_id", "call_id", name=op.f("uq_work_order_calls_tenant_id_order_id_call_id")
        ),
    )
    with op.batch_alter_table("work_order_calls", schema=None) as batch_op:
        batch_op.create_index("ix_work_order_calls_call", ["tenant_id", "call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_calls_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "work_order_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_comments_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_work_order_comments_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_comments")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_work_order_comments_order_id_seq")),
    )
    with op.batch_alter_table("work_order_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_comments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "work_order_fields",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_fields_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_work_order_fields_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_fields")),
        sa.UniqueConstraint("order_id", "key", name=op.f("uq_work_order_fields_order_id_key")),
    )
    with op.batch_alter_table("work_order_fields", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_fields_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_work_order_fields_value", ["tenant_id", "key", "value"], unique=False)

    op.create_table(
        "work_order_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("old_state", sa.String(length=16), nullable=False),
        sa.Column("new_state", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_timeline_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_work_order_timeline_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_timeline")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_work_order_timeline_order_id_seq")),
    )
    with op.batch_alter_table("work_order_timeline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_timeline_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_order_timeline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_timeline_tenant_id"))

    op.drop_table("work_order_timeline")
    with op.batch_alter_table("work_order_fields", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_fields_value")
        batch_op.drop_index(batch_op.f("ix_work_order_fields_tenant_id"))

    op.drop_table("work_order_fields")
    with op.batch_alter_table("work_order_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_comments_tenant_id"))

    op.drop_table("work_order_comments")
    with op.batch_alter_table("work_order_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_calls_tenant_id"))
        batch_op.drop_index("ix_work_order_calls_call")

    op.drop_table("work_order_calls")
    with op.batch_alter_table("work_order_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_attachments_tenant_id"))
        batch_op.drop_index("ix_work_order_attachments_order")

    op.drop_table("work_order_attachments")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_work_orders_tenant_state")
        batch_op.drop_index("ix_work_orders_tenant_owner")
        batch_op.drop_index(batch_op.f("ix_work_orders_tenant_id"))
        batch_op.drop_index("ix_work_orders_tenant_customer")
        batch_op.drop_index("ix_work_orders_tenant_created")
        batch_op.drop_index("ix_work_orders_tenant_caller_key")
        batch_op.drop_index("ix_work_orders_tenant_call")
        batch_op.drop_index("ix_work_orders_tenant_assignee")

    op.drop_table("work_orders")
    with op.batch_alter_table("unit_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_members_tenant_id"))

    op.drop_table("unit_members")
    op.drop_table("work_order_field_defs")
    op.drop_table("work_order_counters")
    op.drop_table("units")
    with op.batch_alter_table("sla_events", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_events_tenant_order")
        batch_op.drop_index(batch_op.f("ix_sla_events_tenant_id"))
        batch_op.drop_index("ix_sla_events_tenant_at")

    op.drop_table("sla_events")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clocks_tenant_state")
        batch_op.drop_index("ix_sla_clocks_tenant_order")

    op.drop_table("sla_clocks")
    op.drop_table("reason_codes")
    with op.batch_alter_table("duty_shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_shifts_tenant_id"))

    op.drop_table("duty_shifts")
