"""The group's part of a customer merge: the survivor keeps its own group, or takes the merged
customer's when it has none; the merged record leaves its group either way."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...models import Customer
from ..customers.merging import MergeMove, register_merge_move


def count_group(other: Customer) -> int:
    return 1 if other.group_id is not None else 0


def move_group(survivor: Customer, other: Customer) -> int:
    taken = survivor.group_id is None and other.group_id is not None
    if taken:
        survivor.group_id = other.group_id
    other.group_id = None
    return 1 if taken else 0


register_merge_move(MergeMove("group", _l("Group"), count_group, move_group))
