"""Every password check counts per account, per address and per known device; the owner of an
account under attack still gets in; an address that keeps failing waits longer and longer."""
import threading

import pytest

from panel.services import accounts, throttle

from .conftest import login
from .factories import PASSWORD


def _login(client, email, password, address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _attack(app, email, address="10.6.6.6", times=None):
    """Wrong passwords for `email` from a browser of its own, until the account is locked."""
    attacker = app.test_client()
    for _ in range(times or app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]):
        assert _login(attacker, email, "wrong-guess", address).status_code == 401
    return attacker


def test_the_attacking_address_is_refused_even_the_right_password(app, world_a):
    attacker = _attack(app, world_a.owner.email)
    resp = _login(attacker, world_a.owner.email, PASSWORD, "10.6.6.6")
    assert resp.status_code == 429 and "Too many failed attempts" in resp.text
    assert resp.headers["Retry-After"] == str(throttle.WINDOW_SECONDS)


def test_the_owner_from_a_clean_address_signs_in_during_an_attack(app, world_a):
    attacker = _attack(app, world_a.owner.email)
    owner = app.test_client()
    assert _login(owner, world_a.owner.email, PASSWORD, "192.0.2.10").status_code == 302
    assert owner.get("/").status_code == 200
    # The owner's sign-in does not hand the attacker a fresh set of guesses.
    assert _login(attacker, world_a.owner.email, PASSWORD, "10.6.6.6").status_code == 429


def test_a_clean_address_gets_one_check_while_the_account_is_locked(app, world_a):
    _attack(app, world_a.owner.email)
    other = app.test_client()
    assert _login(other, world_a.owner.email, "second-guess", "10.7.7.7").status_code == 401
    # That address has failed here now: it is shut out like the first.
    assert _login(other, world_a.owner.email, PASSWORD, "10.7.7.7").status_code == 429


def test_a_known_device_signs_in_from_the_attacked_address(app, world_a):
    owner = app.test_client()
    assert _login(owner, world_a.owner.email, PASSWORD, "10.6.6.6").status_code == 302
    assert owner.get_cookie(throttle.DEVICE_COOKIE) is not None
    owner.post("/logout")
    # Someone behind the same router guesses the owner's password until the account locks ...
    _attack(app, world_a.owner.email, "10.6.6.6")
    assert _login(app.test_client(), world_a.owner.email, PASSWORD, "10.6.6.6").status_code == 429
    # ... and the owner's own browser, known to the account, still gets in.
    assert _login(owner, world_a.owner.email, PASSWORD, "10.6.6.6").status_code == 302


def test_a_known_device_is_per_account_and_signed(app, world_a):
    shared = app.test_client()
    assert _login(shared, world_a.manager.email, PASSWORD).status_code == 302
    _attack(app, world_a.owner.email, "10.0.0.1")
    # The till knows the manager, not the owner: no way round the owner's lock from here.
    assert _login(shared, world_a.owner.email, PASSWORD).status_code == 429
    forged = app.test_client()
    forged.set_cookie(throttle.DEVICE_COOKIE, shared.get_cookie(throttle.DEVICE_COOKIE).value + "x")
    assert _login(forged, world_a.owner.email, PASSWORD).status_code == 429


def test_a_known_device_has_a_failure_budget_of_its_own(app, world_a):
    device = app.test_client()
    assert _login(device, world_a.owner.email, PASSWORD, "10.0.0.1").status_code == 302
    device.post("/logout")
    limit = app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]
    for _ in range(limit):
        assert _login(device, world_a.owner.email, "wrong-guess", "10.0.0.1").status_code == 401
    # Its own failures never locked the account for everyone else.
    assert _login(app.test_client(), world_a.owner.email, PASSWORD, "10.0.0.2").status_code == 302
    # Past its budget the device is just another browser at a failing address.
    _attack(app, world_a.owner.email, "10.0.0.1")
    assert _login(device, world_a.owner.email, PASSWORD, "10.0.0.1").status_code == 429


def test_the_address_backs_off_progressively(app, world_a, monkeypatch):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPTS_PER_ADDRESS", 3)
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_MAX_DELAY", 8)
    client = app.test_client()
    for n in range(3):  # the free allowance, on three different accounts
        assert _login(client, f"guess{n}@x.test", "nope", "10.1.1.1").status_code == 401
    waits = []
    for i in range(6):
        resp = _login(client, f"other{i}@x.test", "nope", "10.1.1.1")
        assert resp.status_code == 429 and "Try again in" in resp.text
        wait = int(resp.headers["Retry-After"])
        waits.append(wait)
        clock[0] += wait
        assert _login(client, f"other{i}@x.test", "nope", "10.1.1.1").status_code == 401
    assert waits == [1, 2, 4, 8, 8, 8]  # doubling, capped
    # Only that address waits; the owner elsewhere signs in at once.
    assert _login(app.test_client(), world_a.owner.email, PASSWORD, "10.2.2.2").status_code == 302
    # A success from the waiting address costs it nothing further.
    clock[0] += 8
    assert _login(app.test_client(), world_a.owner.email, PASSWORD, "10.1.1.1").status_code == 302


def test_the_change_password_page_counts_with_the_sign_in(app, world_a):
    c = login(app.test_client(), world_a.owner.id, world_a.owner.fingerprint, world_a.tenant_id)
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]):
        resp = c.post("/account/password", data={"current_password": "wrong", "new_password": "brand-new-password-1"},
                      environ_base={"REMOTE_ADDR": "10.3.3.3"})
        assert resp.status_code == 422 and "The current password is not right." in resp.text
    resp = c.post("/account/password", data={"current_password": PASSWORD, "new_password": "brand-new-password-1"},
                  environ_base={"REMOTE_ADDR": "10.3.3.3"})
    assert resp.status_code == 422 and "Too many failed attempts" in resp.text
    assert _login(app.test_client(), world_a.owner.email, PASSWORD, "10.3.3.3").status_code == 429


def _parallel_guesses(app, monkeypatch, emails: list[str], address: str) -> int:
    """Send one wrong guess per e-mail, all at once from `address`; return how many were checked."""
    checks, lock = [0], threading.Lock()
    real = accounts.authenticate

    def counted(email, password):
        with lock:
            checks[0] += 1
        return real(email, password)

    monkeypatch.setattr(accounts, "authenticate", counted)
    barrier = threading.Barrier(len(emails))
    answers = []

    def guess(email):
        client = app.test_client()
        barrier.wait()
        answers.append(_login(client, email, "wrong-guess", address).status_code)

    threads = [threading.Thread(target=guess, args=(e,)) for e in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(answers)) == [401, 429] and answers.count(401) == checks[0]
    return checks[0]


@pytest.fixture(params=["redis", "memory"])
def store(request, monkeypatch):
    """Each parallel test runs on Redis and on the in-memory fallback (emptied before and after)."""
    if request.param == "memory":
        monkeypatch.setattr(throttle, "redis_available", lambda: False)
    throttle._memory.delete(*list(throttle._memory._data))
    yield request.param
    throttle._memory.delete(*list(throttle._memory._data))


@pytest.mark.pg_only
def test_parallel_guesses_get_exactly_the_limit_of_checks(app, world_a, monkeypatch, store):
    limit = app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]
    assert _parallel_guesses(app, monkeypatch, [world_a.owner.email] * 20, "10.4.4.4") == limit


@pytest.mark.pg_only
def test_parallel_guesses_from_one_address_get_its_free_allowance(app, monkeypatch, store):
    free = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    emails = [f"someone{n}@x.test" for n in range(free * 2)]
    assert _parallel_guesses(app, monkeypatch, emails, "10.5.5.5") == free


def test_an_ipv6_subscriber_counts_as_one_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPTS_PER_ADDRESS", 3)
    client = app.test_client()
    for n in range(3):  # each guess from another address of the same /64
        assert _login(client, f"guess{n}@x.test", "nope", f"2001:db8:1:2::{n + 1}").status_code == 401
    assert _login(client, "guess9@x.test", "nope", "2001:db8:1:2:ffff::9").status_code == 429
    assert _login(client, "guess9@x.test", "nope", "2001:db8:1:3::1").status_code == 401
