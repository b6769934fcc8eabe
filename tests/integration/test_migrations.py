"""Migrations: apply on an empty database, match the models, go down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from helpline.adapters.db.base import Base
from helpline.adapters.db.engine import make_sync_engine
from helpline.adapters.db.fulltext import include_object
from helpline.adapters.db.migrate import current_revision, downgrade, head_revision, upgrade


def test_upgrade_empty_database_to_head_and_again(empty_database_url: str) -> None:
    first = upgrade(empty_database_url)
    assert (first.before, first.after) == (None, head_revision())
    assert first.changed
    second = upgrade(empty_database_url)
    assert not second.changed
    engine = make_sync_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, name, locale FROM tenants")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("default", "Default", "zh-CN")]


def test_downgrade_to_base_and_back(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert downgrade(empty_database_url, "base").after is None
    assert current_revision(empty_database_url) is None
    assert upgrade(empty_database_url).after == head_revision()


def test_models_match_the_migrations(database_url: str) -> None:
    """A table or column added to the models without a migration fails here."""
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as conn:
            opts = {"compare_type": True, "include_object": include_object}
            context = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_every_table_but_tenants_is_tenant_scoped() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == "tenants":
            continue
        assert "tenant_id" in table.c, table.name
        assert not table.c.tenant_id.nullable, table.name
