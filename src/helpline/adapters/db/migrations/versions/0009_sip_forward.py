"""An agent reachable at an outside number: ``sip_accounts.forward_to`` (the switch rings that
number through the trunk instead of a registered phone).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 09:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sip_accounts") as batch:
        batch.add_column(sa.Column("forward_to", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sip_accounts") as batch:
        batch.drop_column("forward_to")
