"""Hostile and unusual files: refused cheaply or normalised, and nothing stored keeps metadata.

The files are generated here. Memory is measured in a child process (peak RSS); time is not
asserted here (bench/bench_photos.py measures it).
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import simplejpeg
from PIL import Image, ImageCms

from tongban.photos.engine.intake import (
    IntakeError,
    decode,
    probe,
    stored_original,
    strip_jpeg,
)
from tongban.photos.engine.pipeline import process
from tongban.photos.tests.faces import FACES

PORTRAIT = FACES / "cong_C001080_plain.jpg"
needs_faces = pytest.mark.skipif(not PORTRAIT.exists(), reason="test faces not available")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that inflates to width×height grey pixels (all zero)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    comp = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(comp.compress(row) for _ in range(min(height, 64)))
    body += comp.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


def jpeg_with_header(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF claims ``width``×``height``."""
    data = bytearray(simplejpeg.encode_jpeg(np.zeros((16, 16, 3), np.uint8), quality=80))
    i = 2
    while True:
        marker, seg_len = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        i += 2 + seg_len


def exif_bytes(*, orientation: int = 1, gps: bool = False) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 30.0), 3: "E", 4: (120.0, 9.0, 15.0)}
    return exif.tobytes()


def portrait_jpeg(**save: object) -> bytes:
    buf = io.BytesIO()
    Image.open(PORTRAIT).save(buf, "JPEG", quality=92, **save)
    return buf.getvalue()


def no_metadata(data: bytes) -> None:
    img = Image.open(io.BytesIO(data))
    assert len(img.getexif()) == 0
    assert "exif" not in img.info
    assert b"Exif\x00\x00" not in data
    assert b"PhoneMaker" not in data


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"hello, this is not a photo" * 10, "unknown_format"),
        (png_bomb(100_000, 100_000), "too_many_pixels"),
        (png_bomb(8_000, 8_000), "too_many_pixels"),  # 64 MP: over the full-decode cap
        (jpeg_with_header(60_000, 60_000), "too_many_pixels"),
        (jpeg_with_header(40, 30), "too_few_pixels"),
    ],
    ids=["empty", "text", "png-bomb-huge", "png-bomb-64mp", "jpeg-60000", "tiny"],
)
def test_refused_before_decoding(data: bytes, code: str) -> None:
    with pytest.raises(IntakeError) as err:
        probe(data)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en


def test_byte_cap() -> None:
    from tongban.photos.engine.intake import IntakeLimits

    with pytest.raises(IntakeError) as err:
        probe(b"\xff\xd8\xff" + b"\x00" * 2000, IntakeLimits(max_bytes=1000))
    assert err.value.code == "too_large"


@needs_faces
def test_truncated_jpeg_is_refused_as_corrupt() -> None:
    data = PORTRAIT.read_bytes()
    res = process(data[: len(data) // 2])
    assert res.error is not None
    assert res.error.code == "corrupt"
    assert res.analysis is None and res.derivatives == {}
    assert res.report()["error"]["code"] == "corrupt"


def test_garbage_after_jpeg_magic_is_corrupt_not_a_crash() -> None:
    res = process(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    assert res.error is not None and res.error.code == "corrupt"


# ------------------------------------------------------------------ normalisation


@needs_faces
def test_wrong_extension_is_ignored_format_comes_from_bytes(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.open(PORTRAIT).save(buf, "PNG")
    named_jpg = tmp_path / "photo.jpg"
    named_jpg.write_bytes(buf.getvalue())
    res = process(named_jpg.read_bytes())
    assert res.error is None and res.probe is not None
    assert res.probe.format == "png"
    assert res.passed


@needs_faces
@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_rotated_jpeg_is_turned_upright(orientation: int) -> None:
    upright = np.asarray(Image.open(PORTRAIT).convert("RGB"))
    turn = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[orientation]
    stored_sideways = Image.fromarray(upright).transpose(turn)
    buf = io.BytesIO()
    stored_sideways.save(buf, "JPEG", quality=95, exif=exif_bytes(orientation=orientation))
    data = buf.getvalue()
    pr = probe(data)
    assert pr.orientation == orientation
    dec = decode(data, pr, min_short_side=10_000)
    assert dec.rgb.shape == upright.shape
    assert np.abs(dec.rgb.astype(int) - upright.astype(int)).mean() < 6  # JPEG noise only
    assert "exif_orientation" in dec.notes
    res = process(data)
    assert res.passed
    kept, ctype = stored_original(data, pr)
    assert ctype == "image/jpeg"
    no_metadata(kept)
    assert Image.open(io.BytesIO(kept)).size == (upright.shape[1], upright.shape[0])


@needs_faces
def test_gps_tagged_jpeg_keeps_pixels_and_loses_every_tag() -> None:
    data = portrait_jpeg(exif=exif_bytes(gps=True))
    pr = probe(data)
    assert pr.has_gps and pr.has_exif
    kept, _ = stored_original(data, pr)
    no_metadata(kept)
    # bit-exact pixels: only marker segments were dropped
    a = simplejpeg.decode_jpeg(data)
    b = simplejpeg.decode_jpeg(kept)
    assert np.array_equal(a, b)
    res = process(data)
    assert res.passed
    for der in res.derivatives.values():
        no_metadata(der.data)


@needs_faces
def test_cmyk_jpeg_with_icc_is_normalised_to_rgb() -> None:
    rgb = Image.open(PORTRAIT).convert("RGB")
    cmyk = rgb.convert("CMYK")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", quality=95, icc_profile=icc)  # a profile that does not fit CMYK
    data = buf.getvalue()
    pr = probe(data)
    assert pr.mode == "CMYK" and pr.icc_profile
    dec = decode(data, pr)
    assert dec.rgb.ndim == 3 and dec.rgb.shape[2] == 3
    ref = np.asarray(cmyk.convert("RGB").resize((dec.rgb.shape[1], dec.rgb.shape[0])))
    assert np.abs(dec.rgb.astype(int) - ref.astype(int)).mean() < 8
    res = process(data)
    assert res.error is None and res.passed
    kept, ctype = stored_original(data, pr)
    assert ctype == "image/jpeg"
    assert Image.open(io.BytesIO(kept)).mode == "RGB"


@needs_faces
def test_non_srgb_icc_profile_is_converted() -> None:
    prof = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    raw = prof.tobytes()
    # rename the profile so it is not recognised as sRGB: the conversion path must run
    raw = raw.replace("sRGB".encode("utf-16-be"), "wRGB".encode("utf-16-be"))
    raw = raw.replace(b"sRGB", b"wRGB")
    data = portrait_jpeg(icc_profile=raw)
    pr = probe(data)
    assert pr.icc_profile == raw
    dec = decode(data, pr)
    assert dec.rgb.shape[2] == 3
    assert "icc_to_srgb" in dec.notes
    assert process(data).passed


@needs_faces
def test_sixteen_bit_grey_png_is_normalised_and_fails_only_as_grey() -> None:
    grey = np.asarray(Image.open(PORTRAIT).convert("L"), dtype=np.uint16) * 257
    buf = io.BytesIO()
    Image.fromarray(grey).save(buf, "PNG")
    data = buf.getvalue()
    pr = probe(data)
    assert pr.mode.startswith("I")
    dec = decode(data, pr)
    assert dec.rgb.dtype == np.uint8 and dec.rgb.shape[2] == 3
    assert "sixteen_bit" in dec.notes and "grayscale" in dec.notes
    res = process(data)
    assert res.analysis is not None
    failed = {c.key for c in res.analysis.failures}
    assert "colour" in failed


@needs_faces
def test_heic_is_decoded_when_the_wheel_is_present() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    img = Image.open(PORTRAIT).convert("RGB")
    heif = pillow_heif.from_pillow(img)
    buf = io.BytesIO()
    heif.save(buf, quality=90)
    data = buf.getvalue()
    pr = probe(data)
    assert pr.format == "heic"
    res = process(data)
    assert res.error is None and res.passed
    kept, ctype = stored_original(data, pr)
    assert ctype == "image/jpeg"
    no_metadata(kept)


def test_strip_jpeg_refuses_a_broken_segment_length() -> None:
    with pytest.raises(IntakeError):
        strip_jpeg(b"\xff\xd8\xff\xe1\xff\xff" + b"\x00" * 10)


# ------------------------------------------------------------------ memory bound

CHILD = r"""
import json, sys


def hwm_kb():
    # VmHWM is reset by exec; ru_maxrss is not (it would include the parent's peak)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no /proc/self/status")


from tongban.photos.engine.pipeline import process
data = open(sys.argv[1], "rb").read()
base = hwm_kb()
res = process(data)
peak = hwm_kb()
print(json.dumps({"error": res.error.code if res.error else None, "base_kb": base,
                  "peak_kb": peak}))
"""


@needs_faces
def test_hostile_files_stay_under_200_mb(tmp_path: Path) -> None:
    files = {
        "bomb": png_bomb(100_000, 100_000),
        "bomb64": png_bomb(8_000, 8_000),
        "header60000": jpeg_with_header(60_000, 60_000),
        "truncated": PORTRAIT.read_bytes()[:40_000],
        "gps": portrait_jpeg(exif=exif_bytes(gps=True)),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True, timeout=120
        )
        rec = json.loads(out.stdout.strip().splitlines()[-1])
        grown_mb = (rec["peak_kb"] - rec["base_kb"]) / 1024
        assert grown_mb < 200, (name, grown_mb)
