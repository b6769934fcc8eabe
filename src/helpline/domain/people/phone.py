"""Chinese phone numbers: one canonical form to store, and match keys for screen pop (来电弹屏).

The same caller reaches us as ``+8613812345678`` from one trunk, ``013812345678`` from a
PBX that adds a trunk 0, and ``138-1234-5678`` in a form an agent typed; a landline appears
as ``010-12345678``, ``(010) 1234 5678``, ``+86 10 1234 5678`` or, from a caller in the same
city, without its area code. Screen pop must find the customer in every case, so numbers
are stored in one canonical form and indexed by :func:`match_keys`.

Canonical forms (E.164 with an RFC 3966 extension):

==================  ==============================  =========================
kind                example input                   canonical
==================  ==============================  =========================
mobile 手机          ``86-138 1234 5678``            ``+8613812345678``
landline 固话        ``(0755) 1234 5678 转 801``     ``+8675512345678;ext=801``
service 400/800     ``400-123-4567``                ``+864001234567``
short service       ``95588``, ``12345``            ``95588``, ``12345``
local (no area)     ``1234 5678``                   ``12345678``
foreign             ``+1 415 555 0100``             ``+14155550100``
==================  ==============================  =========================
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import Invalid

COUNTRY = "86"
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SUBSCRIBER = re.compile(r"[1-9][0-9]{6,7}")
_SERVICE = re.compile(r"[48]00[0-9]{7}")
_SHORT = re.compile(r"1[0-9]{2,4}|9[56][0-9]{3,6}")
_EXTENSION = re.compile(r"\s*(?:;\s*ext=|ext\.?|x|转|分机|#|,|p|w)\s*([0-9]{1,6})\s*$", re.IGNORECASE)
_ALLOWED = re.compile(r"^\(?\+?[0-9\s\-.()/]+$")
_GROUPS = re.compile(r"[0-9]+")


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"  # 400/800 numbers and short service codes (95xxx, 12345, 110)
    LOCAL = "local"  # a landline without its area code, which we could not place
    FOREIGN = "foreign"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A parsed number. ``national`` is the number without country code or trunk 0."""

    kind: PhoneKind
    national: str
    area_code: str | None = None
    extension: str | None = None
    country: str = COUNTRY

    @property
    def subscriber(self) -> str:
        return self.national[len(self.area_code or "") :]

    @property
    def e164(self) -> str:
        """The dialable international form; short codes and local numbers have none."""
        if self.kind is PhoneKind.FOREIGN:
            return f"+{self.national}"
        if self.kind is PhoneKind.LOCAL or (
            self.kind is PhoneKind.SERVICE and not _SERVICE.fullmatch(self.national)
        ):
            return self.national
        return f"+{self.country}{self.national}"

    @property
    def canonical(self) -> str:
        """The form to store: E.164 plus ``;ext=`` when there is an extension."""
        return f"{self.e164};ext={self.extension}" if self.extension else self.e164

    @property
    def display(self) -> str:
        """The form people read: ``138 1234 5678``, ``010-1234 5678``, ``400-123-4567``."""
        n = self.national
        if self.kind is PhoneKind.MOBILE:
            text = f"{n[:3]} {n[3:7]} {n[7:]}"
        elif self.kind is PhoneKind.LANDLINE:
            sub = self.subscriber
            text = f"0{self.area_code}-{sub[:-4]} {sub[-4:]}"
        elif self.kind is PhoneKind.SERVICE and _SERVICE.fullmatch(n):
            text = f"{n[:3]}-{n[3:6]}-{n[6:]}"
        elif self.kind is PhoneKind.LOCAL:
            text = f"{n[:-4]} {n[-4:]}"
        else:
            text = self.e164
        return f"{text} 转 {self.extension}" if self.extension else text

    def match_keys(self) -> tuple[str, ...]:
        """Index keys, strongest first. The first is exact (the number without extension);
        a landline adds ``local:<subscriber>`` so that a record kept without its area code
        is still offered, as a weaker match the agent confirms."""
        if self.kind is PhoneKind.LANDLINE:
            return self.e164, f"local:{self.subscriber}"
        if self.kind is PhoneKind.LOCAL:
            return (f"local:{self.national}",)
        return (self.e164,)


def _classify(n: str, *, international: bool) -> tuple[PhoneKind, str | None] | None:
    """Kind and area code of a national number, or None when it is not a Chinese number."""
    trunk = n.startswith("0")
    if trunk:
        n = n[1:]  # a trunk 0, or "+86 (0)10 ..." written with it
    if _MOBILE.fullmatch(n):
        return PhoneKind.MOBILE, None
    if not trunk:
        if _SERVICE.fullmatch(n):
            return PhoneKind.SERVICE, None
        if not international and _SHORT.fullmatch(n):
            return PhoneKind.SERVICE, None
        if not international and _SUBSCRIBER.fullmatch(n):
            return PhoneKind.LOCAL, None
    area = n[:2] if n[:1] in ("1", "2") else n[:3]
    if area[:1] == "0" or (area[:1] == "1" and area != "10"):
        return None
    if _SUBSCRIBER.fullmatch(n[len(area) :]):
        return PhoneKind.LANDLINE, area
    return None


def _parse_digits(digits: str, *, plus: bool, default_area: str | None) -> PhoneNumber | None:
    international = plus or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if international and not digits.startswith(COUNTRY):
        return PhoneNumber(PhoneKind.FOREIGN, digits, country="") if 6 <= len(digits) <= 15 else None
    candidates = [(digits[2:], True)] if international else [(digits, False)]
    if not international and digits.startswith(COUNTRY) and len(digits) >= 11:
        candidates.append((digits[2:], True))  # "86-138...": the country code without a plus
    for national, intl in candidates:
        found = _classify(national, international=intl)
        if found is None:
            continue
        kind, area = found
        national = national.removeprefix("0")
        if kind is PhoneKind.LOCAL and default_area:
            return PhoneNumber(PhoneKind.LANDLINE, default_area + national, area_code=default_area)
        return PhoneNumber(kind, national, area_code=area)
    return None


def parse_phone(raw: str, *, default_area: str | None = None) -> PhoneNumber:
    """Parse a number as people and switches write it, or raise :class:`Invalid`.

    ``default_area`` (without the trunk 0, e.g. ``"755"``) places a number that has no
    area code, as a caller from the same city would dial it.
    """
    if default_area is not None and not re.fullmatch(r"10|2\d|[3-9]\d\d", default_area):
        raise Invalid("invalid_area_code", f"{default_area!r} is not an area code", field="default_area")
    text = unicodedata.normalize("NFKC", raw or "").strip()
    extension: str | None = None
    found = _EXTENSION.search(text)
    if found:
        extension, text = found.group(1), text[: found.start()]
    if not text or not _ALLOWED.match(text):
        raise Invalid("invalid_phone", f"{raw!r} is not a phone number", field="phone", value=raw)
    plus = text.lstrip("(").startswith("+")
    groups = _GROUPS.findall(text)
    number = _parse_digits("".join(groups), plus=plus, default_area=default_area)
    if number is None and extension is None and len(groups) > 2 and len(groups[-1]) <= 6:
        # "010-12345678-801": a last group the number has no room for is the extension
        number = _parse_digits("".join(groups[:-1]), plus=plus, default_area=default_area)
        extension = groups[-1]
    if number is None:
        raise Invalid("invalid_phone", f"{raw!r} is not a phone number", field="phone", value=raw)
    if extension is not None:
        number = PhoneNumber(number.kind, number.national, number.area_code, extension, number.country)
    return number


def normalize_phone(raw: str, *, default_area: str | None = None) -> str:
    """The canonical form to store, e.g. ``"+8613812345678"`` or ``"+861012345678;ext=801"``."""
    return parse_phone(raw, default_area=default_area).canonical


def match_keys(raw: str, *, default_area: str | None = None) -> tuple[str, ...]:
    """The keys to look a caller up by, strongest first (see :meth:`PhoneNumber.match_keys`).

    Two numbers refer to the same line when their first keys are equal; a shared later
    key is a possible match for the agent to confirm. Extensions never take part.
    """
    return parse_phone(raw, default_area=default_area).match_keys()


def same_number(a: str, b: str, *, default_area: str | None = None) -> bool:
    """True when ``a`` and ``b`` are the same line (extensions ignored)."""
    return match_keys(a, default_area=default_area)[0] == match_keys(b, default_area=default_area)[0]
