"""How the audit log reads: field labels, values, records and summaries in the viewer's language.

Entries keep what was written at the time (field names, plain values, str() of moments, a few
figures): that is the record. Everything here turns it into words when it is shown, so a Czech
owner reads a Polish manager's edit in Czech, with moments on the restaurant's clock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from .access import has_role
from .blueprints.customers.forms import CustomerForm
from .blueprints.settings.forms import READER_CHOICES, TenantForm
from .extensions import db
from .i18n import LANGUAGE_NAMES, date_filter, format_locale, translations
from .models import AuditEntry, Customer, CustomerGroup, JobRun
from .models.base import row_id
from .registry import audit_labels
from .services import audit
from .services.customer_list import SORTS
from .services.customers.merging import MERGE_GROUPS, MERGE_MOVES
from .ui import job_title, role_label


def _form_labels(form_cls) -> dict:
    """A form's field labels by field name: the panel labels a field once, in its form."""
    return {name: field.kwargs.get("label", field.args[0] if field.args else name)
            for name, field in vars(form_cls).items() if isinstance(field, UnboundField)}


FIELD_LABELS = {
    "customer": {**_form_labels(CustomerForm), "marketing_consent_at": _l("Consent given on")},
    "card": {"code": _l("Card code"), "number": _l("Printed number"), "expires_on": _l("Expires"),
             "status": _l("State"), "customer_id": _l("Customer"), "replaced_by": _l("Replaced by")},
    "tenant": _form_labels(TenantForm),
    "membership": {"role": _l("Role")},
}
# Derived from a logged field (the phone's digits from the phone): the source already says it.
HIDDEN_FIELDS = {"customer": {"phone_digits"}}

CARD_STATES = {"active": lazy_pgettext("card filter", "Active"), "blocked": _l("Blocked"), "lost": _l("Lost")}
VALUE_LABELS = {
    ("tenant", "locale"): LANGUAGE_NAMES,
    ("tenant", "reader_format"): dict(READER_CHOICES),
    ("card", "status"): CARD_STATES,
}

# Figures logged by an erase or an import.
COUNT_LABELS = {
    "cards_blocked": _l("Cards blocked"),
    "merged_records_erased": _l("Merged records erased"),
    "wallets_kept_empty": _l("Empty wallets kept"),
    "rows": _l("Rows read"),
    "created": _l("Customers added"),
    "updated": _l("Customers updated"),
    "skipped": _l("Skipped as duplicates"),
    "cards": _l("Cards added"),
    "failed": _l("Rows not imported"),
}

@dataclass
class Line:
    """One line of an entry's details: a field that changed (old → new) or a figure."""

    label: str
    new: str
    old: str | None = None

    @property
    def is_change(self) -> bool:
        return self.old is not None


def show_value(entity_type: str, name: str, value) -> str:
    """A logged value as the viewer reads it: yes/no, a date on the restaurant's clock, a name."""
    if value is None or value == "":
        return "—"
    t = translations()
    if isinstance(value, bool):
        return t.gettext("Yes") if value else t.gettext("No")
    kind = audit.value_type(entity_type, name)
    if kind is datetime:
        moment = audit.stored_moment(value)
        return date_filter(moment) if moment else str(value)
    if kind is date and isinstance(value, str):
        try:
            return date_filter(date.fromisoformat(value))
        except ValueError:
            return value
    if name == "country" and entity_type == "customer":
        return format_locale().territories.get(value, value)
    if name == "role":
        return role_label(value)
    if name == "customer_id":
        return f"#{value}"
    if name == "group_id":
        return group_name(value)
    labels = VALUE_LABELS.get((entity_type, name))
    return str(labels.get(value, value)) if labels else str(value)


def group_name(group_id) -> str:
    """A customer group's name as it is now, or its number once the group is deleted."""
    group = db.session.get(CustomerGroup, group_id) if isinstance(group_id, int) else None
    return group.name if group is not None else f"#{group_id}"


def _label(entity_type: str, name: str) -> str:
    return str(FIELD_LABELS.get(entity_type, {}).get(name) or COUNT_LABELS.get(name) or name)


def _field_lines(entity_type: str, changes: dict) -> list[Line]:
    hidden = HIDDEN_FIELDS.get(entity_type, set())
    lines = []
    for name, value in changes.items():
        if name in hidden:
            continue
        if isinstance(value, list) and len(value) == 2:
            lines.append(Line(_label(entity_type, name), show_value(entity_type, name, value[1]),
                              show_value(entity_type, name, value[0])))
        else:
            lines.append(Line(_label(entity_type, name), show_value(entity_type, name, value)))
    return lines


def _merge_lines(changes: dict) -> list[Line]:
    t = translations()
    group_labels = {key: label for key, label, _cols in MERGE_GROUPS}
    lines = [Line(t.gettext("Merged record"), f"#{changes['merged_id']}")]
    taken = [str(group_labels.get(key, key)) for key in changes.get("fields_taken") or ()]
    if taken:
        lines.append(Line(t.gettext("Taken from the merged record"), ", ".join(taken)))
    return lines + _field_lines("customer", changes.get("fields") or {})


def change_lines(entry: AuditEntry) -> list[Line]:
    """The entry's details, line by line; empty when it logged none (or an erase cleared them)."""
    changes = entry.changes
    if not changes:
        return []
    if entry.action == "customer.merged" and "merged_id" in changes:
        return _merge_lines(changes)
    if entry.action == "customers.exported":
        return []  # the summary says which list was exported
    return _field_lines(entry.entity_type, changes)


def _moved(moved: dict) -> str:
    moves = {m.key: m for m in MERGE_MOVES}
    # What did not move (no wallet money, no points, no documents) is left out: "Cards: 1", not "..., Wallet money: 0".
    return ", ".join(f"{moves[key].label}: {moves[key].show(n)}" if key in moves else f"{key}: {n}"
                     for key, n in moved.items() if n)


# How an export of the customer list summarised its filter before it was logged as data.
_LEGACY_FILTER = re.compile(r"(card|consent|q|sort|staff|status)=(.*?)(?= (?:card|consent|q|sort|staff|status)=|$)")


def _exported_filter(entry: AuditEntry) -> dict:
    if entry.changes and isinstance(entry.changes.get("filter"), dict):
        return entry.changes["filter"]
    return dict(_LEGACY_FILTER.findall(entry.summary or ""))


def describe_filter(args: dict) -> str:
    """A customer-list filter (CustomerFilter.to_args()) in words: "Consent: given, searched for “ka”"."""
    t = translations()
    yes_no = {"yes": t.gettext("Yes"), "no": t.gettext("No")}
    choices = {
        "status": (t.gettext("Show"), {"active": t.pgettext("customer status", "Active"),
                                       "archived": t.gettext("Archived"), "all": t.gettext("All")}),
        "consent": (t.gettext("Consent"), {"yes": t.gettext("Given"), "no": t.gettext("Not given")}),
        "staff": (t.pgettext("customer flag", "Staff"), yes_no),
        "card": (t.gettext("Card"), {"yes": t.gettext("Has a card"), "no": t.gettext("No card")}),
    }
    parts = []
    if args.get("q"):
        parts.append(t.gettext("searched for “%(q)s”") % {"q": args["q"]})
    for key, (label, values) in choices.items():
        if args.get(key):
            parts.append(f"{label}: {values.get(args[key], args[key])}")
    if args.get("group"):
        group = t.gettext("No group") if args["group"] == "none" else group_name(row_id(args["group"]))
        parts.append(f"{t.gettext('Group')}: {group}")
    if args.get("sort"):
        key = args["sort"].lstrip("-")
        column = str(SORTS[key][0]) if key in SORTS else key
        if args["sort"].startswith("-"):
            parts.append(t.gettext("sorted by %(column)s, descending") % {"column": column})
        else:
            parts.append(t.gettext("sorted by %(column)s") % {"column": column})
    return ", ".join(parts) or t.gettext("the whole list")


def summary(entry: AuditEntry) -> str:
    """The entry's one-line summary, written for the viewer where it was logged as data."""
    changes = entry.changes or {}
    if entry.action == "customer.merged" and "merged_id" in changes:
        moved = _moved(changes.get("moved") or {})
        text = f"#{changes['merged_id']} → #{entry.entity_id}"
        return f"{text}: {moved}" if moved else text
    if entry.action == "customers.exported":
        return describe_filter(_exported_filter(entry))
    return entry.summary


@dataclass
class Record:
    label: str
    url: str | None = None


def records(entries: list[AuditEntry]) -> dict[tuple[str, int | None], Record]:
    """What each entry is about, keyed by (entity_type, entity_id); two queries for a page."""
    t = translations()
    ids: dict[str, set[int]] = {}
    for e in entries:
        if e.entity_id is not None:
            ids.setdefault(e.entity_type, set()).add(e.entity_id)
    customers = set(db.session.scalars(select(Customer.id).where(Customer.id.in_(ids["customer"])))
                    ) if ids.get("customer") and has_role("staff") else set()
    jobs = dict(db.session.execute(select(JobRun.id, JobRun.kind).where(JobRun.id.in_(ids["job_run"])))
                .all()) if ids.get("job_run") else {}
    out = {}
    for e in entries:
        key, n = (e.entity_type, e.entity_id), e.entity_id
        if key in out:
            continue
        if e.entity_type == "customer":
            if n is None:
                out[key] = Record(t.gettext("Customer list"))
            else:
                out[key] = Record(t.gettext("Customer #%(id)s") % {"id": n},
                                  url_for("customers.detail", customer_id=n) if n in customers else None)
        elif e.entity_type == "card":
            out[key] = Record(t.gettext("Card #%(id)s") % {"id": n})
        elif e.entity_type == "job_run":
            title = job_title(jobs[n]) if n in jobs else t.gettext("Job")
            out[key] = Record(f"{title} #{n}", url_for("jobs.detail", run_id=n) if n in jobs else None)
        else:
            kind = audit_labels.records.get(e.entity_type)
            out[key] = Record(str(kind) if kind else f"{e.entity_type} #{n}")
    return out


def action_groups(actions: set[str]) -> list[tuple[str, str]]:
    """The "What" filter's options, (prefix, label), in the viewer's alphabet order."""
    groups = {a.split(".")[0] for a in actions}
    return sorted(((g, audit_labels.groups.label(g)) for g in groups), key=lambda o: o[1].casefold())


def install(app) -> None:
    app.jinja_env.globals.update(audit_changes=change_lines, audit_summary=summary)
