"""The card rows of the customer form's "Cards" section: parsed from the posted fields
(cards-<n>-code, -number, -expires_on, -id) and laid out for the template. The rules that
check and save them are the cards service's (services/cards/rows.py, lifecycle.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ...models import Card, Customer
from ...models.base import row_id
from ...services.cards import MAX_ROWS, CardRow

_ROW_FIELD_RE = re.compile(r"^cards-(\d{1,4})-(code|number|expires_on|id)$")


def parse_card_rows(form: Mapping[str, str]) -> list[CardRow]:
    """The non-blank card rows of a posted form, in the order of their index."""
    rows: dict[int, CardRow] = {}
    for name in form.keys():
        m = _ROW_FIELD_RE.match(name)
        if not m:
            continue
        index, attr = int(m.group(1)), m.group(2)
        row = rows.get(index)
        if row is None:
            if len(rows) >= MAX_ROWS:
                continue
            row = rows[index] = CardRow(index=index)
        setattr(row, attr, (form.get(name) or "")[:200])
    return [rows[i] for i in sorted(rows) if not rows[i].blank]


@dataclass
class FormRow:
    """A row as the "Cards" section renders it: the typed values and, for existing rows, the card."""

    row: CardRow
    card: Card | None


def form_rows(customer: Customer | None, rows: list[CardRow] | None) -> list[FormRow]:
    """The rows to render: posted rows as typed, else the customer's cards; always one empty row last."""
    cards = {c.id: c for c in customer.cards} if customer is not None and customer.id is not None else {}
    if rows:
        out = [FormRow(r, cards.get(row_id(r.id))) for r in rows]
    else:
        out = [FormRow(CardRow(index=i, id=str(c.id), number=c.number or "",
                               expires_on=c.expires_on.isoformat() if c.expires_on else ""), c)
               for i, c in enumerate(cards.values())]
    next_index = max((f.row.index for f in out), default=-1) + 1
    if not out or out[-1].card is not None or not out[-1].row.blank:
        out.append(FormRow(CardRow(index=next_index), None))
    return out
