"""Fixtures for the register clients: the fake registers on a real local socket."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from panel.registers import AresClient, GusClient
from panel.registers.fake import ARES_PATH, GUS_PATH, FakeRegisters, fixtures_dir, serve_in_thread


@pytest.fixture
def _clean() -> None:
    """Replaces the suite's autouse database/Redis cleanup: these tests use neither."""


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """The recorded register responses."""
    return fixtures_dir()


@pytest.fixture
def fake() -> FakeRegisters:
    # Short enough to keep the suite fast, long enough to outlast the test timeouts.
    return FakeRegisters(slow_seconds=1.0)


@pytest.fixture
def base_url(fake: FakeRegisters) -> Iterator[str]:
    server, url = serve_in_thread(fake=fake)
    yield url
    server.stop()


@pytest.fixture
def http(base_url: str) -> Iterator[requests.Session]:
    # Depends on base_url so that it is closed before the server stops.
    with requests.Session() as session:
        yield session


@pytest.fixture
def sleeps() -> list[float]:
    """Back-off delays the clients asked for; they are recorded, never slept."""
    return []


@pytest.fixture
def gus(base_url: str, http: requests.Session, sleeps: list[float]) -> GusClient:
    return GusClient(url=base_url + GUS_PATH, session=http, sleep=sleeps.append, timeout=(2, 5))


@pytest.fixture
def ares(base_url: str, http: requests.Session, sleeps: list[float]) -> AresClient:
    return AresClient(url=base_url + ARES_PATH, session=http, sleep=sleeps.append, timeout=(2, 5))
