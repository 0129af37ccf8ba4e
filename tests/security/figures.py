"""Figures of the last security run, for docs/security.md (``tongban security-report``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIGURES_FILE = Path(os.environ.get("TONGBAN_SECURITY_FIGURES", ROOT / "var" / "security-figures.json"))


def save_figures(section: str, figures: dict[str, Any]) -> None:
    """Record one test's figures (a JSON file of sections, merged)."""
    FIGURES_FILE.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(FIGURES_FILE.read_text()) if FIGURES_FILE.exists() else {}
    data[section] = figures
    FIGURES_FILE.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
