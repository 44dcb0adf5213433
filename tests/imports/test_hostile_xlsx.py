"""Hostile workbooks: zip bombs, millions of strings, huge declared sheets. Each is refused with a
message in the user's language (422, never a 500) before it costs a worker its memory, and the
upload reads only the rows it shows."""
from __future__ import annotations

import itertools
import random
import string
import tracemalloc
import zipfile
from io import BytesIO

import pytest
from sqlalchemy import select

from panel import tabular
from panel.extensions import db
from panel.models import JobRun, User
from panel.services.imports import importer
from panel.tabular import excel

from ..conftest import as_tenant
from .helpers import mapping_form, run_id_of, upload, work, xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
         f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OFFICE}.worksheet+xml"/>'
         f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OFFICE}.sharedStrings+xml"/></Types>')
PACKAGE_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="Klienci" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>')
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def workbook(sheet_rows, strings=(), dimension: str | None = None, unique_count: int | None = None,
             raw_strings=()) -> bytes:
    """An XLSX written by hand, part by part, streamed: `sheet_rows` and `strings` may be generators
    of XML fragments far bigger than memory should hold."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", TYPES)  # as Excel writes them: openpyxl reads these files too
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                part.write(f'<dimension ref="{dimension}"/>'.encode())
            part.write(b"<sheetData>")
            _write_all(part, sheet_rows)
            part.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w") as part:
            count = f' uniqueCount="{unique_count}"' if unique_count is not None else ""
            part.write(f'<sst xmlns="{MAIN}"{count}>'.encode())
            _write_all(part, (f"<si><t>{text}</t></si>" for text in strings))
            for chunk in raw_strings:
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


def _write_all(part, fragments, batch: int = 100_000) -> None:
    """Many fragments, a batch at a time: one write per fragment would cost a compression call each."""
    fragments = iter(fragments)
    while chunk := "".join(itertools.islice(fragments, batch)):
        part.write(chunk.encode())


def text_row(number: int, *indexes: int) -> str:
    cells = "".join(f'<c r="{tabular.column_letter(i)}{number}" t="s"><v>{s}</v></c>' for i, s in enumerate(indexes))
    return f'<row r="{number}">{cells}</row>'


def people(rows: int):
    """A header and `rows` customers, every name a shared string of its own."""
    yield text_row(1, 0, 1)
    for n in range(rows):
        yield text_row(n + 2, 2 + 2 * n, 3 + 2 * n)


def names(rows: int):
    yield "Imię"
    yield "Nazwisko"
    rng = random.Random(rows)
    for _n in range(rows * 2):
        yield "".join(rng.choices(string.ascii_letters, k=12))  # random: it does not pack tightly


def polish(app, world):
    with app.app_context():
        db.session.get(User, world.manager.id).locale = "pl"
        db.session.commit()


def refused(client, data: bytes) -> str:
    resp = upload(client, data, "klienci.xlsx")
    assert resp.status_code == 422
    return resp.text


def test_eight_million_shared_strings_in_a_small_file_are_refused_from_the_zip_directory(app, manager_a,
                                                                                        world_a):
    """The reported file: 8 million strings packed into a few hundred KB. The directory alone
    tells: nothing is unpacked, so memory stays that of the upload."""
    data = workbook([text_row(1, 0)], raw_strings=(b"<si><t>x</t></si>" * 100_000 for _n in range(80)))
    assert len(data) < 400_000
    polish(app, world_a)
    tracemalloc.start()
    try:
        page = refused(manager_a, data)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Tego pliku Excel nie da się bezpiecznie odczytać" in page
    assert peak < 20 * 1024 * 1024
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalar(select(JobRun.id)) is None  # no draft kept


def test_more_strings_than_the_limit_are_refused_while_counting_them(ctx):
    limits = tabular.Limits(strings=1000)
    data = workbook(people(600), names(600))  # 1202 strings, not declared
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(data, "xlsx", limits=limits)
    assert "more than 1000 different texts" in info.value.message
    # Declared in the strings' header, it is refused before a single string is read.
    data = workbook(people(2), ["Imię", "Nazwisko", "<broken"], unique_count=5_000)
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(data, "xlsx", limits=limits, limit=20)
    assert "more than 1000 different texts" in info.value.message


def test_a_sheet_declaring_a_huge_size_is_refused_before_its_rows_are_read(app, manager_a, world_a):
    with app.app_context(), pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(workbook(people(2), names(2), dimension="A1:B5000000"), "xlsx", limit=20)
    assert "more than 100000 rows" in info.value.message
    polish(app, world_a)
    # Every column and row of a sheet, and a broken row: refused before the rows are parsed.
    page = refused(manager_a, workbook(["<row r='1'><c r='A1' t='s'><v>0</v></c>", "<broken"], ["Imię"],
                                       dimension="A1:XFD1048576"))
    assert "Plik ma więcej niż 200 kolumn" in page


def test_a_cell_far_to_the_right_is_refused_as_too_many_columns(ctx):
    data = workbook([text_row(1, 0), '<row r="2"><c r="ZZZ2" t="s"><v>0</v></c></row>'], ["Imię"])
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(data, "xlsx")
    assert "more than 200 columns" in info.value.message


def test_tightly_packed_and_too_large_parts_are_refused(ctx):
    tight = workbook([text_row(1, 0)] + ["<row><c><v>1</v></c></row>"] * 100_000, ["Imię"])
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(tight, "xlsx", limit=20)
    assert "more than 100 times its size" in info.value.message
    large = workbook(people(30_000), names(30_000))
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(large, "xlsx", limit=20, limits=tabular.Limits(unpacked_bytes=1024 * 1024))
    assert "too large once unpacked (over 1 MB)" in info.value.message


def test_the_upload_reads_only_the_rows_it_shows_and_the_strings_they_use(ctx):
    """Past the first rows the sheet and the strings are broken: a preview never gets there,
    the full read (the job's) does and refuses the file."""
    rows = list(people(100)) + ["<row r='500'><c r='A500' t='s'><v>oops</v></c></row><broken"]
    strings = list(names(100)) + ["<broken"]
    data = workbook(rows, strings)
    table = tabular.read_table(data, "xlsx", limit=20)
    assert table.headers == ["Imię", "Nazwisko"] and len(table.rows) == 20
    assert table.rows[0][0] == 2 and all(len(cells) == 2 and all(cells) for _n, cells in table.rows)
    with pytest.raises(tabular.TableFileError) as info:
        tabular.read_table(data, "xlsx")
    assert "could not be read as an Excel workbook" in info.value.message


def test_more_rows_than_the_limit_are_refused_by_the_job_with_nothing_imported(app, manager_a, world_a,
                                                                               monkeypatch):
    """No dimension declared: the upload cannot know, the job stops at the limit."""
    monkeypatch.setattr(importer, "LIMITS", tabular.Limits(rows=50))
    polish(app, world_a)
    draft_id = run_id_of(upload(manager_a, workbook(people(51), names(51)), "klienci.xlsx"))
    manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["first_name", "last_name"]))
    run_id = run_id_of(manager_a.post(f"/customers/import/{draft_id}/start"))
    work(app)
    with app.app_context(), as_tenant(world_a):
        run = db.session.get(JobRun, run_id)
        assert run.status == "failed" and run.result == {"error": "refused"}
        assert run.message.startswith("Plik ma więcej niż 50 wierszy")
    assert "Plik ma więcej niż 50 wierszy" in manager_a.get(f"/customers/import/{run_id}").text


def test_a_workbook_within_the_limits_reads_as_openpyxl_wrote_it(ctx):
    data = xlsx_bytes([["Imię", "Kod karty"], ["Łukasz", "0004340757"], ["Ewa", 4340757]])
    table = tabular.read_table(data, "xlsx")
    assert table.rows == [(2, ["Łukasz", "0004340757"]), (3, ["Ewa", "4340757"])]
    assert excel.column_index("XFD") == 16383
