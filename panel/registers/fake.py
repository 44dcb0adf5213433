"""A local fake of GUS BIR 1.1 and ARES that speaks their real protocols.

GUS: SOAP 1.2 in, MTOM-wrapped SOAP out, shaped like the recorded answers; the
key and the ``sid`` HTTP header are checked, and a request outside a live
session gets the empty result the real service gives.  ARES: REST/JSON.
The data comes from the recorded responses in
``shared/reference/company-registers/fixtures`` (path argument, env
``REGISTERS_FIXTURES``, or ``../shared/...`` beside the repository).

Identifiers it answers (every other one is "not found", e.g. NIP 1234563218):

==============  ==========================================================
GUS NIP         answer
==============  ==========================================================
7740001454      ORLEN, REGON 610188201, KRS 0000028860 (built from the spec)
5261040828      GŁÓWNY URZĄD STATYSTYCZNY, REGON 000331501 (GUS sample)
5170359458      two activities of one REGON (the two-row recording)
1111111111      HTTP 500 on the first request, then a company
2222222222      HTTP 500 always
3333333333      answers after ``slow_seconds``
4444444444      the session dies on the first search, then a company
==============  ==========================================================

==============  ==========================================================
ARES IČO        answer
==============  ==========================================================
26168685        Seznam.cz, a.s. (the recording)
11111119        HTTP 503 on the first request, then a company
22222227        HTTP 503 always
33333335        answers after ``slow_seconds``
==============  ==========================================================

Other knobs: ``session_calls`` (searches a GUS session survives) and
:meth:`FakeRegisters.expire_sessions`.  Run ``python -m panel.registers.fake``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import secrets
import string
import sys
import threading
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterable, NamedTuple
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .gus import (
    GUS_TEST_KEY,
    NS_DAT,
    NS_SOAP,
    NS_WSA,
    OPERATIONS,
    parse_rows,
    read_result,
)

__all__ = ["FakeRegisters", "FakeServer", "Call", "serve_in_thread", "GUS_PATH", "ARES_PATH"]

GUS_PATH = "/wsBIR/UslugaBIRzewnPubl.svc"
ARES_PATH = "/ares/ekonomicke-subjekty-v-be/rest"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FIXTURES = REPO_ROOT.parent / "shared" / "reference" / "company-registers" / "fixtures"

NIP_ORLEN, REGON_ORLEN, KRS_ORLEN = "7740001454", "610188201", "0000028860"
NIP_GUS, REGON_GUS = "5261040828", "000331501"
NIP_TWO_ACTIVITIES = "5170359458"
NIP_FLAKY, NIP_DOWN, NIP_SLOW, NIP_SESSION_DIES = "1111111111", "2222222222", "3333333333", "4444444444"
ICO_SEZNAM = "26168685"
ICO_FLAKY, ICO_DOWN, ICO_SLOW = "11111119", "22222227", "33333335"

_WCF_CONTENT_TYPE_ERROR = (
    "Cannot process the message because the content type '{}' was not the expected type "
    "'multipart/related; type=\"application/xop+xml\"'."
)
_NO_SESSION = "Brak sesji. Sesja wygasła lub przekazano nieprawidłową wartość nagłówka sid."
_IIS_500 = b"<html><body><h2>500 - Internal server error.</h2></body></html>"
_ARES_OUTAGE = "<html><body><h1>503 Service Unavailable</h1><p>Probíhá údržba.</p></body></html>"


class Call(NamedTuple):
    """One request the fake received, for tests to assert on."""

    register: str  # "GUS" or "ARES"
    operation: str  # SOAP operation, or "ekonomicke-subjekty" for ARES
    argument: str  # the identifier, key or parameter name; "" if none
    sid: str | None  # GUS sid header as received


def fixtures_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Where the recorded responses are: argument, then $REGISTERS_FIXTURES, then the default."""
    found = Path(path or os.environ.get("REGISTERS_FIXTURES") or DEFAULT_FIXTURES).resolve()
    if not (found / "johnzuk_GusApi").is_dir() or not (found / "ares").is_dir():
        raise FileNotFoundError(
            f"recorded register responses not found in {found}; pass a path or set REGISTERS_FIXTURES"
        )
    return found


class _Data:
    """The fake's database, assembled from the recordings."""

    def __init__(self, root: Path) -> None:
        gusapi = root / "johnzuk_GusApi"
        template = parse_rows((gusapi / "searchDataResponseResultSingle.inner.xml").read_text("utf-8"))[0]
        two_rows = parse_rows((gusapi / "searchDataReponseResultMulti.inner.xml").read_text("utf-8"))
        samples = (root / "orkanap_regonapi_gusdoc" / "Responses.txt").read_text("utf-8-sig")
        first_sample = re.search(r"<root>.*?</root>", samples, re.S)
        if first_sample is None:
            raise ValueError("no search sample in Responses.txt")
        not_found = (root / "orkanap_regonapi_gusdoc" / "ErrRespSearch.txt").read_text("utf-8")
        # The not-found reply minus the identifier it echoes, which depends on the query.
        self.not_found_row = {
            k: v for k, v in parse_rows(read_result(not_found, "DaneSzukajPodmioty"))[0].items()
            if k.startswith("Error")
        }

        def company(nip: str, regon: str, **changes: str) -> list[dict[str, str]]:
            return [{**template, "Nip": nip, "Regon": regon, **changes}]

        # The test environment's ORLEN as the spec describes it; the fields the
        # spec does not give keep the recorded template's values.
        orlen = company(
            NIP_ORLEN, REGON_ORLEN, Nazwa="POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA",
            Wojewodztwo="MAZOWIECKIE", Powiat="m. Płock", Gmina="M. Płock", Miejscowosc="Płock",
            KodPocztowy="09-411", Ulica="ul. Test-Wilcza", NrNieruchomosci="7",
        )
        self.by_nip: dict[str, list[dict[str, str]]] = {
            NIP_ORLEN: orlen,
            NIP_GUS: parse_rows(first_sample.group(0)),
            NIP_TWO_ACTIVITIES: [{**row, "Nip": NIP_TWO_ACTIVITIES} for row in two_rows],
        }
        # Fault identifiers still answer with a company once the fault has passed;
        # REGON "ddddddddd0" passes the checksum for any digit d.
        for nip, name in ((NIP_FLAKY, "TEST AWARIA 500"), (NIP_DOWN, "TEST NIEDOSTĘPNY"),
                          (NIP_SLOW, "TEST POWOLNY"), (NIP_SESSION_DIES, "TEST SESJA WYGASA")):
            self.by_nip[nip] = company(nip, nip[0] * 8 + "0", Nazwa=f"{name} SP. Z O.O.")
        self.by_regon = {rows[0]["Regon"]: rows for rows in self.by_nip.values()}
        self.by_krs = {KRS_ORLEN: orlen}

        seznam = json.loads((root / "ares" / f"ekonomicke-subjekty_{ICO_SEZNAM}_seznam.json").read_text("utf-8"))
        self.by_ico: dict[str, dict[str, Any]] = {ICO_SEZNAM: seznam}
        for ico, name in ((ICO_FLAKY, "Testovací výpadek s.r.o."), (ICO_DOWN, "Testovací nedostupnost s.r.o."),
                          (ICO_SLOW, "Testovací zpoždění s.r.o.")):
            self.by_ico[ico] = {**copy.deepcopy(seznam), "ico": ico, "icoId": ico, "dic": f"CZ{ico}",
                                "obchodniJmeno": name}


class FakeRegisters:
    """The WSGI application. One instance keeps its own sessions, faults and call log."""

    def __init__(
        self,
        fixtures: str | os.PathLike[str] | None = None,
        *,
        api_key: str = GUS_TEST_KEY,
        session_calls: int | None = None,
        slow_seconds: float = 2.0,
    ) -> None:
        self.data = _Data(fixtures_dir(fixtures))
        self.api_key = api_key
        self.session_calls = session_calls
        self.slow_seconds = slow_seconds
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._searches: dict[str, int] = {}  # live sid -> searches made in it
        self._last_code: dict[str, str] = {}  # live sid -> KomunikatKod of its last search
        self._dead: set[str] = set()
        self._fired: set[str] = set()  # one-shot faults already delivered
        self._closing = threading.Event()  # cuts slow answers short at shutdown
        self._urls = Map([
            Rule(GUS_PATH, endpoint="gus", methods=["POST"]),
            Rule(f"{ARES_PATH}/ekonomicke-subjekty/<ico>", endpoint="ares", methods=["GET"]),
        ])

    def expire_sessions(self) -> None:
        """Kill every GUS session now, as the real service does after an hour idle."""
        with self._lock:
            for sid in list(self._searches):
                self._kill(sid)

    def close(self) -> None:
        self._closing.set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, args = self._urls.bind_to_environ(environ).match()
            response = self._gus(request) if endpoint == "gus" else self._ares(args["ico"])
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    def _once(self, key: str) -> bool:
        """True the first time ``key`` is seen: one-shot faults."""
        with self._lock:
            first = key not in self._fired
            self._fired.add(key)
            return first

    def _log(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _kill(self, sid: str) -> None:
        """End a live session; the caller holds the lock."""
        del self._searches[sid]
        self._last_code.pop(sid, None)
        self._dead.add(sid)

    # -- GUS ----------------------------------------------------------------

    def _gus(self, request: Request) -> Response:
        if request.mimetype != "application/soap+xml":
            return Response(_WCF_CONTENT_TYPE_ERROR.format(request.content_type), 415, mimetype="text/plain")
        try:
            envelope = ET.fromstring(request.get_data())
        except ET.ParseError as exc:
            return _fault("Sender", f"The message is not well-formed XML: {exc}", 400)
        action = (envelope.findtext(f"{{{NS_SOAP}}}Header/{{{NS_WSA}}}Action") or "").strip()
        message_id = envelope.findtext(f"{{{NS_SOAP}}}Header/{{{NS_WSA}}}MessageID")
        body = envelope.find(f"{{{NS_SOAP}}}Body")
        call = body[0] if body is not None and len(body) else None
        operation = call.tag.rpartition("}")[2] if call is not None else ""
        if call is None or operation not in OPERATIONS or OPERATIONS[operation] != (
            call.tag[1:].partition("}")[0], action
        ):
            return _fault("Sender", f"The message with Action '{action}' cannot be processed at the receiver.",
                          500)
        params = {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in call}
        sid = request.headers.get("sid")

        if operation == "Zaloguj":
            key = params.get("pKluczUzytkownika", "")
            self._log(Call("GUS", operation, key, sid))
            return _soap(operation, self._login(key), message_id)
        if operation == "Wyloguj":
            ended = params.get("pIdentyfikatorSesji", "")
            self._log(Call("GUS", operation, ended, sid))
            return _soap(operation, "true" if self._logout(ended) else "false", message_id)
        if operation == "GetValue":
            name = params.get("pNazwaParametru", "")
            self._log(Call("GUS", operation, name, sid))
            return _soap(operation, self._get_value(name, sid), message_id)
        return self._search(call, sid, message_id)

    def _login(self, key: str) -> str:
        if key != self.api_key:
            return ""  # what GUS does for a wrong key or another environment's key
        sid = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(20))
        with self._lock:
            self._searches[sid] = 0
        return sid

    def _logout(self, sid: str) -> bool:
        with self._lock:
            if sid not in self._searches:
                return False
            self._kill(sid)
            return True

    def _get_value(self, name: str, sid: str | None) -> str:
        with self._lock:
            alive = sid in self._searches
            if name == "StatusSesji":
                return "1" if alive else "0"
            if name == "StatusUslugi":
                return "1"
            if name == "KomunikatUslugi":
                return "Usluga dostepna"
            if name == "StanDanych":
                return "19-10-2018"
            code = self._last_code.get(sid, "0") if alive else ("7" if sid in self._dead else "")
        if name == "KomunikatKod":
            return code
        if name == "KomunikatTresc":
            return {"4": "Nie znaleziono podmiotów.", "0": ""}.get(code, _NO_SESSION)
        return ""

    def _session_alive(self, sid: str | None) -> bool:
        """Count a search against the session; False if there is no live session."""
        with self._lock:
            if sid not in self._searches:
                return False
            if self.session_calls is not None and self._searches[sid] >= self.session_calls:
                self._kill(sid)
                return False
            self._searches[sid] += 1
            return True

    def _search(self, call: ET.Element, sid: str | None, message_id: str | None) -> Response:
        criteria = [(c.tag.rpartition("}")[2], (c.text or "").strip())
                    for elem in call if elem.tag.endswith("pParametryWyszukiwania")
                    for c in elem if c.tag.startswith(f"{{{NS_DAT}}}") and (c.text or "").strip()]
        kind, value = criteria[0] if criteria else ("", "")
        self._log(Call("GUS", "DaneSzukajPodmioty", value, sid))

        if kind == "Nip" and value == NIP_SESSION_DIES and sid and self._once(f"gus-session:{value}"):
            with self._lock:
                if sid in self._searches:
                    self._kill(sid)
        if not self._session_alive(sid):
            return _soap("DaneSzukajPodmioty", "", message_id)
        if value == NIP_DOWN or (value == NIP_FLAKY and self._once(f"gus-500:{value}")):
            return Response(_IIS_500, 500, mimetype="text/html")
        if value == NIP_SLOW:
            self._closing.wait(self.slow_seconds)

        index = {"Nip": self.data.by_nip, "Regon": self.data.by_regon, "Krs": self.data.by_krs}.get(kind, {})
        rows = index.get(value)
        with self._lock:
            if sid in self._searches:
                self._last_code[sid] = "0" if rows else "4"
        if rows is None:
            rows = [{**self.data.not_found_row, kind or "Nip": value}]
        return _soap("DaneSzukajPodmioty", _inner_document(rows), message_id)

    # -- ARES ---------------------------------------------------------------

    def _ares(self, ico: str) -> Response:
        self._log(Call("ARES", "ekonomicke-subjekty", ico, None))
        if not re.fullmatch(r"\d{8}", ico):
            return _json({"kod": "CHYBA_VSTUPU", "popis": "Neplatné IČO"}, 400)
        if ico == ICO_DOWN or (ico == ICO_FLAKY and self._once(f"ares-503:{ico}")):
            return Response(_ARES_OUTAGE, 503, mimetype="text/html")
        if ico == ICO_SLOW:
            self._closing.wait(self.slow_seconds)
        subject = self.data.by_ico.get(ico)
        if subject is None:
            return _json({"kod": "NENALEZENO", "popis": "Ekonomický subjekt nenalezen.",
                          "subKod": "VYSTUP_SUBJEKT_NENALEZEN"}, 404)
        return _json(subject, 200)


def _json(data: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


def _inner_document(rows: list[dict[str, str]]) -> str:
    """A result document laid out like GUS's: CRLF line ends, two-space indent, ``<X />``."""
    lines = ["<root>"]
    for row in rows:
        lines.append("  <dane>")
        lines.extend(f"    <{tag}>{escape(value)}</{tag}>" if value else f"    <{tag} />"
                     for tag, value in row.items())
        lines.append("  </dane>")
    lines.append("</root>")
    return "\r\n".join(lines)


def _mtom(envelope: str, status: int) -> Response:
    """Wrap an envelope in the single-part MTOM body WCF sends, byte for byte in layout."""
    boundary = f"uuid:{uuid.uuid4()}+id={secrets.randbelow(10_000_000)}"
    body = (
        f"\r\n--{boundary}\r\n"
        "Content-ID: <http://tempuri.org/0>\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        'Content-Type: application/xop+xml;charset=utf-8;type="application/soap+xml"\r\n'
        f"\r\n{envelope}\r\n--{boundary}--\r\n"
    )
    content_type = (
        f'multipart/related; type="application/xop+xml"; start="<http://tempuri.org/0>"; '
        f'boundary="{boundary}"; start-info="application/soap+xml"'
    )
    return Response(body.encode("utf-8"), status, headers={"Content-Type": content_type, "MIME-Version": "1.0"})


def _soap(operation: str, result: str, message_id: str | None) -> Response:
    namespace, action = OPERATIONS[operation]
    # On the wire GUS escapes the inner document and writes CR as a character reference.
    text = escape(result).replace("\r", "&#xD;")
    element = f"<{operation}Result>{text}</{operation}Result>" if text else f"<{operation}Result/>"
    relates = f"<a:RelatesTo>{escape(message_id)}</a:RelatesTo>" if message_id else ""
    envelope = (
        f'<s:Envelope xmlns:s="{NS_SOAP}" xmlns:a="{NS_WSA}"><s:Header>'
        f'<a:Action s:mustUnderstand="1">{action}Response</a:Action>{relates}</s:Header>'
        f'<s:Body><{operation}Response xmlns="{namespace}">{element}</{operation}Response>'
        f"</s:Body></s:Envelope>"
    )
    return _mtom(envelope, 200)


def _fault(code: str, reason: str, status: int) -> Response:
    envelope = (
        f'<s:Envelope xmlns:s="{NS_SOAP}" xmlns:a="{NS_WSA}"><s:Header>'
        f'<a:Action s:mustUnderstand="1">{NS_WSA}/soap/fault</a:Action></s:Header>'
        f"<s:Body><s:Fault><s:Code><s:Value>s:{code}</s:Value></s:Code>"
        f'<s:Reason><s:Text xml:lang="en-US">{escape(reason)}</s:Text></s:Reason>'
        f"</s:Fault></s:Body></s:Envelope>"
    )
    return _mtom(envelope, status)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # tests need no access log; errors are still logged


class FakeServer(ThreadedWSGIServer):
    """The fake on a real socket; :meth:`stop` ends it cleanly."""

    app: FakeRegisters

    def stop(self) -> None:
        self.app.close()
        self.shutdown()
        self.server_close()


def serve_in_thread(port: int = 0, fake: FakeRegisters | None = None) -> tuple[FakeServer, str]:
    """Serve ``fake`` (a new one by default) on 127.0.0.1 in a daemon thread.

    Returns the server (``server.app`` is the fake; call ``server.stop()``)
    and the base URL; GUS is at ``base + GUS_PATH``, ARES at ``base + ARES_PATH``.
    """
    server = FakeServer("127.0.0.1", port, fake or FakeRegisters(), handler=_QuietHandler)
    # A short poll interval: stop() waits for the serving loop to notice.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     name="fake-registers", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m panel.registers.fake",
                                     description="Local fake of GUS BIR 1.1 and ARES.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    parser.add_argument("--fixtures", help="recorded responses (default: $REGISTERS_FIXTURES or "
                                           "../shared/reference/company-registers/fixtures)")
    parser.add_argument("--session-calls", type=int, help="searches a GUS session survives")
    parser.add_argument("--slow-seconds", type=float, default=15.0,
                        help=f"delay for NIP {NIP_SLOW} / IČO {ICO_SLOW}")
    args = parser.parse_args(argv)
    fake = FakeRegisters(args.fixtures, session_calls=args.session_calls, slow_seconds=args.slow_seconds)
    server = make_server(args.host, args.port, fake, threaded=True)
    base = f"http://{args.host}:{server.server_port}"
    print(f"GUS_URL={base}{GUS_PATH}")
    print(f"ARES_URL={base}{ARES_PATH}")
    print(f"GUS key {fake.api_key}; found NIPs {NIP_ORLEN} {NIP_GUS} {NIP_TWO_ACTIVITIES}; "
          f"faults {NIP_FLAKY}=500 once, {NIP_DOWN}=500 always, {NIP_SLOW}=slow, {NIP_SESSION_DIES}=session dies")
    print(f"ARES found IČO {ICO_SEZNAM}; faults {ICO_FLAKY}=503 once, {ICO_DOWN}=503 always, {ICO_SLOW}=slow")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()
        server.server_close()


if __name__ == "__main__":
    main()
