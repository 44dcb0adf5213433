"""The tier evaluation's SQL: panel/loyalty/tiers.py's rule for a whole tenant in set-based
statements (ARCHITECTURE 3: raw SQL lives in named functions that take `tenant_id` explicitly).

One pass over the tenant's documents: a sale and the returns and corrections that name it fall
into one group (the sale's id), whose sum is the sale's net at D; the nets then sum per
customer. Each customer with figures or a tier is judged once, by CASE expressions that follow
the rule's branches in its order. A real run keeps the judgements in a temporary table (dropped
with the transaction) from which the history and the customers' tiers are written with one
INSERT ... SELECT each; a dry run reads them instead. Works on PostgreSQL and SQLite.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, bindparam, text

from ...extensions import db
from ...loyalty import tiers as rule

NO_RANK = 1_000_000


@dataclass(frozen=True)
class TierSpec:
    """A tier as the SQL sees it; `id` None for an unsaved tier of a dry run."""

    id: int | None
    rank: int
    automatic: bool
    threshold: int
    min_documents: int
    name: str


def _tier_list(tiers: list[TierSpec]) -> tuple[str, dict]:
    """The tiers as an inline table (no tiers: an empty one), and its parameters."""
    if not tiers:
        return ("SELECT CAST(NULL AS INTEGER) AS id, CAST(NULL AS INTEGER) AS rank, 0 AS automatic, "
                "CAST(NULL AS BIGINT) AS threshold, CAST(NULL AS INTEGER) AS min_documents, "
                "CAST(NULL AS VARCHAR(60)) AS name WHERE 1 = 0"), {}
    parts, params = [], {}
    for i, t in enumerate(tiers):
        parts.append(f"SELECT CAST(:tier_id_{i} AS INTEGER) AS id, CAST(:tier_rank_{i} AS INTEGER) AS rank, "
                     f"CAST(:tier_auto_{i} AS INTEGER) AS automatic, CAST(:tier_threshold_{i} AS BIGINT) AS threshold, "
                     f"CAST(:tier_docs_{i} AS INTEGER) AS min_documents, CAST(:tier_name_{i} AS VARCHAR(60)) AS name")
        params |= {f"tier_id_{i}": t.id, f"tier_rank_{i}": t.rank, f"tier_auto_{i}": int(t.automatic),
                   f"tier_threshold_{i}": t.threshold, f"tier_docs_{i}": t.min_documents, f"tier_name_{i}": t.name}
    return " UNION ALL ".join(parts), params


def _qualified(tiers: list[TierSpec]) -> str:
    """The rank of the highest automatic tier whose threshold and minimum documents are met, as
    one CASE over the (few) tiers, highest first: no subquery per customer."""
    met = [f"WHEN p.turnover >= :tier_threshold_{i} AND p.documents >= :tier_docs_{i} THEN {int(t.rank)}"
           for i, t in sorted(enumerate(tiers), key=lambda it: it[1].rank) if t.automatic]
    return f"(CASE {' '.join(met)} END)" if met else "CAST(NULL AS INTEGER)"


def _types(settings: rule.Settings) -> str:
    # Literals, not parameters: each is checked against the rule's fixed list first.
    types = [t for t in rule.SALE_TYPES if t in settings.counted_types]
    return ", ".join(f"'{t}'" for t in types) or "NULL"


def _decisions_sql(tenant_id: int, settings: rule.Settings, tiers: list[TierSpec], day: date,
                   customer_id: int | None) -> tuple[str, dict]:
    """The judgement of every customer with figures or a tier (or of one customer) at `day`."""
    start, _end = rule.period(settings, day)
    tier_list, params = _tier_list(tiers)
    until = _date_param("until")
    qualified = _qualified(tiers)
    sale_types = _types(settings)
    one_doc = one_return = one_state = one_customer = one_customer_c = ""
    if customer_id is not None:
        one_doc = "AND d.customer_id = :customer_id"
        one_return = ("AND r.original_id IN (SELECT o.id FROM documents o "
                      "WHERE o.tenant_id = :tenant_id AND o.customer_id = :customer_id)")
        one_state = "AND customer_id = :customer_id"
        one_customer = "AND id = :customer_id"
        one_customer_c = "AND c.id = :customer_id"
    if any(t.automatic and t.threshold <= 0 and t.min_documents <= 0 for t in tiers):
        # A tier that asks for nothing is reached with no documents at all: every customer is judged.
        judged_ids = f"""(SELECT c.id AS customer_id, f.turnover, f.documents, h.tier_id, h.valid_until, h.manual
            FROM customers c LEFT JOIN figures f ON f.customer_id = c.id LEFT JOIN holders h ON h.customer_id = c.id
            WHERE c.tenant_id = :tenant_id {one_customer_c})"""
    else:
        # Those with documents in the period or a tier: nobody else can change.
        judged_ids = """(SELECT COALESCE(f.customer_id, h.customer_id) AS customer_id, f.turnover, f.documents,
                   h.tier_id, h.valid_until, h.manual
            FROM figures f FULL JOIN holders h ON h.customer_id = f.customer_id)"""
    sql = f"""
WITH tier_list AS ({tier_list}),
sales AS (
    SELECT d.id, d.customer_id, d.total FROM documents d
    WHERE d.tenant_id = :tenant_id AND d.type IN ({sale_types}) AND d.customer_id IS NOT NULL
      AND d.issued_on >= :start AND d.issued_on <= :day {one_doc}
),
given_back AS (
    SELECT r.original_id AS sale_id, SUM(r.total) AS amount FROM documents r
    WHERE r.tenant_id = :tenant_id AND r.original_id IS NOT NULL AND r.type IN ('return', 'correction')
      AND r.issued_on <= :day {one_return}
    GROUP BY r.original_id
),
nets AS (
    SELECT s.customer_id, s.total - COALESCE(b.amount, 0) AS net
    FROM sales s LEFT JOIN given_back b ON b.sale_id = s.id
),
figures AS (
    SELECT customer_id, SUM(net) AS turnover, SUM(CASE WHEN net > 0 THEN 1 ELSE 0 END) AS documents
    FROM nets GROUP BY customer_id
),
holders AS (
    SELECT customer_id, tier_id, valid_until, manual FROM customer_tiers
    WHERE tenant_id = :tenant_id AND tier_id IS NOT NULL {one_state}
),
special AS (
    SELECT id, is_staff, erased_at FROM customers
    WHERE tenant_id = :tenant_id AND (is_staff OR erased_at IS NOT NULL) {one_customer}
),
people AS (
    SELECT ids.customer_id, CASE WHEN sp.is_staff THEN 1 ELSE 0 END AS staff,
           COALESCE(ids.turnover, 0) AS turnover, COALESCE(ids.documents, 0) AS documents,
           ids.tier_id AS cur_id, cur.rank AS cur_rank, cur.name AS cur_name,
           cur.threshold AS cur_threshold, cur.min_documents AS cur_min_documents,
           ids.valid_until AS valid_until, CASE WHEN ids.manual THEN 1 ELSE 0 END AS manual
    FROM {judged_ids} ids
    LEFT JOIN special sp ON sp.id = ids.customer_id
    LEFT JOIN tier_list cur ON cur.id = ids.tier_id
    WHERE sp.erased_at IS NULL
),
judged AS (
    SELECT p.*,
           CASE WHEN p.staff = 1 AND :include_staff = 0 THEN 1 ELSE 0 END AS skipped,
           CASE WHEN p.staff = 1 AND :include_staff = 0 THEN NULL ELSE {qualified} END AS q,
           CASE WHEN p.manual = 1 AND (p.valid_until IS NULL OR p.valid_until >= :day) THEN 1 ELSE 0 END
               AS manual_active
    FROM people p
),
outcomes AS (
    SELECT j.*, CASE
        WHEN j.manual_active = 1 THEN 'manual'
        WHEN j.q IS NOT NULL AND (j.cur_rank IS NULL OR j.q < j.cur_rank) THEN 'up'
        WHEN j.q = j.cur_rank THEN
            CASE WHEN j.valid_until = :until AND j.manual = 0 THEN 'unchanged' ELSE 'requalified' END
        WHEN j.cur_rank IS NULL THEN 'unchanged'
        WHEN j.skipped = 0 AND j.valid_until IS NOT NULL AND j.valid_until >= :day THEN 'kept'
        ELSE 'down' END AS outcome
    FROM judged j
)
SELECT o.customer_id, o.staff, o.skipped, o.turnover, o.documents, o.outcome,
       o.cur_id, o.cur_rank, o.cur_name, o.cur_threshold, o.cur_min_documents, o.valid_until, o.manual,
       n.id AS new_id, n.rank AS new_rank, n.name AS new_name, n.threshold AS new_threshold,
       n.min_documents AS new_min_documents,
       CASE WHEN o.outcome IN ('up', 'requalified') THEN {until}
            WHEN o.outcome = 'down' AND o.q IS NOT NULL THEN {until}
            WHEN o.outcome = 'down' THEN NULL
            ELSE o.valid_until END AS new_valid_until
FROM outcomes o
LEFT JOIN tier_list n ON n.rank = CASE WHEN o.outcome IN ('up', 'requalified', 'down') THEN o.q ELSE o.cur_rank END
"""
    params |= {"tenant_id": tenant_id, "day": day, "start": start, "until": rule.valid_until(settings, day),
               "include_staff": int(settings.include_staff)}
    if customer_id is not None:
        params["customer_id"] = customer_id
    return sql, params


def _date_param(name: str) -> str:
    """A date parameter where its type must be said: PostgreSQL needs the cast, SQLite (whose
    CAST AS DATE would make '2027-01-01' the number 2027) keeps its ISO text."""
    return f"CAST(:{name} AS DATE)" if db.session.get_bind().dialect.name == "postgresql" else f":{name}"


def _bind(sql: str, params: dict):
    """A text statement with its dates and moments bound as such (not left to the driver)."""
    stmt = text(sql)
    binds = [bindparam(k, type_=Date) for k in ("day", "start", "until", "on_day", "period_start") if f":{k}" in sql]
    binds += [bindparam("now", type_=DateTime(timezone=True))] if ":now" in sql else []
    stmt = stmt.bindparams(*binds) if binds else stmt
    return stmt, params


DECISION_COLUMNS = dict(customer_id=Integer, outcome=String, cur_id=Integer, cur_rank=Integer, cur_name=String,
                        valid_until=Date, new_id=Integer, new_rank=Integer, new_name=String,
                        new_valid_until=Date)


def decisions(tenant_id: int, settings: rule.Settings, tiers: list[TierSpec], day: date, *,
              customer_id: int | None = None) -> list:
    """The judgements as rows (one customer's real-time upgrade; the tests)."""
    sql, params = _decisions_sql(tenant_id, settings, tiers, day, customer_id)
    stmt, params = _bind(sql, params)
    return db.session.execute(stmt.columns(**DECISION_COLUMNS), params).all()


# Memory for the evaluation's hash joins and aggregates (one row per customer), for its own
# transaction only: at the server's default (4 MB) 100,000 customers spill to disk.
WORK_MEM = "64MB"


def materialise(tenant_id: int, settings: rule.Settings, tiers: list[TierSpec], day: date) -> None:
    """Keep the judgements in the temporary table tier_decisions until the transaction ends."""
    sql, params = _decisions_sql(tenant_id, settings, tiers, day, None)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    db.session.execute(text("DROP TABLE IF EXISTS tier_decisions"))
    stmt, params = _bind(f"CREATE TEMPORARY TABLE tier_decisions {'ON COMMIT DROP ' if postgres else ''}AS {sql}",
                         params)
    db.session.execute(stmt, params)


def drop_materialised() -> None:
    db.session.execute(text("DROP TABLE IF EXISTS tier_decisions"))


def materialised_changes() -> list:
    """The judgements that change a tier (up, down), by customer: a dry run's list."""
    stmt = text("SELECT * FROM tier_decisions WHERE outcome IN ('up', 'down') ORDER BY customer_id")
    return db.session.execute(stmt.columns(**DECISION_COLUMNS)).all()


def materialised_counts() -> dict[str, int]:
    return {o: n for o, n in db.session.execute(text("SELECT outcome, COUNT(*) FROM tier_decisions GROUP BY outcome"))}


def write_history(tenant_id: int, settings: rule.Settings, day: date, cause: str, now: datetime,
                  job_run_id: int | None = None, user_id: int | None = None) -> int:
    """One history row per customer whose tier the judgements change; how many."""
    start, _end = rule.period(settings, day)
    stmt, params = _bind("""
INSERT INTO tier_changes (tenant_id, customer_id, on_day, cause, old_tier_id, old_tier_name, old_rank,
                          new_tier_id, new_tier_name, new_rank, valid_until, turnover, documents,
                          threshold, min_documents, period_start, period_end, reason, job_run_id,
                          user_id, created_at)
SELECT :tenant_id, d.customer_id, :day, :cause, d.cur_id, COALESCE(d.cur_name, ''), d.cur_rank,
       d.new_id, COALESCE(d.new_name, ''), d.new_rank, d.new_valid_until, d.turnover, d.documents,
       CASE WHEN d.new_id IS NULL THEN d.cur_threshold ELSE d.new_threshold END,
       CASE WHEN d.new_id IS NULL THEN d.cur_min_documents ELSE d.new_min_documents END,
       :period_start, :day,
       CASE WHEN d.skipped = 1 THEN 'staff'
            WHEN d.outcome = 'up' THEN 'qualified'
            WHEN d.manual = 1 THEN 'manual_ended'
            WHEN d.valid_until IS NULL THEN 'no_validity'
            ELSE 'validity_ended' END,
       CAST(:job_run_id AS INTEGER), CAST(:user_id AS INTEGER), :now
FROM tier_decisions d WHERE d.outcome IN ('up', 'down') ORDER BY d.customer_id
""", {"tenant_id": tenant_id, "day": day, "cause": cause, "period_start": start, "job_run_id": job_run_id,
      "user_id": user_id, "now": now})
    return db.session.execute(stmt, params).rowcount


def write_states(tenant_id: int, now: datetime) -> int:
    """Set the tiers the judgements change (up, down, re-qualified); how many rows."""
    stmt, params = _bind("""
INSERT INTO customer_tiers (tenant_id, customer_id, tier_id, valid_until, manual, reason, changed_at)
SELECT :tenant_id, d.customer_id, d.new_id, d.new_valid_until, false, '', :now
FROM tier_decisions d WHERE d.outcome IN ('up', 'down', 'requalified')
ON CONFLICT (tenant_id, customer_id) DO UPDATE
SET tier_id = excluded.tier_id, valid_until = excluded.valid_until, manual = excluded.manual,
    reason = excluded.reason, changed_at = excluded.changed_at
""", {"tenant_id": tenant_id, "now": now})
    return db.session.execute(stmt, params).rowcount


def record_removal(tenant_id: int, tier_ids: list[int], on_day: date) -> int:
    """History rows (cause "settings") for the customers of tiers about to be removed."""
    if not tier_ids:
        return 0
    stmt = text("""
INSERT INTO tier_changes (tenant_id, customer_id, on_day, cause, old_tier_id, old_tier_name, old_rank,
                          new_tier_id, new_tier_name, new_rank, valid_until, threshold, min_documents,
                          reason, created_at)
SELECT ct.tenant_id, ct.customer_id, :on_day, 'settings', t.id, t.name, t.rank, NULL, '', NULL, NULL,
       t.threshold, t.min_documents, 'tier_removed', CURRENT_TIMESTAMP
FROM customer_tiers ct JOIN tiers t ON t.tenant_id = ct.tenant_id AND t.id = ct.tier_id
WHERE ct.tenant_id = :tenant_id AND ct.tier_id IN :tier_ids
""").bindparams(bindparam("tier_ids", expanding=True), bindparam("on_day", type_=Date))
    return db.session.execute(stmt, {"tenant_id": tenant_id, "tier_ids": tier_ids, "on_day": on_day}).rowcount


def customer_figures(tenant_id: int, settings: rule.Settings, day: date, customer_id: int) -> tuple[int, int]:
    """(turnover, documents) of one customer at `day`: the Loyalty tab's and the terminal's figures."""
    sql, params = _decisions_sql(tenant_id, settings, [], day, customer_id)
    stmt, params = _bind(f"SELECT turnover, documents FROM ({sql}) one WHERE customer_id = :customer_id", params)
    row = db.session.execute(stmt, params).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def tier_counts_by_day(tenant_id: int, days: list[date]) -> dict[date, dict[int, int]]:
    """For each day, tier id -> customers holding it at the day's end, rebuilt from the history:
    the dashboard's distribution over time."""
    out: dict[date, dict[int, int]] = {}
    stmt = text("""
SELECT x.new_tier_id, COUNT(*) FROM (
    SELECT h.customer_id, h.new_tier_id,
           ROW_NUMBER() OVER (PARTITION BY h.customer_id ORDER BY h.on_day DESC, h.id DESC) AS latest
    FROM tier_changes h WHERE h.tenant_id = :tenant_id AND h.on_day <= :day
) x WHERE x.latest = 1 AND x.new_tier_id IS NOT NULL GROUP BY x.new_tier_id
""").bindparams(bindparam("day", type_=Date))
    for day in days:
        out[day] = {tier_id: n for tier_id, n in db.session.execute(stmt, {"tenant_id": tenant_id, "day": day})}
    return out
