"""CNPJ (Brazilian company registry number) check digits.

A CNPJ is 12 base digits plus two check digits computed modulo 11 with fixed weights. Exports
write it masked (`12.345.678/0001-95`) or bare (`12345678000195`); both are accepted.
"""

from __future__ import annotations

import re

_FIRST_WEIGHTS = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_SECOND_WEIGHTS = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_NON_DIGITS = re.compile(r"[.\-/\s]")


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "0" if remainder < 2 else str(11 - remainder)


def check_digits(base12: str) -> str:
    """Return the two check digits for a 12-digit CNPJ base."""
    if len(base12) != 12 or not base12.isdigit():
        raise ValueError("a CNPJ base has exactly 12 digits")
    first = _check_digit(base12, _FIRST_WEIGHTS)
    return first + _check_digit(base12 + first, _SECOND_WEIGHTS)


def normalize(value: str) -> str:
    """Strip the mask characters (dots, slash, dash, spaces)."""
    return _NON_DIGITS.sub("", value)


def is_valid(value: str) -> bool:
    """True when `value` (masked or bare) is 14 digits with correct check digits.

    Numbers made of one repeated digit (00000000000000, 11111111111111, ...) pass the arithmetic but
    are not issued by the Receita Federal, so they are rejected like any other invalid number.
    """
    digits = normalize(value)
    if len(digits) != 14 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    return digits[12:] == check_digits(digits[:12])


def format_masked(digits14: str) -> str:
    """`12345678000195` -> `12.345.678/0001-95`."""
    d = digits14
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
