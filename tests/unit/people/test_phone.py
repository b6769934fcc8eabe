"""Chinese phone numbers: canonical forms, display forms and match keys for screen pop."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain.errors import Invalid
from helpline.domain.people.phone import (
    PhoneKind,
    match_keys,
    normalize_phone,
    parse_phone,
    same_number,
)

MOBILE = "+8613812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 138 1234 5678",
        "86-138-1234-5678",
        "13812345678",
        "138-1234-5678",
        "(+86) 138 1234 5678",
        "013812345678",
        "８６－１３８１２３４５６７８",
    ],
)
def test_mobile_forms(raw: str) -> None:
    number = parse_phone(raw)
    assert number.kind is PhoneKind.MOBILE
    assert number.canonical == MOBILE
    assert number.display == "138 1234 5678"


@pytest.mark.parametrize(
    ("raw", "canonical", "display"),
    [
        ("010-12345678", "+861012345678", "010-1234 5678"),
        ("(010) 1234 5678", "+861012345678", "010-1234 5678"),
        ("+86 10 1234 5678", "+861012345678", "010-1234 5678"),
        ("+86 (0)10 1234 5678", "+861012345678", "010-1234 5678"),
        ("(0755) 1234 5678", "+8675512345678", "0755-1234 5678"),
        ("0755-1234-5678", "+8675512345678", "0755-1234 5678"),
        ("86 755 1234 5678", "+8675512345678", "0755-1234 5678"),
        ("0571 8765432", "+865718765432", "0571-876 5432"),
        ("021-87654321", "+862187654321", "021-8765 4321"),
    ],
)
def test_landline_forms(raw: str, canonical: str, display: str) -> None:
    number = parse_phone(raw)
    assert number.kind is PhoneKind.LANDLINE
    assert (number.canonical, number.display) == (canonical, display)


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("010-12345678-801", "801"),
        ("010-12345678 转 801", "801"),
        ("010 1234 5678 ext. 801", "801"),
        ("01012345678#801", "801"),
        ("+861012345678;ext=801", "801"),
        ("(010)12345678 分机 801", "801"),
        ("010-1234-5678 x801", "801"),
    ],
)
def test_extensions(raw: str, extension: str) -> None:
    number = parse_phone(raw)
    assert number.extension == extension
    assert number.canonical == f"+861012345678;ext={extension}"
    assert number.display == f"010-1234 5678 转 {extension}"
    assert number.match_keys()[0] == "+861012345678"  # the extension does not take part


def test_service_local_and_foreign_numbers() -> None:
    assert normalize_phone("400-123-4567") == "+864001234567"
    assert parse_phone("400-123-4567").display == "400-123-4567"
    assert normalize_phone("800 123 4567") == "+868001234567"
    for short in ("95588", "12345", "110", "10086"):
        assert parse_phone(short).kind is PhoneKind.SERVICE and normalize_phone(short) == short
    local = parse_phone("8765 4321")
    assert (local.kind, local.canonical, local.display) == (PhoneKind.LOCAL, "87654321", "8765 4321")
    assert normalize_phone("8765 4321", default_area="755") == "+8675587654321"
    assert normalize_phone("+1 (415) 555-0100") == "+14155550100"
    assert parse_phone("001 415 555 0100").kind is PhoneKind.FOREIGN


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "anonymous",
        "abc123",
        "+",
        "12",
        "010-0123456",
        "0100-12345678",
        "1381234567",
        "138123456789",
        "+86 99",
        "010-12345678-1234567",
        "+1 23",
    ],
)
def test_garbage_is_refused(raw: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_phone(raw)
    assert err.value.code == "invalid_phone"
    assert err.value.fields["field"] == "phone"


def test_bad_default_area_is_refused() -> None:
    with pytest.raises(Invalid):
        parse_phone("87654321", default_area="0755")


def test_match_keys_for_screen_pop() -> None:
    assert match_keys("138 1234 5678") == (MOBILE,)
    assert match_keys("010-87654321") == ("+861012345678".replace("12345678", "87654321"), "local:87654321")
    # a record kept without the area code is a possible (weaker) match of the full number
    assert match_keys("8765 4321") == ("local:87654321",)
    assert set(match_keys("8765 4321")) & set(match_keys("(010) 8765 4321"))
    assert same_number("86-138-1234-5678", "013812345678")
    assert same_number("010-87654321-12", "+86 10 8765 4321")
    assert not same_number("010-87654321", "021-87654321")


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.tuples(
    st.sampled_from(["10", "21", "755", "571", "871"]), st.from_regex(r"[2-8][0-9]{7}", fullmatch=True)
)


@given(
    mobiles,
    st.sampled_from(
        ["{n}", "+86{n}", "+86 {a} {b} {c}", "0086-{n}", "86{n}", "0{n}", "{a}-{b}-{c}", "({a}) {b} {c}"]
    ),
)
def test_any_mobile_in_any_form_has_one_canonical(n: str, form: str) -> None:
    raw = form.format(n=n, a=n[:3], b=n[3:7], c=n[7:])
    assert normalize_phone(raw) == f"+86{n}"


@given(
    landlines,
    st.sampled_from(["0{a}-{s}", "({0a}) {s1} {s2}", "+86 {a} {s}", "0{a}{s}", "86-{a}-{s}"]),
    st.one_of(st.none(), st.from_regex(r"[1-9][0-9]{0,4}", fullmatch=True)),
)
def test_any_landline_in_any_form_round_trips(area_sub: tuple[str, str], form: str, ext: str | None) -> None:
    area, sub = area_sub
    raw = form.replace("{0a}", "0{a}").format(a=area, s=sub, s1=sub[:4], s2=sub[4:])
    if ext:
        raw += f" 转 {ext}"
    canonical = normalize_phone(raw)
    assert canonical == f"+86{area}{sub}" + (f";ext={ext}" if ext else "")
    assert normalize_phone(canonical) == canonical  # canonical forms are fixed points
    assert normalize_phone(parse_phone(raw).display) == canonical
