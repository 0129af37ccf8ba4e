"""A production topology on one machine: PostgreSQL with a streaming replica, Redis, an S3 server
(moto's standalone server), two granian web processes and a task worker, the web processes and
the worker each in its own network namespace (``ip netns`` + a veth pair on one bridge), reaching
the services over the bridge as separate hosts would.

Why its own PostgreSQL: the machine's shared server listens on 127.0.0.1 only and its pg_hba.conf
refuses replication connections, and other engineers use it, so it is not reconfigured; the
harness runs ``initdb`` into a scratch directory instead (the same binaries), and
``pg_basebackup`` from it into a second directory for the replica. Redis likewise: its own
``redis-server`` on the bridge address.

Why a forwarder in front of moto: moto keeps its objects in memory, so stopping the server would
lose the bucket; taking the S3 endpoint down in front of it (connections refused, open ones cut)
is what the application sees of a stopped object store, and the objects survive the outage.

Without network namespaces (no root, no ``ip``) the same processes run on distinct loopback
addresses (127.0.0.x); ``Topology.isolation`` says which, and why.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFIX = "tb_prod_topo"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def wait_for(check: Any, *, timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:
            last = exc
        time.sleep(every)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s (last error: {last!r})")


# --- network ------------------------------------------------------------------------------------


@dataclass
class Network:
    """Addresses of the service host and of each named host; namespaces when possible."""

    names: list[str]
    isolation: str = "loopback"
    reason: str = ""
    service_ip: str = "127.0.0.1"
    ips: dict[str, str] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)
    _links: list[str] = field(default_factory=list)

    def up(self, *, want_netns: bool = True) -> None:
        if want_netns:
            try:
                self._netns_up()
                return
            except (OSError, subprocess.CalledProcessError) as exc:
                err = getattr(exc, "stderr", "") or str(exc)
                self.reason = f"network namespaces unavailable ({err.strip()[:200]}); distinct loopback addresses"
                self.down()
        else:
            self.reason = "namespaces not asked for"
        self.isolation = "loopback"
        self.service_ip = "127.0.0.1"
        self.ips = {name: f"127.0.0.{11 + i}" for i, name in enumerate(self.names)}

    def _netns_up(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            raise OSError("needs root and iproute2's ip")
        tag = f"{os.getpid() % 100000:05d}"
        used = run(["ip", "-4", "-o", "addr"]).stdout
        subnet = next(
            f"10.{200 + n % 50}.{n % 250}"
            for n in range(int(tag), int(tag) + 500)
            if f" 10.{200 + n % 50}.{n % 250}." not in used
        )
        bridge = f"tbp{tag}br"
        run(["ip", "link", "add", bridge, "type", "bridge"])
        self._links.append(bridge)
        run(["ip", "addr", "add", f"{subnet}.1/24", "dev", bridge])
        run(["ip", "link", "set", bridge, "up"])
        self.service_ip = f"{subnet}.1"
        for i, name in enumerate(self.names):
            ns, host_end, ns_end = f"{PREFIX}_{tag}_{name}", f"tbp{tag}h{i}", f"tbp{tag}n{i}"
            run(["ip", "netns", "add", ns])
            self.namespaces[name] = ns
            run(["ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end])
            self._links.append(host_end)
            run(["ip", "link", "set", ns_end, "netns", ns])
            run(["ip", "link", "set", host_end, "master", bridge])
            run(["ip", "link", "set", host_end, "up"])
            ip = f"{subnet}.{11 + i}"
            run(["ip", "netns", "exec", ns, "ip", "addr", "add", f"{ip}/24", "dev", ns_end])
            run(["ip", "netns", "exec", ns, "ip", "link", "set", ns_end, "up"])
            run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
            self.ips[name] = ip
        self.isolation = "netns"

    def prefix(self, name: str) -> list[str]:
        """The command prefix that runs a program on host ``name``."""
        ns = self.namespaces.get(name)
        return ["ip", "netns", "exec", ns] if ns else []

    def down(self) -> None:
        for link in reversed(self._links):
            subprocess.run(["ip", "link", "del", link], capture_output=True, check=False)
        for ns in self.namespaces.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
        self._links.clear()
        self.namespaces.clear()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if found:
        return found[-1]
    path = shutil.which(tool)
    if path is None:
        raise FileNotFoundError(f"PostgreSQL's {tool} is not installed")
    return path


class Postgres:
    """A PostgreSQL server of our own in ``directory``, run as the ``postgres`` OS user."""

    def __init__(self, directory: Path, *, port: int, listen: str, sockets: Path) -> None:
        self.directory, self.port, self.listen, self.sockets = directory, port, listen, sockets

    def _as_postgres(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd

    def initdb(self) -> None:
        initdb = [pg_bin("initdb"), "-D", str(self.directory), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        run(self._as_postgres(initdb))
        with (self.directory / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 0.0.0.0/0 trust\nhost replication all 0.0.0.0/0 trust\n")

    def basebackup_from(self, primary: Postgres) -> None:
        run(
            self._as_postgres(
                [pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(self.directory), "-R", "-X", "stream", "-c", "fast"]
            )
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-c port={self.port} -c listen_addresses='{self.listen}' -c unix_socket_directories='{self.sockets}'"
            " -c wal_level=replica -c max_wal_senders=5 -c fsync=off -c shared_buffers=64MB -c max_connections=120"
            " -c hot_standby=on"
        )
        run(self._as_postgres([pg_bin("pg_ctl"), "-D", str(self.directory), "-o", options, "-w", "-t", "60",
                               "-l", str(self.directory.parent / f"{self.directory.name}.log"), "start"]))  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            self._as_postgres([pg_bin("pg_ctl"), "-D", str(self.directory), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            check=False,
        )

    def url(self, host: str, db: str) -> str:
        return f"postgres://postgres@{host}:{self.port}/{db}"


# --- the S3 endpoint ----------------------------------------------------------------------------


class Forwarder:
    """A TCP forwarder standing for the S3 endpoint: ``down()`` refuses new connections and cuts
    open ones, as a stopped server would; ``up()`` listens again on the same address."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int]) -> None:
        self.listen, self.target = listen, target
        self._server: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(self.listen)
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.close()
            self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with self._lock:
                    self._open.discard(sock)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# --- the topology -------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


class Topology:
    """Start with ``with Topology(...) as topo:``; everything is torn down on exit."""

    WEB = ("web1", "web2")
    WORKER = "worker1"
    BUCKET = "tongban-prod"

    def __init__(self, *, netns: bool = True, replica: bool = True, web_threads: int = 2, workers: int = 1) -> None:
        self.want_netns, self.want_replica = netns, replica
        self.web_threads, self.web_workers = web_threads, workers
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{PREFIX}_"))
        self.net = Network(names=[*self.WEB, self.WORKER])
        self.procs: dict[str, Proc] = {}
        self.pg: Postgres | None = None
        self.replica: Postgres | None = None
        self.s3: Forwarder | None = None
        self.web_ports: dict[str, int] = {}
        self.db = f"{PREFIX}_{os.getpid()}"
        self.env: dict[str, str] = {}

    # -- lifecycle --
    def __enter__(self) -> Topology:
        if threading.current_thread() is threading.main_thread():
            # a CI timeout or `kill` ends the run through the clean-up below, not around it
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def isolation(self) -> str:
        return self.net.isolation if not self.net.reason else f"{self.net.isolation}: {self.net.reason}"

    def start(self) -> None:
        self.net.up(want_netns=self.want_netns)
        svc = self.net.service_ip
        listen = "127.0.0.1" if svc == "127.0.0.1" else f"127.0.0.1,{svc}"
        sockets = self.tmp / "sockets"
        for folder in (sockets, self.tmp / "pg"):
            folder.mkdir(mode=0o777, parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        os.chmod(self.tmp, 0o755)  # noqa: S103  (the postgres user must reach its data directories)
        self.pg = Postgres(self.tmp / "pg" / "primary", port=free_port(), listen=listen, sockets=sockets)
        self.pg.initdb()
        self.pg.start()
        self.sql("postgres", f'CREATE DATABASE "{self.db}"')
        if self.want_replica:
            self.replica = Postgres(self.tmp / "pg" / "replica", port=free_port(), listen=listen, sockets=sockets)
            self.replica.basebackup_from(self.pg)
            self.replica.start()
        redis_port = free_port()
        self._spawn(
            "redis",
            ["redis-server", "--port", str(redis_port), "--bind", *sorted({"127.0.0.1", svc}), "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
        )  # fmt: skip
        moto_port = free_port()
        self._spawn("moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)])
        s3_port = free_port(svc)
        self.s3 = Forwarder((svc, s3_port), ("127.0.0.1", moto_port))
        self.s3.up()
        wait_for(lambda: self._http_ok(f"http://127.0.0.1:{moto_port}/"), timeout=60, what="moto")
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "tongban.config.settings",
            "PYTHONPATH": str(ROOT),
            "TONGBAN_MODE": "production",
            "TONGBAN_SECRET_KEY": secrets.token_urlsafe(40),
            "TONGBAN_ALLOWED_HOSTS": "*",
            "TONGBAN_VAR_DIR": str(self.tmp / "var"),  # production creates nothing here: asserted
            "TONGBAN_CERT_KEYS_DIR": str(self.tmp / "keys"),
            # signed audit checkpoints (where the audit module has them): secrets and exports
            # outside the var directory, which production mode must leave untouched
            "TONGBAN_AUDIT_KEYS_DIR": str(self.tmp / "audit-keys"),
            "TONGBAN_AUDIT_CHECKPOINTS": str(self.tmp / "audit-checkpoints"),
            "TONGBAN_SITE_URL": "https://tongban.example.gov.cn",
            "DATABASE_URL": self.pg.url(svc, self.db),
            "REDIS_URL": f"redis://{svc}:{redis_port}/0",
            "TONGBAN_STORAGE": "s3",
            "TONGBAN_S3_BUCKET": self.BUCKET,
            "TONGBAN_S3_ENDPOINT": f"http://{svc}:{s3_port}",
            "TONGBAN_S3_ACCESS_KEY": "topology",
            "TONGBAN_S3_SECRET_KEY": "topology-secret",
            "TONGBAN_S3_REGION": "us-east-1",
            "TONGBAN_S3_ADDRESSING": "path",
            "TONGBAN_S3_CONNECT_TIMEOUT": "2",
            "TONGBAN_S3_ATTEMPTS": "2",
            "TONGBAN_TASKS": "database",
            "TONGBAN_REQUIRE_STAFF_2FA": "true",
            "TONGBAN_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if self.replica is not None:
            self.env["DATABASE_REPLICA_URL"] = self.replica.url(svc, self.db)
        self.s3_client().create_bucket(Bucket=self.BUCKET)

    def close(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        if self.s3 is not None:
            self.s3.down()
        for server in (self.replica, self.pg):
            if server is not None:
                server.stop()
        self.net.down()
        keep = Path(tempfile.gettempdir()) / f"{PREFIX}_logs"  # the last run's logs, for a failure
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(exist_ok=True)
        for log in [*self.tmp.glob("*.log"), *self.tmp.glob("pg/*.log")]:
            shutil.copy(log, keep / log.name)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- processes --
    def _spawn(self, name: str, cmd: list[str], *, host: str | None = None, env: dict[str, str] | None = None) -> Proc:
        log = self.tmp / f"{name}.log"
        popen = subprocess.Popen(
            [*(self.net.prefix(host) if host else []), *cmd],
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = self.procs[name] = Proc(name, popen, log)
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.popen.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=20)

    def tongban(self, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
        """Run ``tongban <args>`` as an operator would, on the service host; returns stdout."""
        done = subprocess.run(
            [str(BIN / "tongban"), *args], cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True,
            text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"tongban {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def provision(self) -> None:
        """What an operator does once: migrate, create the signing keys, load the demo city."""
        self.tongban("migrate", "--noinput", "-v", "0")
        self.tongban("cert", "keygen", "--dir", self.env["TONGBAN_CERT_KEYS_DIR"])
        if "keygen" in self.tongban("audit", "--help"):  # the audit log's own checkpoint key
            self.tongban("audit", "keygen", "--dir", self.env["TONGBAN_AUDIT_KEYS_DIR"])
        self.tongban("demo-setup")

    def python(self, module: str, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "-m", module, *args], cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True,
            text=True, timeout=600, check=True,
        )  # fmt: skip
        return done.stdout

    def start_web(
        self, name: str, *, app: str = "tongban.config.wsgi:application", env: dict[str, str] | None = None
    ) -> str:
        ip = self.net.ips[name]
        port = self.web_ports.setdefault(name, free_port(ip) if self.net.isolation == "loopback" else 8000)
        cmd = [
            str(BIN / "granian"), "--interface", "wsgi", "--host", ip, "--port", str(port),
            "--workers", str(self.web_workers), "--blocking-threads", str(self.web_threads), "--no-ws",
            "--log-level", "warning", app,
        ]  # fmt: skip
        self._spawn(name, cmd, host=name, env={**self.env, **(env or {})})
        base = self.base(name)
        wait_for(lambda: self._http_ok(base + "/healthz"), timeout=120, what=name)
        return base

    def base(self, name: str) -> str:
        return f"http://{self.net.ips[name]}:{self.web_ports[name]}"

    def queue_idle(self) -> bool:
        """No task waits or runs."""
        rows = self.sql(self.db, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = ANY(%s)",
                        ["READY", "RUNNING"])  # fmt: skip
        return bool(rows[0][0] == 0)

    def start_worker(self, *, module: str | None = None, env: dict[str, str] | None = None) -> None:
        args = ["worker", "--worker-id", "worker-1", "--interval", "0.2", "--no-startup-delay", "--reclaim-every", "5"]
        cmd = [sys.executable, "-m", module, *args] if module else [str(BIN / "tongban"), *args]
        self._spawn(self.WORKER, cmd, host=self.WORKER, env={**self.env, **(env or {})})

    @staticmethod
    def _http_ok(url: str) -> bool:
        with urllib.request.urlopen(url, timeout=3) as r:  # noqa: S310  (our own server)
            return bool(r.status == 200)

    # -- services --
    def sql(self, db: str, statement: str, *params: Any, replica: bool = False) -> list[tuple[Any, ...]]:
        import psycopg

        server = self.replica if replica else self.pg
        assert server is not None
        with psycopg.connect(server.url("127.0.0.1", db), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(statement, params or None)
            return list(cur.fetchall()) if cur.description else []

    def s3_client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.env["TONGBAN_S3_ENDPOINT"],
            aws_access_key_id="topology",
            aws_secret_access_key="topology-secret",
            region_name="us-east-1",
        )

    def bucket_keys(self, bucket: str | None = None) -> list[str]:
        keys: list[str] = []
        for page in self.s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket or self.BUCKET):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return sorted(keys)

    def replication_lag_bytes(self) -> int:
        rows = self.sql("postgres", "SELECT COALESCE(MAX(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), -1)"
                        " FROM pg_stat_replication")  # fmt: skip
        return int(rows[0][0])

    def describe(self) -> dict[str, Any]:
        return {"isolation": self.isolation, "service_ip": self.net.service_ip, "hosts": dict(self.net.ips)}


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1, default=str)


@contextlib.contextmanager
def topology(**kw: Any) -> Iterator[Topology]:
    with Topology(**kw) as topo:
        yield topo
