"""``tongban audit verify|checkpoint|keygen|keys|grants|retention``: the audit log's tools.

- ``verify [--checkpoints DIR] [--keys FILE] [--require-checkpoint] [--entries-table T --heads-table H]``:
  recompute every chain and pin it to the newest signed checkpoint; exits 1 with one line per
  problem when tampered. The tables name a copy of the log to check instead of the live one.
- ``checkpoint``: sign every chain's head and write the checkpoint to the checkpoint storage (run it
  from cron or a systemd timer, docs/deploy.md); exits 1 and signs nothing when the log is broken.
- ``keygen [--dir DIR]`` / ``keys [--dir DIR]``: create (or rotate) the audit signing key; print the
  public key set.
- ``grants --role ROLE [--apply]``: the PostgreSQL grants of an application role that cannot
  rewrite the audit log (printed, or applied as the connected owner).
- ``retention [--days N]``: trim the other logs kept in the database (never audit entries).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from tongban.common.clock import now


class Command(BaseCommand):
    help = "Audit log tools: verify, checkpoint, keygen, keys, grants, retention."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute the chains and check them against the newest checkpoint")
        verify.add_argument("--checkpoints", help="a directory holding a copy of the checkpoints (default: the export)")
        verify.add_argument("--keys", help="a copy of the audit keys.json (default: the audit key directory)")
        verify.add_argument("--require-checkpoint", action="store_true", help="fail when there is no checkpoint")
        verify.add_argument("--entries-table", help="verify a copy of the log (e.g. restored from a backup) ...")
        verify.add_argument("--heads-table", help="... with its heads in this table")
        sub.add_parser("checkpoint", help="sign every chain's head and export the checkpoint")
        keygen = sub.add_parser("keygen", help="create or rotate the audit signing key")
        keygen.add_argument("--dir", help="key directory (default TONGBAN_AUDIT_KEYS_DIR)")
        keys = sub.add_parser("keys", help="print the audit public key set")
        keys.add_argument("--dir", help="key directory (default TONGBAN_AUDIT_KEYS_DIR)")
        grants = sub.add_parser("grants", help="PostgreSQL grants of an app role that cannot rewrite the log")
        grants.add_argument("--role", required=True)
        grants.add_argument("--schema", default="public")
        grants.add_argument("--apply", action="store_true", help="run them (as the tables' owner)")
        retention = sub.add_parser("retention", help="delete other logs older than the retention period")
        retention.add_argument("--days", type=int, help="default TONGBAN_LOG_RETENTION_DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        from tongban.audit.services import audit_verify
        from tongban.audit.verify import AuditTables

        tables = None
        if options.get("entries_table") or options.get("heads_table"):
            try:
                tables = AuditTables(entries=options.get("entries_table") or "", heads=options.get("heads_table") or "")
            except ValueError as exc:
                raise CommandError(f"{exc} (give both --entries-table and --heads-table)") from exc
        report: Any = audit_verify(
            tables=tables,
            checkpoints=options.get("checkpoints"),
            keys=options.get("keys"),
            require_checkpoint=True if options.get("require_checkpoint") else None,
        )
        for note in getattr(report, "notes", []):
            self.stderr.write(f"note: {note}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"audit chain broken ({len(report.problems)} problem(s) in {report.entries} entries)", returncode=1
            )
        pinned = ""
        if report.checkpoint is not None:
            pinned = (
                f"; matches signed checkpoint #{report.checkpoint} of {report.checkpoint_at:%Y-%m-%d %H:%M}Z "
                f"({report.checkpoint_entries} entries)"
            )
        self.stdout.write(f"OK: {report.entries} entries, chain intact{pinned}")

    def _checkpoint(self, options: dict[str, Any]) -> None:
        from tongban.audit.checkpoints import CheckpointInvalid, CheckpointRefused, audit_checkpoint
        from tongban.audit.keys import AuditKeyMissing

        try:
            checkpoint = audit_checkpoint(at=now())
        except CheckpointRefused as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError("the audit log does not verify: no checkpoint was signed", returncode=1) from exc
        except (CheckpointInvalid, AuditKeyMissing) as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            f"checkpoint #{checkpoint.number}: {checkpoint.entries} entries in {len(checkpoint.chains)} chain(s), "
            f"signed by {checkpoint.kid}, written to {checkpoint.name}"
        )

    def _keygen(self, options: dict[str, Any]) -> None:
        from tongban.audit.keys import audit_key_directory

        directory = audit_key_directory(options.get("dir"))
        signer = directory.rotate(now=now())
        self.stdout.write(f"new audit signing key {signer.kid}; public key set: {directory.keyset_path}")

    def _keys(self, options: dict[str, Any]) -> None:
        from tongban.audit.keys import audit_key_directory

        self.stdout.write(audit_key_directory(options.get("dir")).key_set().dumps(), ending="")

    def _grants(self, options: dict[str, Any]) -> None:
        from tongban.audit.grants import grants_sql

        try:
            statements = grants_sql(role=options["role"], schema=options["schema"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["apply"]:
            self.stdout.write("".join(f"{sql};\n" for sql in statements), ending="")
            return
        if connection.vendor != "postgresql":
            raise CommandError("grants apply to PostgreSQL only")
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        self.stdout.write(f"granted {options['role']} the application's privileges, audit tables append-only")

    def _retention(self, options: dict[str, Any]) -> None:
        from tongban.audit.retention import log_retention_sweep

        try:
            deleted = log_retention_sweep(now=now(), days=options.get("days"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for label, count in deleted.items():
            self.stdout.write(f"{label}: {count} row(s) deleted")
