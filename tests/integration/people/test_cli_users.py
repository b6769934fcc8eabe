"""``helpline db upgrade``, ``helpline tenant ...`` and ``helpline user ...`` on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpline.adapters.db.migrate import head_revision
from helpline.cli import app


@pytest.fixture
def run(tmp_path: Path) -> CliRunner:
    return CliRunner(
        env={
            "HELPLINE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
            "HELPLINE_DATA_DIR": str(tmp_path),
            "HELPLINE_PASSWORD_HASHING": "fast",
        }
    )


def invoke(runner: CliRunner, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin)


def test_db_upgrade_says_what_it_did(run: CliRunner) -> None:
    first = invoke(run, "db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"upgraded from empty to {head_revision()}" in first.output
    second = invoke(run, "db", "upgrade")
    assert second.exit_code == 0
    assert f"already at {head_revision()}" in second.output


def test_add_tenant_and_users_then_list(run: CliRunner) -> None:
    invoke(run, "db", "upgrade")
    tenant = invoke(run, "tenant", "add", "acme", "--name", "Acme 客服")
    assert tenant.exit_code == 0, tenant.output
    added = invoke(
        run,
        "user",
        "add",
        "Boss",
        "--role",
        "admin",
        "--password",
        "pw-12345678",
        "--tenant",
        "acme",
        "--name",
        "老板",
    )
    assert added.exit_code == 0, added.output
    assert "added admin boss to tenant acme" in added.output

    listing = invoke(run, "user", "list", "--tenant", "acme")
    assert listing.exit_code == 0
    assert "boss" in listing.output and "老板" in listing.output and "admin" in listing.output
    assert "boss" not in invoke(run, "user", "list").output  # the default tenant has nobody
    tenants = invoke(run, "tenant", "list").output
    assert "acme" in tenants and "default" in tenants


def test_password_is_prompted_when_omitted(run: CliRunner) -> None:
    invoke(run, "db", "upgrade")
    result = invoke(run, "user", "add", "agent7", stdin="pw-12345678\npw-12345678\n")
    assert result.exit_code == 0, result.output
    assert "pw-12345678" not in result.output  # hidden input is not echoed
    assert "agent7" in invoke(run, "user", "list").output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "role must be one of"),
        (["--tenant", "nowhere"], "no tenant 'nowhere'"),
        (["--password", "short"], "password must be"),
    ],
)
def test_bad_input_exits_1_and_writes_nothing(run: CliRunner, args: list[str], message: str) -> None:
    invoke(run, "db", "upgrade")
    argv = ["user", "add", "someone", "--password", "pw-12345678", *args]
    result = invoke(run, *argv)
    assert result.exit_code == 1
    assert message in result.output
    assert "someone" not in invoke(run, "user", "list").output


def test_taken_username_exits_1(run: CliRunner) -> None:
    invoke(run, "db", "upgrade")
    assert invoke(run, "user", "add", "li", "--password", "pw-12345678").exit_code == 0
    again = invoke(run, "user", "add", "LI", "--password", "pw-12345678", "--role", "admin")
    assert again.exit_code == 1
    assert "username 'li' is taken" in again.output
    listing = invoke(run, "user", "list").output
    assert listing.count("agent") == 1 and "admin" not in listing  # the first one, unchanged


def test_unmigrated_database_gives_a_hint(run: CliRunner) -> None:
    result = invoke(run, "user", "add", "x", "--password", "pw-12345678")
    assert result.exit_code == 1
    assert "helpline db upgrade" in result.output
