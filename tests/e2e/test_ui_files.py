"""The UI's static files as the server hands them out, and the checks a build step would
make if there were one: every module import resolves, every text has both languages."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from helpline.domain.acd.agent import AgentState
from helpline.domain.acd.core import DEFAULT_NOT_READY_REASONS, SYSTEM_REASONS
from helpline.web.ui_routes import UI_DIR

JS = sorted(UI_DIR.glob("js/**/*.js"))
HTML = sorted(UI_DIR.glob("*.html"))
KEY = re.compile(r'^\s*"([\w.]+)":', re.MULTILINE)


PACKS = sorted(p for p in UI_DIR.glob("js/shared/lang/*.js") if p.stem not in ("en", "zh-CN"))
PACK_SPLIT = re.compile(r"^  en: \{", re.MULTILINE)


def strings(lang: str) -> set[str]:
    """The keys of a language: its main file and its part of every feature pack (a pack
    holds ``"zh-CN": {...}`` first, then ``en: {...}``, one ``"key": "text"`` a line)."""
    source = (UI_DIR / "js" / "shared" / "lang" / f"{lang}.js").read_text(encoding="utf-8")
    keys = set(KEY.findall(source.split("export const STATES")[0]))
    for pack in PACKS:
        zh_part, en_part = PACK_SPLIT.split(pack.read_text(encoding="utf-8"), maxsplit=1)
        keys |= set(KEY.findall(zh_part if lang == "zh-CN" else en_part)) - {"zh-CN"}
    return keys


def state_names(lang: str) -> set[str]:
    source = (UI_DIR / "js" / "shared" / "lang" / f"{lang}.js").read_text(encoding="utf-8")
    return set(re.findall(r"(\w+): \"", source.split("export const STATES")[1]))


@pytest.mark.parametrize("path", ["/", "/ui", "/ui/"])
def test_the_root_sends_visitors_to_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/ui/login.html"


def test_pages_scripts_and_styles_are_served_for_the_browser(client: TestClient) -> None:
    for page in HTML:
        response = client.get(f"/ui/{page.name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert '<script type="module"' in response.text
    for script in JS:
        response = client.get(f"/ui/{script.relative_to(UI_DIR).as_posix()}")
        assert response.status_code == 200
        # browsers refuse to run a module served with another type
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    response = client.get("/ui/css/base.css")
    assert response.headers["content-type"].startswith("text/css")
    assert client.get("/ui/nothing-here.js").status_code == 404


def test_every_module_import_and_page_asset_exists() -> None:
    for script in JS:
        for target in re.findall(r'from "(\.\.?/[^"]+)"', script.read_text(encoding="utf-8")):
            assert (script.parent / target).resolve().is_file(), f"{script.name} imports missing {target}"
    for page in HTML:
        for target in re.findall(r'(?:src|href)="((?:js|css)/[^"]+)"', page.read_text(encoding="utf-8")):
            assert (UI_DIR / target).is_file(), f"{page.name} links missing {target}"


SCREENS = ("shared", "login", "agent", "wallboard", "admin")


def test_modules_live_in_one_folder_per_screen_and_screens_share_only_shared() -> None:
    """A screen's modules import their own folder and ``shared/``; ``shared/`` imports no screen."""
    for script in JS:
        folder = script.relative_to(UI_DIR / "js").parts[0]
        assert folder in SCREENS, f"{script.relative_to(UI_DIR)} is outside the screen folders"
        for target in re.findall(r'from "(\.[^"]+)"', script.read_text(encoding="utf-8")):
            lands = (script.parent / target).resolve().relative_to((UI_DIR / "js").resolve()).parts[0]
            assert lands in (folder, "shared"), f"{script.relative_to(UI_DIR)} imports {target}"


def test_both_languages_have_every_text() -> None:
    zh, en = strings("zh-CN"), strings("en")
    assert zh == en, f"only Chinese: {sorted(zh - en)}; only English: {sorted(en - zh)}"
    used = set()
    for page in HTML:
        used |= set(re.findall(r'data-i18n="([\w.]+)"', page.read_text(encoding="utf-8")))
    for script in JS:
        used |= set(re.findall(r'\bt\("([\w.]+)"', script.read_text(encoding="utf-8")))
    assert used - zh == set(), f"texts with no translation: {sorted(used - zh)}"


def test_every_agent_state_and_reason_has_a_name_in_both_languages() -> None:
    states = {s.value for s in AgentState}
    reasons = {f"reason.{r}" for r in (*DEFAULT_NOT_READY_REASONS, *SYSTEM_REASONS)}
    for lang in ("zh-CN", "en"):
        assert states <= state_names(lang), f"{lang} lacks states {sorted(states - state_names(lang))}"
        assert reasons <= strings(lang), f"{lang} lacks reasons {sorted(reasons - strings(lang))}"


def test_no_build_step_leftovers() -> None:
    """Plain files only: nothing generated, no package manager, no source maps."""
    names = {p.name for p in UI_DIR.rglob("*")}
    assert not names & {"package.json", "node_modules", "package-lock.json"}
    assert not [n for n in names if n.endswith((".map", ".min.js", ".ts"))]
