"""The import end to end: upload -> columns -> preview -> start -> a real RQ worker -> outcome."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from panel import cardcodes
from panel.extensions import db
from panel.models import AuditEntry, Card, Customer, JobRun
from panel.services import customers as customer_service
from panel.services import imports
from panel.services.imports import columns, drafts, importer, matching
from panel.tenancy import tenant_scope

from ..conftest import HX, as_tenant
from .helpers import csv_bytes, mapping_form, run_id_of, upload, work, xlsx_bytes

HEADER = ["Imię", "Nazwisko", "NIP", "E-mail", "Telefon", "Kod karty", "Kod pocztowy", "Miasto"]


def _customers(app, world) -> list[Customer]:
    with app.app_context(), tenant_scope(world.tenant_id):
        rows = list(db.session.scalars(select(Customer).order_by(Customer.id)))
        for c in rows:
            _ = [card.code for card in c.cards]
        db.session.expunge_all()
        return rows


def _cards(app, world) -> dict[str, int]:
    with app.app_context(), tenant_scope(world.tenant_id):
        return {c.code: c.customer_id for c in db.session.scalars(select(Card))}


def _run(app, world, run_id) -> JobRun:
    with app.app_context(), tenant_scope(world.tenant_id):
        run = db.session.get(JobRun, run_id)
        _ = run.file_data
        db.session.expunge(run)
        return run


def _existing(app, world, **data) -> int:
    with app.app_context(), as_tenant(world):
        c = customer_service.create(data)
        db.session.commit()
        return c.id


def _import(client, app, data: bytes, name="customers.csv", **options):
    """Upload, keep the guessed columns (or `mapping`), preview, start, run the worker."""
    resp = upload(client, data, name)
    assert resp.status_code == 303, resp.text
    draft_id = run_id_of(resp)
    mapping = options.pop("mapping", None)
    if mapping is None:
        page = client.get(f"/customers/import/{draft_id}/mapping").text
        mapping = [m.group(2) if m.group(2) else "" for m in re.finditer(
            r'<select id="col-(\d+)"[^>]*>(?:.*?<option value="([a-z_]+)" selected>)?', page, re.S)]
    resp = client.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(mapping, **options))
    assert resp.status_code == 303, resp.text
    assert client.get(f"/customers/import/{draft_id}/preview").status_code == 200
    resp = client.post(f"/customers/import/{draft_id}/start")
    assert resp.status_code == 303
    run_id = run_id_of(resp)
    work(app)
    return draft_id, run_id


def test_csv_import_creates_customers_and_cards_keeping_leading_zeros(app, manager_a, world_a):
    data = csv_bytes([HEADER,
                      ["Jan", "Kowalski", "PL 774-000-14-54", "Jan@Example.com", "600 100 200", "0004340757",
                       "00-950", "Warszawa"],
                      ["Ewa", "Nowak", "", "ewa@example.com", "", "", "", "Kraków"]], encoding="cp1250")
    _draft, run_id = _import(manager_a, app, data)
    jan, ewa = _customers(app, world_a)
    assert (jan.first_name, jan.last_name, jan.nip, jan.email, jan.phone_digits, jan.postcode) == (
        "Jan", "Kowalski", "7740001454", "jan@example.com", "48600100200", "00-950")
    assert [c.code for c in jan.cards] == ["0004340757"]
    assert ewa.city == "Kraków" and ewa.cards == []
    run = _run(app, world_a, run_id)
    assert run.status == "finished"
    assert (run.result["created"], run.result["cards"], run.result["failed"]) == (2, 1, 0)
    assert run.result["summary"] == "2 customers added, 1 card added."
    # The upload is not kept: the run now holds the per-row report.
    report = run.file_data.decode("utf-8-sig").splitlines()
    assert report[0] == "Row;Outcome;Customer number;Notes"  # as Polish and Czech Excel split it
    assert report[1] == f"2;added;{jan.id};" and report[2] == f"3;added;{ewa.id};"
    status = manager_a.get(f"/customers/import/{run_id}", headers=HX)
    assert status.status_code == 286 and "2 customers added" in status.text
    with app.app_context(), tenant_scope(world_a.tenant_id):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customers.imported"))
        assert entry.actor_user_id == world_a.manager.id and entry.changes["created"] == 2


def test_xlsx_card_codes_stored_as_numbers_keep_their_digits(app, manager_a, world_a):
    data = xlsx_bytes([["Imię", "Nazwisko", "Kod karty", "Telefon"],
                       ["Anna", "Zielińska", 4340757, 600100200],
                       ["Piotr", "Wójcik", "0000012345", None]],
                      formats={"C2": "0000000000"})
    _import(manager_a, app, data, name="klienci.xlsx")
    assert _cards(app, world_a).keys() == {"0004340757", "0000012345"}
    anna = _customers(app, world_a)[0]
    assert anna.phone_digits == "48600100200"


@pytest.mark.parametrize("mode, expected_name, expected_count", [
    ("skip", "Old", 1), ("update", "Jan", 1), ("create", "Jan", 2)])
def test_duplicates_are_skipped_updated_or_added(app, manager_a, world_a, mode, expected_name, expected_count):
    old_id = _existing(app, world_a, first_name="Old", last_name="Kowalski", email="jan@example.com",
                       city="Gdańsk")
    data = csv_bytes([["Imię", "E-mail", "Miasto"], ["Jan", "JAN@example.com", ""]])
    _draft, run_id = _import(manager_a, app, data, duplicates=mode)
    people = _customers(app, world_a)
    assert len(people) == expected_count
    old = next(c for c in people if c.id == old_id)
    assert old.first_name == (expected_name if mode == "update" else "Old")
    assert old.city == "Gdańsk"  # an empty cell never blanks what the customer has
    assert _run(app, world_a, run_id).result[{"skip": "skipped", "update": "updated", "create": "created"}[mode]] == 1


def test_strict_mode_imports_nothing_when_a_row_has_errors(app, manager_a, world_a):
    data = csv_bytes([["Imię", "E-mail", "NIP"],
                      ["Jan", "jan@example.com", ""],
                      ["Ewa", "not-an-email", ""],
                      ["Olek", "olek@example.com", "1234567890"]])
    _draft, run_id = _import(manager_a, app, data, strict=True)
    assert _customers(app, world_a) == []
    run = _run(app, world_a, run_id)
    assert run.status == "failed"
    assert "Nothing was imported: 2 rows have errors." in run.message
    assert "Row 3: E-mail: Enter an e-mail address like name@example.com." in run.message
    assert "Row 4: NIP (PL): This NIP is not valid" in run.message
    page = manager_a.get(f"/customers/import/{run_id}", headers=HX)
    assert page.status_code == 286 and "Row 3: E-mail" in page.text


def test_lenient_mode_leaves_bad_rows_out_and_lists_them(app, manager_a, world_a):
    data = csv_bytes([["Imię", "E-mail"], ["Jan", "jan@example.com"], ["Ewa", "not-an-email"], ["", "x@y.pl"]])
    _draft, run_id = _import(manager_a, app, data, strict=False)
    assert [c.first_name for c in _customers(app, world_a)] == ["Jan"]
    run = _run(app, world_a, run_id)
    assert run.status == "finished" and run.result["failed"] == 2
    assert run.result["errors"] == [
        {"row": 3, "errors": ["E-mail: Enter an e-mail address like name@example.com."]},
        {"row": 4, "errors": ["First name: Enter a first or last name, or a company name."]}]
    page = manager_a.get(f"/customers/import/{run_id}").text
    assert "Rows not imported" in page and "Enter an e-mail address like name@example.com." in page


def test_rows_repeating_within_the_file_are_duplicates_too(app, manager_a, world_a):
    data = csv_bytes([["Imię", "Telefon", "Kod karty"],
                      ["Jan", "600 100 200", "A-1"],
                      ["Jan K.", "+48600100200", ""],
                      ["Ewa", "", "A-1"]])
    _draft, run_id = _import(manager_a, app, data, duplicates="skip", match_on=("phone",), strict=False)
    result = _run(app, world_a, run_id).result
    assert (result["created"], result["skipped"], result["failed"]) == (1, 1, 1)
    # Card A-1 went to Jan (row 2) in this very import; with card matching off, Ewa is not Jan.
    [jan] = _customers(app, world_a)
    # Named as the preview named it: by the row that added it.
    assert result["errors"] == [{"row": 4, "errors": ["Card code: this card already belongs to row 2 of this file."]}]
    assert [c.code for c in jan.cards] == ["A-1"]


def test_a_card_held_by_another_customer_is_a_row_error(app, manager_a, world_a):
    other = _existing(app, world_a, first_name="Maria")
    with app.app_context(), as_tenant(world_a):
        from panel.services import cards as card_service
        card_service.assign(db.session.get(Customer, other), "ABC-1")
        db.session.commit()
    data = csv_bytes([["Imię", "Kod karty"], ["Jan", "ABC-1"]])
    _draft, run_id = _import(manager_a, app, data, duplicates="create", match_on=())
    run = _run(app, world_a, run_id)
    assert run.status == "failed" and "this card already belongs to #" in run.message and "Maria" in run.message
    assert len(_customers(app, world_a)) == 1


def test_a_matching_card_updates_its_holder(app, manager_a, world_a):
    holder = _existing(app, world_a, first_name="Maria", last_name="Old")
    with app.app_context(), as_tenant(world_a):
        from panel.services import cards as card_service
        card_service.assign(db.session.get(Customer, holder), "0004340757")
        db.session.commit()
    # The reader-format key matches the same card typed as 8 hex digits.
    hex_code = cardcodes.describe("0004340757")["hex_fwd"]
    data = csv_bytes([["Nazwisko", "Kod karty"], ["Nowak", hex_code]])
    _import(manager_a, app, data, duplicates="update", match_on=("card",))
    [maria] = _customers(app, world_a)
    assert (maria.first_name, maria.last_name) == ("Maria", "Nowak")
    assert [c.code for c in maria.cards] == ["0004340757"]  # no second card for the same chip


def _names(first: str, last: str) -> str:
    """A preview row's first and last name cells, side by side."""
    return f'<td class="import-col-first_name">{first}</td>\n      \n      <td class="import-col-last_name">{last}</td>'


def test_preview_shows_the_first_rows_as_they_will_be_saved_without_saving(app, manager_a, world_a):
    _existing(app, world_a, first_name="Ola", email="ola@example.com")
    rows = [["Imię i nazwisko", "E-mail", "Kod pocztowy", "Zgoda marketingowa"]]
    rows += [[f"Jan{i} Kowalski", f"jan{i}@example.com", "00950", "tak"] for i in range(25)]
    rows[3] = ["Ola Nowak", "OLA@example.com", "", "nie"]
    rows[5] = ["Zła Zgoda", "z@example.com", "", "może"]
    resp = upload(manager_a, csv_bytes(rows))
    draft_id = run_id_of(resp)
    manager_a.post(f"/customers/import/{draft_id}/mapping",
                   data=mapping_form(["full_name", "email", "postcode", "marketing_consent"]))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert "The file has 25 rows. The first 20, as they will be saved:" in page
    assert page.count('class="import-row-') == 20
    assert _names("Jan0", "Kowalski") in page  # the full name split into first and last
    assert '<td class="import-col-postcode">00-950</td>' in page  # the postcode as the customer service normalises it
    assert "already a customer: #" in page and "(same e-mail)" in page
    assert "Agrees to receive marketing: write yes or no" in page
    # Skipped and refused rows show what the file says, so the owner sees whose row it is.
    assert _names("Ola", "Nowak") in page and '<td class="import-col-email">OLA@example.com</td>' in page
    assert _names("Zła", "Zgoda") in page
    # With the whole import stopped by that row, nothing offers to start it.
    assert "Start the import" not in page and "Change the columns or options" in page
    assert len(_customers(app, world_a)) == 1  # the preview saved nothing
    assert _run(app, world_a, draft_id).status == "finished"  # still the draft, never started
    manager_a.post(f"/customers/import/{draft_id}/mapping",
                   data=mapping_form(["full_name", "email", "postcode", "marketing_consent"], strict=False))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert "Rows with errors will be left out" in page and "Start the import" in page


def test_mapping_refuses_a_field_chosen_twice_and_no_name_column(app, manager_a):
    draft_id = run_id_of(upload(manager_a, csv_bytes([["A", "B"], ["x", "y"]])))
    twice = manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["email", "email"]))
    assert twice.status_code == 422 and "is already chosen for column A" in twice.text
    no_name = manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["email", ""]))
    assert no_name.status_code == 422 and "Choose the column with the customers" in no_name.text
    nothing = manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["", ""]))
    assert nothing.status_code == 422 and "Choose at least one column" in nothing.text
    # Updating existing customers needs no name column.
    ok = manager_a.post(f"/customers/import/{draft_id}/mapping",
                        data=mapping_form(["email", ""], duplicates="update", match_on=("email",)))
    assert ok.status_code == 303


def test_reading_again_with_another_delimiter_and_encoding(app, manager_a):
    data = "Imię,Nazwisko\nŁukasz,Żak\n".encode("cp1250")
    draft_id = run_id_of(upload(manager_a, data))
    page = manager_a.post(f"/customers/import/{draft_id}/mapping",
                          data={"action": "reread", "encoding": "cp1250", "delimiter": ";"})
    assert page.status_code == 200 and "Imię,Nazwisko" in page.text  # one column now, as asked
    page = manager_a.post(f"/customers/import/{draft_id}/mapping",
                          data={"action": "reread", "encoding": "utf-8", "delimiter": ","})
    assert page.status_code == 422 and "not in the utf-8 encoding" in page.text


def test_upload_errors_keep_the_user_on_the_upload_page(app, manager_a):
    resp = manager_a.post("/customers/import/", data={}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "Choose a CSV or Excel (.xlsx) file." in resp.text
    resp = upload(manager_a, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1x", "old.xls")
    assert resp.status_code == 422 and "Old Excel files (.xls)" in resp.text


def test_start_twice_starts_one_import(app, manager_a, world_a):
    draft_id = run_id_of(upload(manager_a, csv_bytes([["Imię"], ["Jan"]])))
    manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["first_name"]))
    first = manager_a.post(f"/customers/import/{draft_id}/start")
    second = manager_a.post(f"/customers/import/{draft_id}/start")
    assert first.headers["Location"] == second.headers["Location"]
    assert manager_a.get(f"/customers/import/{draft_id}/preview").headers["Location"] == first.headers["Location"]
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.kind == imports.KIND)) == 1
        draft = db.session.get(JobRun, draft_id)
        assert draft.file_data is None  # the file moved to the import run


def test_imports_are_for_managers_and_owners_and_private(app, staff_a, manager_a, owner_a, owner_b, world_a):
    assert staff_a.get("/customers/import/").status_code == 403
    draft_id = run_id_of(upload(manager_a, csv_bytes([["Imię"], ["Jan"]])))
    assert owner_a.get(f"/customers/import/{draft_id}/mapping").status_code == 200
    assert owner_b.get(f"/customers/import/{draft_id}/mapping").status_code == 404
    assert staff_a.get(f"/customers/import/{draft_id}/mapping").status_code == 403


def test_old_drafts_are_deleted_on_the_next_upload(app, manager_a, world_a):
    from datetime import timedelta

    from panel.models.base import utcnow

    old = run_id_of(upload(manager_a, csv_bytes([["Imię"], ["Jan"]]), "old.csv"))
    recent = run_id_of(upload(manager_a, csv_bytes([["Imię"], ["Jan"]]), "recent.csv"))
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.get(JobRun, old).created_at = utcnow() - imports.DRAFT_TTL - timedelta(minutes=1)
        db.session.commit()
    run_id_of(upload(manager_a, csv_bytes([["Imię"], ["Ewa"]]), "new.csv"))
    with app.app_context(), tenant_scope(world_a.tenant_id):
        names = db.session.scalars(select(JobRun.file_name).where(JobRun.kind == imports.DRAFT_KIND)
                                   .order_by(JobRun.file_name))
        assert list(names) == ["new.csv", "recent.csv"]
    assert recent


def test_preview_matches_rows_repeated_within_the_file(app, manager_a):
    data = csv_bytes([["Imię", "E-mail"], ["Jan", "jan@example.com"], ["Janek", "JAN@example.com"]])
    draft_id = run_id_of(upload(manager_a, data))
    manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["first_name", "email"]))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert page.count("import-row-create") == 1 and page.count("import-row-skip") == 1
    assert "already a customer: row 2 of this file (same e-mail)" in page


def test_big_files_report_progress_per_chunk(app, world_a):
    rows = [["Imię", "Telefon"]] + [[f"Gość {i}", f"+48 600 {i:06d}"] for i in range(1200)]
    with app.app_context(), as_tenant(world_a):
        draft = drafts.create_draft("big.csv", csv_bytes(rows), world_a.manager.id)
        drafts.save_options(draft, columns.Options(["first_name", "phone"]))
        seen = []
        summary = importer.run_import(draft, "PL", progress=lambda done, total: seen.append((done, total)))
        assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]
        assert summary.created == 1200
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1200
        db.session.rollback()


@pytest.mark.pg_only  # SQLite's RETURNING keeps no order, so SQLAlchemy inserts there row by row
def test_a_big_import_writes_a_chunk_at_a_time(app, world_a, count_queries):
    rows = [["Imię", "Telefon", "Kod karty"]] + [[f"Gość {i}", f"+48 600 {i:06d}", f"{i:010d}"] for i in range(1200)]
    with app.app_context(), as_tenant(world_a):
        draft = drafts.create_draft("big.csv", csv_bytes(rows), world_a.manager.id)
        drafts.save_options(draft, columns.Options(["first_name", "phone", "card_code"]))
        with count_queries() as queries:
            summary = importer.run_import(draft, "PL")
        assert (summary.created, summary.cards) == (1200, 1200)
        # The file's keys looked up before anything is written, then one INSERT of customers,
        # one of cards and one of their audit entries per chunk of 500: not a few per row.
        assert queries() < 40, queries()
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(
            ["customer.created", "card.added"]))).all()
        assert sorted(set(actions)) == ["card.added", "customer.created"] and len(actions) == 2400
        codes = dict(db.session.execute(select(Customer.first_name, Card.code).join(Card.customer)).all())
        assert codes["Gość 7"] == "0000000007" and len(codes) == 1200
        db.session.rollback()


def test_without_redis_the_import_runs_in_process(database_url, world_a):
    from panel import create_app

    from ..conftest import TEST_OVERRIDES, login, make_test_env

    env = dict(make_test_env(database_url), REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(dict(TEST_OVERRIDES, JOBS_IN_PROCESS_SYNC=True), env=env)
    client = login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
    try:
        draft_id = run_id_of(upload(client, csv_bytes([["Imię", "Nazwisko"], ["Jan", "Kowalski"]])))
        client.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["first_name", "last_name"]))
        run_id = run_id_of(client.post(f"/customers/import/{draft_id}/start"))
        status = client.get(f"/customers/import/{run_id}", headers=HX)
        assert status.status_code == 286 and "1 customer added." in status.text
        assert [c.last_name for c in _customers(app, world_a)] == ["Kowalski"]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_row_errors_are_in_the_language_of_the_user_who_started_the_import(app, manager_a, world_a):
    from panel.models import User

    with app.app_context():
        db.session.get(User, world_a.manager.id).locale = "pl"
        db.session.commit()
    data = csv_bytes([["Imię", "E-mail"], ["Jan", "zły-adres"]])
    draft_id = run_id_of(upload(manager_a, data))
    manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["first_name", "email"]))
    assert "Podaj adres e-mail w formacie nazwa@example.com." in manager_a.get(
        f"/customers/import/{draft_id}/preview").text
    run_id = run_id_of(manager_a.post(f"/customers/import/{draft_id}/start"))
    # The worker has no request: the job speaks the language saved with the run.
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.get(JobRun, run_id).params["locale"] == "pl"
    work(app)
    assert "Podaj adres e-mail w formacie nazwa@example.com." in _run(app, world_a, run_id).message


def test_our_export_imports_back_with_every_card_and_without_the_formula_guard(app, manager_a, owner_b, world_a,
                                                                              world_b):
    from panel.services import cards as card_service

    with app.app_context(), as_tenant(world_a):
        anna = customer_service.create({"first_name": "Anna", "last_name": "Nowak", "company_name": "@Home Bistro",
                                        "phone": "+48 502 111 222", "country": "PL"})
        card_service.assign(anna, "00098765")
        card_service.assign(anna, "0099988877")
        old, _added = card_service.assign(anna, "0000555")
        card_service.block(old)
        db.session.commit()
    export = manager_a.get("/exports/customers.csv").data
    assert b"'+48 502 111 222" in export and b"'@Home Bistro" in export
    # The columns as the mapping page guesses them ("cards" is the card code; "id" nothing).
    mapping = columns.guess_mapping(export.decode("utf-8-sig").splitlines()[0].split(";"))
    assert mapping[mapping.index("card_code") + 1] == ""  # inactive_cards
    # Into another restaurant: the same customer, her working cards, leading zeros kept.
    _draft, run_id = _import(owner_b, app, export, name="customers-20261201.csv", mapping=mapping)
    assert _run(app, world_b, run_id).result["cards"] == 2
    [copy] = _customers(app, world_b)
    assert (copy.first_name, copy.company_name, copy.phone, copy.phone_digits) == (
        "Anna", "@Home Bistro", "+48 502 111 222", "48502111222")
    assert sorted(c.code for c in copy.cards) == ["00098765", "0099988877"]  # the blocked one stays behind
    assert all(c.status == "active" for c in copy.cards)
    # Back into the same restaurant, updating: nothing changes, the blocked card stays blocked.
    _draft, run_id = _import(manager_a, app, export, duplicates="update", mapping=mapping)
    result = _run(app, world_a, run_id).result
    assert (result["updated"], result["created"], result["cards"], result["failed"]) == (1, 0, 0, 0)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert {c.code: c.status for c in db.session.scalars(select(Card))} == {
            "00098765": "active", "0099988877": "active", "0000555": "blocked"}
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "customer.updated")) == 0


def test_a_cell_with_several_codes_gives_an_existing_customer_the_new_ones(app, manager_a, world_a):
    from panel.services import cards as card_service

    ewa = _existing(app, world_a, first_name="Ewa", last_name="Lis", email="ewa@example.com")
    with app.app_context(), as_tenant(world_a):
        card_service.assign(db.session.get(Customer, ewa), "A-1")
        db.session.commit()
    # Comma-separated, as our export writes them; a code may have spaces inside (a hex UID).
    data = csv_bytes([["Imię", "E-mail", "Kod karty"], ["Ewa", "ewa@example.com", "A-1,  0042, 1C 78 F2 BF,"]])
    _draft, run_id = _import(manager_a, app, data, duplicates="update")
    assert _run(app, world_a, run_id).result["cards"] == 2
    assert _cards(app, world_a) == {"A-1": ewa, "0042": ewa, "1C 78 F2 BF": ewa}


def test_a_match_whose_name_is_someone_elses_is_refused_not_updated(app, manager_a, world_a):
    holder = _existing(app, world_a, first_name="Zażółć", last_name="Gęślą-Łódź", phone="600100200",
                       email="zazolc@example.com")
    data = csv_bytes([["Imię", "Nazwisko", "Telefon", "E-mail"],
                      ["Anna", "Nowak", "600100200", "anna.nowak@example.com"],
                      ["ZAZOLC", "gesla-lodz", "600 100 200", "z.nowy@example.com"]])
    draft_id = run_id_of(upload(manager_a, data))
    manager_a.post(f"/customers/import/{draft_id}/mapping",
                   data=mapping_form(["first_name", "last_name", "phone", "email"], duplicates="update",
                                     strict=False))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert (f"The name differs from #{holder} Zażółć Gęślą-Łódź (same phone). Is it someone else? "
            "Correct the file or that customer, then upload the file again.") in page
    assert page.count("import-row-error") == 1 and page.count("import-row-update") == 1  # accents and case aside
    run_id = run_id_of(manager_a.post(f"/customers/import/{draft_id}/start"))
    work(app)
    result = _run(app, world_a, run_id).result
    assert (result["updated"], result["failed"], result["created"]) == (1, 1, 0)
    [customer] = _customers(app, world_a)
    assert (customer.first_name, customer.email) == ("ZAZOLC", "z.nowy@example.com")
    # The customer's history says where the change came from.
    with app.app_context(), tenant_scope(world_a.tenant_id):
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "customer.updated"))
        assert entry.entity_id == holder and entry.summary == f"#{holder} · import #{run_id} (customers.csv)"


def test_skipping_never_hides_that_the_match_is_someone_else(app, manager_a, world_a):
    holder = _existing(app, world_a, company_name="Bar Mleczny Sp. z o.o.", nip="7740001454")
    data = csv_bytes([["Firma", "NIP"], ["Bar Sushi sp. z o.o.", "774-000-14-54"], ["bar mleczny", "7740001454"]])
    draft_id = run_id_of(upload(manager_a, data))
    manager_a.post(f"/customers/import/{draft_id}/mapping", data=mapping_form(["company_name", "nip"]))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert f"The name differs from #{holder} Bar Mleczny Sp. z o.o. (same NIP)." in page
    assert page.count("import-row-error") == 1 and page.count("import-row-skip") == 1


@pytest.mark.parametrize("row, held, different", [
    ({"first_name": "Anna", "last_name": "Nowak"}, {"first_name": "Zażółć", "last_name": "Gęślą-Łódź"}, True),
    ({"first_name": "ANNA", "last_name": "NOWÁK"}, {"first_name": "Anna", "last_name": "Nowak"}, False),
    ({"first_name": "Nowak", "last_name": "Anna"}, {"first_name": "Anna", "last_name": "Nowak-Kowalska"}, False),
    ({"first_name": "Anna", "last_name": "Kowalska"}, {"first_name": "Anna", "last_name": "Nowak"}, False),
    ({"last_name": "Nowak"}, {"first_name": "Maria", "last_name": "Old"}, False),  # a new surname, maybe
    ({"first_name": "Jan", "last_name": "Nowak"}, {"company_name": "Bistro Alfa"}, False),
    ({"company_name": "Hospoda U Lípy, s.r.o."}, {"company_name": "HOSPODA U LIPY"}, False),
    ({"company_name": "Bar Sushi"}, {"company_name": "Bar Mleczny"}, True),
    ({"company_name": "Bistro Alfa", "first_name": "Ewa", "last_name": "Lis"},
     {"company_name": "Bistro Alfa sp. z o.o.", "first_name": "Jan", "last_name": "Kot"}, False),
])
def test_different_name(row, held, different):
    assert matching.different_name(row, held) is different


def test_a_duplicate_row_with_errors_is_reported_and_stops_a_strict_import(app, manager_a, world_a):
    header = ["Imię", "Nazwisko", "NIP", "E-mail", "Telefon", "Kod karty", "Data urodzenia"]
    rows = [header, ["Jan", "Kowalski", "", "jan@example.com", "600100200", "A-1", ""],
            ["Jan", "Kowalski", "1234567890", "", "", "A-1", ""],
            ["Jan", "Kowalski", "", "not-an-email", "", "A-1", ""],
            ["Jan", "Kowalski", "", "", "abc", "A-1", ""],
            ["Jan", "Kowalski", "", "", "", "A-1", "31.02.1990"],
            ["Jan", "Kowalski", "", "", "", "A-1", "01.01.2999"],
            ["Jan", "Kowalski", "", "", "", "A-1", ""]]
    draft_id = run_id_of(upload(manager_a, csv_bytes(rows)))
    manager_a.post(f"/customers/import/{draft_id}/mapping",
                   data=mapping_form(["first_name", "last_name", "nip", "email", "phone", "card_code", "birthday"]))
    page = manager_a.get(f"/customers/import/{draft_id}/preview").text
    assert (page.count("import-row-create"), page.count("import-row-error"), page.count("import-row-skip")) == (1, 5, 1)
    assert "Start the import" not in page
    run_id = run_id_of(manager_a.post(f"/customers/import/{draft_id}/start"))
    work(app)
    run = _run(app, world_a, run_id)
    assert run.status == "failed" and "Nothing was imported: 5 rows have errors." in run.message
    for expected in ("Row 3: NIP (PL): This NIP is not valid", "Row 4: E-mail: Enter an e-mail address",
                     "Row 5: Phone: A phone number has digits", "Row 6: Birthday: Enter a date like",
                     "Row 7: Birthday: A birthday cannot be in the future."):
        assert expected in run.message
    assert _customers(app, world_a) == []


def test_czech_companies_are_recognised_by_ico(app, owner_b, world_b):
    holder = _existing(app, world_b, company_name="Hospoda U Lípy s.r.o.", ico="26168685")
    data = csv_bytes([["Firma", "IČO", "E-mail"], ["Hospoda U Lípy, s.r.o.", "26168685", "info@ulipy.cz"]])
    draft_id = run_id_of(upload(owner_b, data))
    page = owner_b.get(f"/customers/import/{draft_id}/mapping").text
    assert re.search(r'name="match-ico" value="1" checked> IČO', page)
    owner_b.post(f"/customers/import/{draft_id}/mapping",
                 data=mapping_form(["company_name", "ico", "email"], duplicates="update", match_on=("ico",)))
    assert "(same IČO)" not in owner_b.get(f"/customers/import/{draft_id}/preview").text  # an update names no reason
    run_id = run_id_of(owner_b.post(f"/customers/import/{draft_id}/start"))
    work(app)
    assert _run(app, world_b, run_id).result["updated"] == 1
    [company] = _customers(app, world_b)
    assert (company.id, company.email) == (holder, "info@ulipy.cz")


def test_a_pdf_upload_is_refused_as_a_file_type_not_an_empty_table(app, manager_a):
    resp = upload(manager_a, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "klienci.pdf")
    assert resp.status_code == 422
    assert "This file type is not supported. Upload a CSV or Excel (.xlsx) file." in resp.text
    assert "no rows under" not in resp.text


@pytest.mark.pg_only  # ANALYZE is PostgreSQL's; SQLite's planner needs no help here
def test_a_big_import_analyzes_the_tables_after_it_commits(app, manager_a, world_a):
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(sql)

    def commit(conn):
        seen.append("COMMIT")

    small = csv_bytes([["Imię", "Telefon"], ["Jan", "600100200"]])
    big = csv_bytes([["Imię", "Telefon"]] + [[f"Gość {i}", f"+48 601 {i:06d}"] for i in range(1000)])
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        _import(manager_a, app, small)
        assert not any(s.startswith("ANALYZE") for s in seen)
        _import(manager_a, app, big)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    analyze = seen.index("ANALYZE customers, cards")
    last_insert = max(i for i, s in enumerate(seen) if s.startswith("INSERT INTO customers"))
    assert "COMMIT" in seen[last_insert:analyze]  # the import's rows were committed first
    assert len(_customers(app, world_a)) == 1001
