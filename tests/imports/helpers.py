"""Building import files for tests: CSV in any encoding and delimiter, XLSX with number formats."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from rq import SimpleWorker

from panel.jobs import get_queue, redis_connection


def csv_bytes(rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], formats: dict[str, str] | None = None) -> bytes:
    """A workbook whose first sheet holds `rows`; `formats` maps a cell ("C2") to its number format."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "customers.csv"):
    return client.post("/customers/import/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def run_id_of(resp) -> int:
    m = re.search(r"/customers/import/(\d+)", resp.headers["Location"])
    assert m, resp.headers.get("Location")
    return int(m.group(1))


def work(app) -> None:
    """Run the queued jobs (imports go to the default queue) with a real RQ worker."""
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)


def mapping_form(mapping: list[str], duplicates: str = "skip", match_on=("card", "nip", "email", "phone"),
                 strict: bool = True) -> dict:
    form = {f"col-{i}": t for i, t in enumerate(mapping)}
    form.update({"duplicates": duplicates, "action": "preview"})
    form.update({f"match-{k}": "1" for k in match_on})
    if strict:
        form["strict"] = "1"
    return form
