"""CSV: encodings and delimiters people's spreadsheets save with."""
from __future__ import annotations

import codecs
import csv
import io
import itertools
from typing import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .base import TableFileError

ENCODINGS = ("utf-8", "cp1250", "iso-8859-2")
DELIMITERS = {";": _l("Semicolon ( ; )"), ",": _l("Comma ( , )"), "\t": _l("Tab")}


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM decides, else UTF-8, else cp1250.

    Polish and Czech Excel saves "CSV" in cp1250; UTF-8 is tried first because a cp1250 file
    is almost never valid UTF-8, while every byte string decodes as cp1250 somehow.
    """
    if encoding:
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError:
            raise TableFileError(_("The file is not in the %(encoding)s encoding. Choose another one.",
                                    encoding=encoding), field="encoding") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1250", errors="replace"), "cp1250"


def sniff_delimiter(text: str) -> str:
    """";", "," or tab: the one that splits the first lines into the most equal-width rows."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]  # a cut-off last line would look inconsistent
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 50)
                if any(cell.strip() for cell in r)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for r in rows if len(r) == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best



def csv_rows(data: bytes, encoding: str | None, delimiter: str | None) -> tuple[Iterator[list[str]], str, str]:
    text, used = decode(data, encoding)
    delimiter = delimiter or sniff_delimiter(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), used, delimiter

