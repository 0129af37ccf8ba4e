"""The plain SQL the certificates module keeps (HANDBOOK-dev.md, "Plain SQL"), beside its ORM twin.

``verify_row``: the certificate row online verification reads, the hot path of the public
verification endpoint (one of the floors in docs/benchmarks.md). One statement built once from the
model's metadata (``RowLoader``), run through Django's cursor (counted like any ORM query) and
loaded with the ORM's own converters; ``verify_row_orm`` is the same read through the ORM (the
reference tongban/certificates/tests/test_sql.py compares it with).

Measured (PostgreSQL, this 2-core machine shared with other jobs, 2026-12-07): the read alone
costs 65-80 µs of CPU against 450-490 µs for the ORM query (building and compiling
``filter().values_list()`` on every request), about 6x; a whole verification request through
the WSGI handler about 750 against 1,300 µs. ``bench/bench_certificates.py --only online
--database postgres``: 792 req/s, 16% of the same-run bare view, with the ORM query (load average
14); 1,144 and 1,220 req/s, 23% and 26%, with this statement (load average 11 and 14).
"""

from __future__ import annotations

from django.db import connections

from tongban.certificates.models import Certificate
from tongban.common.rows import RowLoader

# What verification needs from the row: revocation, the stored record (its digest is compared
# with the one the token signs) and the issuing authority.
VERIFY_FIELDS = (
    "template", "holder_name", "holder_id_number", "facts", "salt",
    "issued_at", "valid_until", "revoked_at", "revoked_reason", "issuer_code", "authority_zh", "authority_en",
)  # fmt: skip

_ROW = RowLoader(Certificate, VERIFY_FIELDS)


def _statement() -> str:
    table = connections["default"].ops.quote_name(Certificate._meta.db_table)
    number = connections["default"].ops.quote_name(Certificate._meta.get_field("number").column)
    # Only names from the model's metadata; the number is a parameter.
    return f"SELECT {_ROW.columns(table)} FROM {table} WHERE {table}.{number} = %s LIMIT 1"  # noqa: S608


def verify_row(alias: str, number: str) -> Certificate | None:
    """The certificate ``number`` on database ``alias`` with only ``VERIFY_FIELDS`` loaded, or None."""
    sql = _ROW.statement("verify_row", _statement)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [number])
        row = cursor.fetchone()
    return None if row is None else _ROW.load(row)


def verify_row_orm(alias: str, number: str) -> Certificate | None:
    """What ``verify_row`` reads, through the ORM."""
    return Certificate.objects.using(alias).only(*VERIFY_FIELDS).filter(number=number).first()
