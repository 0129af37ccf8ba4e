"""The refusal-reason table of the photo ADR (docs/adr/0004-face-detector.md), from the pipeline.

Every image of the project's test set: ``../shared/data/faces`` (``TONGBAN_FACES_DIR``), the
images kept with the tests (``tongban/photos/tests/data``, the diversity portraits of its
``portraits`` folder) and the synthetic defects made from them
(``tongban/photos/tests/synth.py``). For each: the verdict, the standards derived, the quality
components that failed, the standards refused and why, what the person is told, and
what the tests expect (``tests/faces.py``, ``tests/portraits.py``, ``tests/synth.py``,
``tests/test_engine_faces.py``). A row the tests hold as a known engine error (a strict xfail)
is marked as such; any other row not as expected makes the tool exit non-zero.

Run: ``.venv/bin/python tools/photo_refusal_table.py`` prints the table;
``--write`` replaces it in the ADR (between its two markers); ``--montage DIR`` also writes,
per image, a PNG of the input beside every derived file, to look at.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADR = ROOT / "docs" / "adr" / "0004-face-detector.md"
BEGIN, END = "<!-- refusal-table:begin -->", "<!-- refusal-table:end -->"
SHORT = {
    "id_card": "ID",
    "social_security_card": "SSC",
    "residence_permit": "RP",
    "driver_licence": "DL",
    "passport": "PP",
    "hk_macao_permit": "HK",
}
ORDER = list(SHORT)


@dataclass(frozen=True)
class Want:
    """What the tests hold for one image."""

    passes: bool
    must_fail: tuple[str, ...] = ()
    derived: frozenset[str] | None = None
    why: str | None = None  # refusal code of the standards not derived (chest-cut portraits)
    must_pass: tuple[str, ...] = ()  # components that must not fail (no false reason)
    bug: str | None = None  # the tests hold the engine's answer as wrong (strict xfail)


def _codes(codes: set[str] | frozenset[str]) -> str:
    return "+".join(SHORT[c] for c in ORDER if c in codes) or "–"


def test_set() -> list[tuple[str, bytes, Want]]:
    """(name, bytes, expectation) of every image of the test set."""
    from tongban.photos.tests.faces import EXPECTED, FACES
    from tongban.photos.tests.portraits import PORTRAIT_EXPECTED, PORTRAITS
    from tongban.photos.tests.synth import SYNTHETIC, synthetic_bytes

    out: list[tuple[str, bytes, Want]] = []
    for name, e in sorted(EXPECTED.items()):
        out.append(
            (name, (FACES / name).read_bytes(), Want(e.passes, e.must_fail, e.derived if e.passes else None, e.why))
        )
    data = ROOT / "tongban" / "photos" / "tests" / "data"
    # test_engine_faces.test_grace_hopper_is_refused_for_the_flag_behind_her
    out.append(
        ("mpl_grace_hopper.jpg", (data / "mpl_grace_hopper.jpg").read_bytes(), Want(False, ("background_uniformity",)))
    )
    for name, p in sorted(PORTRAIT_EXPECTED.items()):
        want = Want(p.passes, p.must_fail, p.derived if p.passes else None, p.why, p.must_pass, p.bug)
        out.append((f"portraits/{name}", (PORTRAITS / name).read_bytes(), want))
    for name, s in sorted(SYNTHETIC.items()):
        want = Want(s.passes, s.must_fail, s.derived, s.refused_why, s.must_pass, s.bug)
        out.append((name, synthetic_bytes(name), want))
    return out


def row(name: str, data: bytes, want: Want, montage: Path | None) -> tuple[str, bool]:
    """One table row and whether the result is what the tests expect."""
    from tongban.photos.engine.pipeline import process

    res = process(data)
    failed = [c.key for c in res.analysis.failures] if res.analysis is not None else []
    derived = set(res.derivatives)
    refused: dict[str, list[str]] = {}
    for code, r in {**res.unframable, **res.refusals}.items():
        refused.setdefault(r["code"], []).append(code)
    told = [r["zh"] for r in res.reasons()]
    if res.passed:  # what the person is told about each standard that could not be made
        for r in {**res.unframable, **res.refusals}.values():
            if r["message_zh"] not in told:
                told.append(r["message_zh"])
    ok = res.passed == want.passes and set(want.must_fail) <= set(failed) and not set(want.must_pass) & set(failed)
    if want.passes and want.derived is not None:
        ok = ok and derived == set(want.derived)
    if not want.passes and not want.must_fail and want.why:  # every standard refused for ``why``
        ok = ok and set(refused) == {want.why}
    if want.passes:
        expected = f"accepted: {_codes(want.derived or frozenset())}"
    elif want.must_fail:
        expected = "refused: " + ", ".join(want.must_fail)
    elif want.why:
        expected = f"refused: {want.why} for every standard"
    else:
        expected = "refused"
    if want.must_pass:
        expected += "; never " + ", ".join(want.must_pass)
    verdict = "accepted" if res.passed else "refused"
    refused_txt = "; ".join(f"{k}: {_codes(set(v))}" for k, v in sorted(refused.items())) or "—"
    if montage is not None:
        _montage(montage / f"{Path(name).stem}.png", data, res)
    if want.bug:
        expected += f" — engine wrong (strict xfail): {want.bug}"
        mark = "**NO** (known)" if not ok else "**yes — bug fixed? update the test**"
    else:
        mark = "yes" if ok else "**NO**"
    cells = [
        name,
        verdict,
        _codes(derived),
        ", ".join(failed) or "—",
        refused_txt,
        " / ".join(told) or "—",
        expected,
        mark,
    ]
    return "| " + " | ".join(cells) + " |", ok != bool(want.bug)


def _montage(path: Path, data: bytes, res: object) -> None:
    """The input (scaled to 480 px high) beside each derived file at 480 px high."""
    import io

    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    tiles = [Image.open(io.BytesIO(data)).convert("RGB")]
    tiles += [Image.open(io.BytesIO(d.data)).convert("RGB") for d in res.derivatives.values()]  # type: ignore[attr-defined]
    tiles = [t.resize((max(1, round(t.width * 480 / t.height)), 480)) for t in tiles]
    sheet = Image.new("RGB", (sum(t.width for t in tiles) + 8 * (len(tiles) - 1), 480), (255, 255, 255))
    x = 0
    for t in tiles:
        sheet.paste(t, (x, 0))
        x += t.width + 8
    sheet.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="replace the table in the ADR")
    ap.add_argument("--montage", type=Path, help="write a PNG per image (input and derived files) here")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.config.settings")
    import django

    django.setup()
    lines = [
        "| image | verdict | derived | failed components | standards refused (reason) | told (zh) | expected "
        "| as expected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    bad = 0
    for name, data, want in test_set():
        line, ok = row(name, data, want, args.montage)
        bad += not ok
        lines.append(line)
    table = "\n".join(lines)
    print(table)
    print(f"\n{len(lines) - 2} images, {bad} not as expected", file=sys.stderr)
    if args.write:
        text = ADR.read_text()
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        ADR.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
