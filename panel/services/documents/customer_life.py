"""Documents on a merge: the merged record's documents belong to the survivor from then on.

A document's lines and amounts are never edited; only whose purchase it is follows the merge,
as the cards do, so the survivor's Documents tab, turnover and returns see every purchase of
the person. The points are moved by transfer entries (services/points), not here.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ...extensions import db
from ...models import Customer, Document
from ..customers.merging import MergeMove, register_merge_move


def count_documents(other: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(Document).where(Document.customer_id == other.id)) or 0


def move_documents(survivor: Customer, other: Customer) -> int:
    result = db.session.execute(update(Document).where(Document.customer_id == other.id)
                                .values(customer_id=survivor.id).execution_options(synchronize_session=False))
    return result.rowcount


register_merge_move(MergeMove("documents", _l("Documents"), count_documents, move_documents))
