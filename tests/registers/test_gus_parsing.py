"""Parsing the recorded GUS answers directly, without HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from panel.registers import CompanyNotFound, RegisterProtocolError
from panel.registers.gus import (
    build_envelope,
    parse_rows,
    raise_for_error,
    read_result,
    record_from_rows,
    unwrap_mtom,
)

SID = "c47xb5n78ppgc9hks85f"


def _read(fixtures: Path, name: str) -> str:
    return (fixtures / name).read_text("utf-8-sig")


def _on_the_wire(inner_xml: str, operation: str = "DaneSzukajPodmioty") -> str:
    """The inner document as the live service sends it: entity-escaped, CR as &#xD;."""
    text = escape(inner_xml.replace("\n", "\r\n")).replace("\r", "&#xD;")
    return (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
        f'<{operation}Response xmlns="http://CIS/BIR/PUBL/2014/07"><{operation}Result>{text}'
        f"</{operation}Result></{operation}Response></s:Body></s:Envelope>"
    )


def test_mtom_login_response_unwraps_to_the_session_id(fixtures: Path) -> None:
    body = (fixtures / "johnzuk_GusApi/rawSOAPResponse_zaloguj_mtom.txt").read_bytes()
    envelope = unwrap_mtom(body)
    assert envelope.startswith("<s:Envelope") and envelope.endswith("</s:Envelope>")
    assert "--uuid:" not in envelope
    assert read_result(envelope, "Zaloguj") == SID


def test_plain_soap_response_is_accepted_too(fixtures: Path) -> None:
    body = (fixtures / "johnzuk_GusApi/validSOAPResponse_zaloguj_envelope.xml").read_bytes()
    assert read_result(unwrap_mtom(body), "Zaloguj") == SID


def test_mtom_body_with_an_escaped_ampersand_in_a_value() -> None:
    envelope = _on_the_wire("<root>\n  <dane>\n    <Nazwa>A &amp; B</Nazwa>\n  </dane>\n</root>")
    assert "A &amp;amp; B" in envelope  # escaped twice on the wire, as GUS does
    body = (
        "\r\n--uuid:x+id=1\r\nContent-ID: <http://tempuri.org/0>\r\n"
        'Content-Type: application/xop+xml;charset=utf-8;type="application/soap+xml"\r\n\r\n'
        f"{envelope}\r\n--uuid:x+id=1--\r\n"
    ).encode()
    rows = parse_rows(read_result(unwrap_mtom(body), "DaneSzukajPodmioty"))
    assert rows == [{"Nazwa": "A & B"}]


@pytest.mark.parametrize("body", [b"", b"<html>500</html>", "\r\n--uuid:x\r\n\r\n<s:Envelope>".encode()])
def test_non_soap_bodies_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(RegisterProtocolError):
        unwrap_mtom(body)


def test_empty_results_read_as_empty_strings() -> None:
    envelope = (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
        '<ZalogujResponse xmlns="http://CIS/BIR/PUBL/2014/07"><ZalogujResult/></ZalogujResponse>'
        "</s:Body></s:Envelope>"
    )
    assert read_result(envelope, "Zaloguj") == ""


def test_a_missing_result_element_is_a_protocol_error(fixtures: Path) -> None:
    envelope = _read(fixtures, "johnzuk_GusApi/validSOAPResponse_zaloguj_envelope.xml")
    with pytest.raises(RegisterProtocolError, match="DaneSzukajPodmiotyResult"):
        read_result(envelope, "DaneSzukajPodmioty")


def test_soap_fault_is_a_protocol_error() -> None:
    envelope = (
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault>'
        "<s:Code><s:Value>s:Sender</s:Value></s:Code>"
        '<s:Reason><s:Text xml:lang="en-US">ActionNotSupported</s:Text></s:Reason>'
        "</s:Fault></s:Body></s:Envelope>"
    )
    with pytest.raises(RegisterProtocolError, match="Sender: ActionNotSupported"):
        read_result(envelope, "DaneSzukajPodmioty")


def test_dtds_in_the_inner_document_are_refused() -> None:
    # The inner document is a string the service hands us; entity tricks stay out.
    inner = '<!DOCTYPE root [<!ENTITY a "aaaa">]><root><dane><Nazwa>&a;</Nazwa></dane></root>'
    with pytest.raises(RegisterProtocolError, match="DTD"):
        parse_rows(inner)


def test_single_row_keeps_every_field(fixtures: Path) -> None:
    rows = parse_rows(_read(fixtures, "johnzuk_GusApi/searchDataResponseResultSingle.inner.xml"))
    assert len(rows) == 1
    assert list(rows[0]) == [
        "Regon", "Nip", "StatusNip", "Nazwa", "Wojewodztwo", "Powiat", "Gmina", "Miejscowosc",
        "KodPocztowy", "Ulica", "NrNieruchomosci", "NrLokalu", "Typ", "SilosID", "DataZakonczeniaDzialalnosci",
    ]
    assert rows[0]["Regon"] == "02092251199990"  # leading zero kept: values stay strings
    assert rows[0]["NrLokalu"] == ""

    record = record_from_rows(rows)
    assert record.country == "PL"
    assert record.name == "ZAKŁAD MALARSKI TEST"
    assert (record.nip, record.regon) == ("0099112233", "02092251199990")
    assert (record.street, record.building, record.flat) == ("ul. Test-Krucza", "208", None)
    assert (record.postcode, record.city) == ("50-038", "Wrocław")
    assert record.raw == {"dane": rows}


def test_entity_escaped_wire_form_parses_like_the_recording(fixtures: Path) -> None:
    inner = _read(fixtures, "johnzuk_GusApi/searchDataResponseResultSingle.inner.xml")
    wire = _on_the_wire(inner)
    assert "&lt;root&gt;&#xD;\n" in wire
    assert parse_rows(read_result(wire, "DaneSzukajPodmioty")) == parse_rows(inner)


def test_several_rows_are_all_kept_and_the_legal_person_is_chosen(fixtures: Path) -> None:
    rows = parse_rows(_read(fixtures, "johnzuk_GusApi/searchDataReponseResultMulti.inner.xml"))
    assert [r["Nazwa"] for r in rows] == ["ZAKŁAD MALARSKI TEST", "GOSPODARSTWO ROLNE"]
    record = record_from_rows(list(reversed(rows)))
    assert record.name == "ZAKŁAD MALARSKI TEST"  # Typ P beats the F farm row, wherever it is
    assert record.raw["dane"] == list(reversed(rows))


def test_sole_trader_prefers_the_active_ceidg_activity() -> None:
    farm = {"Nazwa": "GOSPODARSTWO ROLNE", "Typ": "F", "SilosID": "2", "DataZakonczeniaDzialalnosci": ""}
    shop = {"Nazwa": "SKLEP", "Typ": "F", "SilosID": "1", "DataZakonczeniaDzialalnosci": ""}
    closed = {"Nazwa": "STARY SKLEP", "Typ": "F", "SilosID": "1", "DataZakonczeniaDzialalnosci": "2015-01-01"}
    assert record_from_rows([closed, farm, shop]).name == "SKLEP"
    assert record_from_rows([closed, farm]).name == "GOSPODARSTWO ROLNE"


def test_village_address_without_street(fixtures: Path) -> None:
    # The GUS sample's second activity has no <Ulica> at all.
    samples = _read(fixtures, "orkanap_regonapi_gusdoc/Responses.txt")
    second = re.findall(r"<root>.*?</root>", samples, re.S)[1]
    farm = parse_rows(second)[1]
    assert "Ulica" not in farm
    record = record_from_rows([farm])
    assert (record.street, record.building, record.postcode, record.city) == ("Sulów", "zz", "23-213", "Sulów")


def test_post_town_and_undashed_postcode_are_normalised() -> None:
    row = {"Nazwa": "X", "Miejscowosc": "Łomianki Dolne", "MiejscowoscPoczty": "Łomianki", "KodPocztowy": "05092"}
    record = record_from_rows([row])
    assert (record.city, record.postcode) == ("Łomianki", "05-092")


def test_gus_documentation_sample_parses(fixtures: Path) -> None:
    samples = _read(fixtures, "orkanap_regonapi_gusdoc/Responses.txt")
    record = record_from_rows(parse_rows(re.search(r"<root>.*?</root>", samples, re.S).group(0)))
    assert record.name == "GŁÓWNY URZĄD STATYSTYCZNY"
    assert (record.nip, record.regon, record.postcode) == ("5261040828", "000331501", "00-925")


def test_not_found_reply_raises_company_not_found(fixtures: Path) -> None:
    reply = _read(fixtures, "orkanap_regonapi_gusdoc/ErrRespSearch.txt")
    rows = parse_rows(read_result(reply, "DaneSzukajPodmioty"))  # CDATA, as GUS documents it
    assert rows[0]["ErrorCode"] == "4" and rows[0]["Nip"] == "9999999999"
    with pytest.raises(CompanyNotFound, match="Nie znaleziono podmiotu"):
        raise_for_error(rows)


def test_report_error_replies_map_to_errors(fixtures: Path) -> None:
    # Reports share the in-band error format; GUS documents them as CDATA.
    documents = re.findall(r"<!\[CDATA\[(.*?)\]\]>", _read(fixtures, "orkanap_regonapi_gusdoc/ErrRespReports.txt"), re.S)
    rows = [parse_rows(doc) for doc in documents]
    assert [r[0]["ErrorCode"] for r in rows] == ["4", "5", "11", "21", "22"]
    with pytest.raises(CompanyNotFound):
        raise_for_error(rows[0])
    with pytest.raises(RegisterProtocolError, match="error 5: Nieprawidłowa lub pusta nazwa raportu"):
        raise_for_error(rows[1])
    with pytest.raises(RegisterProtocolError, match="error 21: Podmiot nie jest spółką cywilną"):
        raise_for_error(rows[3])


def test_an_empty_result_document_is_not_found() -> None:
    with pytest.raises(CompanyNotFound):
        raise_for_error(parse_rows("<root />"))


def test_request_envelope_matches_the_documented_shape() -> None:
    url = "https://wyszukiwarkaregontest.stat.gov.pl/wsBIR/UslugaBIRzewnPubl.svc"
    body = build_envelope("GetValue", "<ns:pNazwaParametru>KomunikatKod</ns:pNazwaParametru>", url).decode()
    assert 'xmlns:soap="http://www.w3.org/2003/05/soap-envelope"' in body
    assert 'xmlns:ns="http://CIS/BIR/2014/07"' in body  # GetValue's own namespace
    assert "<wsa:Action>http://CIS/BIR/2014/07/IUslugaBIR/GetValue</wsa:Action>" in body
    assert f"<wsa:To>{url}</wsa:To>" in body
    assert "<ns:GetValue><ns:pNazwaParametru>KomunikatKod</ns:pNazwaParametru></ns:GetValue>" in body
