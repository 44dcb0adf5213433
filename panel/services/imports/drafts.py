"""Drafts: the uploaded file between upload and start, and what was learnt about it."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import delete

from ...extensions import db
from ...models import JobRun
from ...models.base import utcnow
from ...tabular import Table, TableFileError, detect_format, read_table
from . import DRAFT_KIND, DRAFT_TTL, LIMITS, PREVIEW_ROWS
from .columns import Options, guess_mapping

MIME_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def create_draft(filename: str, data: bytes, user_id: int | None, *, kind: str = DRAFT_KIND,
                 guess: Callable[[list[str]], list[str]] = guess_mapping) -> JobRun:
    """Read the upload, guess its mapping and keep it on a draft run. Raises TableFileError.

    `kind` and `guess` are the customer import's unless another import (the catalog's) keeps
    its drafts here too: the upload, its reading and its lifetime are the same for all.
    """
    if not data:
        raise TableFileError(_("The file is empty."), field="file")
    file_format = detect_format(filename, data)
    # Only the rows the next pages show are parsed here, in the request; the job reads the rest.
    table = read_table(data, file_format, limit=PREVIEW_ROWS, limits=LIMITS)
    # Drafts nobody started are the user's uploaded personal data: they do not linger.
    db.session.execute(delete(JobRun).where(JobRun.kind == kind,
                                            JobRun.created_at < utcnow() - DRAFT_TTL)
                       .execution_options(synchronize_session=False))
    options = Options(guess(table.headers))
    run = JobRun(kind=kind, status="finished", progress=100, created_by_id=user_id,
                 file_name=_ascii_name(filename), file_type=MIME_TYPES[file_format], file_data=data,
                 params={"format": file_format, "encoding": table.encoding, "delimiter": table.delimiter,
                         "source": _display_name(filename), **options.to_params()})
    db.session.add(run)
    db.session.flush()
    return run


def _display_name(filename: str) -> str:
    """The upload's own name (browsers may send a path), for the pages."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "import"


def _ascii_name(filename: str) -> str:
    """A name safe in a Content-Disposition header, for the run's file."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", _display_name(filename))


def draft_table(draft: JobRun, limit: int | None = PREVIEW_ROWS) -> Table:
    params = draft.params or {}
    return read_table(draft.file_data, params["format"], encoding=params.get("encoding"),
                      delimiter=params.get("delimiter"), limit=limit, limits=LIMITS)


def reread_draft(draft: JobRun, encoding: str | None, delimiter: str | None) -> Table:
    """Read the draft again with another encoding or delimiter; the mapping is guessed anew."""
    params = dict(draft.params or {})
    table = read_table(draft.file_data, params["format"], encoding=encoding or None,
                       delimiter=delimiter or None, limit=PREVIEW_ROWS, limits=LIMITS)
    params.update(encoding=table.encoding, delimiter=table.delimiter, mapping=guess_mapping(table.headers))
    draft.params = params
    return table


def save_options(draft: JobRun, options: Options) -> None:
    draft.params = {**(draft.params or {}), **options.to_params(), "mapped": True}


def job_params(draft: JobRun, locale: str) -> dict:
    """What the import job needs besides the file: how to read it, the options, the language."""
    params = draft.params or {}
    keep = ("format", "encoding", "delimiter", "source", "mapping", "duplicates", "match_on", "strict")
    return {**{k: params.get(k) for k in keep}, "locale": locale, "draft_id": draft.id}


def hand_over(draft: JobRun, run: JobRun) -> None:
    """Move the uploaded file from the draft to its import run; the draft remembers the run."""
    run.file_data, run.file_name, run.file_type = draft.file_data, draft.file_name, draft.file_type
    draft.file_data = draft.file_name = None
    draft.params = {**(draft.params or {}), "started_run_id": run.id}


def column_samples(table: Table, count: int = 3) -> list[list[str]]:
    """The first few non-empty values of each column, for the mapping page."""
    samples: list[list[str]] = [[] for _h in table.headers]
    for _n, cells in table.rows:
        for i, value in enumerate(cells[:len(samples)]):
            if value and len(samples[i]) < count:
                samples[i].append(value)
    return samples

