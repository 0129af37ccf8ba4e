import logging

import pytest

from tongban.common.masking import MaskingFilter, mask_id_number, mask_name, mask_phone, mask_text

CANARY_ID = "330106199005171234"
CANARY_PHONE = "13912345678"


def test_masks() -> None:
    assert mask_id_number(CANARY_ID) == "330106********1234"
    assert mask_phone(CANARY_PHONE) == "139****5678"
    assert mask_name("张三丰") == "张**"
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_mask_text_finds_numbers_in_free_text_but_not_inside_longer_tokens() -> None:
    text = f"申请人 {CANARY_ID} 电话 {CANARY_PHONE}; order 9{CANARY_ID}9 stays"
    masked = mask_text(text)
    assert CANARY_ID not in masked.replace(f"9{CANARY_ID}9", "")
    assert "330106********1234" in masked and "139****5678" in masked
    assert f"9{CANARY_ID}9" in masked


def test_log_filter_masks_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tongban.test.canary")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="tongban.test.canary"):
        logger.info("lookup %s phone %s", CANARY_ID, CANARY_PHONE)
        try:
            raise ValueError(f"bad person {CANARY_ID}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert CANARY_ID not in text and CANARY_PHONE not in text
    assert "330106********1234" in text
