"""Django merges every app's catalog into one per language, so a Chinese msgid that two apps'
catalogs translate differently reads the same everywhere: whichever catalog wins. 确认 was
"Review" in photos and "Confirm" in rentals, and the rentals page showed one of the two on its
button. The same words with different meanings carry a translation context (msgctxt) of their
own; without a context, every catalog must say the same."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

import tongban

ROOT = Path(tongban.__file__).parent


def _english() -> dict[tuple[str | None, str], dict[str, str]]:
    """(msgctxt, msgid) → {catalog: English} for every translated entry of every en catalog."""
    found: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for po_path in sorted(ROOT.glob("**/locale/en/LC_MESSAGES/django.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        app = po_path.relative_to(ROOT).parents[3].name  # tongban/<app>/locale/…, or tongban/locale/…
        where = app or "project"
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                found[(message.context, message.id)][where] = str(message.string)
    return found


def test_the_catalogs_are_found() -> None:
    english = _english()
    assert len(english) > 2000
    assert english[(None, "确认")] == {"rentals": "Confirm"}
    assert english[("photo review", "确认")] == {"photos": "Review"}


def test_no_msgid_has_two_english_translations() -> None:
    clashes = {key: where for key, where in _english().items() if len(set(where.values())) > 1}
    assert clashes == {}
