"""Excel (XLSX): every cell as the text the user sees."""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from datetime import date, datetime, time
from typing import Iterator

from flask_babel import gettext as _

from .base import TableFileError


def cell_text(value, number_format: str | None = None) -> str:
    """An Excel cell as the text the user sees, without float artifacts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        # A "00000"-style format shows leading zeros that the stored number does not have.
        if number_format and value >= 0 and re.fullmatch(r"0+", number_format):
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return f"{value:.15g}"  # Excel keeps 15 significant digits; more would be noise
    return str(value)



def xlsx_rows(data: bytes) -> tuple[Iterator[list[str]], int | None]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it skips (data validation, missing styles); the
            # cell values, which are all we read, are unaffected.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise TableFileError(_("This file could not be read as an Excel workbook (.xlsx). Save it again "
                                "from Excel, or as CSV."), field="file") from exc
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[list[str]]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                for row in sheet.iter_rows():
                    yield [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
        finally:
            workbook.close()

    return rows(), sheet.max_row

