"""Search (documents, exact-match fields, the text indexes of each engine) and the knowledge base
(articles and their versions).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:10:00.000000

The text indexes are raw SQL, one set per engine (docs/adr/0004-search.md):
SQLite gets a contentless FTS5 table with the trigram tokenizer, fed by triggers, and the list
of its trigrams; PostgreSQL
gets ``pg_trgm`` GIN on ``title || ' ' || body`` and a GIN over the ``grams`` column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
# The chain is 0003 -> 0004 -> 0005; while 0005_sip.py still revises 0003, this follows it.
down_revision = "0005"
branch_labels = None
depends_on = None

# Each column is indexed with two trailing spaces, so that a 1-2 character term at the very
# end of a title or body still starts an indexed trigram.
SQLITE_UP = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize='trigram', content='')",
    # Every trigram ever indexed (written by the app), to expand 1-2 character terms.
    "CREATE TABLE search_fts_terms (term TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID",
    """CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title || '  ', new.body || '  ');
    END""",
    """CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title || '  ', old.body || '  ');
    END""",
    """CREATE TRIGGER search_documents_fts_update AFTER UPDATE OF title, body ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title || '  ', old.body || '  ');
        INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title || '  ', new.body || '  ');
    END""",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS search_documents_fts_update",
    "DROP TRIGGER IF EXISTS search_documents_fts_delete",
    "DROP TRIGGER IF EXISTS search_documents_fts_insert",
    "DROP TABLE IF EXISTS search_fts_terms",
    "DROP TABLE IF EXISTS search_fts",
)
POSTGRESQL_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_documents ADD COLUMN grams TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX ix_search_documents_trgm ON search_documents "
    "USING gin ((title || ' ' || body) gin_trgm_ops)",
    "CREATE INDEX ix_search_documents_grams ON search_documents USING gin (string_to_array(grams, ' '))",
)
# pg_trgm stays: other schemas of the database may use it.
POSTGRESQL_DOWN = (
    "DROP INDEX IF EXISTS ix_search_documents_grams",
    "DROP INDEX IF EXISTS ix_search_documents_trgm",
    "ALTER TABLE search_documents DROP COLUMN IF EXISTS grams",
)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"), ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("source_order_id", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.CheckConstraint("basis IN ('knowledge', 'law', 'policy')", name=op.f("ck_kb_articles_basis")),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_kb_articles_status")),
        _tenant_fk("kb_articles"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint(
            "tenant_id", "source_order_id", name=op.f("uq_kb_articles_tenant_id_source_order_id")
        ),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_kb_articles_tenant_status", ["tenant_id", "status", "updated_at"], unique=False
        )

    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_versions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        _tenant_fk("kb_article_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_versions")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_kb_article_versions_article_id_version")),
    )
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_article_versions_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        _tenant_fk("search_documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "ref_id", name=op.f("uq_search_documents_tenant_id_kind_ref_id")
        ),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index("ix_search_documents_recent", ["tenant_id", "kind", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "search_fields",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["doc_id"],
            ["search_documents.id"],
            name=op.f("fk_search_fields_doc_id_search_documents"),
            ondelete="CASCADE",
        ),
        _tenant_fk("search_fields"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_fields")),
    )
    with op.batch_alter_table("search_fields", schema=None) as batch_op:
        batch_op.create_index("ix_search_fields_doc", ["doc_id"], unique=False)
        batch_op.create_index(
            "ix_search_fields_lookup", ["tenant_id", "kind", "name", "value", "doc_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_search_fields_tenant_id"), ["tenant_id"], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_UP if dialect == "postgresql" else SQLITE_UP if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (
        POSTGRESQL_DOWN if dialect == "postgresql" else SQLITE_DOWN if dialect == "sqlite" else ()
    ):
        op.execute(statement)

    with op.batch_alter_table("search_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_fields_tenant_id"))
        batch_op.drop_index("ix_search_fields_lookup")
        batch_op.drop_index("ix_search_fields_doc")
    op.drop_table("search_fields")

    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_tenant_id"))
        batch_op.drop_index("ix_search_documents_recent")
    op.drop_table("search_documents")

    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_versions_tenant_id"))
    op.drop_table("kb_article_versions")

    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_tenant_status")
        batch_op.drop_index(batch_op.f("ix_kb_articles_tenant_id"))
    op.drop_table("kb_articles")
