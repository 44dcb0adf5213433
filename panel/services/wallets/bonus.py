"""Top-up bonus rules: "pay 100, get 110". The choice is a pure function; the rules' upkeep
(the settings page) flushes like every service."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import WalletBonusRule
from ...money import percent_of
from .. import ServiceError, audit, conflicts


@dataclass(frozen=True)
class Rule:
    min_amount: int
    bonus_amount: int | None = None
    bonus_percent: Decimal | None = None

    def bonus(self, top_up: int) -> int:
        if self.bonus_amount is not None:
            return self.bonus_amount
        return percent_of(top_up, self.bonus_percent)


def bonus_for(top_up: int, rules: Iterable[Rule]) -> int:
    """The bonus a top-up of `top_up` earns: of the rules it reaches (min_amount <= top_up),
    the one giving the most; 0 when it reaches none. A percent rounds half up, once."""
    return max((r.bonus(top_up) for r in rules if r.min_amount <= top_up), default=0)


def rules() -> list[WalletBonusRule]:
    return list(db.session.scalars(select(WalletBonusRule).order_by(WalletBonusRule.min_amount)))


def current_rules() -> list[Rule]:
    return [Rule(r.min_amount, r.bonus_amount, r.bonus_percent) for r in rules()]


def add_rule(min_amount: int, bonus_amount: int | None, bonus_percent: Decimal | None) -> WalletBonusRule:
    if min_amount <= 0:
        raise ServiceError(_("Enter an amount greater than zero."), field="min_amount")
    if (bonus_amount is None) == (bonus_percent is None):
        raise ServiceError(_("Give the bonus as an amount or as a percent, one of the two."), field="bonus")
    if bonus_amount is not None and bonus_amount <= 0:
        raise ServiceError(_("Enter an amount greater than zero."), field="bonus")
    if bonus_percent is not None and not 0 < bonus_percent <= 100:
        raise ServiceError(_("Enter a percent greater than 0 and at most 100."), field="bonus")
    if db.session.scalar(select(WalletBonusRule.id).where(WalletBonusRule.min_amount == min_amount)):
        raise _rule_taken()
    rule = WalletBonusRule(min_amount=min_amount, bonus_amount=bonus_amount, bonus_percent=bonus_percent)
    db.session.add(rule)
    db.session.flush()
    audit.record("wallet.bonus_rule_added", "wallet_bonus_rule", rule.id,
                 summary=f"{min_amount} -> {bonus_amount if bonus_amount is not None else f'{bonus_percent} %'}")
    return rule


def remove_rule(rule: WalletBonusRule) -> None:
    audit.record("wallet.bonus_rule_removed", "wallet_bonus_rule", rule.id, summary=f"{rule.min_amount}")
    db.session.delete(rule)
    db.session.flush()


def _rule_taken() -> ServiceError:
    return ServiceError(_("A rule for this top-up amount exists already."), field="min_amount")


conflicts.register("uq_wallet_bonus_rules_tenant_id_min_amount", _rule_taken)
