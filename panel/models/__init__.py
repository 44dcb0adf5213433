"""The models, one module per aggregate; this package only re-exports them."""
from .audit import AuditEntry
from .cards import CARD_STATUSES, Card
from .catalog import Category, Product
from .customers import Customer
from .discounts import Discount, DiscountTarget, DiscountWindow
from .documents import DOCUMENT_TYPES, PAYMENT_METHODS, Document, DocumentLine, DocumentPayment
from .groups import CustomerGroup, GroupDiscount, GroupPriceList
from .idempotency import IdempotencyKey
from .jobs import JobRun
from .loyalty import TIER_CAUSES, CustomerTier, LoyaltySettings, Tier, TierChange, TierDiscount, TierPriceList
from .points import POINTS_KINDS, PointsEntry
from .price_lists import PriceList, PriceListEntry
from .tenants import COUNTRIES, CURRENCIES, HOME_CURRENCIES, LOCALES, SORT_COLLATIONS, TIMEZONES, Tenant
from .tokens import ApiToken
from .users import ROLES, Invite, Membership, User, role_at_least
from .wallets import ENTRY_KINDS, TOP_UP_METHODS, Wallet, WalletBonusRule, WalletEntry

__all__ = [
    "ApiToken", "AuditEntry", "CARD_STATUSES", "COUNTRIES", "CURRENCIES", "Card", "Category", "Customer",
    "CustomerGroup", "DOCUMENT_TYPES", "Discount", "DiscountTarget", "DiscountWindow", "Document", "DocumentLine",
    "DocumentPayment", "GroupDiscount", "GroupPriceList",
    "HOME_CURRENCIES", "IdempotencyKey", "Invite", "JobRun", "LOCALES", "LoyaltySettings", "CustomerTier",
    "TIER_CAUSES", "Tier", "TierChange", "TierDiscount", "TierPriceList", "Membership", "PAYMENT_METHODS", "POINTS_KINDS", "PointsEntry", "PriceList", "PriceListEntry",
    "Product", "ROLES", "SORT_COLLATIONS", "TIMEZONES", "Tenant", "User", "role_at_least",
    "ENTRY_KINDS", "TOP_UP_METHODS", "Wallet", "WalletBonusRule", "WalletEntry",
]
