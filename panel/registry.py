"""Registries each area fills where it is defined: its audit labels, job titles, navigation item
and customer-page tabs. A new area (groups, wallets, points, documents...) adds one call per
registry in its blueprint's __init__.py; no central list changes.

Labels are lazy (`_l()`): they are registered on import and read in the viewer's language.

Order numbers leave room between the areas that exist:
- navigation: dashboard 10, terminal 20, customers 30, cards 40, groups 50, wallets 60,
  loyalty 70, users 80, audit log 90, settings 100;
- customer tabs: details 10, cards 20, then the areas' own tabs, history 90 (last).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, TypeVar


class Labels:
    """Lazy labels by key (an audit action, a job kind...); an unknown key reads as itself."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, Any] = {}

    def register(self, labels: dict[str, Any]) -> None:
        for key, label in labels.items():
            if self._items.get(key, label) is not label:
                raise ValueError(f"{self.what} {key!r} is registered twice")
        self._items.update(labels)

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def label(self, key: str) -> str:
        return str(self._items.get(key, key))

    def __contains__(self, key: object) -> bool:
        return key in self._items


class AuditLabels:
    """How the audit log names what happened: actions ("customer.created"), the "What" filter's
    groups (the part of an action before its dot) and records whose id means nothing to a reader."""

    def __init__(self) -> None:
        self.actions = Labels("audit action")
        self.groups = Labels("audit action group")
        self.records = Labels("audit record kind")

    def register(self, actions: dict[str, Any] | None = None, groups: dict[str, Any] | None = None,
                 records: dict[str, Any] | None = None) -> None:
        self.actions.register(actions or {})
        self.groups.register(groups or {})
        self.records.register(records or {})


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    role: str  # the least role that sees it
    order: int

    @property
    def key(self) -> str:
        return self.endpoint


@dataclass(frozen=True)
class CustomerTab:
    key: str  # ?tab=<key>; the first tab is the page's default
    label: Any
    template: str
    order: int
    load: Callable[[Any], dict] | None = None  # the customer -> the template's extra context
    badge: Callable[[Any], int | None] | None = None  # a count shown next to the label, if any

    def context(self, customer) -> dict:
        return self.load(customer) if self.load else {}

    def count(self, customer) -> int | None:
        return self.badge(customer) if self.badge else None


T = TypeVar("T", NavItem, CustomerTab)


class Ordered(Generic[T]):
    """Items by key, iterated in their order (then key)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def add(self, item: T) -> T:
        if self._items.get(item.key, item) != item:
            raise ValueError(f"{self.what} {item.key!r} is registered twice")
        self._items[item.key] = item
        return item

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._items.values(), key=lambda i: (i.order, i.key)))

    def __len__(self) -> int:
        return len(self._items)


class NavItems(Ordered[NavItem]):
    def register(self, endpoint: str, label: Any, *, role: str, order: int) -> NavItem:
        return self.add(NavItem(endpoint, label, role, order))


class CustomerTabs(Ordered[CustomerTab]):
    def register(self, key: str, label: Any, template: str, *, order: int,
                 load: Callable[[Any], dict] | None = None,
                 badge: Callable[[Any], int | None] | None = None) -> CustomerTab:
        return self.add(CustomerTab(key, label, template, order, load, badge))

    def get(self, key: str | None) -> CustomerTab:
        """The tab named `key`, or the first one (a missing or unknown key)."""
        return self._items.get(key or "") or next(iter(self))


audit_labels = AuditLabels()
job_titles = Labels("job title")
nav_items = NavItems("navigation item")
customer_tabs = CustomerTabs("customer tab")
