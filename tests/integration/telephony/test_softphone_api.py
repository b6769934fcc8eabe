"""The softphone API on the default (virtual) switch, on SQLite and PostgreSQL: signed-in users
only, the panel is told why there is no audio, and turning it on is refused with a clear
code instead of half-working."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from helpline.bootstrap import build_container
from helpline.config import Settings
from testkit import MakeUser

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def test_the_softphone_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/v1/softphone").status_code == 401
    assert client.post("/api/v1/softphone/session", json={"type": "offer", "sdp": OFFER}).status_code == 401
    assert client.post("/api/v1/softphone/answer").status_code == 401


def test_with_the_virtual_switch_it_says_why_there_is_no_audio(
    client: TestClient, make_user: MakeUser
) -> None:
    _, headers = make_user("agent")
    status = client.get("/api/v1/softphone", headers=headers)
    assert status.status_code == 200
    assert status.json() == {
        "available": False,
        "reason": "virtual_switch",
        "ice_servers": [],
        "state": "off",
        "call": None,
    }
    refused = client.post("/api/v1/softphone/session", json={"type": "offer", "sdp": OFFER}, headers=headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "softphone_unavailable"


def test_bad_offers_and_commands_without_a_line_are_refused_clearly(
    client: TestClient, make_user: MakeUser
) -> None:
    _, headers = make_user("leader")  # leaders may use a softphone too
    for body in (
        {"type": "answer", "sdp": OFFER},
        {"type": "offer"},
        {"type": "offer", "sdp": OFFER, "x": 1},
    ):
        response = client.post("/api/v1/softphone/session", json=body, headers=headers)
        assert response.status_code == 422, body
    for command in ("answer", "hangup"):
        response = client.post(f"/api/v1/softphone/{command}", headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "softphone_off"
    assert client.delete("/api/v1/softphone/session", headers=headers).status_code == 204


async def test_configured_stun_servers_reach_the_gateway_and_the_browser(settings: Settings) -> None:
    """Browser and gateway on different networks find their public addresses through the same
    STUN servers: the setting goes to the gateway's peer connections and, through the status,
    to the browser's."""
    pytest.importorskip("aiortc", reason="the browser softphone needs aiortc")
    stun = ["stun:stun.example.org:3478"]
    configured = settings.model_copy(update={"telephony": "sip", "sip_port": 0, "webrtc_ice_servers": stun})
    container = await build_container(configured)
    try:
        assert container.softphone is not None and container.softphone.gateway is not None
        assert container.softphone.gateway.ice_servers == stun
        assert container.softphone.status("default", "someone")["ice_servers"] == stun
    finally:
        await container.aclose()
