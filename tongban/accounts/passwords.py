"""Password rules beyond Django's: the passwords Chinese users pick most, and a person's own data.

Listed in ``AUTH_PASSWORD_VALIDATORS`` after Django's length, common-password and numeric checks.
Messages are Chinese msgids with English in accounts/locale, shown in the reader's language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Letters that are words people pair with digits, besides pinyin.
_BASE_WORDS = frozenset(
    [
        "password",
        "passwd",
        "pass",
        "admin",
        "root",
        "qwerty",
        "qwer",
        "asdf",
        "zxcv",
        "abc",
        "abcd",
        "iloveyou",
        "love",
        "hello",
        "welcome",
        "test",
        "user",
        "china",
        "letmein",
        "super",
        "qq",
    ]
)
_MAX_SYLLABLES = 4


def _lines(name: str) -> list[str]:
    text = resources.files("tongban.accounts").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def common_passwords() -> frozenset[str]:
    """The list of common Chinese passwords (lower case)."""
    return frozenset(line.lower() for line in _lines("common_passwords_zh.txt"))


@cache
def pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables."""
    return frozenset(word for line in _lines("pinyin_syllables.txt") for word in line.split())


def reads_as_pinyin(letters: str, *, most: int = _MAX_SYLLABLES) -> bool:
    """Whether ``letters`` (lower case a–z) split into at most ``most`` pinyin syllables."""
    syllables = pinyin_syllables()
    # best[i]: fewest syllables covering letters[:i] (None: no split)
    best: list[int | None] = [0] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            before = best[start]
            if before is not None and letters[start:end] in syllables:
                count = before + 1
                current = best[end]
                if current is None or count < current:
                    best[end] = count
    result = best[len(letters)]
    return result is not None and 0 < result <= most


def _fold(password: str) -> str:
    return unicodedata.normalize("NFKC", password).lower()


class CommonChinesePasswordValidator:
    """Refuses the common Chinese passwords (123456, a1234567, woaini1314 …) and any password
    whose letters are only a pinyin name or word, or a common English word, padded with digits
    and symbols (zhangsan123, Tongban1, wangwei1990!)."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = _fold(password)
        # one run of letters (separators inside dropped: zhang.san), padded with anything else
        padded = re.fullmatch(r"[^a-z]*([a-z]+)[^a-z]*", re.sub(r"[\s._\-]", "", folded))
        letters = padded.group(1) if padded else ""
        padded_word = bool(letters) and (letters in _BASE_WORDS or reads_as_pinyin(letters))
        if folded in common_passwords() or padded_word:
            raise ValidationError(
                _("这个密码太常见（常用密码，或拼音姓名、单词加数字），容易被猜中。请换一个。"),
                code="password_too_common_zh",
            )

    def get_help_text(self) -> str:
        return _("不能是常用密码，也不能只是拼音姓名或单词加数字。")


class PersonalDataPasswordValidator:
    """Refuses a password that contains the user's ID number, its last six digits, the birth
    date in it, their mobile number or their name."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = _fold(password)
        id_number = str(getattr(user, "id_number", "") or "").lower()
        phone = str(getattr(user, "phone", "") or "")
        name = str(getattr(user, "real_name", "") or "")
        fragments = []
        if len(id_number) == 18:
            fragments += [id_number, id_number[-6:], id_number[6:14]]
        if len(phone) >= 7:
            fragments.append(phone)
        if len(name) >= 2:
            fragments.append(name.lower())
        if any(f and f in folded for f in fragments):
            raise ValidationError(
                _("密码不能包含您的身份证号码、出生日期、手机号码或姓名。"), code="password_personal_data"
            )

    def get_help_text(self) -> str:
        return _("不能包含您的身份证号码、出生日期、手机号码或姓名。")
