"""NIP, REGON, IČO and DIČ validation and normalisation."""

from __future__ import annotations

import pytest

from panel.registers.identifiers import (
    InvalidIdentifier,
    is_valid_ico,
    is_valid_nip,
    normalize_dic,
    normalize_ico,
    normalize_nip,
    normalize_regon,
)


@pytest.mark.parametrize("nip", ["7740001454", "5261040828", "5220002529", "5260251049", "5170359458"])
def test_valid_nips_pass_unchanged(nip: str) -> None:
    assert normalize_nip(nip) == nip
    assert is_valid_nip(nip)


@pytest.mark.parametrize("typed", ["PL7740001454", "pl 774-000-14-54", " 774 00 01 454 ", "PL-774-00-01-454"])
def test_nip_accepts_prefix_spaces_and_dashes(typed: str) -> None:
    assert normalize_nip(typed) == "7740001454"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0099112233", "nip_checksum"),  # the GusApi fixture NIP is synthetic
        ("7740001455", "nip_checksum"),
        ("1234567890", "nip_checksum"),  # weighted sum ≡ 10 (mod 11): no last digit fits
        ("1234567899", "nip_checksum"),
        ("774000145", "nip_length"),
        ("77400014540", "nip_length"),
        ("77400O1454", "nip_format"),
        ("٧٧٤٠٠٠١٤٥٤", "nip_format"),  # Arabic-Indic digits are digits, but not ours
        ("DE7740001454", "nip_format"),
        ("", "nip_empty"),
        (" - ", "nip_empty"),
        ("PL", "nip_empty"),
    ],
)
def test_invalid_nips_raise_with_a_code(typed: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        normalize_nip(typed)
    assert info.value.code == code
    assert not is_valid_nip(typed)


def test_invalid_identifier_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="nip_length"):
        normalize_nip("123")


@pytest.mark.parametrize("regon", ["000331501", "610188201", "010001345", "272051357", "27659249800038"])
def test_valid_regons(regon: str) -> None:
    assert normalize_regon(regon) == regon


def test_regon_strips_separators() -> None:
    assert normalize_regon("610-188-201") == "610188201"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("610188202", "regon_checksum"),
        ("61018820100000", "regon_checksum"),  # padded REGON-9, as BIR 1.0 returned it
        ("18085317700000", "regon_checksum"),
        ("27659249800039", "regon_checksum"),
        ("27659249900038", "regon_checksum"),  # the embedded REGON-9 is wrong
        ("6101882010", "regon_length"),
        ("61018820", "regon_length"),
        ("61018820x", "regon_format"),
        ("", "regon_empty"),
    ],
)
def test_invalid_regons(typed: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        normalize_regon(typed)
    assert info.value.code == code


@pytest.mark.parametrize("ico", ["26168685", "27082440", "00177041", "45274649", "27074358"])
def test_valid_icos(ico: str) -> None:
    assert normalize_ico(ico) == ico
    assert is_valid_ico(ico)


def test_ico_checksum_edge_remainders() -> None:
    # remainder 0 gives check digit 1, remainder 1 gives 0
    assert normalize_ico("10000071") == "10000071"
    assert normalize_ico("10000020") == "10000020"


def test_short_ico_is_zero_padded_like_ares_does() -> None:
    assert normalize_ico("177041") == "00177041"
    assert normalize_ico(" 177 041 ") == "00177041"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("12345678", "ico_checksum"),
        ("26168686", "ico_checksum"),
        ("261686850", "ico_length"),
        ("CZ26168685", "ico_format"),  # that is a DIČ
        ("", "ico_empty"),
    ],
)
def test_invalid_icos(typed: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        normalize_ico(typed)
    assert info.value.code == code
    assert not is_valid_ico(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CZ26168685", "CZ26168685"),
        ("cz 261 68 685", "CZ26168685"),
        ("26168685", "CZ26168685"),
        ("CZ699001234", "CZ699001234"),  # 9 digits: special DIČ of a natural person
        ("CZ8001011234", "CZ8001011234"),  # 10 digits: from a personal number
    ],
)
def test_valid_dics_come_back_with_the_prefix(typed: str, expected: str) -> None:
    assert normalize_dic(typed) == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("CZ12345678", "dic_checksum"),
        ("CZ1234567", "dic_length"),
        ("CZ12345678901", "dic_length"),
        ("SK2020317068", "dic_format"),
        ("CZ", "dic_empty"),
    ],
)
def test_invalid_dics(typed: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        normalize_dic(typed)
    assert info.value.code == code
