"""Customers: the restaurant's regulars, people or companies."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Index, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, tenant_fk
from .tenants import SORT_COLLATIONS


class Customer(TenantScoped, Timestamps, db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        # Children reference (tenant_id, id), the primary key, so the database refuses a
        # cross-tenant link (models/base.py).
        tenant_fk("merged_into_id", "customers", name="fk_customers_merged_into"),
        tenant_fk("group_id", "customer_groups", name="fk_customers_group", ondelete="SET NULL"),
        Index("ix_customers_tenant_group", "tenant_id", "group_id"),
        Index("ix_customers_tenant_nip", "tenant_id", "nip"),
        Index("ix_customers_tenant_ico", "tenant_id", "ico"),
        Index("ix_customers_tenant_email", "tenant_id", "email"),
        Index("ix_customers_tenant_phone", "tenant_id", "phone_digits"),
        # The list's name order. It carries what a search filters on, so PostgreSQL can walk it
        # for the page's ids without visiting the table (services/customer_list.page()): a common
        # surname clusters in name order, and walking to it row by row took 17 ms, not 3.
        Index("ix_customers_tenant_sort_name", "tenant_id", "sort_name", "id",
              postgresql_include=["archived_at", "search_text"]),
        Index("ix_customers_tenant_merged_into", "tenant_id", "merged_into_id"),
        # The live search's trigram index is below the class: tenant_trigrams().
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company_name: Mapped[str] = mapped_column(String(250), default="")
    nip: Mapped[str] = mapped_column(String(10), default="")      # PL tax id, digits only
    ico: Mapped[str] = mapped_column(String(8), default="")       # CZ company id
    dic: Mapped[str] = mapped_column(String(14), default="")      # CZ VAT id, with CZ prefix
    regon: Mapped[str] = mapped_column(String(14), default="")
    email: Mapped[str] = mapped_column(String(254), default="")   # stored lower-cased
    phone: Mapped[str] = mapped_column(String(40), default="")    # as typed
    phone_digits: Mapped[str] = mapped_column(String(20), default="")  # for matching
    street: Mapped[str] = mapped_column(String(200), default="")
    building: Mapped[str] = mapped_column(String(20), default="")
    flat: Mapped[str] = mapped_column(String(20), default="")
    postcode: Mapped[str] = mapped_column(String(12), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    birthday: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None]
    group_id: Mapped[int | None]  # at most one group ("Należy do grupy"); models/groups.py
    # The points ledger's balance (models/points.py), kept by services/points/ledger.py only.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Derived, kept by services/customers.py: the display name for sorting, and a lower-cased,
    # accent-free haystack so "lodz" finds "Łódź" with one indexed LIKE.
    sort_name: Mapped[str] = mapped_column(String(250), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    cards = relationship(
        "Card", back_populates="customer", order_by="Card.id",
        foreign_keys="[Card.tenant_id, Card.customer_id]",
        primaryjoin="and_(Customer.tenant_id == Card.tenant_id, Customer.id == Card.customer_id)",
    )

    # The customer's group, read-only here: membership is written through group_id
    # (services/groups), and a deleted group's members are released by the database.
    group = relationship(
        "CustomerGroup", viewonly=True,
        foreign_keys="[Customer.tenant_id, Customer.group_id]",
        primaryjoin="and_(CustomerGroup.tenant_id == Customer.tenant_id, CustomerGroup.id == Customer.group_id)",
    )

    @property
    def person_name(self) -> str:
        return _person_name(self.first_name, self.last_name)

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.company_name, self.id)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


def _person_name(first_name: str, last_name: str) -> str:
    return " ".join(p for p in (first_name, last_name) if p)


def display_name(first_name: str, last_name: str, company_name: str, customer_id: int | None) -> str:
    """The person's name, else the company's, else the number: for rows that are not Customers."""
    return _person_name(first_name, last_name) or company_name or f"#{customer_id}"


# The list sorts company and city in the tenant's collation and pages on (value, id): one index
# per collation serves that ORDER BY, or every sorted page sorts all of the tenant's rows.
# Like the name order's index they carry what a search filters on, so a search's bounded walk
# of the order stays in the index. PostgreSQL only, like the collations (SQLite compares code
# points).
SORTED_TEXT_COLUMNS = {"company": Customer.company_name, "city": Customer.city}
for _country, _collation in SORT_COLLATIONS.items():
    for _key, _column in SORTED_TEXT_COLUMNS.items():
        Index(f"ix_customers_tenant_{_key}_{_country.lower()}", Customer.tenant_id, _column.collate(_collation),
              Customer.id, postgresql_include=["archived_at", "search_text"]).ddl_if(dialect="postgresql")


def tenant_trigrams(tenant_id, text):
    """The trigrams of `text`, each prefixed with the tenant ("7:lod"): PostgreSQL function
    tenant_trigrams() of migration 4cdcd95f67e5, which the live search's index is built on.

    In a GIN index on (tenant_id, search_text gin_trgm_ops) a trigram's entry lists every
    tenant's rows, and the tenant's entry all of its own: a common word costs more with every
    tenant beside it, and the planner, pricing the tenant's entry, turns to reading all of the
    tenant's rows instead. Prefixed, an entry lists one tenant's rows that have the trigram.
    It replaces that index rather than join it: combined with it, every row found would be
    rechecked (pg_trgm's LIKE answers are inexact), computing these trigrams again per row.
    """
    return func.tenant_trigrams(tenant_id, text, type_=ARRAY(Text))


def tenant_like_trigrams(tenant_id, pattern):
    """The trigrams every match of the LIKE `pattern` has (its words' inner ones), prefixed."""
    return func.tenant_like_trigrams(tenant_id, pattern, type_=ARRAY(Text))


Index("ix_customers_search_tenant_trgm", tenant_trigrams(Customer.tenant_id, Customer.search_text),
      postgresql_using="gin").ddl_if(dialect="postgresql")
