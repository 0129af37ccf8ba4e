import datetime as dt

import pytest

from tongban.common.ids import InvalidIdNumber, check_digit, is_valid_id_number, make_id_number, parse_id_number

# The GB 11643-1999 standard's own worked example, and numbers built by the standard's rule.
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid() -> None:
    info = parse_id_number(STANDARD_EXAMPLE)
    assert info.region_code == "110105"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"  # sequence 002 is even


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("33010619900517123", "0")],
)
def test_check_digit(first17: str, check: str) -> None:
    # 110105…002X is the standard's example; 440524…0014 the widely quoted one (born 1880: its
    # check digit is right, but the birth date is refused as implausible).
    assert check_digit(first17) == check


def test_lower_case_x_and_spaces_are_normalised() -> None:
    assert parse_id_number(" 11010519491231002x ").number == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "empty"),
        ("1101051949123100", "shape"),
        ("11010519491231002Y", "shape"),
        ("1101051949123100XX", "shape"),
        ("999999194912310025", "region"),
        ("110105194913310028", "birth"),  # month 13
        ("110105194902300022", "birth"),  # 30 February
        ("110105189912310027", "birth"),  # before 1900
        ("110105194912310021", "checksum"),
    ],
)
def test_broken_numbers_name_the_failure(number: str, code: str) -> None:
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(number)
    assert exc.value.code == code
    assert exc.value.message_zh and exc.value.message_en


def test_future_birth_date_is_refused_when_today_is_given() -> None:
    number = make_id_number("330106", dt.date(2030, 1, 1), 11)
    assert is_valid_id_number(number)
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(number, today=dt.date(2026, 11, 22))
    assert exc.value.code == "future"


def test_make_id_number_round_trips_and_encodes_gender() -> None:
    number = make_id_number("330106", dt.date(1990, 5, 17), 123)
    info = parse_id_number(number)
    assert (info.region_code, info.birth_date, info.sequence, info.gender) == ("330106", dt.date(1990, 5, 17), 123, "M")
    assert parse_id_number(make_id_number("330106", dt.date(1990, 5, 17), 124)).gender == "F"


def test_every_single_digit_typo_is_caught() -> None:
    number = make_id_number("330106", dt.date(1990, 5, 17), 123)
    for pos in range(17):
        for digit in "0123456789":
            if digit == number[pos]:
                continue
            typo = number[:pos] + digit + number[pos + 1 :]
            assert not is_valid_id_number(typo), typo


# Issue 16, finding 8: "530111١٩٧٥١٢٢٧2473" (Arabic-Indic digits) registered a second account that
# looked like an existing citizen's: Python's \d and int() read those digits as numbers.
@pytest.mark.parametrize(
    "typed",
    ["530111١٩٧٥١٢٢٧2473", "530111१९७५१२२७2473", "५३०१११197512272473", "53011119751227247３\u0663"],
)
def test_digits_of_other_scripts_are_refused(typed: str) -> None:
    from tongban.common.ids import looks_like_id_number

    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(typed)
    assert exc.value.code == "shape"
    assert not looks_like_id_number(typed)


def test_full_width_digits_and_letters_become_ascii() -> None:
    assert parse_id_number("５３０１１１１９７５１２２７２４７３").number == "530111197512272473"
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ").number == STANDARD_EXAMPLE
    assert parse_id_number("110105\u30001949\u00a0123100 2X").number == STANDARD_EXAMPLE  # ideographic spaces


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("13800001234", "13800001234"), ("１３８００００１２３４", "13800001234"), ("+86 138-0000-1234", "13800001234")],
)
def test_mobile_numbers_are_normalised(typed: str, expected: str) -> None:
    from tongban.common.ids import parse_mobile

    assert parse_mobile(typed) == expected


@pytest.mark.parametrize("typed", ["١٣٨٠٠٠٠١٢٣٤", "1380000123", "23800001234", "138000012345", "", "1380000123x"])
def test_bad_mobile_numbers_are_refused(typed: str) -> None:
    from tongban.common.ids import InvalidPhone, parse_mobile

    with pytest.raises(InvalidPhone):
        parse_mobile(typed)
