"""Intake: read an uploaded photo safely and cheaply.

Order matters for hostile files: the byte cap first, then the format from magic bytes (never the
file name), then the header's pixel count, and only then a decode, at the smallest DCT scale that
still gives the pixels the outputs need (JPEG). Every refusal is an ``IntakeError`` with a stable
code and a Chinese and English message; nothing here lets a decoder error escape as a crash.

Normalisation: EXIF orientation is applied; CMYK, ICC-tagged (non-sRGB), 16-bit, grey and alpha
images become 8-bit sRGB RGB. ``stored_original`` gives the bytes to keep: the original with
every metadata segment (EXIF, GPS, XMP, IPTC, comments) removed, re-encoded only when the pixels
themselves had to change (rotation, CMYK, HEIC).
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simplejpeg
from PIL import Image, ImageCms, ImageOps

try:  # pillow-heif is a declared dependency; guard anyway so JPEG/PNG keep working without it
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - only when the wheel is missing on a platform
    HEIF_AVAILABLE = False

MESSAGES: dict[str, tuple[str, str]] = {
    "empty": ("文件为空，请重新选择照片。", "The file is empty; choose the photo again."),
    "too_large": (
        "文件过大（上限 {limit}），请上传较小的照片。",
        "The file is too large (limit {limit}); upload a smaller photo.",
    ),
    "unknown_format": (
        "不支持的文件格式，请上传 JPEG、PNG 或 HEIC 照片。",
        "Unsupported file format: upload a JPEG, PNG or HEIC photo.",
    ),
    "too_many_pixels": (
        "图像尺寸过大（{width}×{height}），请上传普通尺寸的照片。",
        "The image is too large ({width}×{height} pixels); upload a photo of ordinary size.",
    ),
    "too_few_pixels": (
        "图像尺寸过小（{width}×{height}），请使用更高分辨率的照片。",
        "The image is too small ({width}×{height} pixels); use a higher-resolution photo.",
    ),
    "corrupt": (
        "文件已损坏或不完整，无法读取，请重新拍摄或上传。",
        "The file is damaged or incomplete and cannot be read; take or upload the photo again.",
    ),
    "unsupported_image": (
        "无法处理此类图像（{detail}），请上传普通彩色照片。",
        "This kind of image cannot be processed ({detail}); upload an ordinary colour photo.",
    ),
}


class IntakeError(ValueError):
    """The upload was refused before or during decoding; ``code`` is stable for clients."""

    def __init__(self, code: str, **params: Any) -> None:
        zh, en = MESSAGES[code]
        self.code = code
        self.params = params
        self.message_zh = zh.format(**params)
        self.message_en = en.format(**params)
        super().__init__(f"{code}: {self.message_en}")

    def as_dict(self) -> dict[str, Any]:
        """The error as report data (code, both messages, parameters)."""
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "params": {k: str(v) for k, v in self.params.items()},
        }


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    """Hard caps, checked before any pixel is decoded."""

    max_bytes: int = 25 * 1000 * 1000
    # JPEG decodes at a reduced DCT scale, so its cap can be high (a 108 MP phone is fine) ...
    max_pixels_scaled: int = 120_000_000
    # ... PNG and HEIC decode at full size first, so their cap bounds the memory spent.
    max_pixels_full: int = 40_000_000
    min_side: int = 120


@dataclass(frozen=True, slots=True)
class Probe:
    """What the header says, read without decoding pixels."""

    format: str  # "jpeg" | "png" | "heic"
    width: int  # as stored (before orientation)
    height: int
    mode: str  # Pillow mode of the file (RGB, CMYK, L, I;16, P, RGBA ...)
    orientation: int
    icc_profile: bytes | None
    has_exif: bool
    has_gps: bool

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) after applying the EXIF orientation."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(slots=True)
class Decoded:
    """An upright 8-bit sRGB image at ``scale`` of the original upright size."""

    rgb: np.ndarray
    scale: float
    original_size: tuple[int, int]
    probe: Probe
    notes: list[str] = field(default_factory=list)


def sniff_format(data: bytes) -> str | None:
    """The format from magic bytes (the file name is never trusted)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if (
        len(data) >= 12
        and data[4:8] == b"ftyp"
        and data[8:12]
        in (
            b"heic",
            b"heix",
            b"hevc",
            b"hevx",
            b"heim",
            b"heis",
            b"mif1",
            b"msf1",
            b"avif",
        )
    ):
        return "heic"
    return None


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # We enforce our own pixel caps below; Pillow's bomb warning is noise here, and its
        # bomb *error* (over twice its limit) is turned into our too_many_pixels refusal.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def probe(data: bytes, limits: IntakeLimits | None = None) -> Probe:
    """Check bytes, format and header dimensions; decode nothing.

    Raises IntakeError(empty | too_large | unknown_format | too_many_pixels | too_few_pixels |
    corrupt).
    """
    limits = limits or IntakeLimits()
    if not data:
        raise IntakeError("empty")
    if len(data) > limits.max_bytes:
        raise IntakeError("too_large", limit=f"{limits.max_bytes // 1_000_000} MB")
    fmt = sniff_format(data)
    if fmt is None or (fmt == "heic" and not HEIF_AVAILABLE):
        raise IntakeError("unknown_format")
    # Dimensions straight from the header bytes first: a 60,000×60,000 header is refused
    # without asking any decoder library to allocate anything.
    dims = _header_dims(data, fmt)
    if dims is not None:
        _check_pixels(fmt, dims[0], dims[1], limits)
    try:
        img = _open(data)
    except Image.DecompressionBombError as exc:
        w, h = dims or (0, 0)
        raise IntakeError("too_many_pixels", width=w, height=h) from exc
    except Exception as exc:  # any decoder complaint about the header is a corrupt file
        raise IntakeError("corrupt") from exc
    width, height = img.size
    _check_pixels(fmt, width, height, limits)
    exif = img.getexif()
    orientation = int(exif.get(0x0112, 1) or 1)
    if orientation not in range(1, 9):
        orientation = 1
    has_gps = 0x8825 in exif
    icc = img.info.get("icc_profile") or None
    return Probe(
        format=fmt,
        width=width,
        height=height,
        mode=img.mode,
        orientation=orientation,
        icc_profile=icc,
        has_exif=bool(len(exif)) or "exif" in img.info,
        has_gps=has_gps,
    )


def _check_pixels(fmt: str, width: int, height: int, limits: IntakeLimits) -> None:
    cap = limits.max_pixels_scaled if fmt == "jpeg" else limits.max_pixels_full
    if width * height > cap or width > 65_500 or height > 65_500:
        raise IntakeError("too_many_pixels", width=width, height=height)
    if min(width, height) < limits.min_side:
        raise IntakeError("too_few_pixels", width=width, height=height)


def _header_dims(data: bytes, fmt: str) -> tuple[int, int] | None:
    """Width and height from the first SOF (JPEG) or IHDR (PNG); None if not found cheaply."""
    if fmt == "png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            w, h = struct.unpack(">II", data[16:24])
            return w, h
        return None
    if fmt != "jpeg":
        return None
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if i + 9 > n:
                return None
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        if marker == 0xDA:
            return None
        i += 2 + seg_len
    return None


def _is_srgb(icc: bytes | None) -> bool:
    if not icc:
        return True
    try:
        prof = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = ImageCms.getProfileDescription(prof) or ""
    except (OSError, ImageCms.PyCMSError):
        return True  # an unreadable profile is ignored, as browsers do
    return "srgb" in desc.lower().replace(" ", "")


_SRGB = ImageCms.createProfile("sRGB")


def _icc_to_srgb(img: Image.Image, icc: bytes, notes: list[str]) -> Image.Image:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(img, src, _SRGB, outputMode="RGB")
    except (OSError, ImageCms.PyCMSError):
        return img.convert("RGB")
    if out is None:  # pragma: no cover - only when inPlace=True
        return img.convert("RGB")
    notes.append("icc_to_srgb")
    return out


def _orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Apply EXIF orientation (1–8) to an HxWxC array."""
    if orientation == 2:
        return arr[:, ::-1]
    if orientation == 3:
        return arr[::-1, ::-1]
    if orientation == 4:
        return arr[::-1]
    if orientation == 5:
        return arr.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(arr, -1)
    if orientation == 7:
        return arr.transpose(1, 0, 2)[::-1, ::-1]
    if orientation == 8:
        return np.rot90(arr, 1)
    return arr


def decode(data: bytes, pr: Probe, *, min_short_side: int = 1100) -> Decoded:
    """Decode upright sRGB pixels at the smallest scale whose short side is ≥ ``min_short_side``.

    For JPEG the scale is a libjpeg-turbo DCT scale (1/8 … 8/8) chosen from the header, so a
    12 MP photo is never decoded at full size. Raises IntakeError(corrupt | unsupported_image).
    """
    notes: list[str] = []
    ow, oh = pr.upright_size
    if pr.orientation != 1:
        notes.append("exif_orientation")
    if pr.has_exif:
        notes.append("metadata_stripped")
    rgb: np.ndarray | None = None
    if pr.format == "jpeg" and pr.mode in ("RGB", "L") and _is_srgb(pr.icc_profile):
        # min_height/min_width are in stored (not upright) orientation
        short = min(pr.width, pr.height)
        need = min(short, min_short_side)
        min_w = need if pr.width <= pr.height else 1
        min_h = need if pr.height < pr.width else 1
        try:
            rgb = simplejpeg.decode_jpeg(
                data,
                colorspace="RGB",
                min_height=min_h,
                min_width=min_w,
                strict=True,
            )
        except ValueError as exc:
            raise IntakeError("corrupt") from exc
        if pr.mode == "L":
            notes.append("grayscale")
        rgb = _orient(rgb, pr.orientation)
    else:
        rgb = _decode_pillow(data, pr, min_short_side, notes)
    _h, w = rgb.shape[:2]
    scale = w / ow
    return Decoded(rgb=np.ascontiguousarray(rgb), scale=scale, original_size=(ow, oh), probe=pr, notes=notes)


def _decode_pillow(data: bytes, pr: Probe, min_short_side: int, notes: list[str]) -> np.ndarray:
    try:
        img = _open(data)
        if pr.format == "jpeg":
            short = min(pr.width, pr.height)
            f = max(short / max(min_short_side, 1), 1.0)
            img.draft(img.mode, (int(pr.width / f) + 1, int(pr.height / f) + 1))
        img.load()
    except IntakeError:
        raise
    except Exception as exc:
        raise IntakeError("corrupt") from exc
    # shrink first (cheap box filter) so the conversions below touch few pixels
    short = min(img.size)
    factor = int(short // max(min_short_side, 1))
    if factor >= 2 and img.mode not in ("P", "PA", "1"):
        img = img.reduce(factor)
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr16 = np.asarray(img, dtype=np.uint32)
        top = 65535 if arr16.max() > 255 else 255
        gray = (arr16 * 255 // max(top, 1)).astype(np.uint8)
        notes.append("sixteen_bit")
        notes.append("grayscale")
        img = Image.fromarray(gray, "L")
        mode = "L"
    if mode == "F":
        raise IntakeError("unsupported_image", detail="floating-point pixels")
    if mode in ("P", "PA", "LA", "RGBA", "La", "RGBa") or (mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        bg.alpha_composite(img)
        img = bg.convert("RGB")
        notes.append("alpha_flattened")
        mode = "RGB"
    if mode == "CMYK":
        notes.append("cmyk")
    if mode == "L":
        notes.append("grayscale")
    if pr.icc_profile and not _is_srgb(pr.icc_profile) and mode in ("RGB", "CMYK", "L"):
        img = _icc_to_srgb(img, pr.icc_profile, notes)
    if img.mode != "RGB":
        img = img.convert("RGB")
    if pr.format != "heic":  # libheif already applied the container's rotation
        img = ImageOps.exif_transpose(img) if pr.orientation != 1 else img
    if pr.format == "heic":
        notes.append("heic")
    return np.asarray(img)


# ---------------------------------------------------------------- stored original

_JPEG_DROP = {0xE1, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEF, 0xFE}
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_jpeg(data: bytes) -> bytes:
    """Remove APP1 (EXIF/GPS/XMP), APP3–APP13, APP15 and comments; keep the pixels bit-exact.

    APP0 (JFIF), APP2 (ICC) and APP14 (Adobe, needed to decode CMYK) stay.
    """
    out = bytearray(data[:2])
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise IntakeError("corrupt")
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            out += data[i:]
            return bytes(out)
        seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
        end = i + 2 + seg_len
        if end > n:
            raise IntakeError("corrupt")
        if marker not in _JPEG_DROP:
            out += data[i:end]
        i = end
    raise IntakeError("corrupt")


def strip_png(data: bytes) -> bytes:
    """Drop eXIf and text chunks (where PNG keeps EXIF, GPS and comments)."""
    out = bytearray(data[:8])
    i, n = 8, len(data)
    while i + 12 <= n:
        length = struct.unpack(">I", data[i : i + 4])[0]
        ctype = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > n:
            raise IntakeError("corrupt")
        if ctype not in _PNG_DROP:
            out += data[i:end]
        i = end
        if ctype == b"IEND":
            return bytes(out)
    raise IntakeError("corrupt")


def stored_original(data: bytes, pr: Probe, *, max_pixels: int = 24_000_000) -> tuple[bytes, str]:
    """The bytes to keep as the capture's original and their content type.

    Metadata is always removed. JPEG and PNG keep their pixels bit-exact when no change was
    needed; a rotated, CMYK, non-sRGB PNG or HEIC original is re-encoded upright as sRGB JPEG
    (quality 95, at most ``max_pixels``) so no later reader has to know about EXIF or ICC.
    """
    plain_jpeg = pr.format == "jpeg" and pr.orientation == 1 and pr.mode in ("RGB", "L")
    plain_png = pr.format == "png" and pr.orientation == 1
    if plain_jpeg:
        return strip_jpeg(data), "image/jpeg"
    if plain_png:
        return strip_png(data), "image/png"
    w, h = pr.upright_size
    short_needed = min(w, h)
    if w * h > max_pixels:
        short_needed = int(min(w, h) * (max_pixels / (w * h)) ** 0.5)
    dec = decode(data, pr, min_short_side=short_needed)
    return simplejpeg.encode_jpeg(dec.rgb, quality=95, colorspace="RGB"), "image/jpeg"
