"""Fake Brazilian people: names, e-mails and phone numbers (the shape of personal data only)."""

from __future__ import annotations

import unicodedata

import numpy as np

from pipelines.lib.sample_data import vocab

# Area codes (DDD) of the state capitals' regions, enough variety for phone numbers.
_DDD = (11, 21, 31, 41, 51, 61, 71, 81, 85, 91, 92, 27, 48, 62, 65, 67, 79, 82, 83, 84, 86, 98)


def full_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """First name plus one or two surnames, as in Brazilian registries."""
    first = np.array(vocab.FIRST_NAMES, dtype=object)[rng.integers(len(vocab.FIRST_NAMES), size=n)]
    last = np.array(vocab.LAST_NAMES, dtype=object)
    middle = last[rng.integers(len(last), size=n)]
    final = last[rng.integers(len(last), size=n)]
    two = rng.random(n) < 0.6
    return np.where(two, first + " " + middle + " " + final, first + " " + final)


def slug(name: str) -> str:
    """`Márcia Simões` -> `marcia.simoes`: e-mail local parts carry no accents."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return ".".join(ascii_name.lower().split())


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mobile numbers like `+55 11 98765-4321`."""
    ddd = np.array(_DDD)[rng.integers(len(_DDD), size=n)]
    first = rng.integers(1000, 10000, size=n)
    last = rng.integers(0, 10000, size=n)
    return np.array(
        [f"+55 {d} 9{a:04d}-{b:04d}" for d, a, b in zip(ddd, first, last, strict=True)],
        dtype=object,
    )
