"""On PostgreSQL the database itself refuses to rewrite the audit log (migration 0005), and an
application role given `tongban audit grants` cannot rewrite it, nor switch the triggers off (G13).

Each refused statement runs in a savepoint, so the test's transaction goes on after it; the role
is created inside the test's transaction and so never outlives it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tongban.audit.grants import grants_sql
from tongban.audit.models import AuditEntry, AuditHead
from tongban.audit.services import audit_record, audit_verify

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
ROLE = "tongban_app_audit_test"


def _fill(n: int = 3) -> None:
    for i in range(n):
        audit_record(action="case.accept", object_type="case", object_id=f"C{i}", at=T0)


def _refused(sql: str) -> str:
    """Run ``sql``; return the database's refusal (failing the test when it is accepted)."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(refused.value).splitlines()[0]


def test_the_connection_cannot_update_delete_or_truncate_audit_entries() -> None:
    _fill()
    assert _refused("UPDATE audit_auditentry SET object_id = 'X' WHERE seq = 2") == (
        "the audit log is append-only: UPDATE on audit_auditentry refused"
    )
    assert _refused("DELETE FROM audit_auditentry WHERE seq = 3").startswith("the audit log is append-only: DELETE")
    assert _refused("TRUNCATE audit_auditentry").startswith("the audit log is append-only: TRUNCATE")
    # Through the ORM too (the probe's "edit an entry"): nothing changed.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 3 and audit_verify().ok


def test_a_head_only_moves_forward() -> None:
    _fill()
    assert _refused("UPDATE audit_audithead SET seq = 1 WHERE id = 1").startswith(
        "an audit chain head only moves forward: head 1 from 3 to 1 refused"
    )
    assert _refused("DELETE FROM audit_audithead").startswith("the audit log is append-only: DELETE on audit_audithead")
    assert _refused("TRUNCATE audit_audithead").startswith("the audit log is append-only: TRUNCATE")
    _fill(1)  # appending still moves it
    assert AuditHead.objects.get(id=1).seq == 4 and audit_verify().ok


def test_an_app_role_with_the_documented_grants_cannot_rewrite_the_log() -> None:
    _fill()
    out = StringIO()
    call_command("audit", "grants", "--role", ROLE, stdout=out)
    assert out.getvalue() == "".join(f"{sql};\n" for sql in grants_sql(role=ROLE))
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" NOLOGIN')
    call_command("audit", "grants", "--role", ROLE, "--apply", stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{ROLE}"')
    try:
        assert _refused("UPDATE audit_auditentry SET object_id = 'X'") == "permission denied for table audit_auditentry"
        assert _refused("DELETE FROM audit_auditentry") == "permission denied for table audit_auditentry"
        assert _refused("TRUNCATE audit_auditentry") == "permission denied for table audit_auditentry"
        assert _refused("DELETE FROM audit_audithead") == "permission denied for table audit_audithead"
        assert (
            _refused("ALTER TABLE audit_auditentry DISABLE TRIGGER USER") == "must be owner of table audit_auditentry"
        )
        assert _refused("DROP TRIGGER audit_entry_append_only ON audit_auditentry") == (
            "must be owner of relation audit_auditentry"
        )
        # What the application does goes on: append (lock a head, insert, move it), read.
        with transaction.atomic():
            audit_record(action="case.accept", object_type="case", object_id="as-app", at=T0)
        assert AuditEntry.objects.count() == 4
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (ROLE,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert audit_verify().ok


def test_grants_refuse_odd_role_names() -> None:
    with pytest.raises(ValueError, match="not a plain lower-case identifier"):
        grants_sql(role='app"; DROP TABLE x; --')
