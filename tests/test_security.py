"""Headers, CSRF, cookies and the production settings guard."""
import pytest

from panel import config
from panel.config import ConfigError

from .conftest import HX
from .factories import PASSWORD


@pytest.mark.parametrize("path", ["/login", "/", "/users/"])
def test_security_headers_on_pages_and_fragments(owner_a, path):
    for headers in ({}, HX):
        resp = owner_a.get(path, headers=headers)
        csp = resp.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_not_cached(owner_a):
    assert owner_a.get("/").headers["Cache-Control"] == "no-store"


def test_htmx_runs_without_eval(client):
    html = client.get("/login").text
    assert '"allowEval":false' in html and '"allowScriptTags":false' in html
    assert "<script>" not in html and " hx-on" not in html


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_refuses_posts_without_token(csrf_on, owner_a, world_a):
    resp = owner_a.post("/users/new", data={"email": "x@y.test", "role": "staff", "method": "password"})
    assert resp.status_code == 400 and "Form expired" in resp.text
    resp = owner_a.post("/logout")
    assert resp.status_code == 400


def test_csrf_token_in_htmx_header_is_accepted(csrf_on, app, world_a):
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = client.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    body = client.get("/").text
    header_token = body.split('"X-CSRFToken": "')[1].split('"')[0]
    resp = client.post("/logout", headers={"X-CSRFToken": header_token, **HX})
    assert resp.status_code == 302


def test_csrf_token_of_another_session_is_refused(csrf_on, app, world_a):
    one, two = app.test_client(), app.test_client()
    token = one.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    two.get("/login")
    resp = two.post("/login", data={"email": world_a.owner.email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 400


def test_production_requires_secrets():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        config.load({"REGULARS_ENV": "production"})
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        config.load({"REGULARS_ENV": "production", "SECRET_KEY": "x" * 40})
    with pytest.raises(ConfigError, match="REDIS_URL"):
        config.load({"REGULARS_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x"})


def test_production_cookies_are_secure():
    s = config.load({"REGULARS_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x",
                     "REDIS_URL": "redis://r:6379/0"})
    cfg = s.flask_config()
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    assert cfg["SESSION_COOKIE_HTTPONLY"] and cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert cfg["GUS_URL"].startswith("https://wyszukiwarkaregontest")  # no production key given


@pytest.mark.parametrize("env,message", [
    ({"REGULARS_ENV": "staging"}, "REGULARS_ENV"),
    ({"SIGNUP_ENABLED": "maybe"}, "SIGNUP_ENABLED"),
    ({"SESSION_HOURS": "ten"}, "SESSION_HOURS"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
])
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        config.load(env)


def test_development_defaults_to_sqlite_under_instance(tmp_path):
    s = config.load({}, instance_path=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path / 'regulars.db'}" and s.mode == "development"
