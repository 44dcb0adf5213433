"""panel.loyalty.tiers against worked examples and against the naive reading (naive_tiers.py)
on random documents, dates, settings and states."""
from __future__ import annotations

import os
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from panel.loyalty import tiers as rule

from . import naive_tiers as naive

EXAMPLES = int(os.environ.get("TIERS_EXAMPLES", "400"))
GOLD, SILVER, BRONZE = (rule.Tier("gold", 1, True, 500_000, 10), rule.Tier("silver", 2, True, 200_000, 5),
                        rule.Tier("bronze", 3, True, 50_000, 2))
LADDER = [GOLD, SILVER, BRONZE]
DEFAULT = rule.Settings()
D = date(2027, 1, 1)


def test_rolling_period_is_n_days_ending_on_d():
    assert rule.period(rule.Settings(rolling_days=365), D) == (date(2026, 1, 2), D)
    assert rule.period(rule.Settings(rolling_days=1), D) == (D, D)


def test_calendar_periods_run_to_date():
    day = date(2027, 5, 20)
    assert rule.period(rule.Settings(calendar="month"), day) == (date(2027, 5, 1), day)
    assert rule.period(rule.Settings(calendar="quarter"), day) == (date(2027, 4, 1), day)
    assert rule.period(rule.Settings(calendar="year"), day) == (date(2027, 1, 1), day)


def test_validity_in_months_clamps_to_the_months_end():
    assert rule.valid_until(rule.Settings(validity_unit="months", validity=1), date(2027, 1, 31)) == date(2027, 2, 28)
    assert rule.valid_until(rule.Settings(validity=90), D) == D + timedelta(days=90)


def test_a_return_nets_against_its_sale_and_a_fully_returned_sale_does_not_count():
    docs = [rule.Doc(1, "receipt", D, 30_000), rule.Doc(2, "return", D, 10_000, 1),
            rule.Doc(3, "receipt", D, 5_000), rule.Doc(4, "correction", D, 5_000, 3),
            rule.Doc(5, "invoice_for_receipt", D, 30_000, 1)]
    assert rule.figures(DEFAULT, docs, D) == (20_000, 1)


def test_a_return_after_d_is_not_counted_yet():
    docs = [rule.Doc(1, "receipt", D, 30_000), rule.Doc(2, "return", D + timedelta(days=1), 10_000, 1)]
    assert rule.figures(DEFAULT, docs, D) == (30_000, 1)


def test_only_the_counted_types_add():
    docs = [rule.Doc(1, "receipt", D, 100), rule.Doc(2, "invoice", D, 200)]
    assert rule.figures(rule.Settings(counted_types=("invoice",)), docs, D) == (200, 1)


def test_upgrade_needs_both_turnover_and_documents():
    state = rule.State()
    assert rule.decide(DEFAULT, LADDER, state, 600_000, 9, D).tier == "silver"
    assert rule.decide(DEFAULT, LADDER, state, 600_000, 10, D).tier == "gold"


def test_downgrade_waits_for_the_validity_then_moves_to_what_qualifies():
    gold = rule.State("gold", D + timedelta(days=10))
    kept = rule.decide(DEFAULT, LADDER, gold, 60_000, 2, D)
    assert (kept.outcome, kept.tier, kept.valid_until) == ("kept", "gold", D + timedelta(days=10))
    later = D + timedelta(days=11)
    down = rule.decide(DEFAULT, LADDER, gold, 60_000, 2, later)
    assert (down.outcome, down.tier, down.valid_until) == ("down", "bronze", later + timedelta(days=90))
    gone = rule.decide(DEFAULT, LADDER, gold, 0, 0, later)
    assert (gone.outcome, gone.tier, gone.valid_until) == ("down", None, None)


def test_requalifying_moves_the_validity_and_a_second_run_changes_nothing():
    first = rule.decide(DEFAULT, LADDER, rule.State("silver", D), 250_000, 5, D)
    assert (first.outcome, first.valid_until) == ("requalified", D + timedelta(days=90))
    again = rule.decide(DEFAULT, LADDER, rule.State("silver", first.valid_until), 250_000, 5, D)
    assert again.outcome == "unchanged"


def test_manual_wins_until_its_end_and_manual_only_tiers_are_never_given():
    vip = rule.Tier("vip", 1, False, 0, 0)
    ladder = [vip, GOLD, SILVER, BRONZE]
    assert rule.decide(DEFAULT, ladder, rule.State(), 10**9, 100, D).tier == "gold"
    manual = rule.State("bronze", D, manual=True)
    assert rule.decide(DEFAULT, ladder, manual, 10**9, 100, D).outcome == "manual"
    assert rule.decide(DEFAULT, ladder, manual, 10**9, 100, D + timedelta(days=1)).tier == "gold"


def test_staff_keep_only_a_manual_tier_unless_included():
    assert rule.decide(DEFAULT, LADDER, rule.State("gold", D + timedelta(days=5)), 10**9, 100, D, staff=True).tier is None
    assert rule.decide(DEFAULT, LADDER, rule.State("gold", D, manual=True), 0, 0, D, staff=True).tier == "gold"
    included = rule.Settings(include_staff=True)
    assert rule.decide(included, LADDER, rule.State(), 10**9, 100, D, staff=True).tier == "gold"


def test_missing_says_what_the_next_tier_needs():
    tier, short, docs = rule.missing(LADDER, "silver", 468_000, 12)
    assert (tier.key, short, docs) == ("gold", 32_000, 0)
    assert rule.missing(LADDER, "gold", 0, 0) is None
    assert rule.missing(LADDER, None, 0, 0)[0].key == "bronze"


# --- against the naive reading ------------------------------------------------------------------

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def documents(draw):
    sales = draw(st.lists(st.tuples(st.sampled_from(["receipt", "invoice", "invoice_for_receipt"]), days,
                                    st.integers(0, 200_000)), max_size=12))
    docs = [{"id": i + 1, "type": t, "on": on, "total": total, "original": None} for i, (t, on, total) in enumerate(sales)]
    for _ in range(draw(st.integers(0, 6))):
        if not docs:
            break
        original = draw(st.sampled_from(docs[:len(sales)]))
        docs.append({"id": len(docs) + 1, "type": draw(st.sampled_from(["return", "correction"])),
                     "on": draw(st.dates(min_value=original["on"], max_value=date(2027, 12, 31))),
                     "total": draw(st.integers(0, original["total"])), "original": original["id"]})
    return docs


@st.composite
def setups(draw):
    cal = draw(st.sampled_from([None, "month", "quarter", "year"]))
    unit = draw(st.sampled_from(["days", "months"]))
    s = rule.Settings(counted_types=tuple(draw(st.sampled_from([("receipt",), ("invoice",), ("receipt", "invoice")]))),
                      rolling_days=draw(st.integers(1, 400)), calendar=cal, validity_unit=unit,
                      validity=draw(st.integers(0, 14 if unit == "months" else 400)),
                      include_staff=draw(st.booleans()))
    n = draw(st.integers(0, 4))
    ladder = [rule.Tier(f"t{i}", i + 1, draw(st.booleans()), draw(st.integers(0, 400_000)), draw(st.integers(0, 5)))
              for i in range(n)]
    return s, ladder


@settings(max_examples=EXAMPLES, deadline=None)
@given(documents(), setups(), days, st.one_of(st.none(), st.integers(0, 4)),
       st.one_of(st.none(), days), st.booleans(), st.booleans())
def test_the_rule_matches_the_naive_reading(docs, setup, day, cur_index, until, manual, staff):
    s, ladder = setup
    cur = f"t{cur_index}" if cur_index is not None else None
    manual = manual and cur is not None
    turnover, count = rule.figures(s, [rule.Doc(d["id"], d["type"], d["on"], d["total"], d["original"]) for d in docs], day)
    assert (turnover, count) == naive.figures(docs, day, set(s.counted_types), s.rolling_days, s.calendar)
    decision = rule.decide(s, ladder, rule.State(cur, until, manual), turnover, count, day, staff=staff)
    tiers = [{"key": t.key, "automatic": t.automatic, "threshold": t.threshold, "min_documents": t.min_documents}
             for t in ladder]
    tier, valid, changed = naive.judge(tiers, cur, until, manual, staff, s.include_staff, turnover, count, day,
                                       s.validity_unit, s.validity)
    assert (decision.tier, decision.valid_until) == (tier, valid)
    assert (decision.outcome in ("up", "down")) == changed
