"""Excel (XLSX): every cell as the text the user sees, read as a stream within Limits.

Not through openpyxl's reader: even in read-only mode it loads every shared string of the
workbook before the first row, and pads each row to the width the sheet declares, so a small
hostile file held a web worker for 30 s or grew it by 300 MB. Here the zip's directory, the
sheet's declared size and the declared count of strings are checked first; rows are parsed one
at a time (iterparse, each row dropped once read); and a caller that wants only the first rows
(the upload and its preview) reads only those rows and only the strings they use.

openpyxl stays what writes our exports, and lends its number-format rules (which formats are
dates) so a cell reads here as it did through openpyxl.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import date, datetime, time
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError, iterparse

from flask_babel import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .base import MB, RATIO_FLOOR, Limits, TableFileError, too_many_columns, too_many_rows

_REL_WORKSHEET = "/worksheet"
_REL_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


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


def unreadable() -> TableFileError:
    return TableFileError(_("This file could not be read as an Excel workbook (.xlsx). Save it again "
                            "from Excel, or as CSV."), field="file")


def _local(tag: str) -> str:
    """An element's name without its namespace (Strict OOXML uses other namespaces)."""
    return tag.rpartition("}")[2]


def _text(element: Element) -> str:
    """A shared or inline string: its runs' text, without the phonetic guide (rPh)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def check_directory(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip bomb from the zip's directory alone, before anything is unpacked.

    The sizes are the ones the directory declares: zipfile never unpacks a part beyond its
    declared size, so a lie there only makes the read fail.
    """
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise TableFileError(_("This Excel file cannot be read safely: a part of it unpacks to more than "
                                   "%(ratio)d times its size. Save it again from Excel, or as CSV.",
                                   ratio=limits.ratio), field="file")
    if total > limits.unpacked_bytes:
        raise TableFileError(_("This Excel file is too large once unpacked (over %(mb)d MB). Delete what the "
                               "import does not need (other sheets, pictures) or save it as CSV.",
                               mb=limits.unpacked_bytes // MB), field="file")


class Workbook:
    """The first worksheet of an XLSX, its shared strings and its number formats."""

    def __init__(self, data: bytes, limits: Limits):
        self.limits = limits
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise unreadable() from exc
        check_directory(self.archive, limits)
        self.epoch = CALENDAR_WINDOWS_1900
        self.sheet, self.strings_part, styles = self._parts()
        self.formats = self._formats(styles)
        self.declared_rows = self._dimension()

    def _parse(self, name: str, events=("end",)) -> Iterator[tuple[str, Element]]:
        with self.archive.open(name) as stream:
            yield from iterparse(stream, events=events)

    def _relations(self, name: str) -> dict[str, tuple[str, str]]:
        """{id: (type, target as a name in the zip)} of a part's relationships file."""
        folder, _sep, base = name.rpartition("/")
        rels = f"{folder}/_rels/{base}.rels"
        if rels not in self.archive.NameToInfo:
            return {}
        found = {}
        for _event, element in self._parse(rels):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
                found[element.get("Id", "")] = (element.get("Type", ""), _normpath(target))
        return found

    def _parts(self) -> tuple[str, str | None, str | None]:
        """The first worksheet's part, the shared strings' and the styles' (from xl/workbook.xml)."""
        book = "xl/workbook.xml"
        relations = self._relations(book)
        sheet = None
        for _event, element in self._parse(book):
            name = _local(element.tag)
            if name == "workbookPr" and element.get("date1904", "").lower() in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif name == "sheet":
                rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, target = relations.get(rel, ("", ""))
                if kind.endswith(_REL_WORKSHEET) and target in self.archive.NameToInfo:
                    sheet = target
                    break
        if sheet is None:
            raise unreadable()

        def part(kind: str) -> str | None:
            return next((t for k, t in relations.values() if k.endswith(kind) and t in self.archive.NameToInfo),
                        None)

        return sheet, part(_REL_STRINGS), part(_REL_STYLES)

    def _formats(self, styles: str | None) -> list[str | None]:
        """The number format of each cell style (a cell's `s`), as openpyxl reads them."""
        if styles is None:
            return []
        custom: dict[int, str] = {}
        formats: list[str | None] = []
        in_cell_xfs = False
        for event, element in self._parse(styles, events=("start", "end")):
            name = _local(element.tag)
            if name == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and name == "numFmt":
                custom[int(element.get("numFmtId", -1))] = element.get("formatCode", "")
            elif event == "end" and name == "xf" and in_cell_xfs:
                number = int(element.get("numFmtId", 0))
                formats.append(custom.get(number) or BUILTIN_FORMATS.get(number))
        return formats

    def _dimension(self) -> int | None:
        """The rows the sheet says it spans; over the limits, it is refused unread."""
        for _event, element in self._parse(self.sheet, events=("start",)):
            name = _local(element.tag)
            if name == "sheetData":
                return None
            if name == "dimension":
                end = element.get("ref", "").rpartition(":")[2]
                match = _CELL_REF.match(end)
                if match is None:
                    return None
                if column_index(match.group(1)) >= self.limits.columns:
                    raise too_many_columns(self.limits)
                rows = int(match.group(2))
                if rows > self.limits.rows + 1:  # the header's row besides
                    raise too_many_rows(self.limits)
                return rows
        return None

    def strings(self, wanted: set[int] | None = None) -> dict[int, str] | list[str]:
        """The shared strings: all of them (a list), or those `wanted` by index (read up to the last one)."""
        found: dict[int, str] | list[str] = {} if wanted is not None else []
        if self.strings_part is None or wanted == set():
            return found
        last = max(wanted) if wanted else None
        index = 0
        root = None
        for event, element in self._parse(self.strings_part, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "sst":
                    root = element
                    if int(element.get("uniqueCount") or 0) > self.limits.strings:
                        raise self._too_many_strings()
                continue
            if name != "si":
                continue
            if index >= self.limits.strings:
                raise self._too_many_strings()
            if wanted is None:
                found.append(_text(element))
            elif index in wanted:
                found[index] = _text(element)
            if index == last:
                break
            index += 1
            if root is not None:
                root.clear()  # a string read is dropped, not kept in the tree
        return found

    def _too_many_strings(self) -> TableFileError:
        return TableFileError(_("This Excel file holds more than %(n)d different texts. Split it, or save it "
                                "as CSV.", n=self.limits.strings), field="file")

    def rows(self) -> Iterator[tuple[int, list]]:
        """(the row's number, its cells) for each row of the sheet that has cells; shared strings
        come as _Shared(index), for the caller to look up. Each row is dropped once read."""
        parent = None
        number = 0
        for event, element in self._parse(self.sheet, events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if name == "sheetData":
                    parent = element
                continue
            if name != "row":
                continue
            number = int(element.get("r") or number + 1)
            cells = self._cells(element)
            if parent is not None:
                parent.clear()
            if cells:
                yield number, cells

    def _cells(self, row: Element) -> list:
        cells: list = []
        column = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            ref = _CELL_REF.match(cell.get("r") or "")
            if ref is not None:
                column = column_index(ref.group(1))
            value = self._value(cell)
            if value != "":
                if column >= self.limits.columns:
                    raise too_many_columns(self.limits)
                cells.extend([""] * (column - len(cells)))
                cells.append(value)
            column += 1
        return cells

    def _value(self, cell: Element):
        """The cell's text, or _Shared(index) for a shared string."""
        kind = cell.get("t", "n")
        raw = None
        for child in cell:
            name = _local(child.tag)
            if name == "v":
                raw = child.text
            elif name == "is":
                return _text(child)
        if raw is None:
            return ""
        if kind == "s":
            return _Shared(int(raw))
        if kind == "b":
            return cell_text(raw.strip() in ("1", "true"))
        if kind == "d":
            return cell_text(_iso(raw))
        if kind != "n":  # str (a formula's text), e (an error such as #N/A), inlineStr
            return raw
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        style = int(cell.get("s") or 0)
        fmt = self.formats[style] if style < len(self.formats) else None
        if fmt and is_date_format(fmt):
            try:
                return cell_text(from_excel(number, self.epoch, timedelta=is_timedelta_format(fmt)), fmt)
            except (ValueError, OverflowError):
                pass  # no date: shown as the number it holds
        return cell_text(number, fmt)


class _Shared(int):
    """A shared string's index, until its text is looked up."""


def _lookup(strings: dict[int, str] | list[str], index: int) -> str:
    """A shared string; an index the workbook has no string for reads as an empty cell."""
    if isinstance(strings, list):
        return strings[index] if 0 <= index < len(strings) else ""
    return strings.get(index, "")


def _iso(raw: str):
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return raw


def _normpath(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


# What a broken or hostile part raises while it is unpacked or parsed.
BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, IndexError, ValueError, ParseError,
          NotImplementedError, OverflowError)


def xlsx_rows(data: bytes, limits: Limits, first: int | None = None) -> tuple[Iterator[tuple[int, list[str]]],
                                                                             int | None]:
    """(row number, cells as text) for the first sheet's rows, and the rows its dimension declares.

    `first`: read only that many rows with cells, and only the shared strings they use, so a
    preview costs the same whatever the file's size. Otherwise every string is read first
    (within limits.strings), then the rows as a stream.
    """
    try:
        book = Workbook(data, limits)
    except BROKEN as exc:
        raise unreadable() from exc

    def resolved(rows, strings) -> Iterator[tuple[int, list[str]]]:
        for number, cells in rows:
            yield number, [_lookup(strings, c) if isinstance(c, _Shared) else c for c in cells]

    def read() -> Iterator[tuple[int, list[str]]]:
        try:
            if first is None:
                yield from resolved(book.rows(), book.strings())
                return
            head = []
            rows = book.rows()
            for row in rows:
                head.append(row)
                if len(head) >= first:
                    break
            rows.close()  # the rest of the sheet is never parsed
            wanted = {c for _n, cells in head for c in cells if isinstance(c, _Shared)}
            yield from resolved(head, book.strings(wanted))
        except BROKEN as exc:
            raise unreadable() from exc

    return read(), book.declared_rows


__all__ = ["cell_text", "column_index", "too_many_rows", "xlsx_rows"]
