"""Test harness: a database of its own per run (PostgreSQL, or SQLite with TEST_DATABASE=sqlite),
migrated with Alembic once; real Redis on a database number of its own, flushed per test.

Tests commit for real and every table is emptied after each test, rather than rolling back a
wrapping transaction: jobs run by real RQ workers and pages served to the browser tests must
see what the test wrote, which no uncommitted transaction allows.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from redis import Redis
from sqlalchemy import event

from panel import create_app
from panel.blueprints.api import limits as api_limits
from panel.extensions import db
from panel.redis_conn import forget_availability
from panel.tenancy import tenant_scope

from .factories import World, make_world

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
BACKEND = os.environ.get("TEST_DATABASE", "postgresql")


def pytest_collection_modifyitems(config, items):
    if BACKEND != "sqlite":
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only: runs in the PostgreSQL pass of `make test`")
    for item in items:
        if "pg_only" in item.keywords or "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url():
    """A database created for this run and dropped after it; never one we did not create."""
    if BACKEND == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="regulars-test-"), "test.db")
        yield f"sqlite:///{path}"
        return
    name = f"regulars_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_test_env(database_url: str) -> dict:
    return {"REGULARS_ENV": "testing", "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-1234"}


TEST_OVERRIDES = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # production uses scrypt; tests need speed
    "SERVER_NAME": None,
}


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    app = create_app(dict(TEST_OVERRIDES), env=make_test_env(database_url))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_conn():
    conn = Redis.from_url(REDIS_URL)
    conn.ping()
    return conn


@pytest.fixture(autouse=True)
def _clean(request, redis_conn):
    """Empty every table and the test Redis database after each test."""
    redis_conn.flushdb()
    forget_availability()
    api_limits._reserved.clear()  # slots taken from the Redis just flushed
    yield
    if "app" not in request.fixturenames:
        redis_conn.flushdb()
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite checks a RESTRICT key row by row, so a ledger whose rows name rows of their
                # own table (a return's line, a reversal) could not be emptied in one statement;
                # PostgreSQL checks at the statement's end. The clean-up needs no checks at all.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # outside a transaction
            with conn.begin():
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
    redis_conn.flushdb()


@pytest.fixture
def ctx(app):
    """An app context for the test body (services, queries)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def world_a(app) -> World:
    with app.app_context():
        return make_world("Bistro Alfa", country="PL")


@pytest.fixture
def world_b(app) -> World:
    with app.app_context():
        return make_world("Hospoda Beta", country="CZ")


@contextmanager
def as_tenant(world: World):
    with tenant_scope(world.tenant_id):
        yield


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, user_id: int, fingerprint: str, tenant_id: int):
    """Sign a test client in without the form (the form has its own tests)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user_id}-{fingerprint}"
        sess["_fresh"] = True
        sess["tenant_id"] = tenant_id
    return client


@pytest.fixture
def owner_a(app, world_a):
    c = app.test_client()
    return login(c, world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)


@pytest.fixture
def manager_a(app, world_a):
    c = app.test_client()
    return login(c, world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)


@pytest.fixture
def staff_a(app, world_a):
    c = app.test_client()
    return login(c, world_a.staff.id, world_a.staff.fingerprint, world_a.tenant_id)


@pytest.fixture
def owner_b(app, world_b):
    c = app.test_client()
    return login(c, world_b.owner.id, world_b.owner.fingerprint, world_b.tenant_id)


HX = {"HX-Request": "true"}


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside the `with` block: `with count_queries() as n: ...; n()`.

    `count_queries("FROM customers")` counts only the statements holding that text.
    """

    @contextmanager
    def counter(holding: str = ""):
        seen = []

        def _before(conn, cursor, statement, params, context, executemany):
            if holding in statement:
                seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", _before)
        try:
            yield lambda: len(seen)
        finally:
            event.remove(engine, "before_cursor_execute", _before)

    return counter
