"""Registration step 1 over HTTP: a matching person with a phone (a code is sent) against an
unknown ID number (nothing is sent), alternating, N tries each; prints the medians and the gap.

Serve the demo with the rate limits lifted, then:
    TONGBAN_REGISTER_LIMIT_PER_IP=1000000 TONGBAN_REGISTER_LIMIT_PER_ID=1000000 make serve PORT=8761
    .venv/bin/python bench/registration_timing.py http://127.0.0.1:8761 200 <ID with phone> <name> <unknown ID>
(``make demo`` prints a person to try; any valid ID number the registry lacks is "unknown".)
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def step_one(base: str, id_number: str, name: str) -> tuple[int, float]:
    """One fresh visitor: load the form (untimed), post it (timed). Returns (status, seconds)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    html = opener.open(base + "/accounts/register/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "id_number": id_number, "real_name": name})
    request = urllib.request.Request(base + "/accounts/register/", data=data.encode())
    t0 = time.perf_counter()
    try:
        status = opener.open(request).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - t0


def main() -> None:
    base, n, with_phone, name, unknown = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    cases = {"match": with_phone, "unknown": unknown}
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(n):
        for label, id_number in cases.items():
            status, seconds = step_one(base, id_number, name)
            assert status == 302, status
            times[label].append(seconds)
    for label, ts in times.items():
        p90 = sorted(ts)[int(len(ts) * 0.9)]
        print(f"{label}: median {statistics.median(ts) * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms (n={len(ts)})")
    gap = abs(statistics.median(times["match"]) - statistics.median(times["unknown"]))
    print(f"gap of medians: {gap * 1000:.2f} ms")


if __name__ == "__main__":
    main()
