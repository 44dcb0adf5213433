"""Telling the format and reading the header and rows, whatever the format."""
from __future__ import annotations

import codecs
import csv
from typing import Iterator

from flask_babel import gettext as _

from ..csvfiles import csv_unguard
from .base import Limits, Table, TableFileError, column_letter, too_many_columns, too_many_rows
from .excel import xlsx_rows
from .text import csv_rows

DEFAULT_LIMITS = Limits()

# PDF, images, compressed files: what people pick by mistake instead of their table.
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


def detect_format(filename: str, data: bytes) -> str:
    """csv or xlsx, from the content (an XLSX is a zip); old binary .xls and non-tables are refused."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        raise TableFileError(_("Old Excel files (.xls) cannot be read. In Excel choose “Save as” and "
                               "pick “Excel Workbook (.xlsx)” or “CSV”."), field="file")
    # Text has no NUL bytes (bar UTF-16, which starts with its BOM); read as cp1250, a binary
    # file would otherwise pass for a CSV and fail later as "no rows under the header".
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if data.startswith(_BINARY_SIGNATURES) or (b"\x00" in data[:4096] and not utf16):
        raise TableFileError(_("This file type is not supported. Upload a CSV or Excel (.xlsx) file."),
                             field="file")
    return "csv"


def read_table(data: bytes, file_format: str, *, encoding: str | None = None, delimiter: str | None = None,
               limit: int | None = None, limits: Limits = DEFAULT_LIMITS) -> Table:
    """The header row and the non-blank data rows (the first `limit` of them, if given).

    Raises TableFileError for a file that is not a table, has no rows under its header, or is
    over `limits`. With a `limit`, an Excel file is read no further than those rows (its total
    is then estimated from the size the sheet declares); a CSV, in memory anyway, is counted.
    """
    if file_format == "xlsx":
        source, declared_rows = xlsx_rows(data, limits, first=None if limit is None else limit + 1)
        used_encoding = used_delimiter = None
    else:
        try:
            rows_of_csv, used_encoding, used_delimiter = csv_rows(data, encoding, delimiter)
        except csv.Error as exc:
            raise TableFileError(_("The file is not a readable CSV table."), field="file") from exc
        source, declared_rows = enumerate(rows_of_csv, start=1), None
    try:
        header_row, headers, rows, count = _collect(source, file_format, limit, limits)
    except csv.Error as exc:
        raise TableFileError(_("The file is not a readable CSV table: %(problem)s", problem=str(exc)),
                             field="file") from exc
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # an Excel workbook read only in part is closed now, not whenever
    if not rows:
        raise TableFileError(_("The file has no rows under its header row."), field="file")
    total: int | None = count
    if file_format == "xlsx" and limit is not None and len(rows) >= limit:
        total = max(declared_rows - header_row, len(rows)) if declared_rows else None
    width = max([len(headers)] + [len(cells) for _n, cells in rows])
    headers = [h or _("Column %(letter)s", letter=column_letter(i)) for i, h in
               enumerate(headers + [""] * (width - len(headers)))]
    return Table(headers, rows, total, file_format, used_encoding, used_delimiter)


def _collect(source: Iterator[tuple[int, list[str]]], file_format: str, limit: int | None,
             limits: Limits) -> tuple[int, list[str], list[tuple[int, list[str]]], int]:
    """The header's row number, the header, the first `limit` data rows and the count of data rows."""
    numbered = ((n, [csv_unguard(c.strip()).strip() for c in cells]) for n, cells in source)
    header = next(((n, cells) for n, cells in numbered if any(cells)), None)
    if header is None:
        raise TableFileError(_("The file is empty."), field="file")
    header_row, headers = header
    if len(headers) > limits.columns:
        raise too_many_columns(limits)
    rows: list[tuple[int, list[str]]] = []
    count = 0
    for n, cells in numbered:
        if not any(cells):
            continue
        count += 1
        if len(cells) > limits.columns:
            raise too_many_columns(limits)
        if limit is None or len(rows) < limit:
            rows.append((n, cells))
        if count > limits.rows and file_format == "xlsx":
            raise too_many_rows(limits)  # a workbook is not read further: parsing it is the cost
    if count > limits.rows:
        raise TableFileError(_("The file has %(n)d rows; at most %(max)d can be imported at once. Split it.",
                               n=count, max=limits.rows), field="file")
    return header_row, headers, rows, count
