"""Unit tests for panel.cardcodes (pure, no app, no DB).

Vectors are the published ones from the reader research notes
(/work/shared/reference/card-readers.md, section 2).
"""

from __future__ import annotations

import random

import pytest

from panel.cardcodes import (
    DEFAULT_FORMAT,
    FORMAT_AUTO,
    FORMAT_DEC10_BE,
    FORMAT_DEC10_LE,
    FORMAT_EXACT,
    FORMAT_HEX_FWD,
    FORMAT_HEX_REV,
    MAX_CODE_LENGTH,
    MAX_KEY_LENGTH,
    READER_FORMATS,
    InvalidCardCode,
    clean,
    describe,
    is_valid_format,
    lookup_key,
)

# MIFARE Classic: UID bytes 1c 78 f2 bf -> LE decimal 3220338716, BE 477688511.
UID_A_HEX = "1C78F2BF"
UID_A_LE = "3220338716"
UID_A_BE = "0477688511"
# Bytes E4 3A C9 D2 -> LE 3536403172 (the number printed on the card).
UID_B_HEX = "E43AC9D2"
UID_B_LE = "3536403172"
# A 7-byte UID (NTAG/Ultralight style, first byte 04 = NXP).
UID_7_HEX = "04A23B1C5D6E80"
UID_7_REV = "806E5D1C3BA204"

FIXED_UID_FORMATS = (FORMAT_DEC10_LE, FORMAT_DEC10_BE, FORMAT_HEX_FWD, FORMAT_HEX_REV)
UID_FORMATS = (FORMAT_AUTO, *FIXED_UID_FORMATS)


# --- published vectors -------------------------------------------------------


def test_published_vectors_hold_as_integers() -> None:
    # Guard the constants themselves, so a typo cannot make tests agree with bugs.
    uid_a = bytes.fromhex(UID_A_HEX)
    assert int.from_bytes(uid_a, "little") == 3220338716
    assert int.from_bytes(uid_a, "big") == 477688511
    assert int.from_bytes(bytes.fromhex(UID_B_HEX), "little") == 3536403172
    # EM4100: 40-bit 322126887957 = facility 75, low 32 bits 4340757.
    assert 322126887957 >> 32 == 75
    assert 322126887957 & 0xFFFFFFFF == 4340757


def test_describe_mifare_le_decimal() -> None:
    info = describe(UID_A_LE)
    assert info == {
        "code": UID_A_LE,
        "uid_length": 4,
        "dec_le": "3220338716",
        "dec_be": "0477688511",
        "hex_fwd": "1C78F2BF",
        "hex_rev": "BFF2781C",
    }


def test_describe_hex_with_colons_is_read_order() -> None:
    info = describe("1c:78:f2:bf")
    assert info["code"] == "1c:78:f2:bf"  # stored as typed
    assert info["hex_fwd"] == "1C78F2BF"
    assert info["hex_rev"] == "BFF2781C"
    assert info["dec_le"] == "3220338716"
    assert info["dec_be"] == "0477688511"


def test_describe_second_mifare_vector() -> None:
    info = describe(UID_B_HEX)
    assert info["dec_le"] == UID_B_LE
    assert info["hex_rev"] == "D2C93AE4"


def test_em4100_8h10d_is_a_10_digit_decimal() -> None:
    info = describe("0004340757")
    assert info["uid_length"] == 4
    assert info["dec_le"] == "0004340757"
    assert int(info["hex_rev"] or "", 16) == 4340757
    assert lookup_key("0004340757", FORMAT_AUTO).startswith("U")


def test_describe_7_byte_uid_has_no_decimal_variants() -> None:
    # A 7-byte UID as decimal exceeds 10 digits; no reader types it that way here.
    info = describe(UID_7_HEX)
    assert info["uid_length"] == 7
    assert info["hex_fwd"] == UID_7_HEX
    assert info["hex_rev"] == UID_7_REV
    assert info["dec_le"] is None
    assert info["dec_be"] is None


@pytest.mark.parametrize("code", ["5901234123457", "ABC-123", "4294967296", "12345"])
def test_describe_non_uid(code: str) -> None:
    assert describe(code) == {
        "code": code,
        "uid_length": None,
        "dec_le": None,
        "dec_be": None,
        "hex_fwd": None,
        "hex_rev": None,
    }


# --- auto: order-independent keys --------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        UID_A_LE,  # LE decimal wedge reader
        UID_A_BE,  # BE decimal reader, zero-padded
        "1C78F2BF",  # hex reader, read order
        "BFF2781C",  # hex reader, reversed
        "1c78f2bf",  # lowercase
        "1c:78:f2:bf",  # phone NFC app
        "BF:F2:78:1C",
        "1C-78-F2-BF",
        "1C 78 F2 BF",
        "1c  78 \u00a0f2 bf",  # runs of (non-breaking) spaces collapse
        " 3220338716\r\n",  # reader terminator
    ],
)
def test_auto_same_card_same_key(typed: str) -> None:
    assert lookup_key(typed, FORMAT_AUTO) == "U1C78F2BF"


def test_auto_key_is_min_of_both_orders() -> None:
    assert lookup_key(UID_B_LE, FORMAT_AUTO) == "UD2C93AE4"  # min(E43AC9D2, D2C93AE4)
    assert lookup_key(UID_B_HEX, FORMAT_AUTO) == "UD2C93AE4"


@pytest.mark.parametrize("typed", [UID_7_HEX, UID_7_REV, "04:a2:3b:1c:5d:6e:80", "80-6E-5D-1C-3B-A2-04"])
def test_auto_7_byte_uid_either_order(typed: str) -> None:
    assert lookup_key(typed, FORMAT_AUTO) == "U" + UID_7_HEX


def test_auto_distinct_cards_distinct_keys() -> None:
    assert lookup_key(UID_A_LE, FORMAT_AUTO) != lookup_key(UID_B_LE, FORMAT_AUTO)


def test_auto_random_uids_all_representations_agree() -> None:
    rng = random.Random(20240601)
    for _ in range(500):
        uid = rng.randbytes(4)
        forms = [
            f"{int.from_bytes(uid, 'little'):010d}",
            f"{int.from_bytes(uid, 'big'):010d}",
            uid.hex(),
            uid.hex().upper(),
            uid[::-1].hex().upper(),
            ":".join(f"{b:02x}" for b in uid),
            " ".join(f"{b:02X}" for b in uid[::-1]),
        ]
        keys = {lookup_key(form, FORMAT_AUTO) for form in forms}
        assert len(keys) == 1, (uid.hex(), forms, keys)


# --- fixed formats: physical-order keys ----------------------------------------


def test_dec10_le_reader_and_phone_hex_find_the_same_key() -> None:
    reader = lookup_key(UID_A_LE, FORMAT_DEC10_LE)
    phone = lookup_key("1C:78:F2:BF", FORMAT_DEC10_LE)
    assert reader == phone == "U1C78F2BF"


def test_dec10_be_reader_and_phone_hex_find_the_same_key() -> None:
    assert lookup_key(UID_A_BE, FORMAT_DEC10_BE) == "U1C78F2BF"
    assert lookup_key("1c78f2bf", FORMAT_DEC10_BE) == "U1C78F2BF"


def test_fixed_formats_are_deterministic_not_min() -> None:
    # E4 3A C9 D2 in physical order; auto would pick the reversed order.
    assert lookup_key(UID_B_LE, FORMAT_DEC10_LE) == "UE43AC9D2"
    assert lookup_key(UID_B_HEX, FORMAT_HEX_FWD) == "UE43AC9D2"
    assert lookup_key("D2C93AE4", FORMAT_HEX_REV) == "UE43AC9D2"


def test_dec10_formats_differ_in_byte_order() -> None:
    assert lookup_key(UID_A_LE, FORMAT_DEC10_LE) == "U1C78F2BF"
    assert lookup_key(UID_A_LE, FORMAT_DEC10_BE) == "UBFF2781C"


def test_hex_fwd_and_rev() -> None:
    assert lookup_key("1C78F2BF", FORMAT_HEX_FWD) == "U1C78F2BF"
    assert lookup_key("BFF2781C", FORMAT_HEX_REV) == "U1C78F2BF"
    assert lookup_key("bf:f2:78:1c", FORMAT_HEX_REV) == "U1C78F2BF"
    assert lookup_key(UID_7_REV, FORMAT_HEX_REV) == "U" + UID_7_HEX
    assert lookup_key(UID_7_HEX, FORMAT_HEX_FWD) == "U" + UID_7_HEX


@pytest.mark.parametrize("fmt", [FORMAT_HEX_FWD, FORMAT_HEX_REV])
def test_hex_formats_take_decimals_as_little_endian(fmt: str) -> None:
    assert lookup_key(UID_A_LE, fmt) == "U1C78F2BF"


def test_fixed_formats_random_reader_matches_phone() -> None:
    rng = random.Random(7)
    for _ in range(300):
        uid = rng.randbytes(4)
        phone = ":".join(f"{b:02X}" for b in uid)  # read order
        typed = {
            FORMAT_DEC10_LE: f"{int.from_bytes(uid, 'little'):010d}",
            FORMAT_DEC10_BE: f"{int.from_bytes(uid, 'big'):010d}",
            FORMAT_HEX_FWD: uid.hex(),
        }
        for fmt, code in typed.items():
            assert lookup_key(code, fmt) == lookup_key(phone, fmt) == "U" + uid.hex().upper()
        assert lookup_key(uid[::-1].hex(), FORMAT_HEX_REV) == "U" + uid.hex().upper()


# --- exact matching ------------------------------------------------------------


@pytest.mark.parametrize("fmt", READER_FORMATS)
@pytest.mark.parametrize(
    "code",
    [
        "5901234123457",  # EAN-13
        "ABC-123",
        "abc-123",  # case kept: a different code
        "4294967296",  # 10 digits but >= 2**32: not a 4-byte UID
        "9999999999",
        "322126887957",  # EM4100 40-bit decimal (8H13D-style): not handled
        "014,40091",  # Wiegand-26 facility,card
        "1C78F2BF00",  # 10 hex digits: not a UID length
        "1C:78:F2",  # 3 bytes
        "1C:78-F2:BF",  # mixed separators
        "1C:78:F2:BG",  # not hex
        "123456789",  # 9 digits
        "Jan Kowalski 7",  # inner spaces kept
    ],
)
def test_non_uids_match_exactly(fmt: str, code: str) -> None:
    assert lookup_key(code, fmt) == "X" + code
    assert lookup_key(f"  {code}\r\n", fmt) == "X" + code


def test_exact_format_never_converts() -> None:
    assert lookup_key(UID_A_LE, FORMAT_EXACT) == "X" + UID_A_LE
    assert lookup_key("1c:78:f2:bf", FORMAT_EXACT) == "X1c:78:f2:bf"
    assert lookup_key(UID_A_LE, FORMAT_EXACT) != lookup_key(UID_A_HEX, FORMAT_EXACT)


def test_exact_is_case_sensitive() -> None:
    assert lookup_key("abc-123", FORMAT_AUTO) != lookup_key("ABC-123", FORMAT_AUTO)


def test_8_digit_barcode_is_a_uid_in_auto_and_exact_in_exact() -> None:
    # Documented trade-off: EAN-8 looks like 4 hex bytes.
    ean8 = "96385074"
    assert lookup_key(ean8, FORMAT_AUTO) == "U74503896"  # min(96385074, 74503896)
    assert lookup_key(ean8, FORMAT_EXACT) == "X96385074"
    # ... and in auto it collides with its byte reversal; exact keeps them apart.
    assert lookup_key("74503896", FORMAT_AUTO) == lookup_key(ean8, FORMAT_AUTO)
    assert lookup_key("74503896", FORMAT_EXACT) != lookup_key(ean8, FORMAT_EXACT)
    # ... and with the decimal card of the same value (0x12345678 == 305419896).
    assert lookup_key("0305419896", FORMAT_AUTO) == lookup_key("12345678", FORMAT_AUTO)
    assert lookup_key("0305419896", FORMAT_EXACT) != lookup_key("12345678", FORMAT_EXACT)


def test_uid_and_exact_keys_cannot_collide() -> None:
    assert lookup_key("U1C78F2BF", FORMAT_AUTO) == "XU1C78F2BF"
    assert lookup_key("U1C78F2BF", FORMAT_AUTO) != lookup_key(UID_A_HEX, FORMAT_AUTO)


# --- clean() -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0004340757", "0004340757"),  # leading zeros are part of the code
        ("  0004340757  ", "0004340757"),
        ("0004340757\r\n", "0004340757"),
        ("0004340757\r", "0004340757"),
        ("\t0004340757\t", "0004340757"),
        ("\u00a00004340757\u00a0", "0004340757"),  # NBSP from copy-paste
        ("\ufeff0004340757", "0004340757"),  # BOM
        ("00043\u200b40757", "0004340757"),  # zero-width space
        ("1c:78:f2:bf", "1c:78:f2:bf"),  # case and separators kept
        ("1C  78 F2 BF", "1C  78 F2 BF"),  # inner spacing kept
        ("ABC-123", "ABC-123"),
        ("ABC\t123", "ABC123"),  # control characters are dropped, not spaced
    ],
)
def test_clean(raw: str, stored: str) -> None:
    assert clean(raw) == stored


def test_leading_zeros_preserved_and_matched() -> None:
    assert clean("0477688511") == "0477688511"
    # Without its zeros it is a different (non-10-digit) code.
    assert lookup_key("477688511", FORMAT_AUTO) == "X477688511"
    assert lookup_key("0477688511", FORMAT_AUTO) == "U1C78F2BF"


@pytest.mark.parametrize("fmt", READER_FORMATS)
def test_key_fits_max_key_length(fmt: str) -> None:
    longest = "A" * MAX_CODE_LENGTH
    assert len(lookup_key(longest, fmt)) == MAX_KEY_LENGTH
    assert len(lookup_key(UID_7_HEX, fmt)) <= MAX_KEY_LENGTH


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "\t", "\u00a0", "\ufeff"])
def test_empty_code_rejected(raw: str) -> None:
    with pytest.raises(InvalidCardCode) as exc:
        lookup_key(raw, FORMAT_AUTO)
    assert exc.value.code == "empty"
    with pytest.raises(ValueError):
        clean(raw)
    with pytest.raises(ValueError):
        describe(raw)


def test_max_length() -> None:
    assert clean("A" * MAX_CODE_LENGTH) == "A" * MAX_CODE_LENGTH
    # Length counts after trimming: the reader's CR does not push it over.
    assert clean("A" * MAX_CODE_LENGTH + "\r\n") == "A" * MAX_CODE_LENGTH
    with pytest.raises(InvalidCardCode) as exc:
        clean("A" * (MAX_CODE_LENGTH + 1))
    assert exc.value.code == "too_long"
    with pytest.raises(ValueError):
        lookup_key("1" * (MAX_CODE_LENGTH + 1), FORMAT_EXACT)


@pytest.mark.parametrize("fmt", ["", "AUTO", "dec10", "hex8", "em_8h10d", " auto"])
def test_unknown_format_rejected(fmt: str) -> None:
    assert not is_valid_format(fmt)
    with pytest.raises(ValueError, match="reader format"):
        lookup_key(UID_A_LE, fmt)


def test_unknown_format_checked_before_the_code() -> None:
    # A misconfigured tenant must surface as such, not as "empty code".
    with pytest.raises(ValueError, match="reader format"):
        lookup_key("", "nope")


def test_formats() -> None:
    assert READER_FORMATS == (
        "auto",
        "dec10_le",
        "dec10_be",
        "hex_fwd",
        "hex_rev",
        "exact",
    )
    assert DEFAULT_FORMAT == FORMAT_AUTO
    assert all(is_valid_format(fmt) for fmt in READER_FORMATS)
    assert not is_valid_format(None)
    assert not is_valid_format(1)
    assert isinstance(InvalidCardCode("empty"), ValueError)


def test_non_ascii_digits_are_not_uids() -> None:
    # Arabic-Indic and full-width digits are not what a reader types.
    arabic = "\u0663\u0662\u0662\u0660\u0663\u0663\u0668\u0667\u0661\u0666"
    assert lookup_key(arabic, FORMAT_AUTO) == "X" + arabic
    fullwidth = "\uff11\uff23\uff17\uff18\uff26\uff12\uff22\uff26"
    assert lookup_key(fullwidth, FORMAT_AUTO) == "X" + fullwidth
