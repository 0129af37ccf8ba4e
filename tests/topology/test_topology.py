"""Production, proven (issue 20; G8, G9, G19): one journey across a production topology, with faults.

PostgreSQL with a streaming replica, Redis, an S3 server, two web processes (granian, production
mode, staff TOTP on) and a task worker, each web process and the worker in its own network
namespace (tests/topology/harness.py). Through the two web processes alternately a citizen
registers, uploads a photo and applies; a clerk accepts at the window; an approver approves; the
worker derives the photos, issues and renders the certificate into the bucket; the citizen
downloads the PDF and the public verifies it. On the way:

- the worker is SIGKILLed after the certificate's issue committed, and again after its PDF was
  stored but before the row said so: one certificate, one PDF object;
- a web process is SIGKILLed with a submission in flight (committed, answer lost): the client's
  retry with the same Idempotency-Key on the other process returns the one case;
- the S3 endpoint is down for a few seconds during an upload: the citizen is told to try again,
  and no row or object is left behind;
- ``tongban storage reconcile`` finds 0 orphans, 0 dangling references and every digest intact;
- public verification reads the replica, the approver's own pages the primary;
- backup (pg_dump + the bucket) restored into a scratch database and bucket matches.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .browser import Browser
from .harness import Topology, pg_bin, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.topology]

FACES = [
    Path(os.environ.get("TONGBAN_FACES_DIR", "/work/shared/data/faces")),
    Path(__file__).resolve().parents[3] / "shared" / "data" / "faces",
]
PORTRAIT = "cong_B001288_whitebg.jpg"  # passes every check (tongban/photos/tests/faces.py)
PDF_PROOF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PERMIT = {"basis": "employment", "months_resident": "14", "address": "浙江省杭州市西湖区文三路 398 号"}


def _portrait() -> bytes:
    for folder in FACES:
        if (folder / PORTRAIT).exists():
            return (folder / PORTRAIT).read_bytes()
    pytest.skip(f"the developer face set with {PORTRAIT} is not on this machine (TONGBAN_FACES_DIR)")


def _missing_tools() -> str:
    for tool in ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "pg_restore"):
        try:
            pg_bin(tool)
        except FileNotFoundError as exc:
            return str(exc)
    import shutil

    return "" if shutil.which("redis-server") else "redis-server is not installed"


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    missing = _missing_tools()
    if missing:
        pytest.skip(missing)
    with Topology(netns=True, replica=True) as t:
        print("topology:", json.dumps(t.describe(), ensure_ascii=False))
        t.provision()
        t.people = json.loads(t.python("tests.topology.arrange"))  # type: ignore[attr-defined]
        t.marks = t.tmp / "marks"  # type: ignore[attr-defined]
        t.marks.mkdir()  # type: ignore[attr-defined]
        t.start_web("web1", app="tests.topology.holding_app:application", env={"TOPOLOGY_HOLD": str(t.marks / "hold")})  # type: ignore[attr-defined]
        t.start_web("web2")
        t.start_worker()
        wait_for(t.queue_idle, timeout=300, what="the demo's tasks done")
        yield t


def _start_pausing_worker(t: Topology, moment: str, key: str) -> Path:
    mark = t.marks / f"paused-{moment}"  # type: ignore[attr-defined]
    env = {"TOPOLOGY_PAUSE": moment, "TOPOLOGY_PAUSE_KEY": key, "TOPOLOGY_MARK": str(mark)}
    t.start_worker(module="tests.topology.pausing_worker", env=env)
    return mark


def register_citizen(b: Browser, *, id_number: str, name: str, password: str) -> None:
    """Citizen registration (实名注册). The one place the journey registers: when registration asks
    for an SMS one-time code, read it from the SMS backend's output here."""
    r = b.post(
        "/accounts/register/",
        {"id_number": id_number, "real_name": name, "phone": "13912345678", "password": password},
    )
    assert r.status_code == 200 and "/accounts/register/" not in r.url, r.text[:800]


def one(t: Topology, sql: str, *params: Any) -> Any:
    rows = t.sql(t.db, sql, *params)
    return rows[0][0] if rows else None


def test_journey_across_the_topology_with_faults(topo: Topology) -> None:
    t, people = topo, topo.people  # type: ignore[attr-defined]
    web = [t.base("web1"), t.base("web2")]
    citizen = Browser(web)
    pid = people["citizen"]["id_number"]

    # -- a citizen registers and uploads a photo ------------------------------------------------------------
    register_citizen(citizen, id_number=pid, name=people["citizen"]["name"], password="Citizen-pass-2026")
    portrait = _portrait()
    r = citizen.post(
        "/photos/mine/", {"channel": "citizen_upload"}, files={"photo": ("me.jpg", portrait, "image/jpeg")}
    )
    assert r.status_code == 200 and "capture=" in r.url, r.text[:500]
    capture = int(r.url.split("capture=")[1])
    # the worker derives every document standard from it, into the bucket
    wait_for(lambda: one(t, "SELECT count(*) FROM photos_photoderivative WHERE capture_id = %s", capture), timeout=180,
             what="photo derivation")  # fmt: skip
    original = one(t, "SELECT original FROM photos_photocapture WHERE id = %s", capture)

    # -- the S3 endpoint goes down during an upload: a clear error, nothing left behind ------------------------
    captures_before, keys_before = one(t, "SELECT count(*) FROM photos_photocapture"), t.bucket_keys()
    assert t.s3 is not None
    t.s3.down()
    try:
        photo = {"photo": ("again.jpg", portrait, "image/jpeg")}
        r = citizen.post("/photos/mine/", {"channel": "citizen_upload"}, files=photo)
        assert r.status_code == 200 and "capture=" not in r.url
        assert "文件存储暂时无法访问，请稍后再试" in r.text
        page = citizen.get("/cases/apply/residence_permit/")
        token = page.text.split('name="submit_token" value="')[1].split('"')[0]
        r = citizen.post(
            "/cases/apply/residence_permit/",
            {**PERMIT, "submit_token": token},
            files={"material_basis_proof": ("contract.pdf", PDF_PROOF, "application/pdf")},
        )
        assert r.status_code == 400 and "文件存储暂时无法访问，请稍后再试" in r.text
    finally:
        t.s3.up()
    assert one(t, "SELECT count(*) FROM photos_photocapture") == captures_before
    assert one(t, "SELECT count(*) FROM cases_case WHERE applicant_id_number = %s", pid) == 0
    assert t.bucket_keys() == keys_before

    # -- the citizen applies (the photo comes from the library; the proof is uploaded) ------------------------
    page = citizen.get("/cases/apply/residence_permit/")
    token = page.text.split('name="submit_token" value="')[1].split('"')[0]
    r = citizen.post(
        "/cases/apply/residence_permit/",
        {**PERMIT, "submit_token": token},
        files={"material_basis_proof": ("contract.pdf", PDF_PROOF, "application/pdf")},
    )
    assert r.status_code == 200 and "/cases/" in r.url, r.text[:800]
    number = r.url.rstrip("/").rsplit("/", 1)[-1]
    materials = dict(
        t.sql(t.db, "SELECT m.code, m.state FROM cases_casematerial m JOIN cases_case c ON c.id = m.case_id"
                    " WHERE c.number = %s", number)
    )  # fmt: skip
    assert materials == {"id_card": "supplied", "photo": "photo", "basis_proof": "presented"}

    # -- a clerk accepts at the window, with TOTP -------------------------------------------------------------
    clerk = Browser(web)
    assert clerk.login(people["clerk"]["username"], people["clerk"]["password"])  # enrols TOTP on first sign-in
    r = clerk.post(f"/cases/{number}/act/", {"to": "accepted"})
    assert r.status_code == 200, r.text[:500]
    assert one(t, "SELECT status FROM cases_case WHERE number = %s", number) == "accepted"

    # -- an approver approves; the worker is killed after the certificate's issue committed ---------------------
    approver = Browser(web)
    secret = approver.login(people["approver"]["username"], people["approver"]["password"])
    t.kill(t.WORKER, sig=15)  # the next worker is one that stops at the moment chosen for the kill
    _start_pausing_worker(t, "result", number)
    r = approver.post(f"/cases/{number}/act/", {"to": "approved"})
    assert r.status_code == 200, r.text[:500]
    wait_for(lambda: (t.marks / "paused-result").exists(), timeout=120, what="the worker pausing after the issue")  # type: ignore[attr-defined]
    t.kill(t.WORKER)
    assert one(t, "SELECT count(*) FROM certificates_certificate WHERE case_number = %s", number) == 1
    # restarted, it requeues what it was running; this time it is killed after storing the PDF
    cert = one(t, "SELECT number FROM certificates_certificate WHERE case_number = %s", number)
    _start_pausing_worker(t, "render", cert)
    wait_for(lambda: (t.marks / "paused-render").exists(), timeout=120, what="the worker pausing after storing the PDF")  # type: ignore[attr-defined]
    t.kill(t.WORKER)
    assert one(t, "SELECT pdf FROM certificates_certificate WHERE number = %s", cert) == ""
    t.start_worker()
    wait_for(lambda: one(t, "SELECT pdf FROM certificates_certificate WHERE number = %s", cert), timeout=120,
             what="the PDF rendered after the restart")  # fmt: skip
    assert one(t, "SELECT count(*) FROM certificates_certificate WHERE case_number = %s", number) == 1
    month = one(t, "SELECT to_char(issued_at AT TIME ZONE 'UTC', 'YYYY/MM') FROM certificates_certificate"
                   " WHERE number = %s", cert)  # fmt: skip
    assert [k for k in t.bucket_keys() if cert in k] == [f"certificates/{month}/{cert}.pdf"]  # one object
    assert one(t, "SELECT status FROM cases_case WHERE number = %s", number) == "completed"
    tasks = dict(t.sql(t.db, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))
    assert set(tasks) == {"SUCCESSFUL"}, tasks  # the killed tasks ran again and ended; none failed or hangs

    # -- the citizen downloads the PDF; only after the access check ---------------------------------------------
    r = citizen.get(f"/certificates/{cert}/pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf_key = one(t, "SELECT pdf FROM certificates_certificate WHERE number = %s", cert)
    stored = t.s3_client().get_object(Bucket=t.BUCKET, Key=pdf_key)
    assert stored["Body"].read() == r.content
    other = Browser(web)
    other.login(people["other_citizen"]["username"], people["other_citizen"]["password"])
    assert other.get(f"/certificates/{cert}/pdf").status_code == 404
    assert other.get(f"/photos/captures/{capture}/original/").status_code == 404
    anonymous = Browser(web)
    assert "/accounts/login/" in anonymous.get(f"/certificates/{cert}/pdf").url
    assert citizen.get(f"/photos/captures/{capture}/original/").status_code == 200

    # -- the public verifies it ------------------------------------------------------------------------------
    from tongban.certificates.core.extract import extract_from_pdf

    cert_token = extract_from_pdf(r.content).token
    assert anonymous.get(f"/api/v1/certificates/verify?t={cert_token}").json()["status"] == "genuine"

    # -- a web process is killed with a submission in flight; the retry returns the one case -------------------
    key = f"retry-{uuid.uuid4().hex}"
    form = {"purpose": "employment", "period_years": 5}
    body = {"item_code": "no_criminal_record", "form": form, "channel": "online"}
    ncr = "SELECT count(*) FROM cases_case WHERE applicant_id_number = %s AND item_code = 'no_criminal_record'"
    (t.marks / "hold").touch()  # type: ignore[attr-defined]
    try:
        with pytest.raises(requests.exceptions.RequestException):
            citizen.request(
                "POST", "/api/v1/cases/", host=0, json=body,
                headers={"Idempotency-Key": key, "X-CSRFToken": citizen.csrf()}, timeout=(5, 8)
            )  # fmt: skip
    finally:
        (t.marks / "hold").unlink()  # type: ignore[attr-defined]
    assert (t.marks / "held").exists()  # type: ignore[attr-defined]
    t.kill("web1")  # the answer is lost with the process; the case was committed
    assert one(t, ncr, pid) == 1
    r = citizen.api("POST", "/api/v1/cases/", json=body, host=1, headers={"Idempotency-Key": key})
    assert r.status_code == 200, r.text
    assert one(t, ncr, pid) == 1
    assert r.json()["number"] == one(t, ncr.replace("count(*)", "number"), pid)
    t.start_web("web1")

    # -- every file is in the bucket, none on local disk; reconcile finds nothing wrong ---------------------
    keys = t.bucket_keys()
    assert original in keys
    assert any(k.startswith("photos/derived/") for k in keys)
    assert any(k.startswith("cases/uploads/") for k in keys)
    assert not (t.tmp / "var").exists()  # production mode wrote nothing under TONGBAN_VAR_DIR
    report = json.loads(t.tongban("storage", "reconcile", "--grace", "0", "--json"))
    assert report["ok"] and report["orphans"] == [] and report["dangling"] == [] and report["hash_mismatches"] == []
    assert report["hash_checked"] == len(keys) == report["stored"]

    # -- public verification reads the replica; the approver's own pages read the primary -------------------
    assert t.replica is not None
    wait_for(lambda: t.replication_lag_bytes() == 0, timeout=60, what="the replica catching up")
    t.sql("postgres", "SELECT pg_wal_replay_pause()", replica=True)
    try:
        r = approver.post(f"/certificates/{cert}/revoke", {"reason": "issued_in_error", "note": "拓扑测试"})
        assert r.status_code == 200, r.text[:300]
        assert (
            one(t, "SELECT revoked_reason FROM certificates_certificate WHERE number = %s", cert) == "issued_in_error"
        )
        # the paused replica has not seen the revocation: the public, reading it, still sees "genuine" ...
        assert anonymous.get(f"/api/v1/certificates/verify?t={cert_token}").json()["status"] == "genuine"
        # ... while the approver, who just wrote, reads the primary
        assert approver.get(f"/api/v1/certificates/verify?t={cert_token}").json()["status"] == "revoked"
    finally:
        t.sql("postgres", "SELECT pg_wal_replay_resume()", replica=True)
    wait_for(lambda: anonymous.get(f"/api/v1/certificates/verify?t={cert_token}").json()["status"] == "revoked",
             timeout=60, what="the replica replaying the revocation")  # fmt: skip
    assert secret  # the approver's TOTP device was enrolled through the page


def test_backup_restores_into_a_scratch_database_and_bucket(topo: Topology) -> None:
    t = topo
    for name in ("web1", "web2", t.WORKER):  # quiesce: the drill compares a still source with its copy
        t.kill(name, sig=15)
    dump = t.tmp / "tongban.dump"
    started = time.monotonic()
    assert t.pg is not None
    subprocess.run([pg_bin("pg_dump"), "-Fc", "-f", str(dump), t.pg.url("127.0.0.1", t.db)], check=True)
    t.tongban("storage", "export", str(t.tmp / "bucket-backup"))
    scratch = f"{t.db}_restore"
    t.sql("postgres", f'CREATE DATABASE "{scratch}"')
    subprocess.run([pg_bin("pg_restore"), "--no-owner", "-d", t.pg.url("127.0.0.1", scratch), str(dump)], check=True)
    t.s3_client().create_bucket(Bucket="tongban-restore")
    restored = {"DATABASE_URL": t.pg.url(t.net.service_ip, scratch), "DATABASE_REPLICA_URL": "",
                "TONGBAN_S3_BUCKET": "tongban-restore"}  # fmt: skip
    t.tongban("storage", "import", str(t.tmp / "bucket-backup"), env=restored)
    restore_seconds = time.monotonic() - started
    at = "2026-12-31T12:00:00+08:00"
    source = json.loads(t.tongban("restore-check", "--at", at))
    copy = json.loads(t.tongban("restore-check", "--at", at, env=restored))
    assert copy["rows"] == source["rows"]
    assert copy["audit"] == source["audit"] and copy["audit"]["ok"]
    assert copy["certificates"] == source["certificates"] and len(copy["certificates"]) >= 3
    assert t.bucket_keys("tongban-restore") == t.bucket_keys()
    assert json.loads(t.tongban("storage", "reconcile", "--grace", "0", "--json", env=restored))["ok"]
    rows, objects = sum(source["rows"].values()), len(t.bucket_keys())
    print(f"restore drill: {restore_seconds:.1f} s for {rows} rows and {objects} objects")
