"""统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character alphabet, the last a check
character over the first 17 (weights 3^i mod 31). Pure functions, no Django."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(body: str) -> str:
    """The check character for the first 17 characters. Raises ValueError on a foreign character."""
    if len(body) != 17:
        raise ValueError("a credit code body has 17 characters")
    total = 0
    for ch, weight in zip(body, WEIGHTS, strict=True):
        value = ALPHABET.find(ch)
        if value < 0:
            raise ValueError(f"{ch!r} is not in the credit code alphabet")
        total += value * weight
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True for an 18-character code whose last character is its check character."""
    code = code.strip().upper()
    if len(code) != 18:
        return False
    try:
        return uscc_check_char(code[:17]) == code[17]
    except ValueError:
        return False


def make_uscc(*, region: str, seq: int, kind: str = "91") -> str:
    """A valid code (registration kind 9 enterprise / 1 company, 6-digit region, a 9-character
    organisation code from ``seq``) for the synthetic city and tests."""
    org = ""
    n = seq
    for _ in range(9):
        org = ALPHABET[n % 31] + org
        n //= 31
    body = f"{kind}{region}{org}"
    return body + uscc_check_char(body)
