"""Prepaid wallets: every rule about wallet money. The names below are the service's interface.

movements.py holds the one guarded way money moves (and why it is safe under concurrency, on
PostgreSQL and SQLite); operations.py what people and tills do with it; bonus.py the top-up
bonus rules; ledger.py reading a wallet's entries; reconcile.py the invariant's check;
customer_life.py what a merge and an erasure do to a wallet.
"""
from . import customer_life  # noqa: F401  (registers the merge move and the erase step)
from .bonus import Rule, add_rule, bonus_for, remove_rule, rules
from .ledger import Page, entries_page, total_held
from .movements import Moved, ensure_wallet, wallet_of
from .operations import REVERSIBLE, adjust, pay, refund, reverse, top_up
from .reconcile import Break, breaks, reconcile_tenant

__all__ = ["Break", "Moved", "Page", "REVERSIBLE", "Rule", "add_rule", "adjust", "bonus_for", "breaks",
           "ensure_wallet", "entries_page", "pay", "reconcile_tenant", "refund", "remove_rule", "reverse", "rules",
           "top_up", "total_held", "wallet_of"]
