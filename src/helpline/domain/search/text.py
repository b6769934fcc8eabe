"""Full-text search (检索) as text: what a query's terms are, how a hit is scored, how a
result is shown. Pure, so the database adapters and the screens' answers agree.

A query is words (letters and digits; anything else separates them), each matched as a
case-insensitive **substring** of a document's title or body, all of them required:
``停电 朝阳`` finds 小区停电三天了 in 朝阳区. ``fields`` add exact matches.

"Newest" means first indexed most recently: a document keeps its place when it is indexed again,
so work orders sort by when they were opened. A search yields at most :data:`MAX_RESULTS`
documents. With that many or fewer matches, all of them are ranked (relevance, or newest
first) and ``total`` is exact. With more, the query is too broad to rank: ``total`` is
``MAX_RESULTS + 1`` ("more than"), results come newest first whatever the order asked, and
pages end at ``MAX_RESULTS``. This bounds the work of every query on both engines
(docs/adr/0004-search.md has the measurements).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from helpline.domain.errors import Invalid

MAX_RESULTS = 1000
MAX_TERMS = 8
MAX_TERM_LENGTH = 64
FIELD_NAME_LENGTH = 64
FIELD_VALUE_LENGTH = 255
ORDERS = ("relevance", "date")


class Document(NamedTuple):
    """What makes an object of one tenant findable: its title, body and fields (exact matches)."""

    kind: str
    ref_id: str
    title: str
    body: str
    fields: dict[str, str]


def words(text: str) -> list[str]:
    """The runs of letters and digits of ``text``, lower-cased: what a query is made of.

    Punctuation and spaces separate words on both engines, so that 小区，停电 means the two
    words 小区 and 停电 and a term never needs to match across a comma.
    """
    found: list[str] = []
    start = -1
    lowered = text.lower()
    for i, char in enumerate(lowered):
        if char.isalnum():
            if start < 0:
                start = i
        elif start >= 0:
            found.append(lowered[start:i])
            start = -1
    if start >= 0:
        found.append(lowered[start:])
    return found


def parse_query(query: str) -> list[str]:
    """The terms of a query: its words, lower-cased, without repeats, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for word in words(query):
        term = word[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def _field_value(value: Any) -> str:
    return str(value).strip()[:FIELD_VALUE_LENGTH]


def check_page(order: str, offset: int, limit: int) -> None:
    """Refuse a page no engine can give: an unknown order, a negative offset, an empty page."""
    if order not in ORDERS:
        raise Invalid("invalid_order", "order is relevance or date", field="order")
    if offset < 0 or limit < 1:
        raise Invalid("invalid_page", "offset is 0 or more and limit 1 or more", field="offset")


def field_values(fields: dict[str, Any]) -> dict[str, str]:
    """Field names and values as they are stored and matched: text, trimmed, bounded."""
    return {str(k)[:FIELD_NAME_LENGTH]: _field_value(v) for k, v in fields.items()}


def relevance(terms: Sequence[str], row: Sequence[Any]) -> float:
    """A BM25-like score from the body length and, per term, the hits in the title and the
    body (the adapters' hit counts): hits in the title, where NORMS §4.3 puts the place and
    the event, weigh double; hits in the body saturate and count less in long bodies. All
    terms are required, so there is no IDF."""
    total = 0.0
    damping = 1.2 * (0.25 + 0.75 * (row[0] or 0) / 200.0)
    for i, term in enumerate(terms):
        in_title = (row[1 + 2 * i] or 0) / len(term)
        in_body = (row[2 + 2 * i] or 0) / len(term)
        total += 2.0 * in_title / (in_title + 1.2) + in_body / (in_body + damping)
    return round(total, 6)


# ---- presentation -----------------------------------------------------------------------


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(terms), key=len, reverse=True)  # the longest match wins at a position
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE) if ordered else None


def highlight(text: str, terms: Sequence[str], *, width: int = 0) -> str:
    """``text`` as HTML-escaped text with every term in ``<mark>``. With ``width``, only a
    window of about that many characters around the first hit (or the start), with ``…``
    where it was cut: a snippet for a result list."""
    pattern = _pattern(terms)
    start, end = 0, len(text)
    if width:
        first = pattern.search(text) if pattern else None
        centre = first.start() if first else 0
        start = max(0, min(centre - width // 3, len(text) - width))
        end = min(len(text), start + width)
    window = text[start:end]
    out: list[str] = ["…" if start > 0 else ""]
    position = 0
    for hit in pattern.finditer(window) if pattern else ():
        out.append(html.escape(window[position : hit.start()]))
        out.append(f"<mark>{html.escape(hit.group())}</mark>")
        position = hit.end()
    out.append(html.escape(window[position:]))
    out.append("…" if end < len(text) else "")
    return "".join(out)
