"""What a lost race on a unique constraint means, said as the ServiceError its area would raise.

Two requests that both checked a value free and then insert it: the database keeps one, and
the other's flush or commit fails with an IntegrityError naming the constraint. The request
boundary (panel/transaction.py) and the services that flush look the constraint up here, so
the loser reads the domain's message (422/409 with the form, or the API's error) instead of a
500. A unique constraint a user can race on is registered below with `register()`; a test
checks that every registered name is a unique constraint or index of the models.
"""
from __future__ import annotations

import re
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from . import ServiceError

# constraint or unique index name -> the error its violation means (built per call: translated
# in the language of the request that lost).
UNIQUE: dict[str, Callable[[], ServiceError]] = {}


def register(constraint: str, error: Callable[[], ServiceError]) -> None:
    UNIQUE[constraint] = error


def service_error(exc: IntegrityError) -> ServiceError | None:
    """The domain's error for a unique violation on a registered constraint, else None."""
    name = constraint_name(exc)
    error = UNIQUE.get(name) if name else None
    return error() if error is not None else None


def constraint_name(exc: IntegrityError) -> str | None:
    """The violated constraint's name: PostgreSQL reports it; SQLite names the columns only."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None)
    found = re.match(r"UNIQUE constraint failed: (.+)$", str(exc.orig))
    if found is None:
        return None
    pairs = [part.strip().split(".", 1) for part in found.group(1).split(",")]
    return _sqlite_unique(pairs[0][0], tuple(column for _table, column in pairs))


def _sqlite_unique(table_name: str, columns: tuple[str, ...]) -> str | None:
    table = db.metadata.tables.get(table_name)
    if table is None:
        return None
    uniques = [(c.name, tuple(col.name for col in c.columns)) for c in table.constraints
               if isinstance(c, UniqueConstraint)]
    uniques += [(i.name, tuple(col.name for col in i.columns)) for i in table.indexes if i.unique]
    return next((name for name, cols in uniques if cols == columns), None)


def _slug_taken() -> ServiceError:
    # The slug follows the name; saving again picks the next free one.
    return ServiceError(_("Another restaurant with this name was created at the same moment. Save again."),
                        field="name", code="conflict")


def _already_member() -> ServiceError:
    return ServiceError(_("This account has just joined this restaurant."), field="email", code="conflict")


def _card_taken() -> ServiceError:
    return ServiceError(_("Someone has just saved one of these cards or numbers on another customer. "
                          "Check the cards and save again."), field="cards", code="card_taken")


register("uq_tenants_slug", _slug_taken)
register("uq_memberships_tenant_id_user_id", _already_member)
register("uq_cards_tenant_id_code_key", _card_taken)
register("uq_cards_tenant_id_number", _card_taken)
