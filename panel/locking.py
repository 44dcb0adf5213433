"""Row locks for rules that read, decide, then write.

"At least one owner" or "a record is merged only once" is checked by reading rows first. Two
requests doing that at once both read the old state, both decide yes, and together break the
rule (two owners demoting each other leave none). Such a rule takes its lock here, then reads.

PostgreSQL: SELECT ... FOR UPDATE on the rows the rule is about. A second transaction waits at
the lock and, under READ COMMITTED, its statements after it see what the first one committed.

SQLite has no row locks, only one write lock for the whole database. pysqlite opens a
transaction at the first INSERT/UPDATE/DELETE, so reads before it hold nothing: a check could
read, another writer commit, and ours write anyway. So the transaction is opened here with
BEGIN IMMEDIATE, which takes the write lock (waiting up to busy_timeout) before the rule reads;
when an earlier write opened the transaction the lock is held already. Writers then run one
after another and each reads the state the previous one committed.
"""
from __future__ import annotations

from sqlalchemy import Select

from .extensions import db


def lock(stmt: Select, *, key_share: bool = False) -> list:
    """Run `stmt` holding its rows (on SQLite: the database's writes) until the transaction ends.

    `key_share` takes PostgreSQL's weaker FOR NO KEY UPDATE, which does not block rows of other
    tables that reference the locked ones from being inserted (their foreign key checks).
    Returns the first column's values, read to the end: objects loaded before the lock are
    refreshed only as their rows are read, with what is true now.
    """
    stmt = stmt.execution_options(populate_existing=True)
    if not open_write_transaction():
        stmt = stmt.with_for_update(key_share=key_share)
    return db.session.scalars(stmt).all()


def open_write_transaction() -> bool:
    """On SQLite, open the transaction now, with the write lock; True there, False elsewhere.

    Also needed before a SAVEPOINT on SQLite: outside a transaction, SAVEPOINT begins one and
    its RELEASE commits it, halfway through the request.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        return False
    if not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    return True
