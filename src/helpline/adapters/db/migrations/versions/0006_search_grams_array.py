"""PostgreSQL search: the short-term ``grams`` column becomes a text array, and one GIN index
covers both the trigram expression and the grams (docs/adr/0004-search.md).

One index for both columns lets a query with a long and a short term be one index scan that
skips through both posting lists, not two full scans ANDed. SQLite is unchanged.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-25 09:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

POSTGRESQL_UP = (
    "DROP INDEX IF EXISTS ix_search_documents_grams",
    "DROP INDEX IF EXISTS ix_search_documents_trgm",
    "ALTER TABLE search_documents ALTER COLUMN grams DROP DEFAULT",
    "ALTER TABLE search_documents ALTER COLUMN grams TYPE TEXT[] "
    "USING array_remove(string_to_array(grams, ' '), '')",
    "ALTER TABLE search_documents ALTER COLUMN grams SET DEFAULT '{}'",
    "CREATE INDEX ix_search_documents_text ON search_documents USING gin "
    "((title || ' ' || body) gin_trgm_ops, grams)",
)
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_search_documents_text",
    "ALTER TABLE search_documents ALTER COLUMN grams DROP DEFAULT",
    "ALTER TABLE search_documents ALTER COLUMN grams TYPE TEXT USING array_to_string(grams, ' ')",
    "ALTER TABLE search_documents ALTER COLUMN grams SET DEFAULT ''",
    "CREATE INDEX ix_search_documents_trgm ON search_documents "
    "USING gin ((title || ' ' || body) gin_trgm_ops)",
    "CREATE INDEX ix_search_documents_grams ON search_documents USING gin (string_to_array(grams, ' '))",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWN:
            op.execute(statement)
