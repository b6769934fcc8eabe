"""Text to speech with espeak-ng (Debian: ``apt-get install espeak-ng``), local and fast.

A fresh install must speak (NORMS §2: voice prompts) without a studio or a cloud service;
espeak-ng is robotic but clear in Mandarin and English and synthesises a prompt in tens of
milliseconds, so the same engine also speaks what changes at run time (a caller's position
in the queue, a self-service answer). Results are cached as 8 kHz WAV files by text, so a
phrase is synthesised once.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
import structlog

from helpline.adapters.audio import AudioError, encode_wav, to_phone_pcm

log = structlog.get_logger("helpline.tts")
VOICES = {"zh": "cmn", "en": "en-us"}


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


class EspeakTts:
    """``speak(text, lang)`` -> 8 kHz mono int16 samples, or None when espeak-ng is missing
    or fails (the caller then hears nothing rather than an error)."""

    def __init__(self, cache_dir: Path, *, binary: str | None = None, speed: int = 165) -> None:
        self.cache_dir = cache_dir
        self.binary = binary if binary is not None else espeak_binary()
        self.speed = speed
        self._warned = False

    @property
    def available(self) -> bool:
        return self.binary is not None

    def cache_path(self, text: str, lang: str) -> Path:
        key = hashlib.sha1(f"{lang}\0{self.speed}\0{text}".encode()).hexdigest()[:20]
        return self.cache_dir / f"{lang}-{key}.wav"

    async def speak(self, text: str, lang: str = "zh") -> np.ndarray | None:
        path = self.cache_path(text, lang)
        if path.is_file():
            try:
                return to_phone_pcm(path.read_bytes())
            except AudioError:
                path.unlink(missing_ok=True)
        data = await self.synthesize(text, lang)
        if data is None:
            return None
        pcm = to_phone_pcm(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(encode_wav(pcm))
        tmp.replace(path)
        return pcm

    async def synthesize(self, text: str, lang: str) -> bytes | None:
        """espeak-ng's own WAV (22.05 kHz) for ``text``, or None."""
        if self.binary is None:
            if not self._warned:
                log.warning("tts_unavailable", hint="apt-get install espeak-ng")
                self._warned = True
            return None
        voice = VOICES.get(lang, lang)
        # -w, not --stdout: on a pipe espeak-ng cannot go back to write the WAV's length
        with tempfile.TemporaryDirectory(prefix="helpline-tts-") as tmp:
            out = Path(tmp) / "speech.wav"
            proc = await asyncio.create_subprocess_exec(
                self.binary,
                "-v",
                voice,
                "-s",
                str(self.speed),
                "-w",
                str(out),
                "--",
                text,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                _, err = await asyncio.wait_for(proc.communicate(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                return None
            if proc.returncode != 0 or not out.is_file():
                log.warning("tts_failed", lang=lang, error=err.decode(errors="replace")[-200:])
                return None
            return out.read_bytes()
