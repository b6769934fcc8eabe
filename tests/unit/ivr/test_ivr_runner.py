"""The IVR interpreter against a scripted caller: menus, retries, type-ahead, collected
digits, self-service answers, opening hours, and the satisfaction survey rating the call."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpline.adapters.bus.memory import MemoryBus
from helpline.adapters.telephony.sim import SimSwitch
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import VirtualClock
from helpline.app.ivr.flows import DEMO_FLOW, FlowDirectory
from helpline.app.ivr.prompts import PromptLibrary
from helpline.app.ivr.runner import IvrRunner
from helpline.domain.acd.agent import Agent
from helpline.domain.acd.call import Call
from helpline.domain.acd.queue import QueueConfig
from helpline.domain.ivr.flow import validate


class Speaker:
    available = True

    def __init__(self) -> None:
        self.spoken: list[str] = []

    async def speak(self, text: str, lang: str = "zh") -> np.ndarray:
        self.spoken.append(text)
        return np.zeros(160, dtype=np.int16)


class Caller:
    """Answers each question with the next of ``keys`` ("" = says nothing); ``barge`` is a
    key pressed during the first prompt."""

    def __init__(
        self,
        keys: Sequence[str] = (),
        *,
        barge: str | None = None,
        caller: str = "13800138000",
        callee: str = "100",
    ) -> None:
        self.keys = list(keys)
        self.barge = barge
        self.tenant_id, self.call_id, self.caller, self.callee = "default", "c1", caller, callee
        self.route: dict[str, Any] = {}
        self.prompts = 0
        self.recorded: list[Path] = []

    async def play(self, pcm: np.ndarray, *, barge_in: bool = True) -> str | None:
        self.prompts += 1
        key, self.barge = self.barge, None
        return key if barge_in else None

    async def collect(
        self,
        max_digits: int,
        first_timeout: float,
        inter_digit_timeout: float,
        terminator: str = "#",
        first: str | None = None,
    ) -> str:
        if first is not None:
            return first
        return self.keys.pop(0) if self.keys else ""

    async def record(self, path: str | Path, max_seconds: float, stop_digits: str = "#") -> float:
        self.recorded.append(Path(path))
        return 4.0


def no_database() -> Any:
    raise RuntimeError("no database in unit tests")


class Saved:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, Sequence[tuple[str, float]]]] = []

    async def __call__(
        self, tenant: str, call_id: str, kind: str, files: Sequence[tuple[str, float]]
    ) -> None:
        self.rows.append((tenant, call_id, kind, files))


def runner(
    tmp_path: Path,
    definition: dict[str, Any] | None = None,
    *,
    at: str = "2026-09-30T10:00",
    fetch: Any = None,
) -> tuple[IvrRunner, Saved, Speaker]:
    flows = FlowDirectory({"100": "default"})
    if definition is not None:
        flows.put("default", "default", validate(copy.deepcopy(definition)), [], True)
    speaker, saved = Speaker(), Saved()
    moment = datetime.fromisoformat(at + "+08:00").astimezone(UTC).timestamp()
    extra = {"fetch": fetch} if fetch else {}
    return (
        IvrRunner(
            flows,
            PromptLibrary(tmp_path / "prompts", speaker),
            no_database,  # type: ignore[arg-type]
            tmp_path / "rec",
            saved,
            clock=lambda: moment,
            **extra,
        ),
        saved,
        speaker,
    )


async def test_demo_menu_key_one_is_the_general_queue(tmp_path: Path) -> None:
    ivr, _, _ = runner(tmp_path)
    caller = Caller(["1"])
    assert await ivr.run(caller) == "1"
    assert caller.route["queue"] == "general" and caller.route["priority"] is None
    assert caller.route["ivr"] == {"hours": "open", "menu": "1"}


async def test_a_key_pressed_during_the_welcome_answers_the_menu(tmp_path: Path) -> None:
    ivr, _, _ = runner(tmp_path)
    caller = Caller(barge="3")
    await ivr.run(caller)
    assert caller.route["queue"] == "english" and caller.route["skills"] == {"en": 3}


async def test_a_wrong_key_then_silence_then_the_right_one(tmp_path: Path) -> None:
    ivr, _, _ = runner(tmp_path)
    caller = Caller(["7", "", "2"])
    await ivr.run(caller)
    assert caller.route["queue"] == "complaints"


async def test_no_answer_at_all_takes_the_no_input_exit(tmp_path: Path) -> None:
    ivr, _, _ = runner(tmp_path)
    caller = Caller([])
    await ivr.run(caller)
    assert caller.route["queue"] == "general"


async def test_after_hours_the_caller_leaves_a_voicemail(tmp_path: Path) -> None:
    closed = copy.deepcopy(DEMO_FLOW)
    closed["nodes"]["hours"].update(hours="08:00-20:00", days=[0, 1, 2, 3, 4])
    ivr, saved, _ = runner(tmp_path, closed, at="2026-10-03T10:00")  # a Saturday
    caller = Caller()
    await ivr.run(caller)
    assert caller.route["action"] == "voicemail" and caller.route["ivr"] == {"hours": "closed"}
    [(tenant, call_id, kind, files)] = saved.rows
    assert (tenant, call_id, kind) == ("default", "c1", "voicemail") and files[0][1] == 4.0
    assert caller.recorded[0].name == "c1-voicemail.wav"


async def test_collected_digits_go_to_self_service_whose_answer_is_spoken(tmp_path: Path) -> None:
    asked: list[dict[str, Any]] = []

    async def fetch(method: str, url: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        asked.append(payload)
        return {"result": "ok", "say": "您的余额是128元。", "vars": {"balance": 128}}

    definition = {
        "start": "account",
        "nodes": {
            "account": {
                "type": "collect",
                "prompt": "enter_account",
                "var": "account",
                "min_digits": 4,
                "next": "balance",
            },
            "balance": {
                "type": "http",
                "url": "https://crm.example/balance",
                "next": "agent",
                "branches": {"ok": "bye"},
            },
            "agent": {"type": "queue", "queue": "general"},
            "bye": {"type": "hangup"},
        },
    }
    ivr, _, speaker = runner(tmp_path, definition, fetch=fetch)
    caller = Caller(["12", "123456"])  # too short, then right
    assert await ivr.run(caller) == ""
    assert asked[0]["vars"] == {"account": "123456"} and asked[0]["caller"] == "13800138000"
    assert "您的余额是128元。" in speaker.spoken
    assert caller.route["action"] == "hangup"
    assert caller.route["data"]["vars"] == {"account": "123456", "balance": "128"}


async def test_a_failing_self_service_takes_the_error_path(tmp_path: Path) -> None:
    async def fetch(method: str, url: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        raise TimeoutError

    definition = {
        "start": "ask",
        "nodes": {
            "ask": {"type": "http", "url": "https://crm.example/x", "next": "bye", "error": "agent"},
            "agent": {"type": "set", "priority": 7, "skills": {"billing": 5}, "next": "queue"},
            "queue": {"type": "queue", "queue": "general"},
            "bye": {"type": "hangup"},
        },
    }
    ivr, _, _ = runner(tmp_path, definition, fetch=fetch)
    caller = Caller()
    await ivr.run(caller)
    assert caller.route["queue"] == "general" and caller.route["priority"] == 7
    assert caller.route["skills"] == {"billing": 5} and caller.route["ivr"] == {"ask": "error"}


async def test_the_survey_key_rates_the_call(tmp_path: Path) -> None:
    ivr, _, _ = runner(tmp_path)
    clock = VirtualClock(100.0)
    centers = CenterService(clock, MemoryBus(), SimSwitch())
    center = centers.center("default")
    center.put_queue(QueueConfig("general"))
    center.put_agent(Agent("a1", "default", queues={"general": 0}))
    center.login("a1", 100.0, ready=True)
    center.arrive(Call("c1", "default", caller="13800138000", callee="100"), 100.0)
    center.enqueue("c1", "general", 100.0)
    center.answer("c1", "a1", 101.0)
    center.hangup("c1", 160.0, by="agent", agent_id="a1")
    ivr.centers = centers
    assert await ivr.survey(Caller(["4"])) == "4"
    assert center.calls["c1"].data["satisfaction"] == 4
    assert await ivr.survey(Caller(["9"])) == "9"  # not a score: nothing changes
    assert center.calls["c1"].data["satisfaction"] == 4


@pytest.mark.parametrize("key", ["", "0"])
async def test_no_survey_answer_leaves_the_call_unrated(tmp_path: Path, key: str) -> None:
    ivr, _, _ = runner(tmp_path)
    assert await ivr.survey(Caller([key])) == key
