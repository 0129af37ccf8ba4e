"""Password policy (issue 16, finding 9): Django's validators, common Chinese passwords, pinyin
names with digits, and the person's own ID number, birth date, phone and name."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tongban.accounts.models import User
from tongban.accounts.passwords import reads_as_pinyin

PERSON = User(id_number="330106199005171230", phone="13800000123", real_name="张三丰", username="330106199005171230")


@pytest.mark.parametrize(
    "password",
    [
        "Tongban1",  # the probe's: the site's name and a digit
        "zhangsan123",  # the probe's: a pinyin name and digits
        "330106199005171230",  # the probe's: the user's own ID number
        "123456",
        "a1234567",
        "woaini1314",
        "wangwei1990!",
        "Zhang.San.88",
        "qq123456",
        "Password1",
        "x171230x!Q",  # the last six digits of the ID number inside
        "Born19900517",  # the birth date in the ID number
        "13800000123a",  # the phone
        "张三丰的密码2024",  # the name
    ],
)
def test_weak_and_personal_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, user=PERSON)


@pytest.mark.parametrize("password", ["Kx7-Pw3q-Lm9", "correct horse battery staple", "8&ma*2@E#9q", "Xk9#mQ2!pL"])
def test_strong_passwords_pass(password: str) -> None:
    validate_password(password, user=PERSON)


def test_messages_in_the_readers_language() -> None:
    for language, expected in (("zh-hans", "太常见"), ("en", "too common")):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            validate_password("zhangsan123", user=PERSON)
        assert any(expected in m for m in exc.value.messages), exc.value.messages


def test_pinyin_reading() -> None:
    assert reads_as_pinyin("zhangsan") and reads_as_pinyin("tongban") and reads_as_pinyin("xian")
    assert not reads_as_pinyin("longenough") and not reads_as_pinyin("kx") and not reads_as_pinyin("")
    assert not reads_as_pinyin("zhangsanlisiwangwu")  # more than four syllables: a phrase, not a name


def test_registration_pages_refuse_them_in_the_citizens_language(personas: Any) -> None:
    from tongban.accounts.forms import RegisterFinishForm

    with translation.override("en"):
        form = RegisterFinishForm({"code": "123456", "password": "a", "password2": "b"})
        assert not form.is_valid() and "do not match" in str(form.errors)
