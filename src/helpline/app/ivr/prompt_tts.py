"""One tenant prompt spoken from text by the platform's TTS engine (espeak-ng), kept like an
upload: the admin console's "generate" for a prompt nobody has recorded yet."""

from __future__ import annotations

from helpline.app.ivr.prompts import PromptLibrary
from helpline.domain.errors import Invalid, InvalidTransition


async def generate(library: PromptLibrary, tenant_id: str, prompt_id: str, zh: str, en: str) -> float:
    """Speak ``zh`` then ``en`` (either may be empty) into the tenant's ``prompt_id``;
    -> its length in seconds."""
    say = {lang: text.strip() for lang, text in (("zh", zh), ("en", en)) if text.strip()}
    if not say:
        raise Invalid("text_required", "give the text to speak, in Chinese or English", field="zh")
    if library.speaker is None or not library.speaker.available:
        raise InvalidTransition("tts_unavailable", "no TTS engine on the server (apt-get install espeak-ng)")
    pcm = await library.say(say)
    if pcm is None:
        raise InvalidTransition("tts_failed", "the TTS engine could not speak this text")
    return library.save_spoken(tenant_id, prompt_id, pcm)
