"""The benchmarks' HTTP client: what it costs should be the server's time, not the client's.

requests spends about a millisecond of Python on every call on this machine (building the
prepared request, the cookie jar, urllib3's pool): against bench.minimal_app it measured
p50 1.5 ms where http.client measured 0.65 ms and a bare socket 0.45 ms. That millisecond was
in every figure, floors included, and no browser pays it. So the timed requests go through
http.client, one fresh connection each, as gunicorn's sync workers close every connection
after its answer anyway; requests is kept for signing in, where nothing is timed.
"""
from __future__ import annotations

import http.client
import re
import time
from urllib.parse import urlencode, urlsplit

import requests


class Client:
    """Timed GETs to one server, with the cookies and headers of a signed-in browser."""

    def __init__(self, base: str, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        parts = urlsplit(base)
        self.base, self.host, self.port = base, parts.hostname, parts.port or 80
        self.headers = dict(headers or {})
        if cookies:
            self.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def get(self, path: str, params: dict | None = None, headers: dict | None = None) -> tuple[int, bytes, float]:
        """(status, body, milliseconds from connecting to the last byte read) of GET `path`.

        The cookies stay those of the sign-in: the server re-signs its session cookie on every
        answer, and the first one is good for the whole run.
        """
        url = path + ("?" + urlencode(params) if params else "")
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("GET", url, headers={**self.headers, **(headers or {})})
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        return resp.status, body, (time.perf_counter() - t0) * 1000

    def timed(self, path: str, **kwargs) -> float:
        """Milliseconds of GET `path`; anything but 200 ends the run with what the server said."""
        status, body, ms = self.get(path, **kwargs)
        if status != 200:
            raise SystemExit(f"{self.base}{path}: HTTP {status} {body[:200]!r}")
        return ms


def sign_in(base: str, email: str, password: str) -> Client:
    """A client signed in to the panel at `base` (the login form, CSRF token included)."""
    s = requests.Session()
    page = s.get(f"{base}/login").text
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password, "csrf_token": m.group(1) if m else ""}
    resp = s.post(f"{base}/login", data=data, allow_redirects=False)
    if resp.status_code not in (302, 303):
        raise SystemExit(f"sign-in as {email} failed ({resp.status_code}); run bench.generate first")
    return Client(base, cookies=s.cookies.get_dict())
