"""The IVR API: flows saved only when valid (every problem named by node, queues and prompts
checked against the tenant), numbers owned by one flow, tenants' own prompt recordings
converted to telephone audio, callback requests, and SIP accounts of phones."""

from __future__ import annotations

import copy
import io
import wave
from typing import Any

import numpy as np
from acd_helpers import Floor
from fastapi.testclient import TestClient

from helpline.app.ivr.flows import DEMO_FLOW


def demo_queues(floor: Floor) -> None:
    for queue_id in ("general", "complaints", "english"):
        floor.queue(queue_id)


def put(
    client: TestClient, headers: dict[str, str], definition: Any, flow_id: str = "default", **extra: Any
) -> Any:
    return client.put(
        f"/api/v1/ivr/flows/{flow_id}",
        headers=headers,
        json={"name": "menu", "definition": definition, **extra},
    )


def test_a_valid_flow_is_saved_listed_read_and_deleted(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    demo_queues(floor)
    saved = put(client, floor.admin, DEMO_FLOW, numbers=["4008001234"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["numbers"] == ["4008001234"] and saved.json()["active"] is True
    assert [f["id"] for f in client.get("/api/v1/ivr/flows", headers=floor.admin).json()] == ["default"]
    assert client.get("/api/v1/ivr/flows/default", headers=floor.admin).json()["definition"] == DEMO_FLOW
    assert client.get("/api/v1/ivr/flows", headers=floor.leader).status_code == 403
    assert client.delete("/api/v1/ivr/flows/default", headers=floor.admin).status_code == 204
    assert client.get("/api/v1/ivr/flows/default", headers=floor.admin).status_code == 404


def test_an_invalid_flow_is_refused_with_every_problem_by_node(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")  # complaints and english do not exist here
    broken = copy.deepcopy(DEMO_FLOW)
    broken["nodes"]["welcome"]["prompt"] = "no_such_prompt"
    refused = put(client, floor.admin, broken)
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "invalid_flow"
    problems = {(p["node"], p["code"]) for p in body["fields"]["problems"]}
    assert problems == {
        ("complaints", "queue_not_found"),
        ("english", "queue_not_found"),
        (None, "prompt_not_found"),
    }
    dangling = copy.deepcopy(DEMO_FLOW)
    dangling["nodes"]["menu"]["options"]["1"] = "nowhere"
    checked = client.post("/api/v1/ivr/flows/validate", headers=floor.admin, json={"definition": dangling})
    assert checked.status_code == 200 and checked.json()["valid"] is False
    assert {
        "node": "menu",
        "code": "dangling_exit",
        "message": "option 1 leads to 'nowhere', which does not exist",
    } in checked.json()["problems"]
    assert client.get("/api/v1/ivr/flows", headers=floor.admin).json() == []  # nothing was saved


def test_validation_returns_the_flow_with_its_defaults(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    demo_queues(floor)
    checked = client.post("/api/v1/ivr/flows/validate", headers=floor.admin, json={"definition": DEMO_FLOW})
    assert checked.json()["valid"] is True and checked.json()["problems"] == []
    assert checked.json()["definition"]["nodes"]["general"]["skills"] == {}
    builtin = client.get("/api/v1/ivr/flows/builtin", headers=floor.admin).json()
    assert builtin["definition"] == DEMO_FLOW


def test_a_number_is_answered_by_one_flow_only(client: TestClient, make_user: Any) -> None:
    here, there = Floor(client, make_user), Floor(client, make_user, tenant="other")
    demo_queues(here)
    demo_queues(there)
    assert put(client, here.admin, DEMO_FLOW, numbers=["4008001234"]).status_code == 200
    taken = put(client, there.admin, DEMO_FLOW, numbers=["4008001234"])
    assert taken.status_code == 409 and taken.json()["code"] == "number_taken"
    assert put(client, there.admin, DEMO_FLOW, numbers=["4008005678"]).status_code == 200
    bad = put(client, here.admin, DEMO_FLOW, "second", numbers=["call me"])
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_number"


def wav_bytes(rate: int, channels: int, seconds: float) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2")
    frames = np.repeat(tone[:, None], channels, axis=1)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setparams((channels, 2, rate, 0, "NONE", "not compressed"))
        wav.writeframes(frames.tobytes())
    return buffer.getvalue()


def test_a_tenant_uploads_its_own_prompt_in_any_wav_format(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    studio = wav_bytes(44100, 2, 1.5)  # CD quality, stereo
    uploaded = client.put(
        "/api/v1/ivr/prompts/welcome",
        headers=floor.admin,
        files={"file": ("welcome.wav", studio, "audio/wav")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert abs(uploaded.json()["seconds"] - 1.5) < 0.01
    played = client.get("/api/v1/ivr/prompts/welcome", headers=floor.admin)
    with wave.open(io.BytesIO(played.content)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * 8000 / len(samples) - 440) < 5  # the tone survived resampling
    catalogue = {p["id"]: p for p in client.get("/api/v1/ivr/prompts", headers=floor.admin).json()}
    assert catalogue["welcome"]["source"] == "tenant" and catalogue["survey"]["source"] == "system"
    other = Floor(client, make_user, tenant="other")
    assert {p["id"]: p for p in client.get("/api/v1/ivr/prompts", headers=other.admin).json()}["welcome"][
        "source"
    ] == "system"  # one tenant's recording is its own
    bad = client.put(
        "/api/v1/ivr/prompts/welcome",
        headers=floor.admin,
        files={"file": ("x.wav", b"MP3 is not welcome", "audio/wav")},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_audio"
    assert client.delete("/api/v1/ivr/prompts/welcome", headers=floor.admin).status_code == 204
    assert client.delete("/api/v1/ivr/prompts/welcome", headers=floor.admin).status_code == 404


def test_callbacks_and_sip_accounts(client: TestClient, make_user: Any) -> None:
    floor = Floor(client, make_user)
    floor.queue("general")
    agent_id, agent = floor.agent({"general": 0}, ready=False)
    assert client.get("/api/v1/callbacks", headers=floor.leader).json() == []
    assert client.get("/api/v1/callbacks", headers=agent).status_code == 403
    assert client.post("/api/v1/callbacks/nope/done", headers=agent).status_code == 404
    short = client.put(f"/api/v1/agents/{agent_id}/sip", headers=floor.admin, json={"password": "abc"})
    assert short.status_code == 422 and short.json()["code"] == "invalid_sip_password"
    account = client.put(f"/api/v1/agents/{agent_id}/sip", headers=floor.admin, json={"password": "s3cret!"})
    assert account.status_code == 200 and account.json()["username"] == "8001"  # the extension
    mine = client.get(f"/api/v1/agents/{agent_id}/sip", headers=agent).json()
    assert mine == {"user_id": agent_id, "username": "8001", "registered": False, "contacts": []}
    assert "password" not in mine
    assert client.delete(f"/api/v1/agents/{agent_id}/sip", headers=floor.admin).status_code == 204
    assert client.get(f"/api/v1/agents/{agent_id}/sip", headers=agent).status_code == 404
    assert client.get("/api/v1/calls/none/recording", headers=floor.leader).status_code == 404
    assert client.get("/api/v1/telephony/status", headers=floor.leader).json() == {"telephony": "sim"}
