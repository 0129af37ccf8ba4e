"""Shared pieces of the generator: column types, the state carried between chunks, date and
number helpers that work on whole numpy arrays at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

Column = np.ndarray | list[Any]
Table = dict[str, Column]

CHUNK_PEOPLE = 50_000
TABLES = ("address", "household", "person", "identitydocument", "driverlicence", "vehicle", "medicalcheck", "dog")

YEAR = 365.2425
LONG_TERM = np.datetime64("9999-12-31")  # a driving licence valid 长期 (long-term)
H, S, C, P, G = 0, 1, 2, 3, 4  # household roles: head, spouse, child, parent of the head, grandchild


class SequenceExhausted(RuntimeError):
    """More than 499 people of one sex share a region code and birth date (cannot happen at city scale)."""


@dataclass
class GenState:
    """What carries over between chunks: next primary keys and ID-number sequence counters."""

    next_id: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))
    seq_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    seq_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def take(self, table: str, n: int) -> np.ndarray:
        """Reserve ``n`` primary keys for ``table``."""
        first = self.next_id[table]
        self.next_id[table] = first + n
        return np.arange(first, first + n, dtype=np.int64)


def weights(mapping: dict[Any, float]) -> tuple[list[Any], np.ndarray]:
    keys = list(mapping)
    w = np.array([float(mapping[k]) for k in keys])
    return keys, w / w.sum()


def ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = d.astype("datetime64[M]")
    y = months.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def add_years(d: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """The same calendar day ``years`` later (29 February becomes 1 March), NaT stays NaT."""
    months = d.astype("datetime64[M]")
    offset = d - months.astype("datetime64[D]")
    return (months + np.asarray(years, np.int64) * 12).astype("datetime64[D]") + offset


def date_of(y: np.ndarray, m: int, d: int) -> np.ndarray:
    return ((y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype("datetime64[D]") + (d - 1)


def tri(rng: np.random.Generator, lo: float, mode: float, hi: float, n: int) -> np.ndarray:
    return rng.triangular(lo, mode, hi, n)


def scramble(index: np.ndarray, modulus: int, mult: int, add: int) -> np.ndarray:
    """A bijection of 0..modulus-1 (mult coprime with modulus): unique numbers that look random."""
    return (index * mult + add) % modulus


@dataclass
class People:
    """Per-person working arrays of one chunk before they become table columns."""

    n: int
    kind: np.ndarray  # 0 family household, 1 collective household, 2 migrant
    group: np.ndarray  # chunk-local household index (kinds 0, 1) or migrant group index (kind 2)
    role: np.ndarray
    age: np.ndarray
    male: np.ndarray
