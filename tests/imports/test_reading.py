"""Reading uploads: encodings, delimiters, Excel cells as text, header guessing."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from panel import tabular
from panel.services.imports import columns, drafts

from .helpers import csv_bytes, xlsx_bytes

HEADER_PL = ["Imię", "Nazwisko", "NIP", "E-mail", "Telefon", "Kod karty", "Kod pocztowy", "Miejscowość"]


@pytest.fixture(autouse=True)
def _ctx(ctx):
    """gettext needs an app context."""


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1250"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_polish_and_czech_csv_in_every_encoding_and_delimiter(encoding, delimiter):
    data = csv_bytes([HEADER_PL, ["Łukasz", "Żółć-Dvořák", "774-000-14-54", "l@x.pl", "600 100 200", "0004340757",
                                  "00-950", "Łódź"]], delimiter=delimiter, encoding=encoding)
    table = tabular.read_table(data, "csv")
    assert table.headers == HEADER_PL
    assert table.rows == [(2, ["Łukasz", "Żółć-Dvořák", "774-000-14-54", "l@x.pl", "600 100 200", "0004340757",
                               "00-950", "Łódź"])]
    assert table.delimiter == delimiter
    assert table.encoding == ("cp1250" if encoding == "cp1250" else "utf-8")


def test_semicolon_wins_when_values_hold_commas():
    data = csv_bytes([["Nazwa", "Kwota", "Uwagi"], ["Bar, Kraków", "12,50", "a, b"], ["X", "1,00", "c"]])
    assert tabular.sniff_delimiter(data.decode("utf-8-sig")) == ";"


def test_blank_rows_are_skipped_and_numbers_are_file_rows():
    data = csv_bytes([["Imię"], ["Jan"], [""], ["Ewa"]])
    table = tabular.read_table(data, "csv")
    assert table.rows == [(2, ["Jan"]), (4, ["Ewa"])] and table.total == 2


def test_headers_in_polish_czech_and_english_are_recognised():
    headers = ["Imię", "Nazwisko", "Jméno", "Příjmení", "NIP", "IČO", "DIČ", "E-mail", "Telefon", "Kod karty",
               "Ulice", "PSČ", "Město", "Data urodzenia", "Poznámka", "Zgoda marketingowa", "Firma", "Whatever"]
    assert columns.guess_mapping(headers) == [
        "first_name", "last_name", "", "", "nip", "ico", "dic", "email", "phone", "card_code", "street",
        "postcode", "city", "birthday", "notes", "marketing_consent", "company_name", ""]
    assert columns.guess_mapping(["First name", "Surname", "Phone number", "Card number", "Company name"]) == [
        "first_name", "last_name", "phone", "card_code", "company_name"]
    assert columns.guess_mapping(["Jméno a příjmení", "Telefonní číslo", "Číslo karty"]) == [
        "full_name", "phone", "card_code"]


def test_excel_numbers_come_back_as_their_digits():
    data = xlsx_bytes(
        [["Kod karty", "Telefon", "Kwota", "Urodziny", "Zgoda", "Kod"],
         [4340757, 600100200.0, 0.1 + 0.2, datetime(1990, 5, 31), True, "0004340757"],
         [12345, 48600100200, 1234.5, date(2001, 1, 2), False, 4340757]],
        formats={"A2": "0000000000", "F3": "0000000000"})
    table = tabular.read_table(data, "xlsx")
    assert table.rows == [
        (2, ["0004340757", "600100200", "0.3", "1990-05-31", "1", "0004340757"]),
        (3, ["12345", "48600100200", "1234.5", "2001-01-02", "0", "0004340757"]),
    ]


def test_excel_loses_leading_zeros_of_plain_numbers_and_text_cells_keep_them():
    """What the upload page warns about: a General-format number has no leading zeros left."""
    data = xlsx_bytes([["Kod karty"], [4340757], ["0004340757"]])
    assert [cells for _n, cells in tabular.read_table(data, "xlsx").rows] == [["4340757"], ["0004340757"]]


def test_cell_text_has_no_float_artifacts():
    assert tabular.cell_text(5.0) == "5"
    assert tabular.cell_text(1e15 + 1) == "1000000000000001"
    assert tabular.cell_text(12.345) == "12.345"
    assert tabular.cell_text(None) == ""


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Old Excel files (.xls)"),
    (b"PK\x03\x04not really a zip", "could not be read as an Excel workbook"),
    (csv_bytes([["Imię", "Nazwisko"]]), "no rows under its header"),
])
def test_unreadable_files_are_refused_with_a_reason(world_a, data, message):
    from tests.conftest import as_tenant

    with as_tenant(world_a), pytest.raises(tabular.TableFileError) as info:
        drafts.create_draft("x.csv", data, None)
    assert message in info.value.message


def test_encoding_can_be_forced_and_a_wrong_one_is_explained():
    data = "Imię\nŁukasz\n".encode("cp1250")
    assert tabular.read_table(data, "csv", encoding="cp1250").rows == [(2, ["Łukasz"])]
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(data, "csv", encoding="utf-8")
    assert "not in the utf-8 encoding" in info.value.message


def test_cells_guarded_by_our_export_are_read_without_the_guard():
    data = csv_bytes([["Imię", "Telefon", "Uwagi"],
                      ["'=Ania", "'+48 502 111 222", "'-5 zł"],
                      ["O'Brien", "'600 100 200", "'@home"]])
    assert tabular.read_table(data, "csv").rows == [(2, ["=Ania", "+48 502 111 222", "-5 zł"]),
                                                    (3, ["O'Brien", "'600 100 200", "@home"])]
    # Saved from Excel as a workbook, the quote is in the cell's text too.
    table = tabular.read_table(xlsx_bytes([["Telefon"], ["'+420 601 123 456"]]), "xlsx")
    assert table.rows == [(2, ["+420 601 123 456"])]


@pytest.mark.parametrize("data", [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
                                  b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"GIF89a\x01\x00",
                                  b"Imi\xc4\x99;Nazwisko\r\n\x00\x01\x02\x03binary"])
def test_a_file_that_is_not_a_table_is_refused_as_such(data):
    with pytest.raises(tabular.TableFileError) as refused:
        tabular.detect_format("klienci.pdf", data)
    assert "This file type is not supported. Upload a CSV or Excel (.xlsx) file." in refused.value.message
