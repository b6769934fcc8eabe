"""What the switch is told at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.timers import TimerConfig


@dataclass
class SipConfig:
    """``users`` maps agent extensions to SIP passwords; ``inbound_numbers`` maps the numbers
    callers dial to the tenant that owns them. INVITEs from ``trusted_peers`` (trunks, by IP)
    need no digest; everyone else is challenged."""

    host: str = "127.0.0.1"
    port: int = 5060
    realm: str = "helpline"
    users: dict[str, str] = field(default_factory=dict)
    inbound_numbers: dict[str, str] = field(default_factory=dict)
    rtp_port_range: tuple[int, int] = (20000, 20999)
    trusted_peers: tuple[str, ...] = ()
    public_host: str | None = None  # what Via, Contact and SDP say, when ``host`` is 0.0.0.0
    tcp: bool = True
    prompt_wav: str | None = None  # 8 kHz mono 16-bit; a two-beep tone when not set
    hold_music_wav: str | None = None  # music on hold (queue and hold); an arpeggio when not set
    ivr_max_digits: int = 1
    ivr_timeout: float = 5.0
    ring_timeout: float = 60.0  # the switch's own cap on ringing an agent phone
    recording_dir: str | None = None  # when set, each leg's received audio is kept as WAV
    rate_limit: float = 200.0  # SIP messages per second per source address
    rate_burst: float = 400.0
    auth_max_failures: int = 5
    auth_block_seconds: float = 60.0
    nonce_ttl: float = 300.0
    timers: TimerConfig = field(default_factory=TimerConfig)
    user_agent: str = "Helpline"

    @property
    def advertised_host(self) -> str:
        if self.public_host:
            return self.public_host
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host


def demo_config(port: int = 5070) -> SipConfig:
    """Two agent phones (201, 202, password ``secret``) and number 100 for the default tenant."""
    return SipConfig(port=port, users={"201": "secret", "202": "secret"},
                     inbound_numbers={"100": "default"}, trusted_peers=("127.0.0.1",),
                     rtp_port_range=(21000, 21999))
