"""Shared helpers for HTTP benchmarks: serve the WSGI app, load it with wrk, report medians.

The server and the load generator share this machine (2 cores), as the issues ask; every
figure is also reported as a ratio to the bare JSON view ``/bench/bare`` measured in the same run.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent


def machine() -> str:
    """A one-line description of this machine for the report."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def pin_to_one_core() -> None:
    """Run this process on one core (single-core targets)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def write_results(name: str, title: str, command: str, rows: list[dict[str, Any]], notes: str = "") -> Path:
    """Write bench/results/<name>.json for bench/report.py."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "title": title,
        "command": command,
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "notes": notes,
        "rows": rows,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path


def median_of(values: list[float]) -> float:
    return statistics.median(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    """wrk from Debian's packages (installed on first use when running as root)."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is needed for HTTP benchmarks: apt-get install wrk")
    return path


# threads per worker, as `make serve` and docs/deploy.md run it (the Makefile's THREADS)
SERVE_THREADS = 2


@contextlib.contextmanager
def serve(env: dict[str, str] | None = None, workers: int = 2, server: str = "granian") -> Iterator[str]:
    """Serve tongban over WSGI on a free loopback port; yields the base URL.

    ``TONGBAN_BENCH_GRANIAN_ARGS`` adds granian options (e.g. ``--blocking-threads 4``) to compare
    server settings with the same benchmark.
    """
    port = free_port()
    full_env = {**os.environ, **(env or {})}
    if server == "granian":
        cmd = [
            str(VENV_BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--blocking-threads",
            str(SERVE_THREADS),
            "--no-ws",
            "--log-level",
            "error",
            *os.environ.get("TONGBAN_BENCH_GRANIAN_ARGS", "").split(),
            "tongban.config.wsgi:application",
        ]
    else:
        cmd = [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
            "tongban.config.wsgi:application",
        ]
    proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited") from None
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


_LUA_TEMPLATE = """
local counter = 0
local method = "%(method)s"
local body = %(body)s
local headers = %(headers)s
local paths = %(paths)s
local unique_header = %(unique_header)s
request = function()
  counter = counter + 1
  local h = {}
  for k, v in pairs(headers) do h[k] = v end
  if unique_header ~= nil then
    h[unique_header] = string.format("%%d-%%d-%%d", os.time(), math.random(1, 1e9), counter)
  end
  local path = paths[(counter %% #paths) + 1]
  return wrk.format(method, path, h, body)
end
done = function(summary, latency, requests)
  local f = io.open("%(out)s", "w")
  f:write(string.format('{"requests": %%d, "duration_us": %%d, "errors": %%d, "non2xx": %%d, ' ..
    '"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f}',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
  f:close()
end
"""


def _lua_str(s: str) -> str:
    return json.dumps(s)


def wrk(
    base: str,
    paths: list[str],
    *,
    seconds: int = 8,
    connections: int = 16,
    threads: int = 1,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
    unique_header: str | None = None,
) -> dict[str, float]:
    """Load ``paths`` (round-robin) for a bounded time; returns rps, p50/p95/p99 (ms), errors."""
    exe = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        script = Path(tmp) / "script.lua"
        lua_headers = "{" + ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in (headers or {}).items()) + "}"
        lua_paths = "{" + ", ".join(_lua_str(p) for p in paths) + "}"
        script.write_text(
            _LUA_TEMPLATE
            % {
                "method": method,
                "body": _lua_str(body) if body is not None else "nil",
                "headers": lua_headers,
                "paths": lua_paths,
                "unique_header": _lua_str(unique_header) if unique_header else "nil",
                "out": str(out),
            }
        )
        subprocess.run(
            [
                exe,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                base,
            ],
            check=True,
            capture_output=True,
            timeout=seconds + 60,
        )
        data = json.loads(out.read_text())
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def bare_baseline(base: str, *, seconds: int = 8, connections: int = 16) -> dict[str, float]:
    """The bare JSON view measured on the same server in the same run."""
    return wrk(base, ["/bench/bare"], seconds=seconds, connections=connections)
