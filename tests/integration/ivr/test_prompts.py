"""Default prompts spoken by espeak-ng: ``helpline prompts generate`` writes them in Mandarin
and English as 8 kHz WAV, once; run-time text (a queue position) is spoken and cached."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpline.adapters.telephony.sip.media import load_wav
from helpline.adapters.tts import EspeakTts, espeak_binary
from helpline.app.ivr.prompts import DEFAULT_PROMPTS, PromptLibrary
from helpline.cli import app

pytestmark = pytest.mark.skipif(
    espeak_binary() is None, reason="espeak-ng is not installed (Debian: apt-get install espeak-ng)"
)


def test_generate_writes_every_prompt_in_both_languages_once(tmp_path: Path) -> None:
    runner = CliRunner(env={"HELPLINE_DATA_DIR": str(tmp_path)})
    first = runner.invoke(app, ["prompts", "generate"])
    assert first.exit_code == 0, first.output
    assert f"{len(DEFAULT_PROMPTS)} prompts generated" in first.output
    system = tmp_path / "prompts" / "system"
    for prompt_id in DEFAULT_PROMPTS:
        zh, en, both = (load_wav(system / f"{prompt_id}{suffix}.wav") for suffix in (".zh", ".en", ""))
        assert zh.size > 4000 and en.size > 4000  # over half a second of speech each
        assert both.size > zh.size + en.size  # Chinese, a pause, English
    again = runner.invoke(app, ["prompts", "generate"])
    assert "0 prompts generated" in again.output


def test_runtime_text_is_spoken_fast_and_cached(tmp_path: Path) -> None:
    tts = EspeakTts(tmp_path)
    library = PromptLibrary(tmp_path, tts)

    async def speak() -> tuple[float, float]:
        started = time.perf_counter()
        pcm = await library.say({"zh": "您前面还有3位客户。", "en": "There are 3 callers ahead of you."})
        first = time.perf_counter() - started
        assert pcm is not None and pcm.size > 8000
        started = time.perf_counter()
        await library.say({"zh": "您前面还有3位客户。", "en": "There are 3 callers ahead of you."})
        return first, time.perf_counter() - started

    first, cached = asyncio.run(speak())
    assert first < 5.0 and cached < first  # generous: a loaded CI machine
    assert len(list(tmp_path.glob("*.wav"))) == 2  # one file per language, reused
