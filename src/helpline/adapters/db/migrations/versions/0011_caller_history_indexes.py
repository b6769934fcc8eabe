"""A caller's history in the order it is shown: calls by (tenant, caller key, arrival) and
work orders by (tenant, caller key, creation) and (tenant, customer, creation).

The screen pop asks for a caller's latest calls and orders. With only (tenant, caller key)
indexed, SQLite preferred walking the tenant's whole history backwards by time (to skip a
sort) and testing each row, which grows with the history, not with the caller's share of it.
The new indexes answer both the filter and the order; each replaces the one it extends.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, old index, new index, new columns)
CHANGES = [
    (
        "calls",
        "ix_calls_tenant_caller_key",
        "ix_calls_tenant_caller_arrived",
        ["tenant_id", "caller_key", "arrived_at"],
    ),
    (
        "work_orders",
        "ix_work_orders_tenant_caller_key",
        "ix_work_orders_tenant_caller_created",
        ["tenant_id", "caller_key", "created_at"],
    ),
    (
        "work_orders",
        "ix_work_orders_tenant_customer",
        "ix_work_orders_tenant_customer_created",
        ["tenant_id", "customer_id", "created_at"],
    ),
]


def upgrade() -> None:
    for table, old, new, columns in CHANGES:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, new, columns in CHANGES:
        op.create_index(old, table, columns[:2])
        op.drop_index(new, table_name=table)
