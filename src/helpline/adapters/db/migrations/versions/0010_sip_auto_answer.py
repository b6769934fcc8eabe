"""Auto-answer per agent phone: ``sip_accounts.auto_answer`` (offered calls carry
``Call-Info: answer-after=0``, so a headset agent's phone picks up by itself).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sip_accounts") as batch:
        batch.add_column(sa.Column("auto_answer", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sip_accounts") as batch:
        batch.drop_column("auto_answer")
