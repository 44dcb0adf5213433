"""Browser tests: the test app served on 127.0.0.1 and driven by Playwright in Debian's chromium.

CSRF is on here, as in production. Every page's console errors (a CSP violation is one) fail
the test that caused them.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def _server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live_server(app, _server):
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["JOBS_IN_PROCESS_SYNC"] = False
    yield _server
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(_browser, live_server):
    context = _browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 860},
                                   locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(8000)
    problems: list[str] = []
    def _console(msg):
        # A 4xx answer (422 for an invalid form, 401 for a wrong password) is the app working.
        if msg.type == "error" and "the server responded with a status of 4" not in msg.text:
            problems.append(msg.text)

    page.on("console", _console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()
    assert not problems, f"browser console errors: {problems}"


def sign_in(page, person, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", person.email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar is drawn mid-page
    page.screenshot(path=str(path), full_page=True)
    return path
