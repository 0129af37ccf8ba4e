"""Demo data for the photo library: only the standards (seeded by migration 0002).

No photo is preloaded: the test portraits may be used in tests and benchmarks only, never as
sample output on pages, so demo citizens take or upload their own photo on 我的照片.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tongban.photos.selectors import standards_active


def demo_load(*, now: dt.datetime, stdout: Any) -> None:
    """Report the active photo standards (idempotent: writes nothing)."""
    stds = standards_active()
    stdout.write(f"photos: {len(stds)} photo standards active ({', '.join(s.name_zh for s in stds.values())})")
