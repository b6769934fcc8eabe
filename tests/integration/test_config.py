"""Settings sources and the generated secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.config import Settings, load_settings, resolve_secret_key


def test_defaults() -> None:
    settings = Settings()
    assert settings.database_url == "sqlite:///var/helpline.db"
    assert (settings.host, settings.port, settings.token_ttl_minutes) == ("127.0.0.1", 8080, 720)
    assert settings.default_tenant == "default"


def test_env_beats_toml_and_arguments_beat_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "helpline.toml"
    toml.write_text('port = 9000\nhost = "0.0.0.0"\nlog_level = "debug"\n', encoding="utf-8")
    monkeypatch.setenv("HELPLINE_CONFIG", str(toml))
    monkeypatch.setenv("HELPLINE_PORT", "9100")
    settings = load_settings()
    assert (settings.host, settings.port, settings.log_level) == ("0.0.0.0", 9100, "DEBUG")
    assert load_settings(port=9200).port == 9200


def test_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELPLINE_CONFIG", "/no/such/helpline.toml")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_settings()


def test_secret_key_is_created_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "var"))
    key = resolve_secret_key(settings)
    assert len(key) >= 32
    assert resolve_secret_key(settings) == key
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert resolve_secret_key(Settings(data_dir=str(tmp_path), secret_key="given")) == "given"
