"""Masking of personal data in pages, API answers and logs.

Rules: an ID number keeps its region code and last four characters (330106********1234); a phone
keeps its first three and last four digits (138****5678); a name keeps its first character.
"""

from __future__ import annotations

import logging
import re

# An 18-character ID number or an 11-digit mainland mobile number standing alone in text.
_ID_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """330106199001011234 → 330106********1234; anything else keeps only its last 4 characters."""
    if not value:
        return ""
    if len(value) == 18:
        return f"{value[:6]}********{value[14:]}"
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678."""
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[7:]}"
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三丰 → 张**."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str | None, keep: int = 6) -> str:
    """Keep the administrative part (first characters), hide the house number."""
    if not value:
        return ""
    return value[:keep] + "****" if len(value) > keep else value


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number inside free text (log lines, error messages)."""
    text = _ID_IN_TEXT.sub(lambda m: f"{m.group(1)}********{m.group(3)[-4:]}", text)
    return _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """A logging filter that rewrites each record so no full ID or phone number is ever logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not stop logging
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


_installed = False


def install_log_masking() -> None:
    """Mask every log record at creation, whichever logger or handler it goes to.

    Filters on handlers miss handlers that others attach (test capture, third-party sinks); a
    record factory sees every record once. Idempotent.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    masking = MaskingFilter()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
