"""lookup_company, CompanyRecord serialisation, the cache and the retry policy."""

from __future__ import annotations

import json

import pytest

from panel.registers import (
    AresClient,
    CompanyRecord,
    GusClient,
    InvalidIdentifier,
    MemoryCache,
    RegisterAuthError,
    RegisterUnavailable,
    lookup_company,
)
from panel.registers.base import call_with_retries
from panel.registers.fake import FakeRegisters


def test_poland_goes_to_gus_by_nip(gus: GusClient, ares: AresClient, fake: FakeRegisters) -> None:
    record = lookup_company("pl", "PL5261040828", gus=gus, ares=ares)
    assert (record.country, record.regon) == ("PL", "000331501")
    assert {c.register for c in fake.calls} == {"GUS"}


def test_czechia_goes_to_ares_by_ico(gus: GusClient, ares: AresClient, fake: FakeRegisters) -> None:
    record = lookup_company(" CZ ", "26168685", gus=gus, ares=ares)
    assert (record.country, record.dic) == ("CZ", "CZ26168685")
    assert {c.register for c in fake.calls} == {"ARES"}


def test_other_countries_are_refused_without_http(gus: GusClient, ares: AresClient, fake: FakeRegisters) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        lookup_company("SK", "35757442", gus=gus, ares=ares)
    assert info.value.code == "country_unsupported"
    assert fake.calls == []


def test_record_survives_a_json_round_trip(gus: GusClient) -> None:
    record = gus.search_nip("7740001454")
    restored = CompanyRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert restored == record
    assert restored.raw["dane"][0]["Nazwa"] == record.name


def test_from_dict_tolerates_other_versions() -> None:
    record = CompanyRecord.from_dict({"country": "CZ", "name": "X", "ico": "26168685", "added_later": 1})
    assert (record.ico, record.street, record.raw) == ("26168685", None, {})


def test_records_are_frozen_and_hashable() -> None:
    record = CompanyRecord(country="PL", name="X", raw={"dane": []})
    with pytest.raises(AttributeError):
        record.name = "Y"  # type: ignore[misc]
    # raw (a dict) is left out of the hash, so records can live in sets.
    assert len({record, CompanyRecord.from_dict(record.to_dict())}) == 1


def test_memory_cache_expires() -> None:
    now = [100.0]
    cache = MemoryCache(clock=lambda: now[0])
    cache.set("k", "v", 10)
    assert cache.get("k") == "v"
    now[0] = 110.0
    assert cache.get("k") is None
    assert cache.get("never") is None


def test_retries_only_transient_errors() -> None:
    sleeps: list[float] = []
    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RegisterUnavailable("down")
        return "ok"

    assert call_with_retries(flaky, max_retries=2, backoff=0.1, sleep=sleeps.append) == "ok"
    assert sleeps == [0.1, 0.2]

    def refused() -> str:
        attempts.append(1)
        raise RegisterAuthError("bad key")

    attempts.clear()
    with pytest.raises(RegisterAuthError):
        call_with_retries(refused, max_retries=2, backoff=0.1, sleep=sleeps.append)
    assert len(attempts) == 1
