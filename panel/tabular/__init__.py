"""Reading tables people upload: CSV in any of their encodings and delimiters, or Excel (XLSX).

Every cell is read as text, so codes keep their leading zeros. CSV cells are strings anyway;
Excel cells that hold numbers come back as their digits ("4340757", never "4340757.0"), and a
zero-padding number format ("0000000000") is honoured. A number typed into a General cell
has lost its leading zeros inside Excel already; a column formatted as Text keeps them. A cell
our own export guarded against formulas ("'+48 600 100 200") is read without the guard, so an
export imports back as it was.

No database and no tenant here: customer, price-list, catalog and document imports use it.
"""
from .base import Limits, Table, TableFileError, column_letter
from .excel import cell_text
from .reading import detect_format, read_table
from .text import DELIMITERS, ENCODINGS, decode, sniff_delimiter

__all__ = ["DELIMITERS", "ENCODINGS", "Limits", "Table", "TableFileError", "cell_text", "column_letter", "decode",
           "detect_format", "read_table", "sniff_delimiter"]
