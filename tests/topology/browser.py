"""A small browser for the topology journey: one cookie jar across several web hosts.

The web processes stand behind one public name in production (a load balancer); here each has its
own address, so the jar is kept by hand (not per host) and the production cookies marked Secure
are sent over the test's plain HTTP. Requests alternate between the hosts unless one is named.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import struct
import time
from typing import Any

import requests

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret_b32: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32.replace(" ", "").upper())
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class Browser:
    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self._next = itertools.cycle(range(len(bases)))
        self.cookies: dict[str, str] = {}
        self.hosts_used: list[str] = []

    def _base(self, host: int | None) -> str:
        base = self.bases[next(self._next) if host is None else host]
        self.hosts_used.append(base)
        return base

    def request(self, method: str, path: str, *, host: int | None = None, follow: bool = True, **kw: Any) -> Any:
        base = self._base(host)
        headers = dict(kw.pop("headers", {}) or {})
        # As the TLS-terminating proxy in front of production says: the client came over HTTPS
        # (production redirects plain HTTP and marks its cookies Secure).
        headers.setdefault("X-Forwarded-Proto", "https")
        # ... and, as a browser does on every form post and fetch, names the page's origin.
        headers.setdefault("Origin", "https://" + base.split("://", 1)[1].rstrip("/"))
        kw.setdefault("timeout", 60)
        for _ in range(8):
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            r = requests.request(method, base + path, headers=headers, allow_redirects=False, **kw)  # noqa: S113  (timeout is in kw)
            for cookie in r.cookies:
                if cookie.value in ("", '""') or (cookie.expires is not None and cookie.expires < time.time()):
                    self.cookies.pop(cookie.name, None)
                else:
                    self.cookies[cookie.name] = cookie.value or ""
            if not follow or r.status_code not in (301, 302, 303) or "Location" not in r.headers:
                return r
            location = r.headers["Location"]
            path = location if location.startswith("/") else "/" + location.split("/", 3)[-1]
            method, kw = "GET", {"timeout": kw["timeout"]}
            headers.pop("X-CSRFToken", None)
        return r

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def csrf(self, path: str = "/accounts/login/") -> str:
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self.cookies["csrftoken"]

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        body = {"csrfmiddlewaretoken": self.csrf(), **(data or {})}
        return self.request("POST", path, data=body, **kw)

    def api(self, method: str, path: str, json: Any = None, **kw: Any) -> Any:
        headers = {"X-CSRFToken": self.csrf(), **kw.pop("headers", {})}
        return self.request(method, path, json=json, headers=headers, **kw)

    def login(self, username: str, password: str, *, totp_secret: str | None = None) -> str | None:
        """Sign in; staff enrol their TOTP device on first sign-in (returns its secret) or give a code."""
        r = self.post("/accounts/login/", {"username": username, "password": password})
        assert r.status_code == 200, r.text[:500]
        if "/accounts/otp/setup/" in r.url:
            r = self.get("/accounts/otp/setup/")
            secret = re.search(r"<code>([A-Z2-7]+)</code>", r.text)
            assert secret is not None, r.text[:800]
            totp_secret = secret.group(1)
            r = self.post("/accounts/otp/setup/", {"token": totp(totp_secret)})
            assert r.status_code == 200 and "/accounts/otp" not in r.url, r.text[:500]
        elif "/accounts/otp/" in r.url:
            assert totp_secret is not None, "this account has a TOTP device: give its secret"
            r = self.post("/accounts/otp/", {"token": totp(totp_secret)})
            assert r.status_code == 200 and "/accounts/otp" not in r.url, r.text[:500]
        return totp_secret
