"""The product catalogue: specialty and chronic-care drugs with prices, costs and launch dates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.lib.sample_data import vocab
from pipelines.lib.sample_data.timeline import Timeline

RECENT_LAUNCH_SHARE = 0.2  # launched inside the window: they drive the new_listings KPI


@dataclass
class Products:
    ids: np.ndarray
    names: np.ndarray
    brands: np.ndarray
    areas: np.ndarray
    list_cents: np.ndarray
    cost_cents: np.ndarray
    launched: np.ndarray  # datetime64[D]
    # Sold since before the window starts: always safe to put on an invoice.
    established: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)


def generate_products(rng: np.random.Generator, timeline: Timeline) -> Products:
    n = int(rng.integers(45, 76))
    areas = np.array(vocab.THERAPEUTIC_AREAS, dtype=object)[
        rng.integers(len(vocab.THERAPEUTIC_AREAS), size=n)
    ]
    low = np.array([vocab.AREA_PRICE_RANGE[a][0] for a in areas])
    high = np.array([vocab.AREA_PRICE_RANGE[a][1] for a in areas])
    price = np.exp(rng.uniform(np.log(low), np.log(high)))
    list_cents = np.rint(price * 100).astype(np.int64)
    cost_cents = np.rint(list_cents * rng.uniform(0.15, 0.45, size=n)).astype(np.int64)

    recent = rng.random(n) < RECENT_LAUNCH_SHARE
    recent[:3] = False  # a catalogue always has established products to fall back on
    window_days = int((timeline.end - timeline.start) / np.timedelta64(1, "D"))
    launched = np.where(
        recent,
        timeline.start + rng.integers(30, max(window_days - 10, 31), size=n).astype("m8[D]"),
        timeline.start - rng.integers(60, 15 * 365, size=n).astype("m8[D]"),
    )

    brands = np.empty(n, dtype=object)
    used: set[str] = set()
    for i in range(n):
        while True:
            parts = rng.choice(len(vocab.BRAND_SYLLABLES), size=int(rng.integers(2, 4)))
            brand = "".join(vocab.BRAND_SYLLABLES[p] for p in parts).capitalize()
            if brand not in used:
                used.add(brand)
                brands[i] = brand
                break
    presentations = np.array(vocab.PRESENTATIONS, dtype=object)
    names = brands + " " + presentations[rng.integers(len(presentations), size=n)]
    return Products(
        ids=np.array([f"PRD-{i:04d}" for i in range(1, n + 1)], dtype=object),
        names=names,
        brands=brands,
        areas=areas,
        list_cents=list_cents,
        cost_cents=cost_cents,
        launched=launched.astype("datetime64[D]"),
        established=~recent,
    )
