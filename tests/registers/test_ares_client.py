"""AresClient against the fake ARES over real HTTP, and the ARES field mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from panel.registers import (
    AresClient,
    CompanyNotFound,
    InvalidIdentifier,
    MemoryCache,
    RegisterProtocolError,
    RegisterUnavailable,
)
from panel.registers.ares import record_from_ares
from panel.registers.fake import ARES_PATH, FakeRegisters


def _asked(fake: FakeRegisters) -> list[str]:
    return [c.argument for c in fake.calls if c.register == "ARES"]


def test_found_record_is_mapped(ares: AresClient, fake: FakeRegisters) -> None:
    record = ares.search_ico("26168685")

    assert record.country == "CZ"
    assert record.name == "Seznam.cz, a.s."
    assert (record.ico, record.dic, record.nip, record.regon) == ("26168685", "CZ26168685", None, None)
    assert (record.street, record.building, record.flat) == ("Radlická", "3294/10", None)
    assert (record.postcode, record.city, record.country_name) == ("150 00", "Praha 5", "Česká republika")
    assert record.raw["pravniForma"] == "121"
    assert _asked(fake) == ["26168685"]


def test_short_ico_is_padded_before_asking(ares: AresClient, fake: FakeRegisters) -> None:
    with pytest.raises(CompanyNotFound):
        ares.search_ico("177041")
    assert _asked(fake) == ["00177041"]


def test_not_found_is_final(ares: AresClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    with pytest.raises(CompanyNotFound, match="nenalezen"):
        ares.search_ico("27082440")
    assert _asked(fake) == ["27082440"]
    assert sleeps == []


def test_invalid_ico_makes_no_http_call(ares: AresClient, fake: FakeRegisters) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        ares.search_ico("12345678")
    assert info.value.code == "ico_checksum"
    assert fake.calls == []


def test_transient_503_is_retried(ares: AresClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    assert ares.search_ico("11111119").name == "Testovací výpadek s.r.o."
    assert _asked(fake) == ["11111119", "11111119"]
    assert sleeps == [0.5]


def test_persistent_outage_is_unavailable(ares: AresClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    with pytest.raises(RegisterUnavailable, match="HTTP 503"):
        ares.search_ico("22222227")
    assert len(_asked(fake)) == 3
    assert sleeps == [0.5, 1.0]


def test_timeout_is_unavailable(base_url: str, http: requests.Session, sleeps: list[float]) -> None:
    client = AresClient(base_url + ARES_PATH, timeout=(2, 0.2), session=http, max_retries=0, sleep=sleeps.append)
    with pytest.raises(RegisterUnavailable, match="Timeout"):
        client.search_ico("33333335")
    assert sleeps == []


def test_a_404_that_is_not_ares_is_a_protocol_error(base_url: str, http: requests.Session) -> None:
    client = AresClient(base_url + "/wrong/rest", session=http)
    with pytest.raises(RegisterProtocolError, match="HTTP 404"):
        client.search_ico("26168685")


def test_cache_hit_makes_no_http_call(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    cache = MemoryCache()
    first = AresClient(base_url + ARES_PATH, session=http, cache=cache).search_ico("26168685")
    second = AresClient(base_url + ARES_PATH, session=http, cache=cache).search_ico("26168685")
    assert second == first
    assert _asked(fake) == ["26168685"]


def test_unreadable_cache_entry_is_a_miss(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    cache = MemoryCache()
    cache.set("ares:ico:26168685", "{not json", 60)
    record = AresClient(base_url + ARES_PATH, session=http, cache=cache).search_ico("26168685")
    assert record.name == "Seznam.cz, a.s."
    assert json.loads(cache.get("ares:ico:26168685"))["record"]["dic"] == "CZ26168685"


def test_village_non_vat_payer_mapping(fixtures: Path) -> None:
    data = json.loads((fixtures / "ares/ekonomicke-subjekty_26168685_seznam.json").read_text("utf-8"))
    del data["dic"]
    data["sidlo"] = {"nazevStatu": "Česká republika", "nazevObce": "Lhota", "nazevCastiObce": "Lhota",
                     "cisloDomovni": 12, "psc": 1234}
    record = record_from_ares(data)
    assert record.dic is None
    assert (record.street, record.building, record.postcode, record.city) == ("Lhota", "12", "012 34", "Lhota")


def test_orientation_letter_and_foreign_postcode() -> None:
    record = record_from_ares({
        "icoId": "ARES_00363445", "obchodniJmeno": "Foreign branch",
        "sidlo": {"nazevUlice": "Hlavná", "cisloDomovni": 1, "cisloOrientacni": 2, "cisloOrientacniPismeno": "b",
                  "pscTxt": "811 01", "nazevObce": "Bratislava"},
    })
    assert (record.ico, record.building, record.postcode) == ("ARES_00363445", "1/2b", "811 01")


def test_subject_without_a_name_is_a_protocol_error() -> None:
    with pytest.raises(RegisterProtocolError):
        record_from_ares({"ico": "26168685"})
