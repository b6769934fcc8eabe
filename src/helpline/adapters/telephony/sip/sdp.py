"""SDP offer/answer for one audio stream: G.711 (PCMU/PCMA) and telephone-event (RFC 4566, 3264).

The switch speaks G.711 only, so negotiation is: find the first audio stream, pick the first
of its formats that is PCMU or PCMA, and keep its telephone-event payload type if offered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpline.adapters.telephony.sip.uri import is_digits

SUPPORTED = {"PCMU": 0, "PCMA": 8}
STATIC = {0: "PCMU", 8: "PCMA"}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
MAX_SDP = 16384


class SdpError(ValueError):
    """The body is not a usable SDP (answered 400 or 488 by the caller)."""


@dataclass
class MediaDescription:
    media: str
    port: int
    proto: str
    formats: list[int]
    rtpmap: dict[int, tuple[str, int]] = field(default_factory=dict)
    fmtp: dict[int, str] = field(default_factory=dict)
    direction: str = "sendrecv"
    connection: str | None = None
    ptime: int | None = None
    rtcp_port: int | None = None  # a=rtcp (RFC 3605); else the RTP port + 1
    rtcp_mux: bool = False  # a=rtcp-mux (RFC 5761): RTCP on the RTP port

    def codec_name(self, pt: int) -> str | None:
        if pt in self.rtpmap:
            return self.rtpmap[pt][0].upper()
        return STATIC.get(pt)


@dataclass
class SessionDescription:
    origin_id: str = "0"
    origin_version: str = "0"
    connection: str | None = None
    media: list[MediaDescription] = field(default_factory=list)
    direction: str = "sendrecv"

    @classmethod
    def parse(cls, body: bytes) -> SessionDescription:
        if len(body) > MAX_SDP:
            raise SdpError("SDP too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise SdpError("SDP is not UTF-8") from None
        sdp = cls()
        current: MediaDescription | None = None
        seen_version = False
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            if len(line) < 2 or line[1] != "=":
                raise SdpError(f"bad SDP line {line[:30]!r}")
            kind, value = line[0], line[2:]
            if kind == "v":
                seen_version = value == "0"
            elif kind == "o":
                parts = value.split()
                if len(parts) != 6:
                    raise SdpError("bad o= line")
                sdp.origin_id, sdp.origin_version = parts[1], parts[2]
            elif kind == "c":
                addr = _connection(value)
                if current is None:
                    sdp.connection = addr
                else:
                    current.connection = addr
            elif kind == "m":
                current = _media(value)
                current.direction = sdp.direction
                sdp.media.append(current)
            elif kind == "a":
                _attribute(value, sdp, current)
        if not seen_version:
            raise SdpError("missing v=0")
        return sdp

    def audio(self) -> MediaDescription | None:
        return next((m for m in self.media if m.media == "audio" and m.port > 0), None)


def _connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError("bad c= line")
    return parts[2].split("/")[0]


def _media(value: str) -> MediaDescription:
    parts = value.split()
    if len(parts) < 4 or not is_digits(parts[1].split("/")[0]):
        raise SdpError("bad m= line")
    port = int(parts[1].split("/")[0])
    if port > 65535:
        raise SdpError("bad m= port")
    formats = [int(f) for f in parts[3:] if is_digits(f) and int(f) < 128]
    return MediaDescription(media=parts[0], port=port, proto=parts[2], formats=formats)


def _attribute(value: str, sdp: SessionDescription, media: MediaDescription | None) -> None:
    name, _, arg = value.partition(":")
    if name in DIRECTIONS:
        if media is None:
            sdp.direction = name
        else:
            media.direction = name
        return
    if media is None:
        return
    if name in ("rtpmap", "fmtp"):
        pt_text, _, rest = arg.partition(" ")
        if not is_digits(pt_text) or int(pt_text) > 127:
            raise SdpError(f"bad a={name}")
        pt = int(pt_text)
        if name == "fmtp":
            media.fmtp[pt] = rest.strip()
            return
        encoding, _, rate = rest.strip().partition("/")
        rate = rate.split("/")[0]
        media.rtpmap[pt] = (encoding, int(rate) if is_digits(rate) and len(rate) < 7 else 8000)
    elif name == "ptime" and is_digits(arg.strip()) and len(arg.strip()) < 4:
        media.ptime = int(arg.strip())
    elif name == "rtcp":
        port = arg.strip().split(" ")[0]
        if is_digits(port) and 0 < int(port) < 65536:
            media.rtcp_port = int(port)
    elif name == "rtcp-mux":
        media.rtcp_mux = True


@dataclass(frozen=True)
class AudioPlan:
    """What was agreed for a leg's audio: where to send, which codec, which DTMF type."""

    host: str
    port: int
    codec: str  # "PCMU" or "PCMA"
    pt: int
    dtmf_pt: int | None
    direction: str  # the remote party's direction (sendonly = it holds us)
    rtcp_port: int | None = None  # where its RTCP goes: a=rtcp, the RTP port (mux), or port + 1

    @property
    def rtcp(self) -> int:
        return self.rtcp_port or self.port + 1

    @property
    def on_hold(self) -> bool:
        return self.direction in ("sendonly", "inactive") or self.host in ("0.0.0.0", "::")


def negotiate(remote: SessionDescription) -> AudioPlan | None:
    """What to do with an offer or answer from the remote side; None when nothing fits."""
    audio = remote.audio()
    if audio is None or "RTP/AVP" not in audio.proto.upper():
        return None
    host = audio.connection or remote.connection
    if host is None:
        return None
    codec = next(
        (
            (pt, name)
            for pt in audio.formats
            if (name := audio.codec_name(pt)) in SUPPORTED and audio.rtpmap.get(pt, (name, 8000))[1] == 8000
        ),
        None,
    )
    if codec is None:
        return None
    dtmf = next(
        (pt for pt in audio.formats if (audio.codec_name(pt) or "").lower() == "telephone-event"), None
    )
    rtcp = audio.port if audio.rtcp_mux else audio.rtcp_port
    return AudioPlan(
        host=host,
        port=audio.port,
        codec=codec[1],
        pt=codec[0],
        dtmf_pt=dtmf,
        direction=audio.direction,
        rtcp_port=rtcp,
    )


def build(
    host: str,
    port: int,
    *,
    session_id: int,
    version: int,
    codecs: list[tuple[int, str]],
    dtmf_pt: int | None = 101,
    direction: str = "sendrecv",
    ptime: int = 20,
) -> bytes:
    """An SDP with one audio stream offering ``codecs`` [(pt, name)] and telephone-event."""
    family = "IP6" if ":" in host else "IP4"
    formats = [pt for pt, _ in codecs] + ([dtmf_pt] if dtmf_pt is not None else [])
    lines = [
        "v=0",
        f"o=helpline {session_id} {version} IN {family} {host}",
        "s=helpline",
        f"c=IN {family} {host}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(str(f) for f in formats)}",
    ]
    lines += [f"a=rtpmap:{pt} {name}/8000" for pt, name in codecs]
    if dtmf_pt is not None:
        lines += [f"a=rtpmap:{dtmf_pt} telephone-event/8000", f"a=fmtp:{dtmf_pt} 0-16"]
    lines += [f"a=ptime:{ptime}", f"a={direction}"]
    return ("\r\n".join(lines) + "\r\n").encode()


def answer_direction(remote_direction: str) -> str:
    """RFC 3264 §6.1: the answer's direction mirrors the offer's."""
    return {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive"}.get(
        remote_direction, "sendrecv"
    )
