"""Bounded input types: page numbers, row ids, small counts and digit strings.

Every integer that reaches a query comes through one of these, so a value no database column
can hold (``?page=9223372036854775808``, ``slot_id`` 2⁶³) is refused as bad input (422 in the
API, a clear 400 on pages) instead of overflowing in the driver as a server error.

Numeric text is NFKC-normalised first (full-width ``１２`` becomes ``12``) and must then be ASCII
digits: other scripts' digits (Arabic-Indic ``١٢``, Devanagari ...) that ``int()`` and
``str.isdigit()`` accept are refused, so two spellings never name the same thing.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from annotated_types import Interval
from django.utils.translation import gettext
from pydantic import BeforeValidator

# The largest value of a signed 64-bit column (PostgreSQL bigint, SQLite INTEGER).
MAX_ROW_ID = 2**63 - 1
# Lists are paginated by tens: a page past this is never a real request (offsets stay small).
MAX_PAGE = 100_000
# Small counts a caller may ask for (days ahead, nearest-k, ...).
MAX_COUNT = 1_000


class NotDigits(ValueError):
    """The text is not a plain (ASCII, after NFKC) decimal number."""


def ascii_digits(value: str, *, max_length: int = 32) -> str:
    """``value`` NFKC-normalised and stripped, if it is 1..max_length ASCII digits.

    Raises NotDigits otherwise (empty, signs, spaces inside, other scripts' digits, too long).
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or len(text) > max_length or not (text.isascii() and text.isdigit()):
        raise NotDigits(value)
    return text


def bounded_int(value: str | None, *, default: int, low: int = 1, high: int = MAX_PAGE) -> int:
    """A number from a query string: ``default`` when absent; raises NotDigits when it is not
    ASCII digits (after NFKC) or lies outside ``low..high``."""
    if value is None or value == "":
        return default
    number = int(ascii_digits(value, max_length=len(str(high))))
    if not low <= number <= high:
        raise NotDigits(value)
    return number


def page_number(value: str | None) -> int:
    """The ``page`` query parameter of a list page (1 when absent). Raises NotDigits."""
    return bounded_int(value, default=1, low=1, high=MAX_PAGE)


def page_or_first(value: str | None) -> int:
    """The ``page`` of a list page; 1 when it is not a page number (past any list, not digits)."""
    try:
        return page_number(value)
    except NotDigits:
        return 1


def _nfkc_number(value: object) -> object:
    # Query and form values arrive as text: normalise them and refuse non-ASCII digits before
    # pydantic's int parsing (which would accept "١٢"). JSON numbers pass through as they are.
    if isinstance(value, str):
        try:
            return ascii_digits(value, max_length=20)
        except NotDigits:
            raise ValueError(gettext("不是数字")) from None
    return value


# The types the API's signatures and schemas use for integers.
PageNumber = Annotated[int, Interval(ge=1, le=MAX_PAGE), BeforeValidator(_nfkc_number)]
RowId = Annotated[int, Interval(ge=1, le=MAX_ROW_ID), BeforeValidator(_nfkc_number)]
Count = Annotated[int, Interval(ge=1, le=MAX_COUNT), BeforeValidator(_nfkc_number)]
