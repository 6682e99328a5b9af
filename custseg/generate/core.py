"""The generator's shared state: random streams, reference seeds, geography helpers, the run loop
and the manifest. The tables are built by the mixins in crm.py, shop.py and events.py."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from custseg import RAW_TABLES
from custseg import generate_reference as ref
from custseg.generate.common import (
    EVENT_CHUNK_ROWS,
    HISTORY_DAYS,
    TS,
    ScalePlan,
    _concat,
    _epoch,
    _int_text,
    _pick,
    _read_seed,
    _TableWriter,
    _take,
)
from custseg.generate.defects import Injector


class GeneratorBase:
    def __init__(self, out_dir: Path, plan: ScalePlan, seed: int, as_of: str, progress: bool) -> None:
        self.out_dir = out_dir
        self.plan = plan
        self.seed = seed
        self.as_of = as_of
        day = datetime.strptime(as_of, "%Y-%m-%d")
        self.end = _epoch(day + timedelta(days=1)) - 1  # last second of the as-of day
        self.loaded_at = _epoch(day + timedelta(days=1, hours=2))
        self.loaded_us = self.loaded_at * 1_000_000
        self.history_start = self.end - HISTORY_DAYS * 86_400
        self.ss = np.random.SeedSequence(seed)
        self.injector = Injector(self._rng("dirty"))
        self.valid_duplicates: dict[str, dict[str, int]] = {}
        self.valid_variants: dict[str, dict[str, int]] = {}
        self.row_counts: dict[str, int] = {}
        self.progress = progress
        self._load_reference()

    # reproducible, independent random streams per component
    def _rng(self, name: str, *extra: int) -> np.random.Generator:
        key = [self.seed, *[ord(ch) for ch in name], *extra]
        return np.random.default_rng(np.random.SeedSequence(key))

    def _variant(self, table: str, kind: str, n: int) -> None:
        bucket = self.valid_variants.setdefault(table, {})
        bucket[kind] = bucket.get(kind, 0) + int(n)

    def _load_reference(self) -> None:
        countries = {r["country_code"]: r for r in _read_seed("countries")}
        fx = {r["currency_code"]: float(r["units_per_usd"]) for r in _read_seed("fx_rates")}
        self.country_codes = list(ref.COUNTRY_WEIGHTS)
        self.country_currency = [countries[c]["currency_code"] for c in self.country_codes]
        self.country_tz = [countries[c]["time_zone"] for c in self.country_codes]
        self.country_fx = np.array([fx[c] for c in self.country_currency])
        self.fx = fx
        products = _read_seed("product_catalog")
        self.product_ids = [p["product_id"] for p in products]
        self.product_category = [p["category"] for p in products]
        self.product_category_text = [p["category"].title() for p in products]
        self.product_price = np.array([float(p["list_price_usd"]) for p in products])
        self.product_sustainable = np.array([p["is_sustainable"] == "true" for p in products])
        self.product_subscription = np.array([p["is_subscription"] == "true" for p in products])
        self.categories = sorted(set(self.product_category))
        self.product_cat_idx = np.array([self.categories.index(c) for c in self.product_category])

    # ------------------------------------------------------------------ geography
    def _places(self, rng: np.random.Generator, country: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
        """City, region and postal code text for country indexes."""
        n = len(country)
        city = np.empty(n, dtype=np.int64)
        names: list[str] = []
        regions: list[str] = []
        prefixes: list[str] = []
        for ci, code in enumerate(self.country_codes):
            options = ref.CITIES[code]
            base = len(names)
            names += [o[0] for o in options]
            regions += [o[1] for o in options]
            prefixes += [o[2] for o in options]
            mask = country == ci
            city[mask] = base + _pick(rng, [o[3] for o in options], int(mask.sum()))
        digits = pc.utf8_lpad(_int_text(rng.integers(0, 1000, n)), 3, "0")
        postal = pc.binary_join_element_wise(_take(prefixes, city), digits, "")
        return _take(names, city), _take(regions, city), postal

    def _country_text(self, rng: np.random.Generator, country: np.ndarray, table: str) -> pa.Array:
        """Mostly ISO codes; ~4% valid spellings such as 'Türkiye', 'Deutschland', 'USA'."""
        text = _take(self.country_codes, country)
        variant = rng.random(len(country)) < 0.04
        spelled = [ref.COUNTRY_SPELLINGS[self.country_codes[c]] for c in country[variant]]
        picks = rng.integers(0, 1_000, len(spelled))
        choice = [s[int(i) % len(s)] for s, i in zip(spelled, picks, strict=True)]
        values = text.to_numpy(zero_copy_only=False).astype(object)
        values[variant] = choice
        self._variant(table, "country_name_instead_of_code", int(variant.sum()))
        return pa.array(values, pa.string())

    def _text_number_variants(
        self, rng: np.random.Generator, text: pa.Array, values: np.ndarray, table: str, rate: float = 0.03
    ) -> pa.Array:
        """Valid but messy numbers: '1,200' (thousands separator) and ' 45 ' (padding)."""
        n = len(values)
        pick = rng.random(n)
        comma = (pick < rate) & (values >= 1000)
        padded = (pick >= rate) & (pick < 1.5 * rate)
        out = text.to_numpy(zero_copy_only=False).astype(object)
        out[comma] = [f"{int(v):,}" for v in values[comma]]
        out[padded] = [f" {s} " for s in out[padded]]
        self._variant(table, "number_with_thousands_separator", int(comma.sum()))
        self._variant(table, "number_with_padding", int(padded.sum()))
        return pa.array(out, pa.string())

    def _loaded(self, n: int, offset_seconds: int = 0) -> pa.Array:
        return pa.array(np.full(n, (self.loaded_at + offset_seconds) * 1_000_000, dtype=np.int64), TS)

    def _write_small(self, table: str, parts: list[dict[str, pa.Array]], rng: np.random.Generator) -> None:
        writer = _TableWriter(self.out_dir, table)
        writer.write(_concat(parts, rng))
        self.row_counts[table] = writer.close()

    def _inject(
        self, table: str, clean: dict[str, pa.Array], templates: dict[str, np.ndarray] | None = None
    ) -> list[dict[str, pa.Array]]:
        """The dirty rows of `table` (defects.DEFECTS), copied from `clean`."""
        return self.injector.inject(self, table, clean, templates)

    def run(self) -> dict:
        started = time.perf_counter()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        per_chunk = max(1, int(EVENT_CHUNK_ROWS / (self.plan.events / self.plan.contacts)))
        n_chunks = -(-self.plan.contacts // per_chunk)
        with tqdm(total=6 + n_chunks, disable=not self.progress, desc="generate", unit="step") as bar:
            for step in (
                self.build_accounts,
                self.plan_contacts,
                self.build_subscriptions,
                self.build_deals,
                self.build_orders,
                self.write_contacts,
            ):
                bar.set_postfix_str(step.__name__)
                step()
                bar.update(1)
            bar.set_postfix_str("events")
            self.build_events(bar)
        manifest = {
            "seed": self.seed,
            "scale": self.plan.name,
            "as_of": self.as_of,
            "plan": {"contacts": self.plan.contacts, "accounts": self.plan.accounts, "target_events": self.plan.events},
            "row_counts": {t: self.row_counts[t] for t in RAW_TABLES},
            "injected": {t: dict(sorted(self.injector.counts.get(t, {}).items())) for t in RAW_TABLES},
            "valid_duplicates": self.valid_duplicates,
            "valid_variants": {t: dict(sorted(v.items())) for t, v in sorted(self.valid_variants.items())},
            "loaded_at": datetime.utcfromtimestamp(self.loaded_at).strftime("%Y-%m-%d %H:%M:%S"),
            "generated_seconds": round(time.perf_counter() - started, 2),
        }
        (self.out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest
