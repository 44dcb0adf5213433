"""Settings from environment variables only, parsed and validated at start.

`REGULARS_ENV` picks the mode: `development` (the embedded quick start: SQLite under
instance/, a fixed development secret), `production` (every secret must be given) or
`testing`. A bad value stops the app at start with a message naming the variable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qs, urlsplit

MODES = ("development", "production", "testing")
DEV_SECRET = "regulars-development-only-secret"
GUS_TEST_KEY = "abcde12345abcde12345"
GUS_TEST_URL = "https://wyszukiwarkaregontest.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
GUS_PROD_URL = "https://wyszukiwarkaregon.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
ARES_URL = "https://ares.gov.cz/ekonomicke-subjekty-v-be/rest"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    mode: str
    secret_key: str
    database_url: str
    redis_url: str | None
    gus_api_key: str
    gus_url: str
    ares_url: str
    signup_enabled: bool
    session_hours: int
    login_attempts_per_account: int
    login_attempts_per_address: int
    login_address_max_delay: int
    api_rate_limit_per_token: int
    api_rate_limit_per_address: int
    trust_proxy: int
    retention_days: int = 30
    smtp_url: str | None = None
    mail_from: str = "Regulars <no-reply@localhost>"
    public_url: str | None = None
    mail_outbox: str | None = None

    @property
    def production(self) -> bool:
        return self.mode == "production"

    def flask_config(self) -> dict:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "REDIS_URL": self.redis_url,
            "GUS_API_KEY": self.gus_api_key,
            "GUS_URL": self.gus_url,
            "ARES_URL": self.ares_url,
            "SIGNUP_ENABLED": self.signup_enabled,
            "PERMANENT_SESSION_LIFETIME": self.session_hours * 3600,
            "SESSION_REFRESH_EACH_REQUEST": False,  # auth_setup slides it every few minutes
            "SESSION_COOKIE_SECURE": self.production,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
            "LOGIN_ATTEMPTS_PER_ACCOUNT": self.login_attempts_per_account,
            "LOGIN_ATTEMPTS_PER_ADDRESS": self.login_attempts_per_address,
            "LOGIN_ADDRESS_MAX_DELAY": self.login_address_max_delay,
            "SMTP_URL": self.smtp_url,
            "MAIL_FROM": self.mail_from,
            "PUBLIC_URL": self.public_url,
            "MAIL_OUTBOX": self.mail_outbox,
            "API_RATE_LIMIT_PER_TOKEN": self.api_rate_limit_per_token,
            "API_RATE_LIMIT_PER_ADDRESS": self.api_rate_limit_per_address,
            "TRUST_PROXY": self.trust_proxy,
            "RETENTION_DAYS": self.retention_days,
            # Without Redis a thread of the web process fires the scheduled jobs; tests fire them.
            "SCHEDULE_IN_WEB": self.mode != "testing",
            "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
            "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
            "REGULARS_ENV": self.mode,
        }


def _normalise_db_url(url: str) -> str:
    # Heroku-style postgres:// URLs and bare postgresql:// go to psycopg 3, the one driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(env: Mapping[str, str] | None = None, instance_path: str | Path = "instance") -> Settings:
    """Read and validate the settings; raises ConfigError with the variable's name."""
    env = os.environ if env is None else env
    mode = env.get("REGULARS_ENV", "development").strip().lower()
    if mode not in MODES:
        raise ConfigError(f"REGULARS_ENV must be one of {', '.join(MODES)}, not {mode!r}")
    production = mode == "production"

    secret = env.get("SECRET_KEY", "")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY is required in production (32+ random characters)")
        secret = DEV_SECRET
    elif production and (len(secret) < 32 or secret == DEV_SECRET):
        raise ConfigError("SECRET_KEY must be at least 32 random characters in production")

    db_url = env.get("DATABASE_URL", "")
    if not db_url:
        if production:
            raise ConfigError("DATABASE_URL is required in production (postgresql://...)")
        db_url = f"sqlite:///{Path(instance_path).resolve() / 'regulars.db'}"
    if not db_url.startswith(("postgres://", "postgresql", "sqlite")):
        raise ConfigError("DATABASE_URL must be a postgresql:// or sqlite:/// URL")

    redis_url = env.get("REDIS_URL", "")
    if not redis_url:
        if production:
            raise ConfigError("REDIS_URL is required in production (redis://host:6379/0)")
        redis_url = "redis://127.0.0.1:6379/0" if mode == "development" else ""
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")

    gus_key = env.get("GUS_API_KEY", "")
    gus_url = env.get("GUS_URL", "")
    if production and gus_key and not gus_url:
        gus_url = GUS_PROD_URL
    if not gus_key:
        gus_key = GUS_TEST_KEY
    if not gus_url:
        gus_url = GUS_TEST_URL

    smtp_url, mail_from, public_url = _mail_settings(env, production)

    return Settings(
        mode=mode,
        secret_key=secret,
        database_url=_normalise_db_url(db_url),
        redis_url=redis_url or None,
        gus_api_key=gus_key,
        gus_url=gus_url,
        ares_url=env.get("ARES_URL", "") or ARES_URL,
        signup_enabled=_bool(env, "SIGNUP_ENABLED", True),
        session_hours=_int(env, "SESSION_HOURS", 12, minimum=1),
        login_attempts_per_account=_int(env, "LOGIN_ATTEMPTS_PER_ACCOUNT", 5, minimum=1),
        login_attempts_per_address=_int(env, "LOGIN_ATTEMPTS_PER_ADDRESS", 10, minimum=1),
        login_address_max_delay=_int(env, "LOGIN_ADDRESS_MAX_DELAY", 300, minimum=1),
        # Per minute. A till scans a card every few seconds at its busiest; these only stop a
        # runaway client or an address guessing tokens (many tills may share one address).
        api_rate_limit_per_token=_int(env, "API_RATE_LIMIT_PER_TOKEN", 600, minimum=1),
        api_rate_limit_per_address=_int(env, "API_RATE_LIMIT_PER_ADDRESS", 3000, minimum=1),
        trust_proxy=_int(env, "TRUST_PROXY", 0),
        retention_days=_int(env, "RETENTION_DAYS", 30, minimum=1),
        smtp_url=smtp_url,
        mail_from=mail_from,
        public_url=public_url,
        # Without SMTP, development writes mails here (one .eml each) so a reset link can be followed.
        mail_outbox=str(Path(instance_path).resolve() / "outbox") if mode == "development" else None,
    )


def _mail_settings(env: Mapping[str, str], production: bool) -> tuple[str | None, str, str | None]:
    """SMTP_URL, MAIL_FROM and PUBLIC_URL, checked so a typo stops the start, not the first mail."""
    smtp_url = env.get("SMTP_URL", "").strip() or None
    if smtp_url:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("SMTP_URL must look like smtp://user:password@host:587?starttls=true "
                              "or smtps://user:password@host:465")
        try:
            _ = parts.port  # urlsplit checks the port only when asked
        except ValueError:
            raise ConfigError("SMTP_URL has a port that is not a number") from None
        starttls = parse_qs(parts.query).get("starttls", ["false"])[-1].lower()
        if starttls not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ConfigError(f"SMTP_URL's starttls must be true or false, not {starttls!r}")
    mail_from = env.get("MAIL_FROM", "").strip()
    if not mail_from:
        if production and smtp_url:
            raise ConfigError("MAIL_FROM is required with SMTP_URL in production (Regulars <panel@example.com>)")
        mail_from = "Regulars <no-reply@localhost>"
    if "@" not in mail_from or any(c in mail_from for c in "\r\n"):
        raise ConfigError(f"MAIL_FROM must be an e-mail address, not {mail_from!r}")
    public_url = env.get("PUBLIC_URL", "").strip().rstrip("/") or None
    if public_url and urlsplit(public_url).scheme not in ("http", "https"):
        raise ConfigError("PUBLIC_URL must start with https:// (or http://)")
    if production and smtp_url and not public_url:
        # Links in mails must not be built from the request's Host header, which anyone can set.
        raise ConfigError("PUBLIC_URL is required with SMTP_URL in production (https://panel.example.com)")
    return smtp_url, mail_from, public_url
