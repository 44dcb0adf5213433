"""Rows the tier tests insert directly: documents (the recording service is another area's),
tiers and tier states."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from panel.extensions import db
from panel.models import Document

_numbers = iter(range(1, 10**9))


def add_document(customer_id: int | None, type_: str, on: date, total: int, original_id: int | None = None) -> Document:
    doc = Document(type=type_, register_id="R1", number=str(next(_numbers)),
                   issued_at=datetime.combine(on, time(12), tzinfo=timezone.utc), issued_on=on,
                   customer_id=customer_id, original_id=original_id, currency="PLN", base_total=total,
                   total=total, redeemed_points=0, redeemed_value=0, discount_mismatch=False)
    db.session.add(doc)
    db.session.flush()
    return doc
