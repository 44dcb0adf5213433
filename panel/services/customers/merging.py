"""Merging two records of one customer: the preview's plan and the merge itself.

What belongs to a customer and moves with a merge is a registry (MERGE_MOVES) that each area
fills, so merge() stays the single place that knows what moves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import locking
from ...extensions import db
from ...i18n import date_filter
from ...models import Customer
from ...models.base import utcnow
from .. import ServiceError, audit
from .records import AUDITED_FIELDS
from .validation import refresh_derived

ADDRESS_FIELDS = ("street", "building", "flat", "postcode", "city", "country")

# Merged field by field, except the address (one address, never a street from one record and a
# city from the other), the phone (with its digits) and the consent (with its date).
MERGE_GROUPS: list[tuple[str, object, tuple[str, ...]]] = [
    ("first_name", _l("First name"), ("first_name",)),
    ("last_name", _l("Last name"), ("last_name",)),
    ("company_name", _l("Company"), ("company_name",)),
    ("nip", _l("NIP"), ("nip",)),
    ("regon", _l("REGON"), ("regon",)),
    ("ico", _l("IČO"), ("ico",)),
    ("dic", _l("DIČ"), ("dic",)),
    ("email", _l("E-mail"), ("email",)),
    ("phone", _l("Phone"), ("phone", "phone_digits")),
    ("address", _l("Address"), ADDRESS_FIELDS),
    ("birthday", _l("Birthday"), ("birthday",)),
    ("marketing_consent", _l("Marketing consent"), ("marketing_consent", "marketing_consent_at")),
    ("is_staff", _l("Staff member"), ("is_staff",)),
]


@dataclass
class MergeMove:
    """Something that belongs to a customer and moves to the survivor of a merge.

    Each later feature (wallets, points, documents, groups...) registers one with
    register_merge_move(), so merge() stays the single place that knows what moves.
    `count(other)` tells the preview how many; `move(survivor, other)` moves them, returns the number.
    `show(number)` says the number as people read it where it is not a count (the wallet's money).
    """

    key: str
    label: object
    count: Callable[[Customer], int]
    move: Callable[[Customer, Customer], int]
    show: Callable[[int], str] = str


MERGE_MOVES: list[MergeMove] = []  # filled by each area (cards: services/cards/customer_life.py)


def register_merge_move(move: MergeMove) -> None:
    if any(m.key == move.key for m in MERGE_MOVES):
        raise ValueError(f"merge move {move.key!r} is registered twice")
    MERGE_MOVES.append(move)


@dataclass
class MergeField:
    key: str
    label: object
    survivor: tuple
    other: tuple
    outcome: str          # same | keep | take | conflict

    @property
    def survivor_text(self) -> str:
        return _group_text(self.key, self.survivor)

    @property
    def other_text(self) -> str:
        return _group_text(self.key, self.other)


@dataclass
class MergePlan:
    survivor: Customer
    other: Customer
    fields: list[MergeField]
    moves: list[tuple[MergeMove, int]]
    notes: str

    @property
    def conflicts(self) -> list[MergeField]:
        return [f for f in self.fields if f.outcome == "conflict"]


def _group_text(key: str, values: tuple) -> str:
    if key == "address":
        street, building, flat, postcode, city, country = values
        line1 = " ".join(p for p in (street, building + (f"/{flat}" if flat else "") if building else flat) if p)
        line2 = " ".join(p for p in (postcode, city) if p)
        return ", ".join(p for p in (line1, line2, country) if p)
    value = values[0]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return date_filter(value)  # as the customer page writes it: 15.08.1963, not 1963-08-15
    return value or ""


def _empty(key: str, values: tuple) -> bool:
    # Every record has a country (the restaurant's, by default): a country alone is no address.
    return not any(values[:-1] if key == "address" else values)


def _check_mergeable(survivor: Customer, other: Customer) -> None:
    if survivor.id == other.id:
        raise ServiceError(_("Choose a different customer to merge."), field="other")
    for c in (survivor, other):
        if c.erased_at is not None:
            raise ServiceError(_("%(name)s was erased and cannot be merged.", name=f"#{c.id}"), field="other")
        if c.merged_into_id is not None:
            raise ServiceError(_("#%(id)s was already merged into #%(into)s.", id=c.id, into=c.merged_into_id),
                               field="other")


def _joined_notes(survivor: Customer, other: Customer) -> str:
    return "\n\n".join(n for n in (survivor.notes, other.notes) if n)


def merge_plan(survivor: Customer, other: Customer) -> MergePlan:
    """What merging `other` into `survivor` would do, for the preview page."""
    _check_mergeable(survivor, other)
    plan_fields = []
    for key, label, cols in MERGE_GROUPS:
        mine = tuple(getattr(survivor, c) for c in cols)
        theirs = tuple(getattr(other, c) for c in cols)
        if key == "marketing_consent":  # compare the yes/no, not when it was given
            same = mine[0] == theirs[0]
        elif key == "phone":            # "600 100 200" and "+48 600 100 200" are one number
            same = mine[1] == theirs[1]
        else:
            same = mine == theirs
        if same or _empty(key, theirs):
            outcome = "same" if same else "keep"
        elif _empty(key, mine):
            outcome = "take"
        else:
            outcome = "conflict"
        plan_fields.append(MergeField(key, label, mine, theirs, outcome))
    moves = [(m, m.count(other)) for m in MERGE_MOVES]
    return MergePlan(survivor, other, plan_fields, moves, _joined_notes(survivor, other))


def merge(survivor: Customer, other: Customer, choices: Mapping[str, str] | None = None) -> dict:
    """Merge `other` into `survivor`, keeping everything of both.

    The survivor keeps its non-empty values and takes the other's where its own are empty; for
    a field where both differ, `choices[key] == "other"` takes the other's (default: keep).
    Notes are joined; everything in MERGE_MOVES moves; `other` is archived with merged_into_id
    set. Returns the figures, which also go into the audit entry.
    """
    choices = choices or {}
    # Both rows locked in id order (two merges of the same pair take them in the same order and
    # cannot deadlock) and re-read, so the check below sees a merge that committed meanwhile:
    # "A into B" and "B into A" at once would otherwise make each the other's survivor, a loop.
    locking.lock(select(Customer).where(Customer.id.in_([survivor.id, other.id])).order_by(Customer.id),
                 key_share=True)
    plan = merge_plan(survivor, other)
    before = audit.snapshot(survivor, AUDITED_FIELDS + ["phone_digits", "notes"])
    taken = []
    for f in plan.fields:
        if f.outcome == "take" or (f.outcome == "conflict" and choices.get(f.key) == "other"):
            cols = next(cols for key, _label, cols in MERGE_GROUPS if key == f.key)
            for col, value in zip(cols, f.other):
                setattr(survivor, col, value)
            taken.append(f.key)
    survivor.notes = plan.notes
    refresh_derived(survivor)
    db.session.flush()
    moved = {m.key: m.move(survivor, other) for m in MERGE_MOVES}
    other.merged_into_id = survivor.id
    other.archived_at = other.archived_at or utcnow()
    db.session.flush()
    figures = {"merged_id": other.id, "fields_taken": taken, "moved": moved}
    changes = audit.diff(survivor, AUDITED_FIELDS + ["phone_digits", "notes"], before)
    summary = f"#{other.id} → #{survivor.id}: " + ", ".join(f"{k} {v}" for k, v in moved.items())
    audit.record("customer.merged", "customer", survivor.id, summary=summary,
                 changes={**figures, "fields": changes})
    return figures
