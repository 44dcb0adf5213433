"""Card rules: the customer form's rows, a card's life, lookups and the reader format."""
import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select, text
from werkzeug.datastructures import MultiDict

from panel.blueprints.cards import forms as card_forms
from panel.extensions import db
from panel.models import AuditEntry, Card, Tenant
from panel.services import ServiceError
from panel.services import cards as card_service
from panel.services import customers as customer_service

from ..conftest import as_tenant
from .factories import UID_DEC_BE, UID_DEC_LE, UID_HEX, expire_card, make_card, make_customer

NEXT_YEAR = date.today() + timedelta(days=365)


@pytest.fixture
def a(ctx, world_a):
    with as_tenant(world_a):
        yield world_a


def _rows(**fields):
    return card_forms.parse_card_rows(MultiDict(fields))


# --- parsing ---------------------------------------------------------------------------------

def test_parse_keeps_typed_values_drops_blank_rows_and_orders_by_index(a):
    form = MultiDict({
        "cards-3-code": " 12345 ", "cards-3-number": "A-7", "cards-3-expires_on": "2027-03-31",
        "cards-0-code": "", "cards-0-number": "", "cards-0-expires_on": "",      # the empty last row
        "cards-1-id": "15", "cards-1-number": "", "cards-1-expires_on": "",       # an existing card
        "first_name": "Jan", "cards-x-code": "ignored", "cards-2-colour": "ignored",
    })
    rows = card_forms.parse_card_rows(form)
    assert [r.index for r in rows] == [1, 3]
    assert rows[0].id == "15" and rows[0].existing
    assert rows[1].code == " 12345 " and rows[1].number == "A-7" and rows[1].expires_on == "2027-03-31"


def test_parse_caps_the_number_of_rows(a):
    form = MultiDict({f"cards-{i}-code": f"C{i}" for i in range(500)})
    assert len(card_forms.parse_card_rows(form)) == card_service.MAX_ROWS


# --- validation ------------------------------------------------------------------------------

def test_a_new_row_needs_a_code_that_fits(a):
    rows = _rows(**{"cards-0-number": "77", "cards-1-code": "x" * 65})
    errors = card_service.validate_card_rows(rows)
    assert errors[0] == {"code": "Scan the card or type its code."}
    assert errors[1]["code"] == "A card code has at most 64 characters."


def test_the_same_card_twice_in_the_form_is_caught_across_reader_formats(a):
    # Auto mode: the hex a phone reads and the decimal a wedge reader types are one card.
    rows = _rows(**{"cards-0-code": UID_DEC_LE, "cards-1-code": UID_HEX.lower(),
                    "cards-2-number": "N1", "cards-2-code": "B-1", "cards-3-code": "B-2", "cards-3-number": "N1"})
    errors = card_service.validate_card_rows(rows)
    assert 0 not in errors
    assert errors[1] == {"code": "This card is already in the list above."}
    assert errors[3] == {"number": "This number is already in the list above."}


def test_a_code_on_another_customers_card_says_whose_and_until_when(a):
    anna = make_customer("Anna", "Nowak")
    make_card(anna, UID_DEC_LE, number="000123", expires_on=date(2031, 3, 31))
    db.session.commit()
    jan = make_customer()
    rows = _rows(**{"cards-0-code": f" {UID_HEX} ", "cards-1-code": "NEW-1", "cards-1-number": "000123"})
    errors = card_service.validate_card_rows(rows, customer=jan)
    assert errors[0]["code"] == "Already on Anna Nowak's card, expires 31 Mar 2031."
    assert errors[1]["number"] == f"The number 000123 is on Anna Nowak's card ({UID_DEC_LE})."


def test_the_customers_own_card_typed_again_is_caught(a):
    jan = make_customer()
    make_card(jan, "BAR-1")
    db.session.commit()
    errors = card_service.validate_card_rows(_rows(**{"cards-0-code": "BAR-1"}), customer=jan)
    assert errors[0]["code"] == "This customer already holds this card."


def test_dates_are_checked(a):
    rows = _rows(**{"cards-0-code": "A1", "cards-0-expires_on": "31/03/2027",
                    "cards-1-code": "A2", "cards-1-expires_on": "2020-01-01",
                    "cards-2-code": "A3", "cards-2-expires_on": "31.03.2031"})
    errors = card_service.validate_card_rows(rows)
    assert errors[0]["expires_on"] == "Enter the date as YYYY-MM-DD, e.g. 2027-03-31."
    assert errors[1]["expires_on"] == "This date has passed; a card would be expired at once."
    assert 2 not in errors and rows[2].expiry == date(2031, 3, 31)


def test_an_existing_row_must_be_one_of_this_customers_cards(a):
    anna, jan = make_customer("Anna", "Nowak"), make_customer()
    annas = make_card(anna, "ANNA-1")
    db.session.commit()
    errors = card_service.validate_card_rows(_rows(**{"cards-0-id": str(annas.id), "cards-0-number": "9"}),
                                             customer=jan)
    assert "Reload the page" in errors[0]["code"]
    with pytest.raises(ServiceError):
        card_service.apply_card_rows(jan, _rows(**{"cards-0-id": str(annas.id), "cards-0-number": "9"}))
    db.session.rollback()
    assert db.session.get(Card, annas.id).number is None


# --- saving ----------------------------------------------------------------------------------

def test_apply_creates_new_cards_and_updates_existing_ones_with_audit(a):
    jan = make_customer()
    old = make_card(jan, "OLD-1", number="1")
    db.session.commit()
    rows = _rows(**{"cards-0-id": str(old.id), "cards-0-number": "2", "cards-0-expires_on": NEXT_YEAR.isoformat(),
                    "cards-0-code": "ignored: an existing card keeps its code",
                    "cards-1-code": UID_DEC_LE, "cards-1-number": "3"})
    assert card_service.validate_card_rows(rows, customer=jan) == {}
    card_service.apply_card_rows(jan, rows)
    db.session.commit()
    cards = db.session.scalars(select(Card).where(Card.customer_id == jan.id).order_by(Card.id)).all()
    assert [(c.code, c.number, c.expires_on) for c in cards] == [("OLD-1", "2", NEXT_YEAR), (UID_DEC_LE, "3", None)]
    assert cards[1].code_key == "U1C78F2BF" and cards[1].status == "active" and cards[1].issued_at
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "card")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["card.added", "card.added", "card.updated"]  # OLD-1 (factory), the new card, the edit


def test_apply_turns_a_concurrent_save_into_a_service_error(a, monkeypatch):
    """Another request saves the same code between our check and our flush."""
    jan, anna = make_customer(), make_customer("Anna", "Nowak")
    db.session.commit()
    real_validate = card_service.validate_card_rows

    def validate_then_race(rows, customer=None):
        errors = real_validate(rows, customer)
        db.session.execute(insert(Card).values(
            tenant_id=a.tenant_id, customer_id=anna.id, code="RACE-1", code_key="XRACE-1", status="active",
            issued_at=date.today(), note="", created_at=date.today(), updated_at=date.today()))
        return errors

    monkeypatch.setattr(card_service.rows, "validate_card_rows", validate_then_race)
    with pytest.raises(ServiceError) as e:
        card_service.apply_card_rows(jan, _rows(**{"cards-0-code": "RACE-1"}))
    # The savepoint kept the transaction usable, so the message can say whose card it now is.
    assert (e.value.code, e.value.message) == ("card_taken", "Already on Anna Nowak's card.")
    db.session.rollback()


def test_form_rows_show_the_customers_cards_then_one_empty_row(a):
    jan = make_customer()
    first, second = make_card(jan, "C-1"), make_card(jan, "C-2", number="22")
    db.session.commit()
    shown = card_forms.form_rows(jan, [])
    assert [(f.card, f.row.number) for f in shown] == [(first, ""), (second, "22"), (None, "")]
    assert [f.row.index for f in shown] == [0, 1, 2]
    posted = _rows(**{"cards-0-id": str(first.id), "cards-4-code": "typed"})
    shown = card_forms.form_rows(jan, posted)
    assert [(f.row.index, f.card, f.row.code) for f in shown] == [(0, first, ""), (4, None, "typed"), (5, None, "")]
    assert [f.row.index for f in card_forms.form_rows(None, [])] == [0]


# --- a card's life ---------------------------------------------------------------------------

def test_block_lost_unblock(a):
    card = make_card(make_customer(), "LIFE-1")
    assert card_service.block(card) is True and card.status == "blocked" and card.blocked_at
    assert card_service.block(card) is False  # a repeated click changes nothing
    assert card_service.report_lost(card) is True and card.status == "lost"
    with pytest.raises(ServiceError, match="reported lost"):
        card_service.block(card)
    assert card_service.unblock(card) is True and card.status == "active" and card.blocked_at is None
    assert card_service.unblock(card) is False
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "card", AuditEntry.entity_id == card.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["card.added", "card.blocked", "card.lost", "card.unblocked"]


def test_replace_moves_the_customer_to_a_new_card_and_keeps_the_old_one_blocked(a):
    jan = make_customer()
    old = make_card(jan, "OLD-9", number="900", expires_on=NEXT_YEAR)
    new = card_service.replace(old, card_service.CardRow(index=0, code=UID_HEX, number="901",
                                                         expires_on=NEXT_YEAR.isoformat()))
    db.session.commit()
    assert new.customer_id == jan.id and new.status == "active" and new.number == "901"
    assert old.status == "blocked" and old.replaced_by_id == new.id and old.number == "900"
    assert card_service.pos_state(old) == ("blocked", "replaced")
    for change in (card_service.unblock, card_service.block, card_service.report_lost):
        with pytest.raises(ServiceError, match=f"replaced by {UID_HEX}"):
            change(old)
    with pytest.raises(ServiceError, match="replaced"):
        card_service.replace(old, card_service.CardRow(index=0, code="ANOTHER"))


def test_replacing_a_lost_card_keeps_it_lost_and_refuses_a_taken_code(a):
    anna, jan = make_customer("Anna", "Nowak"), make_customer()
    make_card(anna, "ANNA-7", expires_on=NEXT_YEAR)
    lost = make_card(jan, "JAN-7", status="lost")
    db.session.commit()
    with pytest.raises(ServiceError) as e:
        card_service.replace(lost, card_service.CardRow(index=0, code=" ANNA-7\t"))
    assert e.value.field == "code" and "Anna Nowak" in e.value.message
    db.session.rollback()
    lost = db.session.scalar(select(Card).where(Card.code == "JAN-7"))
    # Non-UID codes match exactly after trimming: "anna-7" is another code than "ANNA-7".
    new = card_service.replace(lost, card_service.CardRow(index=0, code=" anna-7 "))
    assert lost.status == "lost" and lost.replaced_by_id == new.id and new.code == "anna-7"


def test_assign_is_idempotent_and_refuses_someone_elses_card(a):
    anna, jan = make_customer("Anna", "Nowak"), make_customer()
    card, created = card_service.assign(jan, UID_DEC_LE)
    again, created_again = card_service.assign(jan, UID_HEX)
    assert created and not created_again and again.id == card.id
    with pytest.raises(ServiceError) as e:
        card_service.assign(anna, UID_DEC_LE)
    assert e.value.code == "card_taken" and "Jan Kowalski" in e.value.message


def test_an_erased_customers_cards_stay_blocked_and_they_get_no_new_ones(a):
    jan = make_customer()
    card = make_card(jan, "ERASE-1", expires_on=NEXT_YEAR)
    customer_service.erase(jan, str(jan.id))
    assert card.status == "blocked" and card.code == f"erased-{card.id}"
    changes = [card_service.unblock, card_service.block, card_service.report_lost,
               lambda c: card_service.replace(c, card_service.CardRow(index=0, code="NEW-1")),
               lambda c: card_service.assign(c.customer, "NEW-2"),
               lambda c: card_service.apply_card_rows(c.customer, _rows(**{"cards-0-code": "NEW-3"}))]
    for change in changes:
        with pytest.raises(ServiceError, match="data was erased") as e:
            change(card)
        assert e.value.code == "erased"
    db.session.commit()
    assert [(c.code, c.status) for c in db.session.scalars(select(Card))] == [(f"erased-{card.id}", "blocked")]


# --- lookups and the reader format ------------------------------------------------------------

def test_find_card_matches_any_reader_format_then_the_printed_number(a, world_b):
    jan = make_customer()
    card = make_card(jan, UID_DEC_LE, number="000555")
    db.session.commit()
    for typed in (UID_DEC_LE, UID_HEX, "1c:78:f2:bf", "BF F2 78 1C", f"{UID_DEC_LE}\r\n", "000555"):
        found = card_service.find_card(typed)
        assert found is not None and found.id == card.id, typed
    assert card_service.find_card("555") is None
    assert card_service.find_card("") is None
    assert card_service.holder_of("000555") is None  # the number is not a code
    with as_tenant(world_b):
        assert card_service.find_card(UID_DEC_LE) is None  # another tenant's card does not exist here


def test_pos_scan_matches_like_find_card_within_the_given_tenant_only(a, world_b):
    jan = make_customer(first_name="Jan", last_name="Kowalski")
    card = make_card(jan, UID_DEC_LE, number="000555")
    other = make_card(jan, "000555-X", number=UID_HEX)  # a printed number that is another card's code
    db.session.commit()
    fmt = card_service.reader_format()
    for typed in (UID_DEC_LE, UID_HEX, "1c:78:f2:bf", f"{UID_DEC_LE}\r\n", "000555"):
        found = card_service.pos_scan(a.tenant_id, fmt, typed)
        assert found is not None and found[0].id == card.id, typed  # a code match ranks before a number
        assert (found[1].id, found[1].display_name) == (jan.id, "Jan Kowalski")
    assert card_service.pos_scan(a.tenant_id, fmt, "000555-X")[0].id == other.id
    assert card_service.pos_scan(a.tenant_id, fmt, "555") is None
    assert card_service.pos_scan(a.tenant_id, fmt, "\r\n") is None
    # Raw rows bypass the ORM hook: the tenant bound in the statement is the wall.
    assert card_service.pos_scan(world_b.tenant_id, fmt, UID_DEC_LE) is None
    assert card_service.pos_scan(world_b.tenant_id, fmt, "000555") is None


def test_pos_state_reports_lost_and_expired(a):
    jan = make_customer()
    lost = make_card(jan, "L-1", status="lost")
    blocked = make_card(jan, "B-1", status="blocked")
    old = make_card(jan, "E-1")
    expire_card(old, date.today() - timedelta(days=1))
    assert card_service.pos_state(lost) == ("blocked", "lost")
    assert card_service.pos_state(blocked) == ("blocked", "blocked")
    assert card_service.pos_state(old) == ("expired", "expired")
    assert card_service.pos_state(make_card(jan, "OK-1")) == ("active", None)


def test_reader_format_change_rekeys_cards(a):
    tenant = db.session.get(Tenant, a.tenant_id)
    jan = make_customer()
    make_card(jan, UID_DEC_LE)
    db.session.commit()
    assert card_service.find_card(UID_HEX) is not None
    card_service.change_reader_format(tenant, "exact")
    db.session.commit()
    assert card_service.find_card(UID_HEX) is None          # exact: only what was typed matches
    assert card_service.find_card(UID_DEC_LE) is not None
    card_service.change_reader_format(tenant, "dec10_le")
    db.session.commit()
    assert card_service.find_card(UID_HEX).customer_id == jan.id
    assert card_service.find_card(UID_DEC_BE) is None       # big-endian decimal is another card now


def test_reader_format_change_refuses_when_two_cards_would_collide(a):
    tenant = db.session.get(Tenant, a.tenant_id)
    card_service.change_reader_format(tenant, "exact")
    jan = make_customer()
    make_card(jan, UID_DEC_LE)
    make_card(jan, UID_HEX)  # a different card while the format is exact
    db.session.commit()
    with pytest.raises(ServiceError, match="would be the same card"):
        card_service.change_reader_format(tenant, "auto")


@pytest.mark.pg_only
def test_cards_search_by_the_start_of_a_code_or_number_uses_the_trigram_index(a):
    jan = make_customer()
    db.session.flush()
    today = date.today()
    numbers = [hashlib.md5(str(i).encode()).hexdigest()[:10].upper() for i in range(3000)]
    db.session.execute(insert(Card), [
        {"tenant_id": a.tenant_id, "customer_id": jan.id, "code": f"{i:010d}", "code_key": f"X{i:010d}",
         "number": number, "status": "active", "issued_at": today, "note": "", "created_at": today,
         "updated_at": today} for i, number in enumerate(numbers)])
    db.session.commit()
    # Fresh rows wait in the GIN index's pending list, which the planner prices high.
    db.session.execute(text("SELECT gin_clean_pending_list('ix_cards_search_trgm')"))
    db.session.execute(text("ANALYZE cards"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # 3 000 rows are cheaper to read whole
    stmt = select(Card.number).where(Card.tenant_id == a.tenant_id, *card_service.list_filters(numbers[7][:6].lower()))
    compiled = stmt.compile(dialect=db.engine.dialect)
    plan = "\n".join(db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
    assert "ix_cards_search_trgm" in plan, plan
    assert numbers[7] in db.session.scalars(stmt).all()


def test_a_card_written_in_its_savepoint_is_undone_with_the_request(a):
    """The savepoint must sit inside the request's transaction: on SQLite, a SAVEPOINT opened
    outside one starts it, and its RELEASE would commit the card before the request decides."""
    jan = make_customer()
    db.session.commit()
    card_service.assign(jan, "SAVEPOINT-1")
    db.session.rollback()
    assert db.session.scalar(select(Card).where(Card.code == "SAVEPOINT-1")) is None
