"""Resident identity numbers (居民身份证号码) under GB 11643-1999.

Pure functions, no Django: the registry generator, forms, the API and the CLI all call in here.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII only: Python's \d also matches Arabic-Indic, Devanagari and other decimal digits, which
# int() reads as numbers, so "530111١٩٧٥…" once parsed as a second spelling of a real number.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# The earliest birth date an ID number can plausibly carry: people born before 1900 are not alive.
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    """An ID number that fails one of the GB 11643 checks; ``code`` names which."""

    MESSAGES = {
        "empty": ("请输入身份证号码", "Enter an ID number"),
        "shape": (
            "身份证号码应为 18 位：17 位数字加 1 位数字或 X",
            "An ID number has 18 characters: 17 digits and a digit or X",
        ),
        "region": ("身份证号码前 6 位不是有效的行政区划代码", "The first 6 digits are not a real region code"),
        "birth": ("身份证号码中的出生日期无效", "The birth date inside the ID number is not a valid date"),
        "future": ("身份证号码中的出生日期晚于今天", "The birth date inside the ID number is in the future"),
        "checksum": (
            "身份证号码校验位不正确，请核对是否输错",
            "The check digit does not match; please check for a typo",
        ),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message_zh, self.message_en = self.MESSAGES[code]
        super().__init__(f"{code}: {self.message_en}")


@dataclass(frozen=True, slots=True)
class IdNumberInfo:
    """What an ID number itself says about its holder."""

    number: str
    region_code: str
    birth_date: dt.date
    sequence: int
    gender: str  # "M" or "F": the 17th digit is odd for men, even for women


@cache
def region_codes() -> frozenset[str]:
    """GB/T 2260 codes, current and historical, that may start an ID number."""
    text = resources.files("tongban.common").joinpath("data/region_codes.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line and not line.startswith("#"))


def check_digit(first17: str) -> str:
    """The GB 11643 ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(value: str) -> str:
    """NFKC (full-width digits and letters become ASCII), strip spaces, upper-case a trailing x.

    Digits of other scripts survive NFKC and are refused by the shape check afterwards."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def looks_like_id_number(value: str) -> bool:
    """Whether the normalised value has the shape of an ID number (18 ASCII characters)."""
    return _SHAPE.fullmatch(normalise(value)) is not None


class InvalidPhone(ValueError):
    """A mobile number that is not 11 ASCII digits starting 13–19."""

    message_zh = "请输入 11 位手机号码（半角数字）"
    message_en = "Enter an 11-digit mobile number"


def parse_mobile(value: str) -> str:
    """The mainland mobile number in ``value`` as 11 ASCII digits.

    NFKC first (full-width digits become ASCII), then spaces, hyphens and a leading +86 / 0086
    are dropped. Raises InvalidPhone for anything else, digits of other scripts included."""
    text = re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", value or ""))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
    if _MOBILE.fullmatch(text) is None:
        raise InvalidPhone(value)
    return text


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate an 18-character ID number and return what it encodes.

    Raises InvalidIdNumber with code empty, shape, region, birth, future or checksum.
    """
    number = normalise(value)
    if not number:
        raise InvalidIdNumber("empty")
    if not _SHAPE.fullmatch(number):
        raise InvalidIdNumber("shape")
    if number[:6] not in region_codes():
        raise InvalidIdNumber("region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth") from None
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdNumber("birth")
    if today is not None and birth > today:
        raise InvalidIdNumber("future")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum")
    seq = int(number[14:17])
    return IdNumberInfo(number, number[:6], birth, seq, "M" if seq % 2 else "F")


def is_valid_id_number(value: str, *, today: dt.date | None = None) -> bool:
    """True when parse_id_number accepts the value."""
    try:
        parse_id_number(value, today=today)
    except InvalidIdNumber:
        return False
    return True


def make_id_number(region_code: str, birth: dt.date, sequence: int) -> str:
    """Compose a valid ID number (for the synthetic city and tests); sequence is 0..999."""
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
