"""Client of GUS BIR 1.1 (the Polish REGON register), written by hand against the spec.

SOAP 1.2 with WS-Addressing, answers wrapped in MTOM, the payload an XML
document escaped inside a string.  See shared/reference/company-registers/GUS_BIR11.md.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from .base import (
    CompanyNotFound,
    CompanyRecord,
    RegisterAuthError,
    RegisterClient,
    RegisterProtocolError,
    RegisterUnavailable,
    cached_lookup,
    call_with_retries,
    http_request,
)
from .identifiers import normalize_nip, normalize_regon

__all__ = [
    "GusClient",
    "GUS_TEST_URL",
    "GUS_PROD_URL",
    "GUS_TEST_KEY",
    "build_envelope",
    "unwrap_mtom",
    "soap_fault",
    "read_result",
    "parse_rows",
    "raise_for_error",
    "record_from_rows",
]

GUS_TEST_URL = "https://wyszukiwarkaregontest.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
GUS_PROD_URL = "https://wyszukiwarkaregon.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
# Public key of the test environment; it works there only.
GUS_TEST_KEY = "abcde12345abcde12345"

NS_SOAP = "http://www.w3.org/2003/05/soap-envelope"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_PUBL = "http://CIS/BIR/PUBL/2014/07"
NS_DAT = "http://CIS/BIR/PUBL/2014/07/DataContract"
NS_BIR = "http://CIS/BIR/2014/07"  # GetValue lives in an older namespace and contract

# operation -> (namespace of the body element, wsa:Action)
OPERATIONS: dict[str, tuple[str, str]] = {
    "Zaloguj": (NS_PUBL, f"{NS_PUBL}/IUslugaBIRzewnPubl/Zaloguj"),
    "Wyloguj": (NS_PUBL, f"{NS_PUBL}/IUslugaBIRzewnPubl/Wyloguj"),
    "DaneSzukajPodmioty": (NS_PUBL, f"{NS_PUBL}/IUslugaBIRzewnPubl/DaneSzukajPodmioty"),
    "GetValue": (NS_BIR, f"{NS_BIR}/IUslugaBIR/GetValue"),
}

# GUS sessions die after ~60 min of inactivity; stay safely under that.
SESSION_LIFETIME = 55 * 60

_ENVELOPE_START = re.compile(r"<([\w.-]+:)?Envelope\b")


def build_envelope(operation: str, params_xml: str, url: str) -> bytes:
    """A SOAP 1.2 request; ``params_xml`` uses prefixes ``ns`` (operation) and ``dat``."""
    namespace, action = OPERATIONS[operation]
    return (
        f'<soap:Envelope xmlns:soap="{NS_SOAP}" xmlns:ns="{namespace}" xmlns:dat="{NS_DAT}">'
        f'<soap:Header xmlns:wsa="{NS_WSA}">'
        f"<wsa:To>{escape(url)}</wsa:To><wsa:Action>{action}</wsa:Action>"
        f"</soap:Header>"
        f"<soap:Body><ns:{operation}>{params_xml}</ns:{operation}></soap:Body>"
        f"</soap:Envelope>"
    ).encode("utf-8")


def _parse_xml(text: str, what: str) -> ET.Element:
    # The stdlib parser never fetches external entities, and refusing DTDs
    # outright also rules out entity-expansion bombs.
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise RegisterProtocolError(f"GUS: {what} contains a DTD")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise RegisterProtocolError(f"GUS: {what} is not XML: {exc}") from exc


def unwrap_mtom(body: bytes) -> str:
    """The SOAP envelope from an MTOM/XOP multipart body, or from a plain SOAP body.

    GUS sends one MIME part holding the envelope and no attachments, so cutting
    from the envelope's start tag to its end tag is exact, and it also tolerates
    the folded part headers some recordings have.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterProtocolError(f"GUS: answer is not UTF-8: {exc}") from exc
    start = _ENVELOPE_START.search(text)
    if start is None:
        raise RegisterProtocolError(f"GUS: no SOAP envelope in answer: {text[:200]!r}")
    closing = f"</{start.group(1) or ''}Envelope>"
    end = text.rfind(closing)
    if end < start.start():
        raise RegisterProtocolError("GUS: SOAP envelope is not closed")
    return text[start.start() : end + len(closing)]


def soap_fault(envelope: ET.Element) -> tuple[str, str] | None:
    """``(code, reason)`` of a SOAP 1.2 fault (code without prefix, e.g. ``Sender``), or None."""
    fault = envelope.find(f"{{{NS_SOAP}}}Body/{{{NS_SOAP}}}Fault")
    if fault is None:
        return None
    code = fault.findtext(f"{{{NS_SOAP}}}Code/{{{NS_SOAP}}}Value", default="").strip()
    reason = fault.findtext(f"{{{NS_SOAP}}}Reason/{{{NS_SOAP}}}Text", default="").strip()
    return code.rpartition(":")[2], reason


def read_result(envelope_xml: str, operation: str) -> str:
    """The text of ``<{operation}Result>`` — for searches an XML document, unescaped.

    An empty or self-closing result gives ``""``; what that means depends on
    the operation (bad key for Zaloguj, dead session for searches).
    """
    envelope = _parse_xml(envelope_xml, "envelope")
    fault = soap_fault(envelope)
    if fault is not None:
        raise RegisterProtocolError(f"GUS: SOAP fault {fault[0]}: {fault[1]}")
    namespace = OPERATIONS[operation][0]
    result = envelope.find(
        f"{{{NS_SOAP}}}Body/{{{namespace}}}{operation}Response/{{{namespace}}}{operation}Result"
    )
    if result is None:
        raise RegisterProtocolError(f"GUS: no {operation}Result in answer")
    return result.text or ""


def parse_rows(inner_xml: str) -> list[dict[str, str]]:
    """Every ``<dane>`` of a result document, each as {child tag: stripped text}.

    Values stay strings: REGONs, postcodes and symbols have significant
    leading zeros, and some values come padded with trailing spaces.
    """
    root = _parse_xml(inner_xml.strip(), "result document")
    return [
        {child.tag: (child.text or "").strip() for child in dane}
        for dane in root.findall("dane")
    ]


def raise_for_error(rows: list[dict[str, str]]) -> None:
    """Raise if the rows are GUS's in-band error reply (an ``ErrorCode`` in the first ``<dane>``)."""
    if not rows:
        raise CompanyNotFound("GUS: empty result document")
    first = rows[0]
    if "ErrorCode" not in first:
        return
    message = next(
        (first[k] for k in ("ErrorMessagePl", "ErrorMessageEn", "DatabaseSearchResultPl",
                            "DatabaseSearchResultEn") if first.get(k)),
        "",
    )
    if first["ErrorCode"] == "4":
        raise CompanyNotFound(f"GUS: {message}")
    raise RegisterProtocolError(f"GUS: error {first['ErrorCode']}: {message}")


# Which row describes "the company" when a search returns several.  Legal
# persons first; for a sole trader the CEIDG activity (silos 1) carries the
# trading name, while silos 2 is typically the farm ("GOSPODARSTWO ROLNE").
_TYPE_ORDER = {"P": 0, "F": 1, "LP": 2, "LF": 3}
_SILOS_ORDER = {"6": 0, "1": 0, "3": 1, "2": 2, "4": 3}


def _row_rank(row: dict[str, str]) -> tuple[bool, int, int]:
    return (
        bool(row.get("DataZakonczeniaDzialalnosci")),  # active activities first
        _TYPE_ORDER.get(row.get("Typ", ""), 9),
        _SILOS_ORDER.get(row.get("SilosID", ""), 9),
    )


def record_from_rows(rows: list[dict[str, str]]) -> CompanyRecord:
    """Map search rows to a record; every row is kept in ``raw["dane"]``, in GUS's order."""
    row = min(rows, key=_row_rank)  # min() keeps the first of equals

    def value(key: str) -> str | None:
        return row.get(key) or None

    postcode = value("KodPocztowy")
    if postcode and len(postcode) == 5 and postcode.isdigit():
        postcode = f"{postcode[:2]}-{postcode[2:]}"
    return CompanyRecord(
        country="PL",
        name=row.get("Nazwa", ""),
        nip=value("Nip"),
        regon=value("Regon"),
        # Villages have no streets: the address line is then "<village> <number>".
        street=value("Ulica") or value("Miejscowosc"),
        building=value("NrNieruchomosci"),
        flat=value("NrLokalu"),
        postcode=postcode,
        # The post town, when given, is what belongs next to the postcode.
        city=value("MiejscowoscPoczty") or value("Miejscowosc"),
        raw={"dane": rows},
    )


class GusClient(RegisterClient):
    """Looks companies up in GUS BIR 1.1 by NIP or REGON.

    Safe to share between threads (logging in is serialised).  The session
    id is reused for up to 55 minutes and, when a cache is given, shared
    through it, so short-lived RQ work-horses do not log in for every job.
    """

    def __init__(self, api_key: str = GUS_TEST_KEY, url: str = GUS_TEST_URL, **options: Any) -> None:
        super().__init__(url, **options)
        self._api_key = api_key
        self._lock = threading.Lock()
        self._sid: str | None = None
        self._sid_since = 0.0
        # The key itself must not end up in Redis key names.
        digest = hashlib.sha256(f"{url}\n{api_key}".encode()).hexdigest()[:16]
        self._sid_cache_key = f"gus:sid:{digest}"

    def search_nip(self, nip: str) -> CompanyRecord:
        """The company with this NIP; raises InvalidIdentifier before any HTTP for a bad one."""
        nip = normalize_nip(nip)
        return cached_lookup(self.cache, f"gus:nip:{nip}", lambda: self._search("Nip", nip),
                             ttl=self.cache_ttl, not_found_ttl=self.not_found_ttl)

    def search_regon(self, regon: str) -> CompanyRecord:
        """The unit with this REGON (9 digits) or local unit (14 digits)."""
        regon = normalize_regon(regon)
        return cached_lookup(self.cache, f"gus:regon:{regon}", lambda: self._search("Regon", regon),
                             ttl=self.cache_ttl, not_found_ttl=self.not_found_ttl)

    # -- searching ----------------------------------------------------------

    def _search(self, kind: str, value: str) -> CompanyRecord:
        params = f"<ns:pParametryWyszukiwania><dat:{kind}>{value}</dat:{kind}></ns:pParametryWyszukiwania>"
        sid = self._session_id()
        rows = self._search_in_session(params, sid)
        if rows is None:  # the session died: log in again and retry once
            self._forget_session(sid)
            rows = self._search_in_session(params, self._session_id())
            if rows is None:
                raise RegisterProtocolError("GUS: a fresh session was not accepted either")
        raise_for_error(rows)
        return record_from_rows(rows)

    def _search_in_session(self, params: str, sid: str) -> list[dict[str, str]] | None:
        """The result rows, or None when GUS says the session is dead."""
        result = self._call("DaneSzukajPodmioty", params, sid)
        if result.strip():
            return parse_rows(result)
        # An empty result means the search did not run in a valid session;
        # the last-operation code tells which case this is.
        code = self._call("GetValue", "<ns:pNazwaParametru>KomunikatKod</ns:pNazwaParametru>", sid).strip()
        if code == "4":  # BIR 1.0-style "not found"
            raise CompanyNotFound("GUS: not found (empty result, KomunikatKod 4)")
        if code in ("", "7"):
            return None
        raise RegisterProtocolError(f"GUS: empty result with KomunikatKod {code!r}")

    # -- session ------------------------------------------------------------

    def _session_id(self) -> str:
        with self._lock:
            if self._sid and time.monotonic() - self._sid_since < SESSION_LIFETIME:
                return self._sid
            sid = self.cache.get(self._sid_cache_key) if self.cache is not None else None
            if not sid:
                sid = self._login()
                if self.cache is not None:
                    self.cache.set(self._sid_cache_key, sid, SESSION_LIFETIME)
            self._sid, self._sid_since = sid, time.monotonic()
            return sid

    def _forget_session(self, sid: str) -> None:
        with self._lock:
            if self._sid == sid:
                self._sid = None
            # The cache cannot delete; pointing the shared entry at nothing
            # makes the next caller log in (and overwrite it).
            if self.cache is not None and self.cache.get(self._sid_cache_key) == sid:
                self.cache.set(self._sid_cache_key, "", 1)

    def _login(self) -> str:
        key = escape(self._api_key)
        sid = self._call("Zaloguj", f"<ns:pKluczUzytkownika>{key}</ns:pKluczUzytkownika>").strip()
        if not sid:
            raise RegisterAuthError("GUS refused the API key (wrong key, or a key of the other environment)")
        return sid

    # -- transport ----------------------------------------------------------

    def _call(self, operation: str, params_xml: str, sid: str | None = None) -> str:
        envelope = build_envelope(operation, params_xml, self.url)
        headers = {
            "Content-Type": f'application/soap+xml; charset=utf-8; action="{OPERATIONS[operation][1]}"'
        }
        if sid is not None:
            headers["sid"] = sid  # an HTTP header: GUS ignores a sid in the SOAP header
        body = call_with_retries(
            lambda: self._post(envelope, headers),
            max_retries=self.max_retries, backoff=self.backoff, sleep=self._sleep,
        )
        return read_result(unwrap_mtom(body), operation)

    def _post(self, envelope: bytes, headers: dict[str, str]) -> bytes:
        response = http_request(self._http, "POST", self.url, register="GUS", data=envelope,
                                headers=headers, timeout=self.timeout)
        status = response.status_code
        if status == 200:
            return response.content
        if status == 429 or status >= 500:
            # WCF also reports our own mistakes (wrong action, bad envelope) as
            # HTTP 500 with a Sender fault; asking again would not help.
            fault = _fault_of(response.content)
            if fault is not None and fault[0] == "Sender":
                raise RegisterProtocolError(f"GUS: SOAP fault Sender: {fault[1]}")
            raise RegisterUnavailable(f"GUS: HTTP {status}")
        raise RegisterProtocolError(f"GUS: HTTP {status}: {response.text[:200]!r}")


def _fault_of(body: bytes) -> tuple[str, str] | None:
    try:
        return soap_fault(_parse_xml(unwrap_mtom(body), "envelope"))
    except RegisterProtocolError:
        return None  # not SOAP at all, e.g. an IIS error page
