"""Company-register clients: GUS BIR 1.1 (Poland, by NIP/REGON) and ARES (Czechia, by IČO).

Pure Python on ``requests``; no Flask here, so the worker and the CLI use it as is.
"""

from __future__ import annotations

from .ares import ARES_URL, AresClient
from .base import (
    Cache,
    CompanyNotFound,
    CompanyRecord,
    MemoryCache,
    RegisterAuthError,
    RegisterError,
    RegisterProtocolError,
    RegisterUnavailable,
)
from .gus import GUS_PROD_URL, GUS_TEST_KEY, GUS_TEST_URL, GusClient
from .identifiers import (
    InvalidIdentifier,
    is_valid_ico,
    is_valid_nip,
    normalize_dic,
    normalize_ico,
    normalize_nip,
    normalize_regon,
)

__all__ = [
    "lookup_company",
    "GusClient",
    "AresClient",
    "GUS_TEST_URL",
    "GUS_PROD_URL",
    "GUS_TEST_KEY",
    "ARES_URL",
    "CompanyRecord",
    "RegisterError",
    "CompanyNotFound",
    "RegisterUnavailable",
    "RegisterAuthError",
    "RegisterProtocolError",
    "Cache",
    "MemoryCache",
    "InvalidIdentifier",
    "normalize_nip",
    "normalize_regon",
    "normalize_ico",
    "normalize_dic",
    "is_valid_nip",
    "is_valid_ico",
]


def lookup_company(country: str, number: str, *, gus: GusClient, ares: AresClient) -> CompanyRecord:
    """Look a company up in its home register: ``PL`` by NIP in GUS, ``CZ`` by IČO in ARES.

    Raises InvalidIdentifier (code ``country_unsupported`` for other countries,
    or the identifier's own code) before any HTTP, else a RegisterError.
    """
    match country.strip().upper():
        case "PL":
            return gus.search_nip(number)
        case "CZ":
            return ares.search_ico(number)
        case _:
            raise InvalidIdentifier("country_unsupported")
