"""The house rules a reader can check by eye, checked by the suite: small modules and short
functions (docs/architecture.md). The import rules are import-linter's (``make test``)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "helpline"
MAX_FILE_LINES = 450  # "about 400": past this a module is asking to be split
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts]


def test_the_tree_is_there() -> None:
    assert len(_modules()) > 200  # the check below would pass on an empty tree


def test_no_module_is_past_the_size_where_it_should_be_split() -> None:
    too_long = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert too_long == {}


def test_no_function_is_longer_than_a_screen() -> None:
    too_long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno
                if length > MAX_FUNCTION_LINES:
                    too_long[f"{path.relative_to(SRC)}:{node.lineno} {node.name}"] = length
    assert too_long == {}
