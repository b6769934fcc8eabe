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
    # early media (early.py): "answer" at once, 183 with "ringback" first, or the "ivr" before 200
    early_media: str = "answer"
    early_media_seconds: float = 3.0  # how long "ringback" rings before the switch answers
    ringback: str = "cn"  # the ringback tone: "cn" (450 Hz), "eu" (425 Hz), "us" (440+480 Hz)
    ringback_by_tenant: dict[str, str] = field(default_factory=dict)
    # recordings besides the mixed one (recording.py): "" none, "stereo" (caller left, agent
    # right) or "mono" (a file per direction); per tenant in split_recording_by_tenant
    split_recording: str = ""
    split_recording_by_tenant: dict[str, str] = field(default_factory=dict)
    trunk: str | None = None  # host[:port] of the carrier for outbound calls (UDP); None: none
    caller_id: str = ""  # the number outbound calls present (From, P-Asserted-Identity)
    # answered at the desktop while the desk phone rings (answering.py): "reinvite" (CANCEL and
    # ring again with answer-after=0), "notify" (NOTIFY Event: talk, else re-INVITE) or "off"
    desk_answer: str = "reinvite"
    desk_answer_grace: float = 0.5  # first: a phone answered by the same click picks up by itself
    notify_answer_wait: float = 2.0  # after a 2xx to NOTIFY talk: how long before re-INVITE anyway
    # sent with Call-Info answer-after=0: the phone beeps once instead of ringing (Yealink/Polycom)
    auto_answer_alert_info: str = "<http://127.0.0.1>;info=alert-autoanswer"

    @property
    def trunk_address(self) -> tuple[str, int] | None:
        """(host, port) of the trunk, or None when there is none."""
        text = (self.trunk or "").strip()
        if not text:
            return None
        if text.startswith("["):  # [IPv6]:port
            host, _, rest = text[1:].partition("]")
            port = rest.removeprefix(":")
        else:
            host, _, port = text.partition(":")
        return host, int(port) if port.isdigit() else 5060

    @property
    def advertised_host(self) -> str:
        if self.public_host:
            return self.public_host
        return "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host


def demo_config(port: int = 5070) -> SipConfig:
    """Two agent phones (201, 202, password ``secret``) and number 100 for the default tenant."""
    return SipConfig(
        port=port,
        users={"201": "secret", "202": "secret"},
        inbound_numbers={"100": "default"},
        trusted_peers=("127.0.0.1",),
        rtp_port_range=(21000, 21999),
    )
