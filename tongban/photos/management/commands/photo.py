"""``tongban photo check|derive|import`` — the photo library for batch and audit use.

- ``tongban photo check FILE [--json]``: the quality report; exit status 1 when the photo fails.
- ``tongban photo derive FILE --standard CODE --out PATH`` or ``--all --out-dir DIR``: write
  verified document photos (exit status 1, with the reason, when a standard cannot be met).
- ``tongban photo import DIR [--workers N]``: migrate a legacy archive. Files are processed in
  parallel over the cores, written by this process; the import is resumable (files already
  imported, by SHA-256, are skipped), shows a progress bar and ends with failures by reason.
  A file named after a valid ID number (``330106199005170123.jpg``) is linked to that person.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.photos.engine.standards import PhotoStandard, default_standards

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif"}
STORE_BATCH = 32  # photos written per transaction by the importing process


def _standards() -> Mapping[str, PhotoStandard]:
    """The administrators' standards; the shipped file when the table is empty."""
    from tongban.photos.selectors import standards_active

    return standards_active() or default_standards()


# worker side (a separate process: no database access) ---------------------------------------
_WORKER_STANDARDS: dict[str, PhotoStandard] = {}


def _worker_init(records: list[dict[str, Any]]) -> None:
    from tongban.photos.engine.standards import standards_from_records

    _WORKER_STANDARDS.clear()
    _WORKER_STANDARDS.update(standards_from_records(records))


def _worker(path: str) -> tuple[str, dict[str, Any] | str]:
    from tongban.photos.engine.pipeline import process_for_storage

    try:
        data = Path(path).read_bytes()
        return path, process_for_storage(data, _WORKER_STANDARDS)
    except Exception as exc:  # a worker must never take the import down
        return path, f"{type(exc).__name__}: {exc}"


class Command(BaseCommand):
    help = "Photo library: check a photo, derive document photos, import a legacy archive."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="quality report of one photo")
        check.add_argument("file")
        check.add_argument("--json", action="store_true", help="print the report as JSON")
        derive = sub.add_parser("derive", help="derive document photos from one photo")
        derive.add_argument("file")
        group = derive.add_mutually_exclusive_group(required=True)
        group.add_argument("--standard", help="standard code (see --list)")
        group.add_argument("--all", action="store_true", help="every active standard")
        derive.add_argument("--out", help="output file (with --standard)")
        derive.add_argument("--out-dir", dest="out_dir", help="output directory (with --all)")
        imp = sub.add_parser("import", help="import a directory of photos (resumable)")
        imp.add_argument("directory")
        imp.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        imp.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "check":
            self._check(Path(options["file"]), as_json=bool(options["json"]))
        elif action == "derive":
            self._derive(Path(options["file"]), options)
        else:
            self._import(
                Path(options["directory"]), workers=max(1, int(options["workers"])), progress=not options["no_progress"]
            )

    # ------------------------------------------------------------------ check
    def _read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc

    def _check(self, path: Path, *, as_json: bool) -> None:
        from tongban.photos.engine.pipeline import process

        res = process(self._read(path), derive_all=False)
        rep = res.report()
        if as_json:
            self.stdout.write(json.dumps(rep, ensure_ascii=False, indent=2, default=str))
        elif res.error is not None:
            self.stdout.write(f"✗ {path.name}: {res.error.message_zh} / {res.error.message_en}")
        else:
            verdict = "合格 PASS" if res.passed else "不合格 FAIL"
            self.stdout.write(f"{path.name}: {verdict} · 人脸 {rep['face_count']} 张")
            for c in rep["components"]:
                mark = "✓" if c["passed"] else "✗"
                line = f"  {mark} {c['name_zh']} ({c['key']}) = {c['value']}"
                if not c["passed"]:
                    line += f"  → {c['hint_zh']}"
                self.stdout.write(line)
        if not res.passed:
            raise CommandError("photo failed the quality check", returncode=1)

    # ------------------------------------------------------------------ derive
    def _derive(self, path: Path, options: dict[str, Any]) -> None:
        from tongban.photos.engine.pipeline import process

        stds = dict(_standards())
        if options.get("standard"):
            code = options["standard"]
            if code not in stds:
                raise CommandError(f"unknown standard {code!r}; known: {', '.join(stds)}")
            if not options.get("out"):
                raise CommandError("--standard needs --out PATH")
            targets = {code: Path(options["out"])}
        else:
            if not options.get("out_dir"):
                raise CommandError("--all needs --out-dir DIR")
            out_dir = Path(options["out_dir"])
            out_dir.mkdir(parents=True, exist_ok=True)
            targets = {c: out_dir / f"{path.stem}_{c}.jpg" for c in stds}
        res = process(self._read(path), stds, only=list(targets))
        if res.error is not None:
            raise CommandError(f"{res.error.message_zh} / {res.error.message_en}", returncode=1)
        failed = False
        for code, target in targets.items():
            der = res.derivatives.get(code)
            if der is None:
                why = res.refusals.get(code, {})
                self.stderr.write(f"✗ {code}: {why.get('message_zh', '')} / {why.get('message_en', '')}")
                failed = True
                continue
            target.write_bytes(der.data)
            self.stdout.write(
                f"✓ {code}: {target} ({der.width}×{der.height}, {der.dpi} dpi, {len(der.data) / 1000:.1f} KB, verified)"
            )
        if failed:
            raise CommandError("some standards could not be derived", returncode=1)

    # ------------------------------------------------------------------ import
    def _import(self, directory: Path, *, workers: int, progress: bool) -> None:
        from django.db import connections

        from tongban.common.clock import now
        from tongban.photos.models import CaptureChannel, PhotoCapture
        from tongban.photos.services import photo_store_batch

        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        done = set(PhotoCapture.objects.filter(channel=CaptureChannel.IMPORT).values_list("sha256", flat=True))
        todo: list[Path] = []
        skipped = 0
        for p in files:
            if hashlib.sha256(p.read_bytes()).hexdigest() in done:
                skipped += 1
            else:
                todo.append(p)
        self.stdout.write(f"{len(files)} files, {skipped} already imported, {len(todo)} to go, {workers} workers")
        stds = dict(_standards())
        records = [s.to_dict() for s in stds.values()]
        reasons: Counter[str] = Counter()
        imported = passed = 0
        at = now()
        connections.close_all()  # workers are forked: they must not share the connection
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), unit="photo", file=sys.stderr)
        pending: list[tuple[dict[str, Any], str, str]] = []

        def flush() -> None:
            nonlocal imported, passed
            caps = photo_store_batch(items=pending, channel=CaptureChannel.IMPORT, at=at, standards=stds)
            for cap, (result, _, _) in zip(caps, pending, strict=True):
                imported += 1
                if cap.status == "passed":
                    passed += 1
                elif result.get("error"):
                    reasons[f"refused: {result['error']}"] += 1
                else:
                    for c in result["report"].get("components", []):
                        if not c["passed"]:
                            reasons[c["key"]] += 1
            pending.clear()

        for path, result in self._results(todo, workers, records):
            if isinstance(result, str):
                reasons[f"worker_error: {result.split(':')[0]}"] += 1
            else:
                pending.append((result, Path(path).stem, str(Path(path).relative_to(directory))))
                if len(pending) >= STORE_BATCH:
                    flush()
            if bar is not None:
                bar.update(1)
        if pending:
            flush()
        if bar is not None:
            bar.close()
        self.stdout.write(f"imported {imported}, passed {passed}, failed {imported - passed}, skipped {skipped}")
        if reasons:
            self.stdout.write("failures by reason:")
            for reason, n in reasons.most_common():
                self.stdout.write(f"  {n:>6}  {reason}")

    def _results(
        self, todo: list[Path], workers: int, records: list[dict[str, Any]]
    ) -> Iterator[tuple[str, dict[str, Any] | str]]:
        paths = [str(p) for p in todo]
        if workers == 1:
            _worker_init(records)
            for p in paths:
                yield _worker(p)
            return
        import multiprocessing as mp

        # load the image libraries and the dlib models once, here: the forked workers share
        # them (copy-on-write) instead of each importing and loading them again
        from tongban.photos.engine import pipeline  # noqa: F401
        from tongban.photos.engine.detect import load_models

        load_models()
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(records,)
        ) as pool:
            yield from pool.map(_worker, paths, chunksize=4)
