"""The voice prompts callers hear: the platform's defaults, generated in Mandarin and English
by the local TTS engine so that a fresh install speaks, and each tenant's own recordings,
which replace a default of the same id.

On disk, under the prompts directory: ``system/<id>.wav`` (Chinese then English),
``system/<id>.zh.wav`` and ``<id>.en.wav``; ``tenants/<tenant>/<id>.wav`` (uploads, stored
converted to 8 kHz mono 16-bit); ``tts/`` (a cache of spoken text). Loaded prompts are kept
in memory by file and modification time, so an upload is heard on the next call.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from helpline.app.ivr.ports import Pcm, PhoneAudio
from helpline.domain.errors import Invalid, NotFound

RATE = 8000
PROMPT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
CJK = re.compile(r"[\u3400-\u9fff]")

DEFAULT_PROMPTS: dict[str, tuple[str, str]] = {
    "welcome": ("欢迎致电客户服务热线。", "Welcome to the customer service hotline."),
    "main_menu": ("咨询请按1，投诉请按2，要求回电请按9。", "For English, press 3."),
    "invalid": ("输入有误，请重新输入。", "Sorry, that is not a valid choice."),
    "no_input": ("没有收到您的按键。", "We did not receive your choice."),
    "all_busy": ("坐席正忙，请稍候，您的来电将尽快接通。", "All our agents are busy. Please hold."),
    "closed": (
        "现在是非工作时间，请在提示音后留言，我们会尽快回复。",
        "We are closed. Please leave a message after the tone.",
    ),
    "voicemail": (
        "请在提示音后留言，留言完毕请按井号键。",
        "Please leave a message after the tone, then press the hash key.",
    ),
    "callback_offer": (
        "等待时间较长，如需稍后回电，请按1。",
        "The wait is long. Press 1 and we will call you back.",
    ),
    "callback_ok": (
        "已为您登记回电，我们会尽快给您回电，再见。",
        "We have noted your number and will call you back. Goodbye.",
    ),
    "survey": (
        "请对本次服务进行评价：非常满意请按5，满意请按4，一般请按3，不满意请按2，非常不满意请按1。",
        "Please rate our service: press 5 for very satisfied, down to 1 for very dissatisfied.",
    ),
    "thanks": ("感谢您的评价，再见。", "Thank you for your rating. Goodbye."),
    "goodbye": ("感谢您的来电，再见。", "Thank you for calling. Goodbye."),
    "transfer_failed": ("抱歉，暂时无法为您转接。", "Sorry, we cannot transfer your call now."),
    "error": (
        "抱歉，系统繁忙，请稍后再拨。",
        "Sorry, the service is not available. Please call again later.",
    ),
    "enter_account": ("请输入您的账号，以井号键结束。", "Please enter your account number, then press hash."),
}


class Speaker(Protocol):
    @property
    def available(self) -> bool: ...

    async def speak(self, text: str, lang: str = "zh") -> Pcm | None: ...


def beep(seconds: float = 0.4, freq: float = 1000.0) -> Pcm:
    """The tone before a voicemail."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone: Pcm = (np.sin(2 * np.pi * freq * t) * 0.3 * 32767).astype(np.int16)
    return tone


def silence(seconds: float) -> Pcm:
    return np.zeros(int(seconds * RATE), dtype=np.int16)


def language(text: str) -> str:
    return "zh" if CJK.search(text) else "en"


class PromptLibrary:
    """``audio`` reads and writes the WAV files; a library without it (unit tests of the
    IVR) only speaks through ``speaker``."""

    def __init__(self, root: Path, speaker: Speaker | None = None, audio: PhoneAudio | None = None) -> None:
        self.root = root
        self.speaker = speaker
        self._audio = audio
        self._cache: dict[Path, tuple[float, Pcm]] = {}

    @property
    def audio(self) -> PhoneAudio:
        if self._audio is None:
            raise RuntimeError("this prompt library has no audio adapter: it cannot read or write WAV files")
        return self._audio

    @property
    def system_dir(self) -> Path:
        return self.root / "system"

    def tenant_dir(self, tenant_id: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in tenant_id) or "_"
        return self.root / "tenants" / safe

    # -- reading ----------------------------------------------------------------------------

    def path(self, tenant_id: str, prompt_id: str) -> Path | None:
        """The tenant's own recording of ``prompt_id``, else the platform's, else None."""
        if not PROMPT_ID.match(prompt_id):
            return None
        for path in (self.tenant_dir(tenant_id) / f"{prompt_id}.wav", self.system_dir / f"{prompt_id}.wav"):
            if path.is_file():
                return path
        return None

    def exists(self, tenant_id: str, prompt_id: str) -> bool:
        return self.path(tenant_id, prompt_id) is not None or prompt_id in DEFAULT_PROMPTS

    def load(self, tenant_id: str, prompt_id: str) -> Pcm | None:
        path = self.path(tenant_id, prompt_id)
        if path is None:
            return None
        mtime = path.stat().st_mtime
        cached = self._cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            pcm = self.audio.to_phone_pcm(path.read_bytes())
        except ValueError:  # not a WAV the adapter can read
            return None
        self._cache[path] = (mtime, pcm)
        return pcm

    async def say(self, say: str | dict[str, str]) -> Pcm | None:
        """Speak text (or ``{"zh": ..., "en": ...}``, Chinese first) with the TTS engine."""
        if self.speaker is None:
            return None
        parts = (
            [(say, language(say))]
            if isinstance(say, str)
            else [(say[lang], lang) for lang in ("zh", "en") if say.get(lang)]
        )
        pieces = [p for text, lang in parts if (p := await self.speaker.speak(text, lang)) is not None]
        if not pieces:
            return None
        return join(pieces)

    async def render(self, tenant_id: str, spec: dict[str, Any], prefix: str = "") -> Pcm | None:
        """What a node (or the survey, or the waiting settings) says: its ``prompt`` (a
        library id) or its ``say`` (text), with ``prefix`` for the other prompts of a node."""
        prompt, say = spec.get(f"{prefix}prompt"), spec.get(f"{prefix}say")
        if prompt:
            pcm = self.load(tenant_id, str(prompt))
            if pcm is not None:
                return pcm
            if prompt in DEFAULT_PROMPTS:  # not generated (yet): speak it now (and cache)
                zh, en = DEFAULT_PROMPTS[str(prompt)]
                return await self.say({"zh": zh, "en": en})
        if say:
            return await self.say(say)
        return None

    def catalogue(self, tenant_id: str) -> list[dict[str, Any]]:
        ids = set(DEFAULT_PROMPTS) | {p.stem for p in self.tenant_dir(tenant_id).glob("*.wav")}
        out = []
        for prompt_id in sorted(ids):
            own = self.tenant_dir(tenant_id) / f"{prompt_id}.wav"
            path = self.path(tenant_id, prompt_id)
            out.append(
                {
                    "id": prompt_id,
                    "source": "tenant" if own.is_file() else "system",
                    "seconds": round(path.stat().st_size / (2 * RATE), 2) if path else None,
                    "text": DEFAULT_PROMPTS.get(prompt_id),
                }
            )
        return out

    # -- writing ----------------------------------------------------------------------------

    def save_upload(self, tenant_id: str, prompt_id: str, data: bytes) -> float:
        """Store a tenant's WAV, converted to 8 kHz mono 16-bit; -> its length in seconds."""
        if not PROMPT_ID.match(prompt_id):
            raise Invalid(
                "invalid_prompt_id", "prompt ids are letters, digits and _.- (up to 64)", field="prompt_id"
            )
        try:
            pcm = self.audio.to_phone_pcm(data)
        except ValueError as exc:
            raise Invalid("invalid_audio", f"cannot use this file: {exc}", field="file") from None
        if pcm.size < RATE // 10:
            raise Invalid("invalid_audio", "the recording is shorter than 0.1 s", field="file")
        _write(self.tenant_dir(tenant_id) / f"{prompt_id}.wav", self.audio.encode_wav(pcm))
        return pcm.size / RATE

    def save_spoken(self, tenant_id: str, prompt_id: str, pcm: Pcm) -> float:
        """Keep telephone audio (spoken by the TTS engine) as the tenant's recording of
        ``prompt_id``, exactly as an upload of it would be; -> its length in seconds."""
        return self.save_upload(tenant_id, prompt_id, self.audio.encode_wav(pcm))

    def delete_upload(self, tenant_id: str, prompt_id: str) -> None:
        path = self.tenant_dir(tenant_id) / f"{prompt_id}.wav"
        if not PROMPT_ID.match(prompt_id) or not path.is_file():
            raise NotFound("prompt_not_found", f"no uploaded prompt {prompt_id}", prompt_id=prompt_id)
        path.unlink()

    def missing_defaults(self) -> list[str]:
        return [p for p in DEFAULT_PROMPTS if not (self.system_dir / f"{p}.wav").is_file()]

    async def generate_defaults(self, *, force: bool = False) -> dict[str, Any]:
        """Speak every default prompt in Chinese and English; -> what was written, how long."""
        started = time.perf_counter()
        if self.speaker is None or not self.speaker.available:
            return {
                "generated": [],
                "skipped": sorted(DEFAULT_PROMPTS),
                "seconds": 0.0,
                "error": "no TTS engine (apt-get install espeak-ng)",
            }
        todo = sorted(DEFAULT_PROMPTS) if force else self.missing_defaults()
        for prompt_id in todo:
            zh_text, en_text = DEFAULT_PROMPTS[prompt_id]
            zh, en = await self.speaker.speak(zh_text, "zh"), await self.speaker.speak(en_text, "en")
            if zh is None or en is None:
                continue
            encode = self.audio.encode_wav
            _write(self.system_dir / f"{prompt_id}.zh.wav", encode(zh))
            _write(self.system_dir / f"{prompt_id}.en.wav", encode(en))
            _write(self.system_dir / f"{prompt_id}.wav", encode(join([zh, en])))
        return {
            "generated": todo,
            "skipped": sorted(set(DEFAULT_PROMPTS) - set(todo)),
            "seconds": round(time.perf_counter() - started, 3),
            "directory": str(self.system_dir),
        }


def join(pieces: list[Pcm], gap: float = 0.3) -> Pcm:
    out: list[Pcm] = []
    for piece in pieces:
        if out:
            out.append(silence(gap))
        out.append(piece)
    joined: Pcm = np.concatenate(out) if out else silence(0.1)
    return joined


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # a call never reads half a file
