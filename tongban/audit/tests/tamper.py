"""A copy of the audit tables that a test may tamper with, as a database writer would.

The live tables refuse UPDATE and DELETE on PostgreSQL, so mutation tests copy them (``CREATE TABLE
... AS SELECT``, which carries no triggers) inside the test's transaction and rewrite the copy:
edit one entry, or edit it and recompute every later hash and the head, which the chain alone
cannot tell from the truth.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection

from tongban.audit.services import GENESIS, _digest, _fields
from tongban.audit.verify import AuditTables, entries_of, heads_of


class TamperedCopy:
    """``audit_copy_entries`` / ``audit_copy_heads``, filled from the live log."""

    def __init__(self) -> None:
        self.tables = AuditTables(entries="audit_copy_entries", heads="audit_copy_heads")
        live = AuditTables()
        self.sql(f"CREATE TABLE {self.tables.entries} AS SELECT * FROM {live.entries}")  # noqa: S608 fixed names
        self.sql(f"CREATE TABLE {self.tables.heads} AS SELECT * FROM {live.heads}")  # noqa: S608 fixed names

    def sql(self, statement: str, params: list[Any] | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return int(cursor.rowcount)

    def seqs(self, chain: int = 1) -> list[int]:
        return [e.seq for e in entries_of(self.tables, chain)]

    def edit(self, chain: int, seq: int, *, object_id: str = "FORGED") -> None:
        """Change one entry's content, leaving every hash as it was."""
        assert self.sql(
            f"UPDATE {self.tables.entries} SET object_id = %s WHERE chain = %s AND seq = %s",  # noqa: S608
            [object_id, chain, seq],
        )

    def edit_data(self, chain: int, seq: int, data: dict[str, Any]) -> None:
        """Change one entry's data (a JSON column), leaving every hash as it was."""
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        assert self.sql(
            f"UPDATE {self.tables.entries} SET data = %s{cast} WHERE chain = %s AND seq = %s",  # noqa: S608
            [json.dumps(data, ensure_ascii=False), chain, seq],
        )

    def delete(self, chain: int, seq: int) -> None:
        assert self.sql(f"DELETE FROM {self.tables.entries} WHERE chain = %s AND seq = %s", [chain, seq])  # noqa: S608

    def renumber(self, chain: int, *, after: int, by: int) -> None:
        """Shift the sequence numbers of every entry after ``after`` (through a negative detour, so
        the unique pair never collides)."""
        self.sql(f"UPDATE {self.tables.entries} SET seq = -seq WHERE chain = %s AND seq > %s", [chain, after])  # noqa: S608
        self.sql(f"UPDATE {self.tables.entries} SET seq = -seq + %s WHERE chain = %s AND seq < 0", [by, chain])  # noqa: S608

    def swap(self, chain: int, a: int, b: int) -> None:
        """Exchange the places of two entries."""
        self.sql(f"UPDATE {self.tables.entries} SET seq = -1 WHERE chain = %s AND seq = %s", [chain, a])  # noqa: S608
        self.sql(f"UPDATE {self.tables.entries} SET seq = %s WHERE chain = %s AND seq = %s", [a, chain, b])  # noqa: S608
        self.sql(f"UPDATE {self.tables.entries} SET seq = %s WHERE chain = %s AND seq = -1", [b, chain])  # noqa: S608

    def insert_copy_of(self, chain: int, seq: int, *, at_seq: int, object_id: str = "INSERTED") -> None:
        """Insert a forged entry (a copy of entry ``seq`` with another object) at ``at_seq``,
        moving the later ones up by one."""
        self.renumber(chain, after=at_seq - 1, by=1)
        source = seq if seq < at_seq else seq + 1
        columns = "chain, seq, at, actor_id, actor_label, role, outlet_code, action, object_type, data, prev_hash, hash"
        picks = columns.replace("seq,", "%s,", 1)
        self.sql(
            f"INSERT INTO {self.tables.entries} (id, {columns}, object_id) "  # noqa: S608 fixed names
            f"SELECT (SELECT max(id) + 1 FROM {self.tables.entries}), {picks}, %s "
            f"FROM {self.tables.entries} WHERE chain = %s AND seq = %s",
            [at_seq, object_id, chain, source],
        )

    def set_head(self, chain: int, seq: int, hash_: str) -> None:
        self.sql(f"UPDATE {self.tables.heads} SET seq = %s, hash = %s WHERE id = %s", [seq, hash_, chain])  # noqa: S608

    def recompute(self, chain: int = 1) -> None:
        """Rewrite every hash of the chain from its content and move the head to the end: what a
        writer who knows the hashing does after tampering."""
        prev = GENESIS
        rows = list(entries_of(self.tables, chain))
        for entry in rows:
            entry.prev_hash = prev
            entry.hash = _digest(prev, _fields(entry))
            self.sql(
                f"UPDATE {self.tables.entries} SET prev_hash = %s, hash = %s WHERE chain = %s AND seq = %s",  # noqa: S608
                [entry.prev_hash, entry.hash, chain, entry.seq],
            )
            prev = entry.hash
        self.set_head(chain, rows[-1].seq if rows else 0, prev)

    def cut_tail(self, chain: int, *, keep: int) -> None:
        """Delete every entry after ``keep`` and move the head back to it."""
        self.sql(f"DELETE FROM {self.tables.entries} WHERE chain = %s AND seq > %s", [chain, keep])  # noqa: S608
        last = [e for e in entries_of(self.tables, chain)][-1] if keep else None
        self.set_head(chain, keep, last.hash if last is not None else GENESIS)

    def wipe(self) -> None:
        """Empty the log and reset every head, as ``DELETE`` plus an ``UPDATE`` would."""
        self.sql(f"DELETE FROM {self.tables.entries}")  # noqa: S608
        for chain in heads_of(self.tables):
            self.set_head(chain, 0, GENESIS)
