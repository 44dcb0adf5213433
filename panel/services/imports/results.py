"""What an import did, row by row: for the preview, the status page and the downloadable report."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import ServiceError


@dataclass
class RowResult:
    """What happens to one row: create | update | skip | error, with the values as saved."""

    number: int
    action: str
    values: dict = field(default_factory=dict)
    cards: list[str] = field(default_factory=list)
    target: str = ""            # the customer updated or skipped: "#12 Jan Kowalski" or "row 4"
    reason: str = ""
    errors: list[str] = field(default_factory=list)
    customer_id: int | None = None


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    cards: int = 0
    failed: int = 0
    results: list[RowResult] = field(default_factory=list)

    def count(self, result: RowResult) -> None:
        self.rows += 1
        attr = {"create": "created", "update": "updated", "skip": "skipped", "error": "failed"}[result.action]
        setattr(self, attr, getattr(self, attr) + 1)

    def sentence(self) -> str:
        """"12 customers added, 3 updated, 1 card added." (figures that are 0 are left out)."""
        parts = [ngettext("%(num)d customer added", "%(num)d customers added", self.created)]
        if self.updated:
            parts.append(ngettext("%(num)d updated", "%(num)d updated", self.updated))
        if self.skipped:
            parts.append(ngettext("%(num)d skipped as a duplicate", "%(num)d skipped as duplicates", self.skipped))
        if self.cards:
            parts.append(ngettext("%(num)d card added", "%(num)d cards added", self.cards))
        if self.failed:
            parts.append(ngettext("%(num)d row with errors not imported", "%(num)d rows with errors not imported",
                                  self.failed))
        return ", ".join(parts) + "."


class ImportAborted(ServiceError):
    """Strict mode found errors: nothing is saved. `user_message` is what the job's row shows."""

    def __init__(self, message: str):
        super().__init__(message)
        self.user_message = message



def abort_message(summary: Summary, shown: int = 20) -> str:
    failed = [r for r in summary.results if r.action == "error"]
    lines = [ngettext("Nothing was imported: %(num)d row has errors. Fix the file and upload it again.",
                      "Nothing was imported: %(num)d rows have errors. Fix the file and upload it again.",
                      len(failed))]
    for r in failed[:shown]:
        lines.append(_("Row %(n)d: %(errors)s", n=r.number, errors=" ".join(r.errors)))
    if len(failed) > shown:
        lines.append(_("…and %(n)d more rows.", n=len(failed) - shown))
    return "\n".join(lines)


OUTCOMES = {"create": _l("added"), "update": _l("updated"), "skip": _l("skipped"), "error": _l("not imported")}


def report_rows(summary: Summary) -> Iterator[list]:
    """The per-row report offered for download after the import."""
    for r in summary.results:
        note = " ".join(r.errors) if r.errors else (f"{r.target} ({r.reason})" if r.target else "")
        yield [r.number, str(OUTCOMES[r.action]), r.customer_id or "", note]
