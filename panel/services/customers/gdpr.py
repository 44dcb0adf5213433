"""GDPR: erasure (anonymise in place) and the subject-access export."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import update as sa_update

from ... import clock, locking
from ...extensions import db
from ...models import AuditEntry, Customer
from ...models.base import utcnow
from .. import ServiceError, audit
from .records import history
from .validation import refresh_derived

# Cleared on erase: every column that can identify the person. Names get a placeholder.
PERSONAL_FIELDS = ("first_name", "company_name", "nip", "ico", "dic", "regon", "email", "phone", "phone_digits",
                   "street", "building", "flat", "postcode", "city", "country", "notes")


def erase_placeholder(c: Customer) -> str:
    return f"Erased customer #{c.id}"


@dataclass(frozen=True)
class EraseStep:
    """What one area erases of a person once erase() has cleared the customer's own fields.

    Each area that holds something about a customer (cards, wallets, points, documents...)
    registers one with register_erase_step() where the area is defined, so erase() never
    rewrites another area's rows behind its service's back. `run(person)` anonymises what the
    area holds about that one record (erase() calls it for the customer and for each record
    merged into them) and returns how many things it erased; erase() adds these up in its
    figures under `key`. Steps run by ascending `order` (then key), whatever order their modules
    happened to be imported in.
    """

    key: str
    run: Callable[[Customer], int]
    order: int


ERASE_STEPS: list[EraseStep] = []


def register_erase_step(step: EraseStep) -> None:
    if step.key == "merged_records_erased" or any(s.key == step.key for s in ERASE_STEPS):
        raise ValueError(f"erase step {step.key!r} is registered twice (or names erase's own figure)")
    ERASE_STEPS.append(step)
    ERASE_STEPS.sort(key=lambda s: (s.order, s.key))


def _merged_into_chain(c: Customer) -> list[Customer]:
    """`c` and every record merged into it (directly or through other merges): the same person."""
    found, frontier, seen = [c], [c.id], {c.id}
    while frontier:
        rows = [r for r in db.session.scalars(select(Customer).where(Customer.merged_into_id.in_(frontier)))
                if r.id not in seen]  # records merged into each other (a loop) end the walk
        found += rows
        seen.update(r.id for r in rows)
        frontier = [r.id for r in rows]
    return found


def erase(c: Customer, confirmation: str) -> dict:
    """Irreversibly anonymise a customer (GDPR erasure) and keep every row in place.

    `confirmation` must be the customer's number, typed by the user. The records merged into
    this one are erased too (they hold the same person's data). Each record's personal fields
    are cleared here; what other areas hold about the person (cards, ...) is erased by their
    ERASE_STEPS, in order. Earlier audit entries about these records lose their summaries and
    changed values, which held the personal data; who did what and when remains. Returns the
    figures of the new audit entry: each step's count under its key, and the merged records.
    """
    # Under the lock a merge into `c` has either committed (its record is in the walk below) or
    # waits and then finds `c` erased; without it a merge could slip in after the walk.
    locking.lock(select(Customer).where(Customer.id == c.id), key_share=True)
    if c.erased_at is not None:
        raise ServiceError(_("This customer's data was already erased."))
    if (confirmation or "").strip().lstrip("#") != str(c.id):
        raise ServiceError(_("Type the customer number %(id)s to confirm.", id=c.id), field="confirmation")
    now = utcnow()
    people = _merged_into_chain(c)
    for person in people:
        _anonymise(person, now)
    figures = {step.key: sum(step.run(person) for person in people) for step in ERASE_STEPS}
    figures["merged_records_erased"] = len(people) - 1
    forget_history("customer", [p.id for p in people])
    db.session.flush()
    audit.record("customer.erased", "customer", c.id, summary=f"#{c.id}", changes=figures)
    return figures


def _anonymise(person: Customer, now: datetime) -> None:
    for name in PERSONAL_FIELDS:
        setattr(person, name, "")
    person.last_name = erase_placeholder(person)
    person.birthday = None
    person.marketing_consent = False
    person.marketing_consent_at = None
    person.is_staff = False
    person.erased_at = now
    person.archived_at = person.archived_at or now
    refresh_derived(person)


def forget_history(entity_type: str, ids: list[int]) -> None:
    """Earlier audit entries about these records keep who did what and when, but lose the
    summaries and changed values that held personal data. For erase() and its steps."""
    if not ids:
        return
    db.session.execute(
        sa_update(AuditEntry)
        .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id.in_(ids))
        .values(summary="", changes=None).execution_options(synchronize_session=False)
    )


def _plain(value):
    if isinstance(value, (date, datetime)):
        return clock.iso(value)
    return value


EXPORT_FIELDS = ("id", "first_name", "last_name", "company_name", "nip", "ico", "dic", "regon", "email", "phone",
                 "phone_digits", "street", "building", "flat", "postcode", "city", "country", "birthday", "notes",
                 "marketing_consent", "marketing_consent_at", "is_staff", "created_at", "updated_at",
                 "archived_at", "erased_at", "merged_into_id")
CARD_EXPORT_FIELDS = ("id", "code", "number", "status", "expires_on", "issued_at", "blocked_at", "note",
                      "created_at", "updated_at")


def export_data(c: Customer) -> dict:
    """Everything stored about one customer, for a subject-access request; records the export."""
    data = {
        "format": "regulars.customer.v1",
        "exported_at": clock.iso(utcnow()),
        "customer": {name: _plain(getattr(c, name)) for name in EXPORT_FIELDS},
        "cards": [{**{name: _plain(getattr(card, name)) for name in CARD_EXPORT_FIELDS},
                   "state": card.state_on(clock.today())} for card in c.cards],
        "merged_records": list(db.session.scalars(
            select(Customer.id).where(Customer.merged_into_id == c.id).order_by(Customer.id))),
        "history": [{"at": _plain(e.created_at), "action": e.action, "record": f"{e.entity_type}#{e.entity_id}",
                     "by": (e.actor.email if e.actor else (f"token:{e.token.name}" if e.token else None)),
                     "summary": e.summary, "changes": audit.portable_changes(e)}
                    for e in history(c, limit=10_000)],
    }
    audit.record("customer.exported", "customer", c.id, summary=f"#{c.id}")
    return data
