"""CSV files as our exports write them and our import reads them back.

Shared by the export jobs, the export views and the import service, so none of them imports
another's layer for it.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Polish and Czech Excel separate a CSV's fields with ';' (their decimal point is a comma):
# opened with a double click, a comma-separated file lands in one column. LibreOffice, Google
# Sheets and our own import tell the separator by themselves.
DELIMITER = ";"


# A customer's card codes share one cell, comma-separated: not by spaces, which may stand inside
# one code ("1C 78 F2 BF"). The import splits the cell at the same mark.
CODES_APART = ","


def joined_codes(codes: Iterable[str]) -> str:
    return f"{CODES_APART} ".join(codes)


def csv_writer(buf: io.StringIO):
    return csv.writer(buf, delimiter=DELIMITER)


def csv_safe(value) -> str:
    """Spreadsheets run cells that start like a formula; a leading quote makes them text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_unguard(text: str) -> str:
    """A cell as it was before csv_safe(): the import reads our own exports back."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def write_csv(rows, header: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv_writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    # A BOM, so Excel opens Polish and Czech letters as UTF-8.
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
