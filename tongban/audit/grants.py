"""PostgreSQL privileges for a separate application role that cannot rewrite the audit log.

The migration ``0005_append_only`` installs triggers refusing UPDATE, DELETE and TRUNCATE of audit
entries (and any move of a chain head but forward). A table's owner can still drop its triggers,
so production runs migrations as the owner and serves requests as another role holding only these
grants: every table read and written as usual, except that audit entries can only be inserted and
read, and heads inserted, read and moved (``tongban audit grants --role tongban_app``).
"""

from __future__ import annotations

import re

from tongban.audit.models import AuditEntry, AuditHead

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grants_sql(*, role: str, schema: str = "public") -> list[str]:
    """The statements giving ``role`` the application's privileges in ``schema``, audit tables
    append-only. Raises ValueError for a role or schema name that is not a plain identifier."""
    for name in (role, schema):
        if not _ROLE.match(name):
            raise ValueError(f"not a plain lower-case identifier: {name!r}")
    entries, heads = f'"{schema}"."{AuditEntry._meta.db_table}"', f'"{schema}"."{AuditHead._meta.db_table}"'
    return [
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        # Tables and sequences later migrations create (as the owner running this) get the same.
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"',
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE, SELECT ON SEQUENCES TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {entries} FROM "{role}"',
        f'REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {heads} FROM "{role}"',
    ]
