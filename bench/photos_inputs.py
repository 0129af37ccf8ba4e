"""Synthetic phone photos for the photo benchmarks, built from a real test portrait.

The test portraits are small (≤ 1600 px), so a "12-megapixel phone JPEG" is made by upscaling a
portrait (``plain_portrait``) onto a 4000×3000 canvas: the canvas is filled with the portrait's own backdrop colour
(with a gentle light fall-off), the portrait is pasted in the middle, and the whole image gets
Gaussian sensor noise (σ = 3) before a 4:2:0 JPEG encode at quality 92 — roughly what a phone
camera writes. The same recipe gives the 1280×960 input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import simplejpeg
from PIL import Image

FACES = Path("/work/shared/data/faces")
# A head-and-shoulders portrait with room below the chin for every standard (the passport
# needs about two inter-eye distances under the chin): the official portraits of the set are
# cropped at the chest, so the bench uses 18F's portrait of Kate with her patterned office
# backdrop replaced by a plain light one (the person's pixels are the photo's own).
DEFAULT_PORTRAIT = "18f_kate_patterned_bg.jpg"
BACKDROP = (198, 214, 230)


def plain_portrait(path: Path) -> Image.Image:
    """The portrait on a plain light backdrop, head and shoulders with headroom
    (``tongban.photos.tests.synth.head_and_shoulders``: the person's pixels are the photo's own)."""
    from tongban.photos.tests.synth import head_and_shoulders

    return Image.fromarray(head_and_shoulders(np.asarray(Image.open(path).convert("RGB")), BACKDROP))


def phone_jpeg(
    width: int, height: int, *, portrait: Path | None = None, fill: float = 0.92, seed: int = 0, quality: int = 92
) -> bytes:
    """A ``width``×``height`` JPEG with the portrait filling ``fill`` of the height."""
    src = plain_portrait(portrait or FACES / DEFAULT_PORTRAIT)
    ph = int(height * fill)
    pw = round(src.width * ph / src.height)
    big = np.asarray(src.resize((pw, ph), Image.Resampling.BICUBIC), dtype=np.float32)
    corner = np.asarray(src, dtype=np.float32)[:20, :20].reshape(-1, 3).mean(axis=0)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    falloff = 1.0 - 0.08 * (((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2)
    canvas = corner[None, None, :] * falloff[..., None]
    x0, y0 = (width - pw) // 2, height - ph
    canvas[y0 : y0 + ph, x0 : x0 + pw] = big
    rng = np.random.default_rng(seed)
    canvas += rng.normal(0.0, 3.0, canvas.shape).astype(np.float32)
    img = np.clip(canvas + 0.5, 0, 255).astype(np.uint8)
    return simplejpeg.encode_jpeg(img, quality=quality, colorspace="RGB", colorsubsampling="420")


WINDOW = "window"  # the head-and-shoulders portrait of ``plain_portrait`` (all six standards)
PASSING = [WINDOW, "cong_B001288_whitebg.jpg", "cong_C001080_plain.jpg", "cong_C001130_plain.jpg"]
FAILING = [
    "18f_kate_patterned_bg.jpg",
    "cong_B001300_lowres.jpg",
    "noface_coffee.png",
    "cong_F000468_indoor_bg.jpg",
    "cong_D000096_rot9.jpg",
]


def legacy_archive(directory: Path, count: int, *, seed: int = 7, fail_share: float = 0.1) -> list[Path]:
    """A legacy photo archive: ``count`` JPEGs named by synthetic ID numbers.

    Each file is a test portrait, randomly cropped (±4 %), rescaled (85–100 %), brightened
    (±6 %) and re-encoded at quality 80–92; ``fail_share`` of them come from images that
    fail the quality check, so the failure summary has something to say.
    """
    import datetime as dt

    from tongban.common.ids import make_id_number

    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    sources = {n: Image.open(FACES / n).convert("RGB") for n in PASSING + FAILING if n != WINDOW}
    sources[WINDOW] = plain_portrait(FACES / DEFAULT_PORTRAIT)
    out = []
    for i in range(count):
        name = FAILING[i % len(FAILING)] if rng.random() < fail_share else PASSING[i % len(PASSING)]
        img = sources[name]
        w, h = img.size
        dx, dy = int(w * rng.uniform(0, 0.04)), int(h * rng.uniform(0, 0.04))
        crop = img.crop((dx, dy, w - int(w * rng.uniform(0, 0.04)), h))
        k = rng.uniform(0.85, 1.0)
        crop = crop.resize((int(crop.width * k), int(crop.height * k)), Image.Resampling.BILINEAR)
        arr = np.asarray(crop, dtype=np.float32) * rng.uniform(0.94, 1.06)
        arr = np.clip(arr + 0.5, 0, 255).astype(np.uint8)
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 60)))
        idn = make_id_number("330106", birth, i % 1000)
        path = directory / f"{idn}.jpg"
        path.write_bytes(simplejpeg.encode_jpeg(np.ascontiguousarray(arr), quality=int(rng.integers(80, 93))))
        out.append(path)
    return out
