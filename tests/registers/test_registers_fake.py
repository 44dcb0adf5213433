"""The fake registers speak the real protocols (checked with raw HTTP), and start from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from panel.registers.fake import ARES_PATH, GUS_PATH, FakeRegisters, fixtures_dir
from panel.registers.gus import build_envelope, parse_rows, read_result, unwrap_mtom

KEY = "abcde12345abcde12345"


def _soap(http: requests.Session, base_url: str, operation: str, params: str, sid: str | None = None,
          content_type: str = "application/soap+xml; charset=utf-8") -> requests.Response:
    headers = {"Content-Type": content_type, **({"sid": sid} if sid else {})}
    return http.post(base_url + GUS_PATH, data=build_envelope(operation, params, base_url + GUS_PATH),
                     headers=headers)


def _login(http: requests.Session, base_url: str) -> str:
    response = _soap(http, base_url, "Zaloguj", f"<ns:pKluczUzytkownika>{KEY}</ns:pKluczUzytkownika>")
    return read_result(unwrap_mtom(response.content), "Zaloguj")


def test_answers_are_mtom_like_the_recordings(http: requests.Session, base_url: str) -> None:
    response = _soap(http, base_url, "Zaloguj", f"<ns:pKluczUzytkownika>{KEY}</ns:pKluczUzytkownika>")
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.startswith('multipart/related; type="application/xop+xml"; start="<http://tempuri.org/0>"')
    boundary = content_type.split('boundary="')[1].split('"')[0]
    body = response.content.decode()
    assert body.startswith(f"\r\n--{boundary}\r\nContent-ID: <http://tempuri.org/0>\r\n")
    assert body.endswith(f"\r\n--{boundary}--\r\n")
    sid = read_result(unwrap_mtom(response.content), "Zaloguj")
    assert len(sid) == 20 and sid.isalnum() and sid == sid.lower()


def test_search_result_is_entity_escaped_with_cr_references(http: requests.Session, base_url: str) -> None:
    sid = _login(http, base_url)
    response = _soap(http, base_url, "DaneSzukajPodmioty",
                     "<ns:pParametryWyszukiwania><dat:Nip>7740001454</dat:Nip></ns:pParametryWyszukiwania>", sid)
    assert "<DaneSzukajPodmiotyResult>&lt;root&gt;&#xD;\n  &lt;dane&gt;" in response.text
    rows = parse_rows(read_result(unwrap_mtom(response.content), "DaneSzukajPodmioty"))
    assert rows[0]["Nazwa"] == "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA"


def test_search_without_sid_header_gets_an_empty_result(http: requests.Session, base_url: str) -> None:
    _login(http, base_url)
    params = "<ns:pParametryWyszukiwania><dat:Nip>7740001454</dat:Nip></ns:pParametryWyszukiwania>"
    response = _soap(http, base_url, "DaneSzukajPodmioty", params)
    assert "<DaneSzukajPodmiotyResult/>" in response.text
    code = _soap(http, base_url, "GetValue", "<ns:pNazwaParametru>KomunikatKod</ns:pNazwaParametru>")
    assert read_result(unwrap_mtom(code.content), "GetValue") == ""  # no session at all


def test_komunikat_kod_and_session_status(http: requests.Session, base_url: str, fake: FakeRegisters) -> None:
    sid = _login(http, base_url)

    def value(name: str) -> str:
        response = _soap(http, base_url, "GetValue", f"<ns:pNazwaParametru>{name}</ns:pNazwaParametru>", sid)
        return read_result(unwrap_mtom(response.content), "GetValue")

    _soap(http, base_url, "DaneSzukajPodmioty",
          "<ns:pParametryWyszukiwania><dat:Nip>1234563218</dat:Nip></ns:pParametryWyszukiwania>", sid)
    assert (value("KomunikatKod"), value("KomunikatTresc")) == ("4", "Nie znaleziono podmiotów.")
    assert value("StatusSesji") == "1"
    fake.expire_sessions()
    assert (value("StatusSesji"), value("KomunikatKod")) == ("0", "7")


def test_logout_ends_the_session(http: requests.Session, base_url: str) -> None:
    sid = _login(http, base_url)
    response = _soap(http, base_url, "Wyloguj", f"<ns:pIdentyfikatorSesji>{sid}</ns:pIdentyfikatorSesji>", sid)
    assert read_result(unwrap_mtom(response.content), "Wyloguj") == "true"
    status = _soap(http, base_url, "GetValue", "<ns:pNazwaParametru>StatusSesji</ns:pNazwaParametru>", sid)
    assert read_result(unwrap_mtom(status.content), "GetValue") == "0"


def test_soap_11_content_type_is_refused_like_wcf(http: requests.Session, base_url: str) -> None:
    response = _soap(http, base_url, "Zaloguj", "", content_type="text/xml; charset=utf-8")
    assert response.status_code == 415
    assert "was not the expected type 'multipart/related" in response.text


def test_ares_error_bodies(http: requests.Session, base_url: str) -> None:
    missing = http.get(base_url + ARES_PATH + "/ekonomicke-subjekty/27082440")
    assert missing.status_code == 404
    assert missing.json()["kod"] == "NENALEZENO"
    malformed = http.get(base_url + ARES_PATH + "/ekonomicke-subjekty/123")
    assert malformed.status_code == 400
    assert malformed.json()["kod"] == "CHYBA_VSTUPU"


def test_fixtures_location_from_the_environment(fixtures: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setenv("REGISTERS_FIXTURES", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="REGISTERS_FIXTURES"):
        FakeRegisters()
    assert fixtures_dir(fixtures) == fixtures  # an explicit path wins over the environment


def test_cli_prints_both_base_urls_and_serves() -> None:
    repo_root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k != "REGISTERS_FIXTURES"}
    with subprocess.Popen([sys.executable, "-m", "panel.registers.fake", "--port", "0"], cwd=repo_root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            gus_line, ares_line = process.stdout.readline(), process.stdout.readline()
            assert gus_line.startswith("GUS_URL=http://127.0.0.1:") and gus_line.rstrip().endswith(GUS_PATH)
            ares_url = ares_line.strip().removeprefix("ARES_URL=")
            with requests.Session() as http:
                assert http.get(f"{ares_url}/ekonomicke-subjekty/26168685", timeout=5).json()["ico"] == "26168685"
        finally:
            process.terminate()
            process.wait(timeout=5)
