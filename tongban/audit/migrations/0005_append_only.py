"""On PostgreSQL the audit log is append-only in the database itself.

Triggers refuse UPDATE, DELETE and TRUNCATE of audit entries, DELETE and TRUNCATE of chain heads, and
any head update but a forward one (a higher sequence number, as an append makes). An UPDATE that
changes nothing is let through: it alters no evidence, and Django's loaders (the test suite's
serialized rollback) save rows that way. The error is
SQLSTATE 42501, as a missing privilege is. A table owner may still drop triggers: production serves
requests as a role without ownership (``tongban audit grants``, docs/security.md). SQLite (the
embedded default) is a file its single user owns; nothing is installed there.
"""

from django.db import migrations

FORWARD = [
    """CREATE OR REPLACE FUNCTION tongban_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$""",
    """CREATE OR REPLACE FUNCTION tongban_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id = OLD.id AND (NEW.seq > OLD.seq OR NEW IS NOT DISTINCT FROM OLD) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'an audit chain head only moves forward: head % from % to % refused',
            OLD.id, OLD.seq, NEW.seq USING ERRCODE = 'insufficient_privilege';
    END;
    $$""",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION tongban_audit_refuse()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION tongban_audit_refuse()",
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_audithead "
    "FOR EACH ROW EXECUTE FUNCTION tongban_audit_head_forward()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_audithead "
    "FOR EACH ROW EXECUTE FUNCTION tongban_audit_refuse()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_audithead "
    "FOR EACH STATEMENT EXECUTE FUNCTION tongban_audit_refuse()",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_head_forward ON audit_audithead",
    "DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_audithead",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_audithead",
    "DROP FUNCTION IF EXISTS tongban_audit_head_forward()",
    "DROP FUNCTION IF EXISTS tongban_audit_refuse()",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for sql in statements:
            schema_editor.execute(sql, params=None)  # no parameters: the % are PL/pgSQL's


def install(apps, schema_editor):
    _run(schema_editor, FORWARD)


def remove(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_plain_indexes")]
    operations = [migrations.RunPython(install, remove)]
