"""Run the Alembic migrations from code: no alembic.ini, the script folder is in the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from helpline.adapters.db.engine import make_sync_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class MigrationResult:
    """Where the database was before and after, so a caller can say what it did."""

    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(database_url: str) -> Config:
    """An Alembic ``Config`` built in code. The URL travels in ``attributes`` (not the ini
    options) so that ``%`` in a password needs no escaping."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(database_url: str) -> str | None:
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> MigrationResult:
    """Migrate the database to ``revision`` (the newest by default); safe to run again."""
    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            after = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return MigrationResult(before=before, after=after)


def downgrade(database_url: str, revision: str) -> MigrationResult:
    """Step back to ``revision`` (``base`` empties the schema); used to test the migrations."""
    engine = make_sync_engine(database_url)
    try:
        with engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
            after = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return MigrationResult(before=before, after=after)
