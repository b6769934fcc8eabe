"""Settings: environment (``HELPLINE_*``), then an optional TOML file, then defaults.

Nothing here touches the disk at import time: the TOML file is read when a ``Settings`` is
built, and the secret key file only when :func:`resolve_secret_key` is called.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "HELPLINE_CONFIG"
SECRET_KEY_FILE = "secret_key"


class Settings(BaseSettings):
    """Everything the platform can be told at start-up; precedence: arguments > env > TOML."""

    model_config = SettingsConfigDict(env_prefix="HELPLINE_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/helpline.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key: str = ""
    token_ttl_minutes: int = Field(default=720, ge=1)
    data_dir: str = "var"
    telephony: str = "sim"
    log_level: str = "INFO"
    log_json: bool = True
    default_tenant: str = "default"
    # "fast" makes argon2 cheap; only for tests, where hundreds of hashes would cost seconds.
    password_hashing: Literal["standard", "fast"] = "standard"
    # -- the SIP switch (telephony = "sip"); see docs/adr/0003-sip-softswitch.md
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(default=5060, ge=0, le=65535)  # 0: any free port (tests)
    sip_public_host: str = ""  # what SDP/Contact say when sip_host is 0.0.0.0
    sip_realm: str = "helpline"
    # trunks (and, by default, softphones on this machine) may call in without digest auth
    sip_trusted_peers: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
    # the numbers callers dial -> the tenant that owns them (IVR flows can add more)
    sip_inbound_numbers: dict[str, str] = Field(default_factory=lambda: {"100": "default"})
    # host[:port] of the carrier (UDP) that outbound calls leave through; "" = no dial-out
    sip_trunk: str = ""
    sip_caller_id: str = ""  # the number outbound calls present (From, P-Asserted-Identity)
    # before the switch answers: "answer" at once, 183 early media with "ringback" first, or
    # the whole "ivr" in early media (answered when it hands the call on); see sip/early.py
    sip_early_media: Literal["answer", "ringback", "ivr"] = "answer"
    sip_early_media_seconds: float = Field(default=3.0, ge=0, le=60)
    sip_ringback: Literal["cn", "eu", "us"] = "cn"  # 450 Hz (China), 425 Hz, 440+480 Hz
    sip_ringback_by_tenant: dict[str, Literal["cn", "eu", "us"]] = Field(default_factory=dict)
    # both directions recorded apart as well: "stereo" (caller left, agent right) or "mono" files
    sip_split_recording: Literal["", "stereo", "mono"] = ""
    sip_split_recording_by_tenant: dict[str, Literal["", "stereo", "mono"]] = Field(default_factory=dict)
    # an agent answers at the desktop while the desk phone rings: "reinvite" (CANCEL, then ring
    # again with Call-Info answer-after=0), "notify" (NOTIFY Event: talk, for phones that allow
    # remote control; re-INVITE when refused) or "off"; see ADR 0003
    sip_desk_answer: Literal["reinvite", "notify", "off"] = "reinvite"
    # STUN servers ("stun:host:port") the browser softphone and its gateway use to find their
    # public addresses when they are not on one network (docs/adr/0005-browser-softphone.md)
    webrtc_ice_servers: list[str] = Field(default_factory=list)
    rtp_port_min: int = Field(default=20000, ge=1024, le=65534)
    rtp_port_max: int = Field(default=20999, ge=1025, le=65535)
    recordings_dir: str = ""  # "" = <data_dir>/recordings
    prompts_dir: str = ""  # "" = <data_dir>/prompts

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = os.environ.get(CONFIG_ENV)
        if path:
            toml = Path(path)
            if not toml.is_file():
                raise FileNotFoundError(f"{CONFIG_ENV}={path}: no such file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml))
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment and the TOML file; keyword arguments win."""
    return Settings(**overrides)


def resolve_secret_key(settings: Settings) -> str:
    """The configured key, or the one kept in ``<data_dir>/secret_key`` (created on first use).

    Keeping a generated key on disk means tokens survive a restart without anyone having to
    invent a secret for a first run.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
