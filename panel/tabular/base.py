"""What every reader returns and raises."""
from __future__ import annotations

from dataclasses import dataclass

from ..services import ServiceError


class TableFileError(ServiceError):
    """The upload cannot be read as a table, or is over a limit; the message says why, in the user's language."""


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

