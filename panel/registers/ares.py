"""Client of ARES, the Czech register of economic subjects (REST/JSON, no key).

See shared/reference/company-registers/ARES.md.
"""

from __future__ import annotations

from typing import Any

import requests

from .base import (
    CompanyNotFound,
    CompanyRecord,
    RegisterClient,
    RegisterProtocolError,
    RegisterUnavailable,
    cached_lookup,
    call_with_retries,
    http_request,
)
from .identifiers import normalize_ico

__all__ = ["AresClient", "ARES_URL", "record_from_ares"]

ARES_URL = "https://ares.gov.cz/ekonomicke-subjekty-v-be/rest"


def _house_number(address: dict[str, Any]) -> str | None:
    """Czech house numbering: ``cisloDomovni[/cisloOrientacni][pismeno]``, e.g. ``3294/10a``."""
    domovni = address.get("cisloDomovni")
    orientacni = address.get("cisloOrientacni")
    if domovni is None and orientacni is None:
        return None
    number = "/".join(str(n) for n in (domovni, orientacni) if n is not None)
    return number + (address.get("cisloOrientacniPismeno") or "")


def _postcode(address: dict[str, Any]) -> str | None:
    # pscTxt carries foreign postcodes; psc is an int, so leading zeros are lost.
    if address.get("pscTxt"):
        return str(address["pscTxt"])
    psc = address.get("psc")
    if psc is None:
        return None
    digits = str(psc).zfill(5)
    return f"{digits[:3]} {digits[3:]}"


def _city(address: dict[str, Any]) -> str | None:
    municipality = address.get("nazevObce")
    district = address.get("nazevMestskehoObvodu")
    # Prague (and Plzeň) addresses name the numbered district: "150 00 Praha 5".
    if municipality and district and district.startswith(municipality):
        return district
    return municipality


def record_from_ares(data: dict[str, Any]) -> CompanyRecord:
    """Map an ``EkonomickySubjekt`` to a record; the whole object is kept in ``raw``."""
    name = data.get("obchodniJmeno")
    if not isinstance(name, str) or not name:
        raise RegisterProtocolError("ARES: subject without obchodniJmeno")
    address = data.get("sidlo") or {}
    return CompanyRecord(
        country="CZ",
        name=name,
        ico=data.get("ico") or data.get("icoId"),
        dic=data.get("dic"),  # absent for subjects that are not VAT payers
        # Villages have no streets; the address line is then the village part.
        street=address.get("nazevUlice") or address.get("nazevCastiObce") or address.get("nazevObce"),
        building=_house_number(address),
        postcode=_postcode(address),
        city=_city(address),
        country_name=address.get("nazevStatu"),
        raw=data,
    )


class AresClient(RegisterClient):
    """Looks companies up in ARES by IČO."""

    def __init__(self, url: str = ARES_URL, **options: Any) -> None:
        super().__init__(url.rstrip("/"), **options)

    def search_ico(self, ico: str) -> CompanyRecord:
        """The subject with this IČO; raises InvalidIdentifier before any HTTP for a bad one."""
        ico = normalize_ico(ico)
        return cached_lookup(self.cache, f"ares:ico:{ico}", lambda: self._fetch(ico),
                             ttl=self.cache_ttl, not_found_ttl=self.not_found_ttl)

    def _fetch(self, ico: str) -> CompanyRecord:
        data = call_with_retries(
            lambda: self._get(f"{self.url}/ekonomicke-subjekty/{ico}"),
            max_retries=self.max_retries, backoff=self.backoff, sleep=self._sleep,
        )
        return record_from_ares(data)

    def _get(self, url: str) -> dict[str, Any]:
        response = http_request(self._http, "GET", url, register="ARES",
                                headers={"Accept": "application/json"}, timeout=self.timeout)
        status = response.status_code
        if status == 429 or status >= 500:
            raise RegisterUnavailable(f"ARES: HTTP {status}")
        body = _json_object(response)
        if status == 200 and body is not None:
            return body
        if status == 404 and body is not None:
            raise CompanyNotFound(f"ARES: {body.get('popis') or body.get('kod') or 'not found'}")
        # Includes a 404 that is not ARES's JSON error, i.e. a wrong base URL.
        detail = f"{body.get('kod')}: {body.get('popis')}" if body else repr(response.text[:200])
        raise RegisterProtocolError(f"ARES: HTTP {status}: {detail}")


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
