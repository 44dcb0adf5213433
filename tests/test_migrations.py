"""Migrations: one head, the models match them, and they go down and up again."""
import re
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.schema import CreateIndex

from panel import MIGRATIONS, create_app
from panel.extensions import db

from .conftest import BACKEND, PG_ADMIN_URL, TEST_OVERRIDES, make_test_env


def test_single_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(MIGRATIONS))
        assert len(script.get_heads()) == 1


# Reflection leaves out an index column's collation, so the compare would see these as
# changed on every run; test_indexes_alembic_cannot_compare_match_the_models compares them instead.
COLLATED_INDEXES = [ix for table in db.metadata.tables.values() for ix in table.indexes
                    if any(" COLLATE " in str(e) for e in ix.expressions)]


def _skip_collated(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in {ix.name for ix in COLLATED_INDEXES})


@pytest.mark.pg_only  # the trigram index exists on PostgreSQL only, by design
def test_models_match_migrations(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _skip_collated})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


# Alembic's compare sees neither an index column's collation nor INCLUDE columns.
UNCOMPARED_INDEXES = [ix for table in db.metadata.tables.values() for ix in table.indexes
                      if ix in COLLATED_INDEXES or ix.dialect_options["postgresql"]["include"]]


@pytest.mark.pg_only
def test_indexes_alembic_cannot_compare_match_the_models(app):
    def plain(ddl: str) -> str:
        # PostgreSQL names the schema and the method, and drops the parentheses around a column.
        return " ".join(re.sub(r"\bpublic\.|USING btree|[()]", "", ddl).split())

    assert COLLATED_INDEXES and len(UNCOMPARED_INDEXES) > len(COLLATED_INDEXES)
    with app.app_context(), db.engine.connect() as conn:
        for index in UNCOMPARED_INDEXES:
            actual = conn.scalar(text("SELECT pg_get_indexdef(to_regclass(:name))"), {"name": index.name})
            assert actual is not None, f"{index.name} is missing"
            assert plain(actual) == plain(str(CreateIndex(index).compile(dialect=conn.dialect)))


@pytest.mark.pg_only
def test_downgrade_to_base_and_up_again():
    assert BACKEND != "sqlite"
    name = f"regulars_test_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        app = create_app(dict(TEST_OVERRIDES), env=make_test_env(url))
        with app.app_context():
            upgrade(revision="head")
            downgrade(revision="base")
            upgrade(revision="head")
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
