"""GusClient against the fake GUS over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import requests

from panel.registers import (
    CompanyNotFound,
    GusClient,
    InvalidIdentifier,
    MemoryCache,
    RegisterAuthError,
    RegisterProtocolError,
    RegisterUnavailable,
)
from panel.registers import gus as gus_module
from panel.registers.fake import GUS_PATH, FakeRegisters


def _ops(fake: FakeRegisters) -> list[str]:
    return [c.operation for c in fake.calls if c.register == "GUS"]


def test_login_then_search_by_nip(gus: GusClient, fake: FakeRegisters) -> None:
    record = gus.search_nip("PL 774-000-14-54")

    assert record.name == "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA"
    assert (record.nip, record.regon) == ("7740001454", "610188201")
    assert (record.street, record.building, record.flat) == ("ul. Test-Wilcza", "7", None)
    assert (record.postcode, record.city) == ("09-411", "Płock")
    assert record.raw["dane"][0]["Typ"] == "P"

    login, search = fake.calls
    assert (login.operation, login.argument, login.sid) == ("Zaloguj", "abcde12345abcde12345", None)
    # The session id travels in the HTTP header, the identifier normalised.
    assert (search.operation, search.argument) == ("DaneSzukajPodmioty", "7740001454")
    assert search.sid is not None and len(search.sid) == 20


def test_the_session_is_reused(gus: GusClient, fake: FakeRegisters) -> None:
    gus.search_nip("7740001454")
    gus.search_nip("5261040828")
    gus.search_regon("000331501")
    assert _ops(fake) == ["Zaloguj", "DaneSzukajPodmioty", "DaneSzukajPodmioty", "DaneSzukajPodmioty"]


def test_search_by_regon(gus: GusClient) -> None:
    record = gus.search_regon("000331501")
    assert record.name == "GŁÓWNY URZĄD STATYSTYCZNY"
    assert (record.nip, record.postcode, record.city) == ("5261040828", "00-925", "Warszawa")


def test_every_row_of_a_multi_activity_answer_is_kept(gus: GusClient) -> None:
    record = gus.search_nip("5170359458")
    assert [row["SilosID"] for row in record.raw["dane"]] == ["6", "2"]
    assert record.name == "ZAKŁAD MALARSKI TEST"


def test_not_found_is_asked_once(gus: GusClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    with pytest.raises(CompanyNotFound, match="Nie znaleziono"):
        gus.search_nip("1234563218")
    assert _ops(fake) == ["Zaloguj", "DaneSzukajPodmioty"]
    assert sleeps == []


def test_invalid_nip_makes_no_http_call(gus: GusClient, fake: FakeRegisters) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        gus.search_nip("0099112233")
    assert info.value.code == "nip_checksum"
    assert fake.calls == []


def test_wrong_key_is_an_auth_error(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    client = GusClient("wrongkey0wrongkey000", base_url + GUS_PATH, session=http)
    with pytest.raises(RegisterAuthError):
        client.search_nip("7740001454")
    assert _ops(fake) == ["Zaloguj"]


def test_dead_session_is_replaced_once(gus: GusClient, fake: FakeRegisters) -> None:
    gus.search_nip("7740001454")
    fake.expire_sessions()
    record = gus.search_nip("5261040828")

    assert record.regon == "000331501"
    assert _ops(fake) == ["Zaloguj", "DaneSzukajPodmioty",
                          "DaneSzukajPodmioty", "GetValue", "Zaloguj", "DaneSzukajPodmioty"]
    first_sid, dead_sid, new_sid = (c.sid for c in fake.calls if c.operation == "DaneSzukajPodmioty")
    assert first_sid == dead_sid != new_sid


def test_session_dying_after_n_searches(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    fake.session_calls = 2
    client = GusClient(url=base_url + GUS_PATH, session=http)
    names = [client.search_nip(nip).name for nip in ("7740001454", "5261040828", "5170359458")]
    assert names[2] == "ZAKŁAD MALARSKI TEST"
    assert _ops(fake).count("Zaloguj") == 2  # the third search needed a new session


def test_session_killed_mid_search_by_the_fault_nip(gus: GusClient, fake: FakeRegisters) -> None:
    record = gus.search_nip("4444444444")
    assert record.name == "TEST SESJA WYGASA SP. Z O.O."
    assert _ops(fake).count("Zaloguj") == 2


def test_a_session_that_stays_dead_is_reported(gus: GusClient, fake: FakeRegisters) -> None:
    fake.session_calls = 0  # every session is dead on arrival
    with pytest.raises(RegisterProtocolError, match="fresh session"):
        gus.search_nip("7740001454")
    assert _ops(fake).count("Zaloguj") == 2  # re-login once, not forever


def test_transient_500_is_retried(gus: GusClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    record = gus.search_nip("1111111111")
    assert record.name == "TEST AWARIA 500 SP. Z O.O."
    assert _ops(fake) == ["Zaloguj", "DaneSzukajPodmioty", "DaneSzukajPodmioty"]
    assert sleeps == [0.5]


def test_persistent_500_gives_up_as_unavailable(gus: GusClient, fake: FakeRegisters, sleeps: list[float]) -> None:
    with pytest.raises(RegisterUnavailable, match="HTTP 500"):
        gus.search_nip("2222222222")
    assert _ops(fake).count("DaneSzukajPodmioty") == 3  # max_retries=2
    assert sleeps == [0.5, 1.0]  # exponential back-off


def test_timeout_is_unavailable(base_url: str, http: requests.Session, fake: FakeRegisters,
                                sleeps: list[float]) -> None:
    client = GusClient(url=base_url + GUS_PATH, session=http, timeout=(2, 0.2), max_retries=1,
                       sleep=sleeps.append)
    with pytest.raises(RegisterUnavailable, match="Timeout"):
        client.search_nip("3333333333")
    assert _ops(fake).count("DaneSzukajPodmioty") == 2
    assert sleeps == [0.5]


def test_connection_refused_is_unavailable(http: requests.Session, sleeps: list[float]) -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    client = GusClient(url="http://127.0.0.1:9" + GUS_PATH, session=http, max_retries=1, sleep=sleeps.append)
    with pytest.raises(RegisterUnavailable, match="ConnectionError"):
        client.search_nip("7740001454")
    assert sleeps == [0.5]


def test_sender_fault_is_not_retried(gus: GusClient, fake: FakeRegisters, sleeps: list[float],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # WCF answers a wrong wsa:Action with HTTP 500 and a Sender fault: our bug, not an outage.
    original = gus_module.build_envelope

    def wrong_action(operation: str, params_xml: str, url: str) -> bytes:
        return original(operation, params_xml, url).replace(b"/DaneSzukajPodmioty</wsa:Action>", b"/Szukaj</wsa:Action>")

    monkeypatch.setattr(gus_module, "build_envelope", wrong_action)
    with pytest.raises(RegisterProtocolError, match="Sender"):
        gus.search_nip("7740001454")
    assert _ops(fake) == ["Zaloguj"]  # the faulted search is not logged as a search
    assert sleeps == []


def test_wrong_url_is_a_protocol_error(base_url: str, http: requests.Session, sleeps: list[float]) -> None:
    client = GusClient(url=base_url + "/wsBIR/nope.svc", session=http, sleep=sleeps.append)
    with pytest.raises(RegisterProtocolError, match="HTTP 404"):
        client.search_nip("7740001454")
    assert sleeps == []


def test_cache_hit_makes_no_http_call(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    cache = MemoryCache()
    client = GusClient(url=base_url + GUS_PATH, session=http, cache=cache)
    first = client.search_nip("7740001454")
    calls_after_first = len(fake.calls)

    second = GusClient(url=base_url + GUS_PATH, session=http, cache=cache).search_nip("774-000-14-54")

    assert second == first
    assert len(fake.calls) == calls_after_first
    assert json.loads(cache.get("gus:nip:7740001454"))["record"]["regon"] == "610188201"


def test_not_found_is_cached_briefly(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    client = GusClient(url=base_url + GUS_PATH, session=http, cache=cache, not_found_ttl=60)
    for _ in range(2):
        with pytest.raises(CompanyNotFound):
            client.search_nip("1234563218")
    assert _ops(fake).count("DaneSzukajPodmioty") == 1

    now[0] = 61.0
    with pytest.raises(CompanyNotFound):
        client.search_nip("1234563218")
    assert _ops(fake).count("DaneSzukajPodmioty") == 2


class DictCache(dict[str, str]):
    """The smallest object satisfying the cache protocol (TTL ignored)."""

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self[key] = value


def test_session_id_is_shared_through_the_cache(base_url: str, http: requests.Session, fake: FakeRegisters) -> None:
    cache = DictCache()
    GusClient(url=base_url + GUS_PATH, session=http, cache=cache).search_nip("7740001454")
    # Another process (an RQ work-horse) reuses the session instead of logging in.
    GusClient(url=base_url + GUS_PATH, session=http, cache=cache).search_nip("5261040828")
    assert _ops(fake).count("Zaloguj") == 1
    sid_keys = [k for k in cache if k.startswith("gus:sid:")]
    assert len(sid_keys) == 1 and "abcde12345" not in sid_keys[0]  # the API key never shows in Redis
    assert cache[sid_keys[0]] == fake.calls[1].sid
