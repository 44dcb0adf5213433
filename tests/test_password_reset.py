"""Password recovery by e-mail, and invitations by e-mail, received by a real SMTP server."""
import re
import time

import pytest
from itsdangerous import TimestampSigner
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from panel import mail
from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import AuditEntry, Invite, User
from panel.services import recovery
from panel.tenancy import tenant_scope

from .factories import PASSWORD
from .mailserver import body, deliver_mail, free_port, link_path, smtp_server  # noqa: F401 (fixture)

NEW_PASSWORD = "a-brand-new-passphrase"


def _forgot(client, email, address="10.0.0.1"):
    return client.post("/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": address})


def _set_locale(app, user_id, locale):
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def test_sign_in_page_offers_recovery(client):
    assert 'href="/password/forgot"' in client.get("/login").text


def test_forgotten_password_is_reset_by_mail_and_other_sessions_end(app, world_a, smtp_server):
    old = app.test_client()
    old.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "remember": "y"})
    assert old.get("/").status_code == 200

    client = app.test_client()
    resp = _forgot(client, world_a.owner.email)
    assert resp.status_code == 200 and "Check your e-mail" in resp.text
    deliver_mail(app)
    [msg] = smtp_server.to(world_a.owner.email)
    assert msg["Subject"] == "Choose a new password for Regulars"
    assert msg["From"] == app.config["MAIL_FROM"]

    page = client.get(link_path(msg))
    assert page.status_code == 200 and world_a.owner.email in page.text
    resp = client.post(link_path(msg), data={"new_password": NEW_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200  # signed in with the new password
    # The session (and remember-me cookie) from before the reset no longer works.
    assert old.get("/").status_code == 302
    assert app.test_client().post("/login", data={"email": world_a.owner.email, "password": PASSWORD}).status_code == 401
    assert app.test_client().post("/login", data={"email": world_a.owner.email,
                                                  "password": NEW_PASSWORD}).status_code == 302
    with app.app_context(), tenant_scope(world_a.tenant_id):
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "user.password_reset"))
    # Used once: the link is dead now.
    again = app.test_client().get(link_path(msg))
    assert again.status_code == 404 and "Link not valid" in again.text


def test_the_same_reply_whether_or_not_the_account_exists(app, world_a, smtp_server):
    known = _forgot(app.test_client(), world_a.owner.email)
    unknown = _forgot(app.test_client(), "nobody@nowhere.test")
    assert known.status_code == unknown.status_code == 200
    def page(resp, email):  # all but the session's own CSRF tokens
        return re.sub(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{10,}", "", resp.text).replace(email, "X")

    assert page(known, world_a.owner.email) == page(unknown, "nobody@nowhere.test")
    deliver_mail(app)
    assert [m["To"] for m in smtp_server.messages] == [world_a.owner.email]


def test_the_mail_speaks_the_users_language_else_the_pages(app, world_a, smtp_server):
    _set_locale(app, world_a.owner.id, "pl")
    _set_locale(app, world_a.manager.id, None)
    _forgot(app.test_client(), world_a.owner.email)
    czech = app.test_client()
    czech.post("/language", data={"locale": "cs"})
    _forgot(czech, world_a.manager.email)
    deliver_mail(app)
    [pl] = smtp_server.to(world_a.owner.email)
    [cs] = smtp_server.to(world_a.manager.email)
    assert pl["Subject"] == "Ustaw nowe hasło do Regulars" and "Link działa jeden raz" in body(pl)
    assert cs["Subject"] == "Nastavte si nové heslo do Regulars" and "Odkaz funguje jednou" in body(cs)


def test_a_link_older_than_an_hour_is_refused(app, world_a, monkeypatch):
    with app.test_request_context():
        user = db.session.get(User, world_a.owner.id)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
        stale = recovery.make_token(user)
        monkeypatch.undo()
        fresh = recovery.make_token(user)
    assert app.test_client().get(f"/password/reset/{stale}").status_code == 404
    assert app.test_client().get(f"/password/reset/{fresh}").status_code == 200
    assert app.test_client().get(f"/password/reset/{fresh}x").status_code == 404


def test_a_changed_password_kills_the_links_sent_before(app, world_a, owner_a):
    with app.test_request_context():
        token = recovery.make_token(db.session.get(User, world_a.owner.id))
    owner_a.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


def test_a_weak_new_password_is_refused_and_nothing_changes(app, world_a):
    with app.test_request_context():
        token = recovery.make_token(db.session.get(User, world_a.owner.id))
    client = app.test_client()
    resp = client.post(f"/password/reset/{token}", data={"new_password": "short"})
    assert resp.status_code == 422 and "Use at least 10 characters." in resp.text
    resp = client.post(f"/password/reset/{token}", data={"new_password": world_a.owner.email})
    assert resp.status_code == 422 and "cannot be your e-mail" in resp.text
    assert client.post("/password/reset/" + token, data={}).status_code == 422
    assert app.test_client().post("/login", data={"email": world_a.owner.email, "password": PASSWORD}).status_code == 302


def test_reset_mails_are_throttled_per_account_and_per_address(app, world_a, smtp_server):
    for n in range(recovery.MAILS_PER_ACCOUNT + 2):  # from different addresses: the account's budget
        assert _forgot(app.test_client(), world_a.owner.email, f"10.8.0.{n}").status_code == 200
    deliver_mail(app)
    assert len(smtp_server.to(world_a.owner.email)) == recovery.MAILS_PER_ACCOUNT
    client = app.test_client()
    for n in range(recovery.REQUESTS_PER_ADDRESS):
        assert _forgot(client, f"someone{n}@x.test", "10.9.0.1").status_code == 200
    resp = _forgot(client, "one-more@x.test", "10.9.0.1")
    assert resp.status_code == 429 and 'value="one-more@x.test"' in resp.text


def test_a_reset_unlocks_the_account_for_its_owner(app, world_a, smtp_server):
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]):
        app.test_client().post("/login", data={"email": world_a.owner.email, "password": "guess"})
    owner = app.test_client()
    _forgot(owner, world_a.owner.email)
    deliver_mail(app)
    owner.post(link_path(smtp_server.to(world_a.owner.email)[0]), data={"new_password": NEW_PASSWORD})
    owner.post("/logout")
    assert owner.post("/login", data={"email": world_a.owner.email, "password": NEW_PASSWORD}).status_code == 302


def test_bad_forgot_form_keeps_the_input(client):
    resp = client.post("/password/forgot", data={"email": "not-an-email"})
    assert resp.status_code == 422 and 'value="not-an-email"' in resp.text and "valid e-mail" in resp.text


def test_an_smtp_failure_neither_breaks_the_page_nor_loses_the_mail(app, world_a, owner_a):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    try:
        assert _forgot(app.test_client(), world_a.owner.email).status_code == 200
        resp = owner_a.post("/users/new", data={"method": "invite", "email": "cook@bistro-alfa.test", "role": "staff"})
        assert resp.status_code == 200 and "/invite/" in resp.text  # the owner still has the link
        deliver_mail(app)
    finally:
        app.config["SMTP_URL"] = None
    with app.app_context():
        # Both mails wait for RQ's next try rather than being dropped.
        assert len(ScheduledJobRegistry(queue=get_queue("default"), connection=redis_connection())) == 2
        with tenant_scope(world_a.tenant_id):
            assert db.session.scalar(select(Invite.email)) == "cook@bistro-alfa.test"


def test_an_invitation_is_mailed_too(app, world_a, owner_a, smtp_server):
    resp = owner_a.post("/users/new", data={"method": "invite", "email": "cook@bistro-alfa.test", "role": "staff"})
    assert resp.status_code == 200 and "We have e-mailed this invitation link" in resp.text
    deliver_mail(app)
    [msg] = smtp_server.to("cook@bistro-alfa.test")
    # The restaurant's language (Bistro Alfa is Polish), the inviter's name and the same link.
    assert "Bistro Alfa" in msg["Subject"] and "Zaproszenie" in msg["Subject"]
    assert "Owner Bistro Alfa" in body(msg)
    assert link_path(msg) in resp.text
    assert app.test_client().get(link_path(msg)).status_code == 200


def test_links_use_public_url_not_the_host_header(app, world_a, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://panel.example.com")
    app.test_client().post("/password/forgot", data={"email": world_a.owner.email},
                           headers={"Host": "evil.example"})
    deliver_mail(app)
    assert "https://panel.example.com/password/reset/" in body(smtp_server.messages[0])
    assert "evil.example" not in body(smtp_server.messages[0])


def test_without_smtp_development_writes_the_outbox(app, tmp_path, monkeypatch, world_a):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path))
    _forgot(app.test_client(), world_a.owner.email)
    deliver_mail(app)
    [eml] = list(tmp_path.glob("*.eml"))
    assert "/password/reset/" in eml.read_text() and world_a.owner.email in eml.read_text()


@pytest.mark.parametrize("env,message", [
    ({"SMTP_URL": "http://mail.example"}, "SMTP_URL"),
    ({"SMTP_URL": "smtp://mail.example:port"}, "SMTP_URL"),
    ({"SMTP_URL": "smtp://mail.example?starttls=perhaps"}, "starttls"),
    ({"MAIL_FROM": "nobody"}, "MAIL_FROM"),
    ({"PUBLIC_URL": "panel.example.com"}, "PUBLIC_URL"),
])
def test_bad_mail_settings_stop_the_start(env, message):
    from panel import config

    with pytest.raises(config.ConfigError, match=message):
        config.load(env)


def test_production_mail_needs_a_sender_and_a_public_url():
    from panel import config

    base = {"REGULARS_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x",
            "REDIS_URL": "redis://r:6379/0", "SMTP_URL": "smtps://u:p@mail.example"}
    with pytest.raises(config.ConfigError, match="MAIL_FROM"):
        config.load(base)
    with pytest.raises(config.ConfigError, match="PUBLIC_URL"):
        config.load(dict(base, MAIL_FROM="Regulars <panel@example.com>"))
    cfg = config.load(dict(base, MAIL_FROM="panel@example.com", PUBLIC_URL="https://panel.example.com/")).flask_config()
    assert cfg["PUBLIC_URL"] == "https://panel.example.com" and cfg["MAIL_OUTBOX"] is None


def test_smtps_and_starttls_urls_connect_as_asked(app, monkeypatch):
    seen = []

    class FakeSMTP:
        def __init__(self, host, port, timeout, context=None):
            seen.append((type(self).__name__, host, port))

        def starttls(self, context):
            seen.append("starttls")

        def login(self, user, password):
            seen.append((user, password))

        def send_message(self, msg):
            seen.append(msg["To"])

        def quit(self):
            pass

    monkeypatch.setattr(mail.smtplib, "SMTP", type("SMTP", (FakeSMTP,), {}))
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", type("SMTP_SSL", (FakeSMTP,), {}))
    raw = "To: a@b.test\nSubject: x\n\nhello\n"
    with app.app_context():
        monkeypatch.setitem(app.config, "SMTP_URL", "smtps://me%40x.test:p%3Ass@mail.example")
        mail.deliver(raw)
        monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mail.example?starttls=true")
        mail.deliver(raw)
    assert seen == [("SMTP_SSL", "mail.example", 465), ("me@x.test", "p:ss"), "a@b.test",
                    ("SMTP", "mail.example", 587), "starttls", "a@b.test"]
