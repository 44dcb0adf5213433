"""What every reader returns, raises and stays within."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..services import ServiceError

MB = 1024 * 1024


class TableFileError(ServiceError):
    """The upload cannot be read as a table, or is over a limit; the message says why, in the user's language."""


@dataclass(frozen=True)
class Limits:
    """How big a table may be. An XLSX is checked against them before its rows are parsed.

    A workbook is a zip of XML: 300 KB can unpack to gigabytes, or to millions of strings that a
    reader holds in memory. So the zip's directory is checked first (what each part unpacks to,
    and by what ratio, as Apache POI's ZipSecureFile does), then the sheet's declared size and
    the declared count of shared strings, and while reading, the rows, columns and strings met.
    The defaults fit the largest customer list that can be imported at once (100 000 rows of a
    few dozen columns, with pictures or formatting beside it).
    """

    rows: int = 100_000                 # data rows, the header not counted
    columns: int = 200
    unpacked_bytes: int = 256 * MB      # every part of the workbook together
    ratio: int = 100                    # unpacked / packed, for a part over RATIO_FLOOR bytes
    strings: int = 2_000_000            # the workbook's shared strings


# Parts this small may pack as tightly as they like: they cannot hurt.
RATIO_FLOOR = 1 * MB


@dataclass
class Table:
    """What a file holds: its header and its non-blank rows, every cell as text."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]   # (the row's number in the file, the header being row 1; cells)
    total: int | None                   # data rows in the file (None: not counted)
    file_format: str                    # csv | xlsx
    encoding: str | None = None
    delimiter: str | None = None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def too_many_rows(limits: Limits) -> TableFileError:
    return TableFileError(_("The file has more than %(max)d rows; at most %(max)d can be imported at once. "
                            "Split it.", max=limits.rows), field="file")


def too_many_columns(limits: Limits) -> TableFileError:
    return TableFileError(_("The file has more than %(max)d columns. Delete the columns that are not needed, "
                            "or split it.", max=limits.columns), field="file")
