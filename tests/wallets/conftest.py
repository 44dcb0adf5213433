from ..api.conftest import jan, token_a, token_b  # noqa: F401  (the API's fixtures, for the wallet's API tests)


def make_document(customer, total: int = 0, number: str | None = None):
    """A receipt row of `customer`'s, for a wallet entry to name (documents record their own)."""
    from datetime import datetime, timezone

    from panel.extensions import db
    from panel.models import Document

    now = datetime.now(timezone.utc)
    doc = Document(type="receipt", register_id="TEST", number=number or f"W-{now.timestamp()}-{id(customer)}",
                   issued_at=now, issued_on=now.date(), customer_id=customer.id, currency="PLN",
                   base_total=total, total=total)
    db.session.add(doc)
    db.session.flush()
    return doc
