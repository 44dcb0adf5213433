"""Password recovery by e-mail.

The link carries a signed token (no table): the user's id, an expiry (signed time + 1 hour)
and a digest of the password hash it replaces. Setting any new password changes that hash, so
the link works once by construction, and so does every other link sent before it; a
password changed on the account page kills the links too. Nothing is stored that a database
dump could replay. The digest is keyed with the app's secret, so the link reveals nothing
about the hash.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .. import mail
from ..extensions import db
from ..models import User
from . import accounts, throttle

LINK_SECONDS = 3600
MAILS_PER_ACCOUNT = 3     # per hour: a mailbox is not flooded by strangers
REQUESTS_PER_ADDRESS = 10  # per hour


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="regulars-password-reset")


def _binding(user: User) -> str:
    key = current_app.secret_key.encode()
    return hmac.new(key, b"reset:" + user.password_hash.encode(), hashlib.sha256).hexdigest()[:24]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _binding(user)})


def user_for_token(token: str) -> User | None:
    """The active user a link was sent to, while it is unused and less than an hour old."""
    try:
        data = _serializer().loads(token or "", max_age=LINK_SECONDS)
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("p"), str):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active_user or not hmac.compare_digest(data["p"], _binding(user)):
        return None
    return user


def request_reset(email: str, address: str, locale: str) -> bool:
    """Mail a reset link if the e-mail has an account; False only when the address asks too often.

    The answer does not depend on whether the account exists, nor on its own mail budget.
    """
    if not throttle.reserve("reset:addr", throttle.network(address or "-"), REQUESTS_PER_ADDRESS, 3600):
        return False
    user = accounts.find_user(email)
    if user is None or not user.is_active_user:
        return True
    if throttle.reserve("reset:acct", user.email, MAILS_PER_ACCOUNT, 3600):
        mail.send(user.email, "password_reset", user.locale or locale, name=user.display_name,
                  url=mail.external_url("auth.reset_password", token=make_token(user)),
                  minutes=LINK_SECONDS // 60)
    return True


def reset_password(user: User, new: str) -> None:
    """Set the new password (same strength rules as everywhere); the old sessions and links die."""
    accounts.check_password_strength(new, user.email)
    accounts.set_password(user, new)
    throttle.forget_account(user.email)  # whoever was guessing, the owner proved the mailbox
