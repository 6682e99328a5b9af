"""Deterministic synthetic raw data for the customer segmentation project.

`generate()` writes one folder of Parquet files per raw table (`<out>/<table>/part-NNNNN.parquet`)
with exactly the columns of the raw input contract (models/staging/*/_*__sources.yml) and a
`_manifest.json` that records how many rows were written and how many dirty rows of each kind
were injected. Same seed + scale + as-of date gives byte-identical Parquet files: nothing in the
data depends on the wall clock. See docs/sample_data.md for the model behind the data and the
list of injected defects.

Everything is vectorised with numpy/pyarrow; events (the only table that grows to 100M rows)
are generated and written in chunks of contacts, so memory stays bounded.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from custseg import PROJECT_DIR, RAW_TABLES
from custseg import generate_reference as ref

SEEDS_DIR = PROJECT_DIR / "seeds"

# Raw input contract: column order as in models/staging/*/_*__sources.yml.
COLUMNS: dict[str, list[str]] = {
    "crm_accounts": [
        "account_id",
        "account_name",
        "website_domain",
        "industry",
        "employee_count",
        "annual_revenue",
        "revenue_currency",
        "country",
        "region",
        "city",
        "postal_code",
        "technologies",
        "created_at",
        "updated_at",
        "_loaded_at",
    ],
    "crm_contacts": [
        "contact_id",
        "account_id",
        "email",
        "first_name",
        "last_name",
        "job_title",
        "phone",
        "birth_date",
        "gender",
        "marital_status",
        "household_size",
        "annual_income",
        "income_currency",
        "country",
        "city",
        "postal_code",
        "time_zone",
        "lifecycle_stage",
        "lead_source",
        "marketing_consent",
        "created_at",
        "updated_at",
        "is_deleted",
        "_loaded_at",
    ],
    "crm_deals": [
        "deal_id",
        "account_id",
        "contact_id",
        "deal_stage",
        "amount",
        "currency",
        "created_at",
        "closed_at",
        "is_won",
        "_loaded_at",
    ],
    "crm_subscriptions": [
        "subscription_id",
        "account_id",
        "plan",
        "seats",
        "seats_used",
        "mrr",
        "currency",
        "started_at",
        "ended_at",
        "status",
        "_loaded_at",
    ],
    "shop_orders": [
        "order_id",
        "contact_id",
        "account_id",
        "order_status",
        "currency",
        "ordered_at",
        "updated_at",
        "_loaded_at",
    ],
    "shop_order_lines": [
        "order_line_id",
        "order_id",
        "product_id",
        "product_category",
        "quantity",
        "unit_price",
        "discount_amount",
        "_loaded_at",
    ],
    "events": [
        "event_id",
        "occurred_at",
        "received_at",
        "contact_id",
        "email",
        "anonymous_id",
        "event_type",
        "properties",
    ],
}
TIMESTAMP_COLUMNS = {"_loaded_at", "occurred_at", "received_at"}
TS = pa.timestamp("us")


def schema_for(table: str) -> pa.Schema:
    """Arrow schema of a raw table: text everywhere except the typed timestamps."""
    return pa.schema([(c, TS if c in TIMESTAMP_COLUMNS else pa.string()) for c in COLUMNS[table]])


EVENT_TYPES = [
    "page_view",
    "email_sent",
    "email_open",
    "email_click",
    "email_unsubscribe",
    "email_bounce",
    "form_submit",
    "product_login",
    "feature_used",
    "support_ticket",
]
ID_WIDTH = {"A": 8, "C": 8, "D": 8, "S": 8, "O": 9, "L": 10, "E": 12}

# Dirty-row rates: share of the clean row count, per kind (at least one row per kind and table).
DUPLICATE_RATE = 0.02
DEFECT_RATE = 0.01
EVENT_DEFECT_RATE = 0.005
VALID_DUPLICATE_RATE = 0.02
LATE_EVENT_RATE = 0.02

PRESETS = {"tiny": 1_000, "small": 10_000, "medium": 100_000, "large": 1_000_000}  # contacts
EVENTS_PER_CONTACT = 50
CONTACTS_PER_ACCOUNT = 5
EVENT_CHUNK_ROWS = 2_000_000
EVENT_ROWS_PER_FILE = 10_000_000
HISTORY_DAYS = 3 * 365


# --------------------------------------------------------------------------- scale


@dataclass(frozen=True)
class ScalePlan:
    name: str
    contacts: int
    accounts: int
    events: int


def parse_event_count(text: str) -> int:
    """'10M' -> 10_000_000, '250k' -> 250_000, '1.5M' -> 1_500_000, '2000000' -> 2_000_000."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMbB]?)\s*", str(text))
    if not m:
        raise ValueError(
            f"invalid scale {text!r}: expected one of {', '.join(PRESETS)} or an event count such as 1M, 10M, 100M"
        )
    value = float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}[m.group(2).lower()]
    if value < 1_000:
        raise ValueError(f"invalid scale {text!r}: an event count must be at least 1000")
    return int(round(value))


def resolve_scale(scale: str) -> ScalePlan:
    """Named preset or event count -> number of contacts, accounts and (target) events."""
    key = str(scale).strip().lower()
    if key in PRESETS:
        contacts = PRESETS[key]
        events = contacts * EVENTS_PER_CONTACT
    else:
        events = parse_event_count(str(scale).strip())
        contacts = max(200, events // EVENTS_PER_CONTACT)
    return ScalePlan(key, contacts, max(20, contacts // CONTACTS_PER_ACCOUNT), events)


# --------------------------------------------------------------------------- helpers


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), ID_WIDTH[prefix], "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _id_text(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{ID_WIDTH[prefix]}d}"


def _dirty_base(prefix: str) -> int:
    """Ids from here on are only used by injected rows (never referenced)."""
    return 9 * 10 ** (ID_WIDTH[prefix] - 1)


def _orphan_base(prefix: str) -> int:
    """Ids from here on never exist: used as dangling foreign keys."""
    return 8 * 10 ** (ID_WIDTH[prefix] - 1)


def _pick(rng: np.random.Generator, weights: list[float], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _take(values: list[str], idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64), mask=mask))


def _ts_text(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds -> 'YYYY-MM-DD HH:MM:SS' text."""
    return pc.cast(pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")), pa.string())


def _date_text(seconds: np.ndarray) -> pa.Array:
    return pc.cast(pa.array((np.asarray(seconds, dtype=np.int64) // 86_400).astype("datetime64[D]")), pa.string())


def _int_text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _money_text(values: np.ndarray) -> pa.Array:
    cents = np.round(np.asarray(values, dtype=float) * 100).astype(np.int64)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, frac, ".")


def _with_mask(arr: pa.Array, mask: np.ndarray, replacement: str = "") -> pa.Array:
    """Replace values where mask is true by a constant string."""
    return pc.if_else(pa.array(mask), pa.scalar(replacement, pa.string()), arr)


def _iso_variant(text: pa.Array, mask: np.ndarray) -> pa.Array:
    """'YYYY-MM-DD HH:MM:SS' -> 'YYYY-MM-DDTHH:MM:SSZ' where mask (a valid variant)."""
    iso = pc.binary_join_element_wise(pc.replace_substring(text, " ", "T"), "Z", "")
    return pc.if_else(pa.array(mask), iso, text)


def _read_seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS_DIR / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _epoch(d: datetime) -> int:
    return int((d - datetime(1970, 1, 1)).total_seconds())


class _TableWriter:
    """Writes one raw table as part-NNNNN.parquet files, rolling over every `rows_per_file` rows."""

    def __init__(self, out_dir: Path, table: str, rows_per_file: int = EVENT_ROWS_PER_FILE) -> None:
        self.folder = out_dir / table
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.parquet"):
            stale.unlink()
        self.table = table
        self.schema = schema_for(table)
        self.rows_per_file = rows_per_file
        self.part = 0
        self.rows_in_part = 0
        self.rows = 0
        self.writer: pq.ParquetWriter | None = None

    def write(self, columns: dict[str, pa.Array]) -> None:
        batch = pa.table([columns[c] for c in self.schema.names], schema=self.schema)
        offset = 0
        while offset < batch.num_rows:
            if self.writer is None:
                path = self.folder / f"part-{self.part:05d}.parquet"
                self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
            n = min(batch.num_rows - offset, self.rows_per_file - self.rows_in_part)
            self.writer.write_table(batch.slice(offset, n), row_group_size=1_000_000)
            offset += n
            self.rows_in_part += n
            self.rows += n
            if self.rows_in_part >= self.rows_per_file:
                self.writer.close()
                self.writer = None
                self.part += 1
                self.rows_in_part = 0

    def close(self) -> int:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.rows == 0:  # an empty table still gets one (empty) file so readers find its columns
            pq.write_table(self.schema.empty_table(), self.folder / "part-00000.parquet", compression="zstd")
        return self.rows


# --------------------------------------------------------------------------- dirty rows


Mutator = Callable[[np.random.Generator, dict[str, pa.Array], int], dict[str, pa.Array]]


def _set(cols: dict[str, pa.Array], name: str, values: list[str | None] | pa.Array) -> dict[str, pa.Array]:
    out = dict(cols)
    out[name] = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return out


class _Injector:
    """Builds extra dirty rows from copies of clean rows, one defect per row, and counts them."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.counts: dict[str, dict[str, int]] = {}
        self.next_dirty: dict[str, int] = {}

    def new_ids(self, prefix: str, k: int) -> pa.Array:
        start = self.next_dirty.get(prefix, _dirty_base(prefix))
        self.next_dirty[prefix] = start + k
        return _ids(prefix, np.arange(start, start + k))

    def orphan_ids(self, prefix: str, k: int) -> list[str]:
        base = _orphan_base(prefix)
        return [_id_text(prefix, base + int(x)) for x in self.rng.integers(0, 10 ** (ID_WIDTH[prefix] - 2), k)]

    def inject(
        self,
        table: str,
        clean: dict[str, pa.Array],
        kinds: list[tuple[str, float, Mutator]],
        templates: np.ndarray | None = None,
    ) -> list[dict[str, pa.Array]]:
        n = len(next(iter(clean.values())))
        pool = np.arange(n) if templates is None else templates
        out = []
        if len(pool) == 0:
            return out
        for reason, rate, mutate in kinds:
            k = max(1, int(round(rate * n)))
            idx = pa.array(self.rng.choice(pool, size=k))
            rows = {c: a.take(idx) for c, a in clean.items()}
            out.append(mutate(self.rng, rows, k))
            bucket = self.counts.setdefault(table, {})
            bucket[reason] = bucket.get(reason, 0) + k
        return out


def _concat(parts: list[dict[str, pa.Array]], rng: np.random.Generator | None = None) -> dict[str, pa.Array]:
    """Concatenate column dicts; with rng, shuffle the rows so dirty rows are interleaved."""
    cols = {c: pa.concat_arrays([p[c].cast(parts[0][c].type) for p in parts]) for c in parts[0]}
    if rng is not None:
        perm = pa.array(rng.permutation(len(next(iter(cols.values())))))
        cols = {c: a.take(perm) for c, a in cols.items()}
    return cols


# --------------------------------------------------------------------------- generator


class _Generator:
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
        self.injector = _Injector(self._rng("dirty"))
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

    # ------------------------------------------------------------------ accounts
    def build_accounts(self) -> None:
        rng = self._rng("accounts")
        n = self.plan.accounts
        self.acc_num = np.arange(1, n + 1)
        self.acc_ids = _ids("A", self.acc_num)
        self.acc_country = _pick(rng, [w[0] for w in ref.COUNTRY_WEIGHTS.values()], n)
        self.acc_band = _pick(rng, [0.55, 0.30, 0.15], n)
        lo = np.array([2, 200, 2000])[self.acc_band]
        hi = np.array([199, 1999, 60000])[self.acc_band]
        self.acc_emp = np.clip(np.exp(rng.uniform(np.log(lo), np.log(hi + 1))).astype(np.int64), lo, hi)
        self.acc_industry = _pick(rng, [w for _, w in ref.INDUSTRIES], n)
        self.acc_created = rng.integers(self.end - 5 * 365 * 86_400, self.end - 30 * 86_400, n)
        updated = self.acc_created + (rng.random(n) * (self.end - self.acc_created)).astype(np.int64)
        # money: local currency, or USD for 30% of companies
        self.currency_codes = [*self.country_currency, "USD"]
        self.currency_fx = np.array([*self.country_fx, 1.0])
        self.acc_currency = np.where(rng.random(n) < 0.3, len(self.country_codes), self.acc_country)
        revenue = self.acc_emp * np.exp(rng.normal(np.log(180_000), 0.5, n)) * self.currency_fx[self.acc_currency]
        revenue = np.maximum(1000, np.round(revenue / 1000) * 1000).astype(np.int64)
        # commercial state used by subscriptions, deals and product events
        self.acc_has_sub = rng.random(n) < (0.40 + 0.10 * self.acc_band)
        u = rng.random(n)
        self.acc_churn_risk = self.acc_has_sub & (u < 0.30)
        self.acc_near_limit = self.acc_has_sub & (u >= 0.30) & (u < 0.60)

        w1 = rng.integers(0, len(ref.COMPANY_WORDS[0]), n)
        w2 = rng.integers(0, len(ref.COMPANY_WORDS[1]), n)
        legal = [ref.LEGAL_FORM.get(c, "Ltd") for c in self.country_codes]
        name = pc.binary_join_element_wise(
            _take(ref.COMPANY_WORDS[0], w1), _take(ref.COMPANY_WORDS[1], w2), _take(legal, self.acc_country), " "
        )
        tld = [ref.TLD.get(c, "com") for c in self.country_codes]
        self.acc_domain = pc.binary_join_element_wise(
            pc.utf8_lower(_take(ref.COMPANY_WORDS[0], w1)),
            pc.utf8_lower(_take(ref.COMPANY_WORDS[1], w2)),
            _int_text(self.acc_num),
            ".",
            _take(tld, self.acc_country),
            "",
        )
        scheme = _pick(rng, [0.8, 0.1, 0.1], n)
        website = pc.binary_join_element_wise(_take(["", "www.", "https://www."], scheme), self.acc_domain, "")
        tech_names = [t for t, _ in ref.TECHNOLOGIES]
        tech_p = np.array([p for _, p in ref.TECHNOLOGIES])
        has = rng.random((n, len(tech_names))) < tech_p[None, :] * (0.7 + 0.3 * self.acc_band[:, None])
        technologies = [";".join(tech_names[j] for j in np.flatnonzero(row)) for row in has]
        industry_names = [i for i, _ in ref.INDUSTRIES]
        industry = _take(industry_names, self.acc_industry)
        industry = pc.if_else(pa.array(rng.random(n) < 0.1), pc.utf8_lower(industry), industry)
        city, region, postal = self._places(rng, self.acc_country)
        created_text = _ts_text(self.acc_created)
        iso = rng.random(n) < 0.05
        self._variant("crm_accounts", "iso_8601_timestamp", int(iso.sum()))
        no_revenue = rng.random(n) < 0.03
        clean = {
            "account_id": self.acc_ids,
            "account_name": name,
            "website_domain": website,
            "industry": industry,
            "employee_count": self._text_number_variants(rng, _int_text(self.acc_emp), self.acc_emp, "crm_accounts"),
            "annual_revenue": _with_mask(
                self._text_number_variants(rng, _int_text(revenue), revenue, "crm_accounts"), no_revenue
            ),
            "revenue_currency": _with_mask(_take(self.currency_codes, self.acc_currency), no_revenue),
            "country": self._country_text(rng, self.acc_country, "crm_accounts"),
            "region": region,
            "city": city,
            "postal_code": postal,
            "technologies": pa.array(technologies, pa.string()),
            "created_at": _iso_variant(created_text, iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "_loaded_at": self._loaded(n),
        }
        inj = self.injector
        kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("created_at", "updated_at")),
            ("missing_required_field", DEFECT_RATE, lambda r, c, k: _set(c, "account_id", [""] * k)),
            (
                "unknown_country",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    self._fresh(c, "A", "account_id", k), "country", list(r.choice(ref.UNKNOWN_COUNTRIES, k))
                ),
            ),
            (
                "unknown_currency",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    self._fresh(c, "A", "account_id", k), "revenue_currency", list(r.choice(["XXX", "ZZZ"], k))
                ),
            ),
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    self._fresh(c, "A", "account_id", k),
                    "employee_count",
                    list(r.choice(["n/a", "12abc", "about 50"], k)),
                ),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(self._fresh(c, "A", "account_id", k), "annual_revenue", ["-250000"] * k),
            ),
            (
                "invalid_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(self._fresh(c, "A", "account_id", k), "created_at", self._bad_timestamps(r, k)),
            ),
            (
                "future_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(self._fresh(c, "A", "account_id", k), "updated_at", self._future_text(r, k)),
            ),
        ]
        # templates for currency/revenue defects must have a revenue
        parts = [clean, *inj.inject("crm_accounts", clean, kinds[:3])]
        parts += inj.inject("crm_accounts", clean, kinds[3:], templates=np.flatnonzero(~no_revenue))
        self._write_small("crm_accounts", parts, rng)

    # shared mutators ----------------------------------------------------------------
    def _fresh(self, cols: dict[str, pa.Array], prefix: str, id_col: str, k: int) -> dict[str, pa.Array]:
        return _set(cols, id_col, self.injector.new_ids(prefix, k))

    def _older_version(self, created_col: str, updated_col: str | None) -> Mutator:
        """Same id exported again as it was earlier: older updated_at (or an earlier _loaded_at)."""

        def mutate(r: np.random.Generator, c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            if updated_col is None:
                return _set(c, "_loaded_at", self._loaded(k, -86_400))
            created = pc.replace_substring(pc.replace_substring(c[created_col], "T", " "), "Z", "")
            return _set(c, updated_col, created)  # the first version: updated_at == created_at

        return mutate

    def _bad_timestamps(self, r: np.random.Generator, k: int) -> list[str]:
        return list(
            r.choice(["2025-13-45 10:00:00", "31/12/2025 25:61", "yesterday", "2025-02-30 08:00:00", "not a date"], k)
        )

    def _future_text(self, r: np.random.Generator, k: int) -> pa.Array:
        return _ts_text(self.loaded_at + r.integers(2 * 86_400, 90 * 86_400, k))

    def _write_small(self, table: str, parts: list[dict[str, pa.Array]], rng: np.random.Generator) -> None:
        writer = _TableWriter(self.out_dir, table)
        writer.write(_concat(parts, rng))
        self.row_counts[table] = writer.close()

    # ------------------------------------------------------------------ contacts (numbers only)
    def plan_contacts(self) -> None:
        rng = self._rng("contacts")
        n, n_acc = self.plan.contacts, self.plan.accounts
        self.n_contacts = n
        self.con_num = np.arange(1, n + 1)
        self.con_ids = _ids("C", self.con_num)
        n_b2b = max(n_acc, int(0.6 * n))
        b2b_pos = rng.permutation(n)[:n_b2b]
        weights = np.log(self.acc_emp + 2.0)
        assign = np.concatenate([np.arange(n_acc), rng.choice(n_acc, n_b2b - n_acc, p=weights / weights.sum())])
        self.con_account = np.full(n, -1, dtype=np.int64)
        self.con_account[b2b_pos] = rng.permutation(assign)
        b2b = self.con_account >= 0
        self.con_b2b = b2b
        acc = np.where(b2b, self.con_account, 0)
        consumer_country = _pick(rng, [w[1] for w in ref.COUNTRY_WEIGHTS.values()], n)
        other_country = _pick(rng, [w[0] for w in ref.COUNTRY_WEIGHTS.values()], n)
        self.con_country = np.where(
            b2b, np.where(rng.random(n) < 0.85, self.acc_country[acc], other_country), consumer_country
        )
        start = np.where(
            b2b, np.maximum(self.acc_created[acc], self.end - 4 * 365 * 86_400), self.end - int(3.5 * 365 * 86_400)
        )
        self.con_created = start + (rng.random(n) * (self.end - 86_400 - start)).astype(np.int64)
        stage_p = np.where(b2b[:, None], [[0.2, 0.25, 0.25, 0.15, 0.15]], [[0.35, 0.25, 0.2, 0.1, 0.1]])
        self.con_max_stage = (rng.random(n)[:, None] > np.cumsum(stage_p, axis=1)).sum(axis=1).clip(0, 4)
        customer_acc = b2b & self.acc_has_sub[acc]
        self.con_max_stage = np.where(customer_acc, np.maximum(self.con_max_stage, 3), self.con_max_stage)
        # interests: industry-typical topics for B2B, random for consumers
        industry_topics = {
            "Fintech": [0, 4],
            "Healthcare": [4, 0],
            "Retail": [1, 5],
            "Software": [2, 3],
            "Manufacturing": [3, 5],
            "Education": [6, 1],
            "Logistics": [3, 2],
            "Media": [1, 2],
            "Energy": [5, 4],
            "Public Sector": [4, 0],
        }
        pref = np.array([industry_topics[name] for name, _ in ref.INDUSTRIES])
        typical = pref[self.acc_industry[acc], rng.integers(0, 2, n)]
        self.con_topic = np.where(b2b & (rng.random(n) < 0.7), typical, rng.integers(0, len(ref.TOPIC_SLUGS), n))
        self.con_activity = rng.gamma(1.5, 1 / 1.5, n)
        self.con_consent = rng.random(n) < 0.85
        self.con_deleted = rng.random(n) < 0.005
        self.con_anon_num = (self.con_num * 2_654_435_761) % (2**32)
        # buyers follow a BG/NBD process (lambda ~ Gamma, dropout p ~ Beta); spend is Gamma-Gamma
        self.con_buyer = np.where(b2b, rng.random(n) < 0.15, rng.random(n) < 0.7)
        self.con_eco = rng.random(n) < np.where(b2b, 0.1, 0.25)
        self.con_subscriber_affinity = rng.random(n) < 0.15
        self.con_price_sensitivity = rng.beta(0.8, 4.0, n)
        self.con_fav_category = rng.integers(0, len(self.categories), n)

    # ------------------------------------------------------------------ subscriptions
    def build_subscriptions(self) -> None:
        rng = self._rng("subscriptions")
        subs = np.flatnonzero(self.acc_has_sub)
        n = len(subs)
        band = self.acc_band[subs]
        plan = np.where(
            band == 0, rng.integers(0, 2, n), np.where(band == 1, 1 + rng.integers(0, 2, n), 2 + rng.integers(0, 2, n))
        )
        seat_lo = np.array([3, 10, 50, 250])[plan]
        seat_hi = np.array([10, 50, 250, 2000])[plan]
        seats = np.minimum(rng.integers(seat_lo, seat_hi + 1), np.maximum(self.acc_emp[subs], 3))
        near = self.acc_near_limit[subs]
        ratio = np.where(near, rng.uniform(0.92, 1.0, n), rng.uniform(0.3, 0.8, n))
        seats_used = np.clip(np.round(seats * ratio), 1, seats).astype(np.int64)
        churn = self.acc_churn_risk[subs]
        status = _pick(rng, [0.70, 0.05, 0.05, 0.20], n)  # active, trialing, past_due, cancelled
        status = np.where(churn, np.where(rng.random(n) < 0.8, 0, 2), status)
        status = np.where(near, 0, status)
        started = self.end - rng.integers(120, 1000, n) * 86_400 - rng.integers(0, 86_400, n)
        started = np.maximum(started, self.acc_created[subs] + 86_400)
        started = np.where(status == 1, self.end - rng.integers(1, 14, n) * 86_400, started)
        ended = np.where(status == 3, started + (rng.random(n) * (self.end - 86_400 - started)).astype(np.int64), 0)
        renewal = started + 365 * 86_400 * (1 + (self.end - started) // (365 * 86_400))
        has_end = (status == 3) | ((status != 3) & (rng.random(n) < 0.5))
        ended = np.where(status == 3, ended, renewal)
        per_seat = np.array([15.0, 25.0, 40.0, 60.0])[plan]
        currency = self.acc_currency[subs]
        mrr = seats * per_seat * self.currency_fx[currency]
        self.sub_account = subs
        self.sub_status = status
        self.sub_started = started
        self.sub_ended = np.where(status == 3, ended, 0)
        self.sub_mrr_usd = seats * per_seat
        # per account: product usage window (0 = no product usage)
        self.acc_usage_start = np.zeros(self.plan.accounts, dtype=np.int64)
        self.acc_usage_end = np.zeros(self.plan.accounts, dtype=np.int64)
        self.acc_usage_start[subs] = started
        self.acc_usage_end[subs] = np.where(status == 3, ended, self.end)
        self.acc_sub_status = np.full(self.plan.accounts, -1)
        self.acc_sub_status[subs] = status
        status_names = ["active", "trialing", "past_due", "cancelled"]
        status_text = _take(status_names, status)
        status_text = pc.if_else(pa.array(rng.random(n) < 0.05), pc.utf8_upper(status_text), status_text)
        clean = {
            "subscription_id": _ids("S", np.arange(1, n + 1)),
            "account_id": self.acc_ids.take(pa.array(subs)),
            "plan": _take(["starter", "growth", "business", "enterprise"], plan),
            "seats": self._text_number_variants(rng, _int_text(seats), seats, "crm_subscriptions"),
            "seats_used": _int_text(seats_used),
            "mrr": _money_text(mrr),
            "currency": _take(self.currency_codes, currency),
            "started_at": _ts_text(started),
            "ended_at": _with_mask(_ts_text(ended), ~has_end),
            "status": status_text,
            "_loaded_at": self._loaded(n),
        }
        inj = self.injector
        fresh = self._fresh
        kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("started_at", None)),
            ("missing_required_field", DEFECT_RATE, lambda r, c, k: _set(c, "subscription_id", [" "] * k)),
            (
                "orphan_foreign_key",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "S", "subscription_id", k), "account_id", inj.orphan_ids("A", k)),
            ),
            (
                "unknown_currency",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "S", "subscription_id", k), "currency", list(r.choice(["XXX", "ZZZ"], k))
                ),
            ),
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "S", "subscription_id", k), "seats", list(r.choice(["n/a", "12abc"], k))),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "S", "subscription_id", k), "mrr", list(r.choice(["-49.00", "-0.01", "-120"], k))
                ),
            ),
            (
                "invalid_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "S", "subscription_id", k), "started_at", self._bad_timestamps(r, k)),
            ),
        ]
        running = np.flatnonzero(status == 0)
        future: list[tuple[str, float, Mutator]] = [
            (
                "future_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    _set(fresh(c, "S", "subscription_id", k), "started_at", self._future_text(r, k)),
                    "ended_at",
                    [""] * k,
                ),
            ),
        ]
        parts = [clean, *inj.inject("crm_subscriptions", clean, kinds)]
        parts += inj.inject("crm_subscriptions", clean, future, templates=running)
        self._write_small("crm_subscriptions", parts, rng)

    # ------------------------------------------------------------------ deals
    def build_deals(self) -> None:
        rng = self._rng("deals")
        n_acc = self.plan.accounts
        # contacts of each account, to pick the main contact of a deal
        order = np.argsort(self.con_account, kind="stable")
        order = order[self.con_account[order] >= 0]
        counts = np.bincount(self.con_account[order], minlength=n_acc)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        extra = rng.poisson(0.6 + 0.4 * self.acc_band)
        acc = np.repeat(np.arange(n_acc), extra)
        m = len(acc)
        created = self.acc_created[acc] + (rng.random(m) * (self.end - 86_400 - self.acc_created[acc])).astype(np.int64)
        closed = created + rng.integers(14, 150, m) * 86_400
        is_closed = closed < self.end - 86_400
        won = is_closed & (rng.random(m) < 0.25)
        # the deal that started each subscription: won, closed on the subscription's start
        sub_acc = self.sub_account
        sub_closed = self.sub_started
        sub_created = sub_closed - rng.integers(20, 120, len(sub_acc)) * 86_400
        acc = np.concatenate([acc, sub_acc])
        created = np.concatenate([created, np.maximum(sub_created, self.acc_created[sub_acc])])
        closed = np.concatenate([closed, sub_closed])
        is_closed = np.concatenate([is_closed, self.sub_status != 1])  # a trial's deal is still open
        won = np.concatenate([won, self.sub_status != 1])
        m = len(acc)
        order_by = np.lexsort((created, acc))
        acc, created, closed, is_closed, won = (a[order_by] for a in (acc, created, closed, is_closed, won))
        amount_usd = np.round(np.exp(rng.normal(np.log(3_000 * (1 + self.acc_band[acc] * 4)), 0.6)), -1) + 500
        currency = self.acc_currency[acc]
        stage = np.where(is_closed, np.where(won, 4, 5), rng.integers(0, 4, m))
        stages = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
        contact = order[first[acc] + (rng.random(m) * counts[acc]).astype(np.int64)]
        no_contact = rng.random(m) < 0.05
        self.acc_open_deal = np.zeros(n_acc, dtype=bool)
        self.acc_open_deal[acc[~is_closed]] = True
        clean = {
            "deal_id": _ids("D", np.arange(1, m + 1)),
            "account_id": self.acc_ids.take(pa.array(acc)),
            "contact_id": _with_mask(self.con_ids.take(pa.array(contact)), no_contact),
            "deal_stage": _take(stages, stage),
            "amount": _money_text(amount_usd * self.currency_fx[currency]),
            "currency": _take(self.currency_codes, currency),
            "created_at": _ts_text(created),
            "closed_at": _with_mask(_ts_text(closed), ~is_closed),
            "is_won": _with_mask(_take(["false", "true"], won.astype(np.int64)), ~is_closed),
            "_loaded_at": self._loaded(m),
        }
        inj = self.injector
        fresh = self._fresh
        open_rows = np.flatnonzero(~is_closed)
        kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("created_at", None)),
            ("missing_required_field", DEFECT_RATE, lambda r, c, k: _set(c, "deal_id", [""] * k)),
            (
                "orphan_foreign_key",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "D", "deal_id", k), "account_id", inj.orphan_ids("A", k)),
            ),
            (
                "unknown_currency",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "D", "deal_id", k), "currency", list(r.choice(["XXX", "ZZZ"], k))),
            ),
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "D", "deal_id", k), "amount", list(r.choice(["n/a", "12abc", "TBD"], k))),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "D", "deal_id", k), "amount", list(r.choice(["-1500.00", "0", "0.00"], k))
                ),
            ),
            (
                "invalid_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "D", "deal_id", k), "created_at", self._bad_timestamps(r, k)),
            ),
        ]
        parts = [clean, *inj.inject("crm_deals", clean, kinds)]
        if len(open_rows):  # an open deal "created" in the future
            parts += inj.inject(
                "crm_deals",
                clean,
                [
                    (
                        "future_timestamp",
                        DEFECT_RATE,
                        lambda r, c, k: _set(fresh(c, "D", "deal_id", k), "created_at", self._future_text(r, k)),
                    )
                ],
                templates=open_rows,
            )
        self._write_small("crm_deals", parts, rng)

    # ------------------------------------------------------------------ orders (buy till you die)
    def build_orders(self) -> None:
        rng = self._rng("orders")
        buyers = np.flatnonzero(self.con_buyer)
        nb = len(buyers)
        first = self.con_created[buyers] + rng.exponential(25 * 86_400, nb).astype(np.int64)
        lam = rng.gamma(0.8, 1 / 60, nb) / 86_400  # purchases per second while alive
        drop = rng.beta(1.2, 4.0, nb)
        who, when = [], []
        t = first.astype(float)
        alive = t <= self.end
        idx = np.arange(nb)
        for _ in range(400):
            who.append(idx[alive])
            when.append(t[alive])
            alive &= rng.random(nb) > drop
            t = t + rng.exponential(1.0, nb) / np.maximum(lam, 1e-12)
            alive &= t <= self.end
            if not alive.any():
                break
        who_a = np.concatenate(who)
        when_a = np.concatenate(when).astype(np.int64)
        order_by = np.lexsort((when_a, who_a))
        who_a, when_a = who_a[order_by], when_a[order_by]
        contact = buyers[who_a]
        m = len(contact)
        self.con_orders = np.bincount(contact, minlength=self.n_contacts)
        last = np.zeros(self.n_contacts, dtype=np.int64)
        last[contact] = when_a  # sorted by time within a contact: the last write wins
        self.con_last_order = last
        # Gamma-Gamma spend: nu_i ~ Gamma(q, 1/gamma), spend ~ Gamma(p, 1/nu_i)
        nu = rng.gamma(4.0, 1 / 40.0, nb)
        spend_usd = rng.gamma(6.0, 1.0, m) / nu[who_a] * np.where(self.con_b2b[contact], 5.0, 1.0)
        age = self.end - when_a
        status = np.where(age < 5 * 86_400, rng.integers(0, 3, m), _pick(rng, [0.93, 0.045, 0.025], m) + 3)
        statuses = ["placed", "paid", "shipped", "completed", "refunded", "cancelled"]
        updated = when_a + np.where(status == 4, rng.integers(5, 30, m), rng.integers(0, 4, m)) * 86_400
        updated = np.minimum(updated + rng.integers(0, 3600, m), self.end)
        country = self.con_country[contact]
        currency = np.where(rng.random(m) < 0.85, country, len(self.country_codes))
        b2b = self.con_b2b[contact]
        account = np.where(b2b, self.con_account[contact], 0)
        no_contact = b2b & (rng.random(m) < 0.05)
        status_text = _take(statuses, status)
        status_text = pc.if_else(pa.array(rng.random(m) < 0.05), pc.utf8_upper(status_text), status_text)
        iso = rng.random(m) < 0.05
        self._variant("shop_orders", "iso_8601_timestamp", int(iso.sum()))
        orders = {
            "order_id": _ids("O", np.arange(1, m + 1)),
            "contact_id": _with_mask(self.con_ids.take(pa.array(contact)), no_contact),
            "account_id": _with_mask(self.acc_ids.take(pa.array(account)), ~b2b),
            "order_status": status_text,
            "currency": _take(self.currency_codes, currency),
            "ordered_at": _iso_variant(_ts_text(when_a), iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "_loaded_at": self._loaded(m),
        }
        # lines: preference for sustainable / subscription / favourite-category products
        n_lines = np.minimum(1 + rng.poisson(0.8, m), 5)
        line_order = np.repeat(np.arange(m), n_lines)
        k = len(line_order)
        lc = contact[line_order]
        u = rng.random(k)
        sust = np.flatnonzero(self.product_sustainable)
        subs = np.flatnonzero(self.product_subscription)
        by_cat = [np.flatnonzero(self.product_cat_idx == c) for c in range(len(self.categories))]
        product = rng.integers(0, len(self.product_ids), k)
        fav = self.con_fav_category[lc]
        fav_pick = np.empty(k, dtype=np.int64)
        for c, members in enumerate(by_cat):
            mask = fav == c
            fav_pick[mask] = members[rng.integers(0, len(members), int(mask.sum()))]
        product = np.where(u < 0.5, fav_pick, product)
        product = np.where(self.con_subscriber_affinity[lc] & (u < 0.45), subs[rng.integers(0, len(subs), k)], product)
        product = np.where(self.con_eco[lc] & (u < 0.7), sust[rng.integers(0, len(sust), k)], product)
        price_usd = self.product_price[product]
        qty = np.clip(np.round(spend_usd[line_order] / n_lines[line_order] / price_usd), 1, 12).astype(np.int64)
        fx = self.currency_fx[currency[line_order]]
        unit_price = np.round(price_usd * fx, 2)
        discounted = rng.random(k) < self.con_price_sensitivity[lc]
        discount = np.where(discounted, np.round(unit_price * qty * rng.uniform(0.05, 0.35, k), 2), 0.0)
        discount_text = _money_text(discount)
        no_discount_text = _take(["0", ""], (rng.random(k) < 0.3).astype(np.int64))
        discount_text = pc.if_else(pa.array(discounted), discount_text, no_discount_text)
        lines = {
            "order_line_id": _ids("L", np.arange(1, k + 1)),
            "order_id": orders["order_id"].take(pa.array(line_order)),
            "product_id": _take(self.product_ids, product),
            "product_category": _take(self.product_category_text, product),
            "quantity": self._text_number_variants(rng, _int_text(qty), qty, "shop_order_lines", rate=0.02),
            "unit_price": _money_text(unit_price),
            "discount_amount": discount_text,
            "_loaded_at": self._loaded(k),
        }
        inj = self.injector
        fresh = self._fresh
        order_kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("ordered_at", "updated_at")),
            ("missing_required_field", DEFECT_RATE, lambda r, c, k: _set(c, "order_id", [""] * k)),
            (
                "orphan_foreign_key",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    _set(fresh(c, "O", "order_id", k), "contact_id", inj.orphan_ids("C", k)), "account_id", [""] * k
                ),
            ),
            (
                "unknown_currency",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "O", "order_id", k), "currency", list(r.choice(["XXX", "ZZZ"], k))),
            ),
            (
                "invalid_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "O", "order_id", k), "ordered_at", self._bad_timestamps(r, k)),
            ),
            (
                "future_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "O", "order_id", k), "updated_at", self._future_text(r, k)),
            ),
        ]
        line_kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("order_id", None)),
            ("missing_required_field", DEFECT_RATE, lambda r, c, k: _set(c, "order_line_id", [""] * k)),
            (
                "orphan_foreign_key",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "L", "order_line_id", k), "order_id", inj.orphan_ids("O", k)),
            ),
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "L", "order_line_id", k), "quantity", list(r.choice(["n/a", "12abc", "two"], k))
                ),
            ),
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "L", "order_line_id", k), "unit_price", list(r.choice(["n/a", "12abc", "9.99 EUR"], k))
                ),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "L", "order_line_id", k), "quantity", list(r.choice(["0", "-1", "-3"], k))
                ),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "L", "order_line_id", k), "unit_price", list(r.choice(["-9.99", "0"], k))
                ),
            ),
        ]
        valid_orders = [orders]
        if m:
            valid_orders += inj.inject("shop_orders", orders, order_kinds)
        self._write_small("shop_orders", valid_orders, rng)
        valid_lines = [lines]
        if k:
            valid_lines += inj.inject("shop_order_lines", lines, line_kinds)
        self._write_small("shop_order_lines", valid_lines, rng)

    # ------------------------------------------------------------------ contacts (text)
    def write_contacts(self) -> None:
        rng = self._rng("contacts_text")
        n = self.n_contacts
        b2b = self.con_b2b
        acc = np.where(b2b, self.con_account, 0)
        # lifecycle from commercial state
        sub_status = np.where(b2b, self.acc_sub_status[acc], -1)
        by_stage = np.array([0, 1, 2, 3, 3])[self.con_max_stage]  # subscriber, lead, mql, sql
        stage = np.where(b2b & np.isin(sub_status, [0, 1, 2]), 5, by_stage)
        stage = np.where(b2b & (sub_status == 3), 6, stage)
        stage = np.where(b2b & (sub_status < 0) & self.acc_open_deal[acc], 4, stage)
        bought = self.con_orders > 0
        lapsed = bought & (self.con_last_order < self.end - 365 * 86_400)
        stage = np.where(~b2b & bought, np.where(lapsed, 6, 5), stage)
        stages = ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "former_customer"]
        # names and emails by country
        group_of = np.array(
            [list(ref.NAME_GROUPS).index(ref.COUNTRY_NAME_GROUP.get(c, "other")) for c in self.country_codes]
        )
        groups = list(ref.NAME_GROUPS.values())
        firsts = [f for g in groups for f in g[0]]
        lasts = [s for g in groups for s in g[1]]
        first_off = np.cumsum([0] + [len(g[0]) for g in groups])[:-1]
        last_off = np.cumsum([0] + [len(g[1]) for g in groups])[:-1]
        g = group_of[self.con_country]
        sizes_f = np.array([len(x[0]) for x in groups])[g]
        sizes_l = np.array([len(x[1]) for x in groups])[g]
        fi = first_off[g] + (rng.random(n) * sizes_f).astype(np.int64)
        li = last_off[g] + (rng.random(n) * sizes_l).astype(np.int64)
        first_name, last_name = _take(firsts, fi), _take(lasts, li)
        local = pc.utf8_lower(pc.binary_join_element_wise(first_name, last_name, _int_text(self.con_num), "."))
        for a, b in [
            ("ş", "s"),
            ("ı", "i"),
            ("ğ", "g"),
            ("ü", "u"),
            ("ö", "o"),
            ("ç", "c"),
            ("é", "e"),
            ("á", "a"),
            ("í", "i"),
            ("ó", "o"),
            ("ã", "a"),
            ("è", "e"),
            (" ", ""),
            ("-", ""),
        ]:
            local = pc.replace_substring(local, a, b)
        domains, dom_off, dom_len = [], [], []
        for code in self.country_codes:
            opts = ref.CONSUMER_EMAIL_DOMAINS.get(code, ref.DEFAULT_EMAIL_DOMAINS)
            dom_off.append(len(domains))
            dom_len.append(len(opts))
            domains += opts
        di = np.array(dom_off)[self.con_country] + (rng.random(n) * np.array(dom_len)[self.con_country]).astype(int)
        domain = pc.if_else(pa.array(b2b), self.acc_domain.take(pa.array(acc)), _take(domains, di))
        self.con_email = pc.binary_join_element_wise(local, domain, "@")
        email_text = self.con_email
        cased = rng.random(n) < 0.04
        email_text = pc.if_else(pa.array(cased), pc.utf8_capitalize(email_text), email_text)
        padded = rng.random(n) < 0.02
        email_text = pc.if_else(pa.array(padded), pc.binary_join_element_wise(" ", email_text, " ", ""), email_text)
        self._variant("crm_contacts", "email_mixed_case", int(cased.sum()))
        self._variant("crm_contacts", "email_padded", int(padded.sum()))
        # titles
        tw = [t[4] for t in ref.JOB_TITLES]
        title = _take([t[0] for t in ref.JOB_TITLES], _pick(rng, tw, n))
        consumer_title = _take(ref.CONSUMER_TITLES, rng.integers(0, len(ref.CONSUMER_TITLES), n))
        consumer_title = _with_mask(consumer_title, rng.random(n) < 0.7)
        title = pc.if_else(pa.array(b2b), title, consumer_title)
        title = _with_mask(title, b2b & (rng.random(n) < 0.03))
        # demographics (consumers always, B2B contacts sometimes)
        demo = ~b2b | (rng.random(n) < 0.3)
        age = np.where(b2b, rng.integers(24, 66, n), np.clip(rng.gamma(6.0, 7.5, n) + 18, 18, 85)).astype(np.int64)
        birth = self.end - age * 365 * 86_400 - rng.integers(0, 365, n) * 86_400
        gender = _pick(rng, [0.48, 0.47, 0.02, 0.03], n)
        gender_text = _take(["female", "male", "non-binary", "unknown"], gender)
        short = rng.random(n)
        gender_text = pc.if_else(
            pa.array((short < 0.1) & (gender < 2)), _take(["F", "M"], np.minimum(gender, 1)), gender_text
        )
        gender_text = pc.if_else(pa.array(short > 0.93), pc.utf8_capitalize(gender_text), gender_text)
        married_p = np.clip((age - 20) / 40, 0.05, 0.7)
        ms = np.where(rng.random(n) < married_p, 1, _pick(rng, [0.6, 0.0, 0.2, 0.05, 0.15], n))
        ms = np.where((age > 70) & (rng.random(n) < 0.3), 3, ms)
        marital = _take(["single", "married", "divorced", "widowed", "partnered"], ms)
        marital = pc.if_else(pa.array(rng.random(n) < 0.08), pc.utf8_capitalize(marital), marital)
        household = np.where(np.isin(ms, [1, 4]), 2 + rng.poisson(1.0, n), 1 + rng.poisson(0.3, n)).clip(1, 7)
        income_usd = np.exp(rng.normal(np.log(55_000), 0.55, n)) * (1 + 0.15 * (household > 2))
        income = np.maximum(1000, np.round(income_usd * self.country_fx[self.con_country], -2)).astype(np.int64)
        city, _, postal = self._places(rng, self.con_country)
        phone = pc.binary_join_element_wise(
            _take(
                list(ref.PHONE_PREFIX.values()),
                np.array([list(ref.PHONE_PREFIX).index(c) for c in self.country_codes])[self.con_country],
            ),
            _int_text(rng.integers(200_000_000, 999_999_999, n)),
            " ",
        )
        updated = self.con_created + (rng.random(n) * (self.end - self.con_created)).astype(np.int64)
        consent_text = _take(
            ["false", "true", "no", "yes", "0", "1"],
            self.con_consent.astype(np.int64) + 2 * _pick(rng, [0.8, 0.1, 0.1], n),
        )
        source = _take(
            ["organic", "paid_search", "social", "referral", "event", "outbound", "partner"],
            _pick(rng, [0.3, 0.2, 0.15, 0.1, 0.08, 0.1, 0.07], n),
        )
        tz = _with_mask(_take(self.country_tz, self.con_country), rng.random(n) < 0.3)
        iso = rng.random(n) < 0.05
        self._variant("crm_contacts", "iso_8601_timestamp", int(iso.sum()))
        clean = {
            "contact_id": self.con_ids,
            "account_id": _with_mask(self.acc_ids.take(pa.array(acc)), ~b2b),
            "email": email_text,
            "first_name": first_name,
            "last_name": last_name,
            "job_title": title,
            "phone": _with_mask(phone, rng.random(n) < 0.2),
            "birth_date": _with_mask(_date_text(birth), ~demo),
            "gender": _with_mask(gender_text, ~demo),
            "marital_status": _with_mask(marital, ~demo),
            "household_size": _with_mask(_int_text(household), ~demo),
            "annual_income": _with_mask(
                self._text_number_variants(rng, _int_text(income), income, "crm_contacts"), ~demo
            ),
            "income_currency": _with_mask(_take(self.country_currency, self.con_country), ~demo),
            "country": self._country_text(rng, self.con_country, "crm_contacts"),
            "city": city,
            "postal_code": postal,
            "time_zone": tz,
            "lifecycle_stage": _take(stages, stage),
            "lead_source": source,
            "marketing_consent": consent_text,
            "created_at": _iso_variant(_ts_text(self.con_created), iso),
            "updated_at": _iso_variant(_ts_text(updated), iso),
            "is_deleted": _take(["false", "true"], self.con_deleted.astype(np.int64)),
            "_loaded_at": self._loaded(n),
        }
        inj = self.injector
        fresh = self._fresh
        bad_emails = ["john.smith", "maria@", "@example.com", "ayse yilmaz@example.com", "no-email"]
        kinds: list[tuple[str, float, Mutator]] = [
            ("duplicate", DUPLICATE_RATE, self._older_version("created_at", "updated_at")),
            (
                "missing_required_field",
                DEFECT_RATE,
                lambda r, c, k: _set(c, "contact_id", list(r.choice(["", " "], k))),
            ),
            (
                "invalid_email",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "C", "contact_id", k), "email", list(r.choice(bad_emails, k))),
            ),
            (
                "unknown_country",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "C", "contact_id", k), "country", list(r.choice(ref.UNKNOWN_COUNTRIES, k))
                ),
            ),
            (
                "orphan_foreign_key",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "C", "contact_id", k), "account_id", inj.orphan_ids("A", k)),
            ),
            (
                "invalid_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "C", "contact_id", k), "created_at", self._bad_timestamps(r, k)),
            ),
            (
                "future_timestamp",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "C", "contact_id", k), "updated_at", self._future_text(r, k)),
            ),
        ]
        demo_rows = np.flatnonzero(demo)
        demo_kinds: list[tuple[str, float, Mutator]] = [
            (
                "invalid_number",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "C", "contact_id", k), "annual_income", list(r.choice(["n/a", "12abc"], k))
                ),
            ),
            (
                "non_positive_amount",
                DEFECT_RATE,
                lambda r, c, k: _set(fresh(c, "C", "contact_id", k), "annual_income", ["-1"] * k),
            ),
            (
                "unknown_currency",
                DEFECT_RATE,
                lambda r, c, k: _set(
                    fresh(c, "C", "contact_id", k), "income_currency", list(r.choice(["XXX", "ZZZ"], k))
                ),
            ),
        ]
        parts = [clean, *inj.inject("crm_contacts", clean, kinds)]
        parts += inj.inject("crm_contacts", clean, demo_kinds, templates=demo_rows)
        # valid duplicates: a new contact id whose email differs only by case / whitespace
        k = max(1, int(round(VALID_DUPLICATE_RATE * n)))
        idx = rng.choice(n, size=k, replace=False)
        dup = {c: a.take(pa.array(idx)) for c, a in clean.items()}
        dup = _set(dup, "contact_id", inj.new_ids("C", k))
        base = self.con_email.take(pa.array(idx))
        how = rng.integers(0, 3, k)
        variants = pc.if_else(
            pa.array(how == 0),
            pc.utf8_upper(base),
            pc.if_else(
                pa.array(how == 1),
                pc.binary_join_element_wise("  ", base, " ", ""),
                pc.binary_join_element_wise(pc.utf8_capitalize(base), " ", ""),
            ),
        )
        dup = _set(dup, "email", variants)
        parts.append(dup)
        self.valid_duplicates["crm_contacts"] = {"same_email_new_contact_id": k}
        self._write_small("crm_contacts", parts, rng)

    # ------------------------------------------------------------------ events
    def _event_rates(self, sl: slice, rng: np.random.Generator) -> np.ndarray:
        """Expected events per contact and type (before scaling), shape (contacts, len(EVENT_TYPES))."""
        n = sl.stop - sl.start
        act = self.con_activity[sl]
        consent = self.con_consent[sl].astype(float)
        acc = self.con_account[sl]
        uses = (acc >= 0) & (self.acc_usage_end[np.maximum(acc, 0)] > 0)
        open_rate = rng.beta(2, 5, n)
        click_rate = rng.beta(1.5, 8, n)
        rates = np.zeros((n, len(EVENT_TYPES)))
        rates[:, 0] = 14 * act
        rates[:, 1] = consent * 10 * (0.5 + 0.5 * act)
        rates[:, 2] = rates[:, 1] * open_rate
        rates[:, 3] = rates[:, 2] * click_rate * 3
        rates[:, 6] = (0.3 + 0.3 * self.con_max_stage[sl]) * act
        rates[:, 7] = uses * 30 * act
        rates[:, 8] = uses * 40 * act
        rates[:, 9] = uses * 0.8
        return rates

    def _url_vocab(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        vocab: list[str] = []
        index = np.zeros((len(ref.STAGE_URLS), 3, len(ref.TOPIC_SLUGS)), dtype=np.int64)
        probs = np.zeros((len(ref.STAGE_URLS), 3))
        for s, variants in enumerate(ref.STAGE_URLS):
            for v, (template, p) in enumerate(variants):
                probs[s, v] = p
                for t, slug in enumerate(ref.TOPIC_SLUGS):
                    url = template.replace("{slug}", slug).replace("{news}", ref.NEWS_SLUGS[t])
                    if url not in vocab:
                        vocab.append(url)
                    index[s, v, t] = vocab.index(url)
        return vocab, index, np.cumsum(probs, axis=1)

    def build_events(self, bar: tqdm) -> None:
        n = self.n_contacts
        vocab, url_index, url_cum = self._url_vocab()
        self.url_vocab = vocab
        pre = self._rng("event_scale")
        expected = self._event_rates(slice(0, n), pre).sum()
        scale = 0.92 * self.plan.events / max(expected, 1.0)
        anon_total = 0.08 * self.plan.events
        per_contact = self.plan.events / n
        chunk = max(1, int(EVENT_CHUNK_ROWS / per_contact))
        writer = _TableWriter(self.out_dir, "events")
        next_id = 1
        self.event_chunks = (n + chunk - 1) // chunk
        for ci, start in enumerate(range(0, n, chunk)):
            sl = slice(start, min(n, start + chunk))
            rng = self._rng("events", ci)
            cols, next_id = self._event_chunk(
                rng, sl, scale, anon_total * (sl.stop - sl.start) / n, url_index, url_cum, next_id
            )
            writer.write(cols)
            bar.update(1)
        self.row_counts["events"] = writer.close()

    def _urls(
        self, rng: np.random.Generator, stage: np.ndarray, topic: np.ndarray, url_index: np.ndarray, url_cum: np.ndarray
    ) -> np.ndarray:
        u = rng.random(len(stage))
        variant = (u[:, None] > url_cum[stage]).sum(axis=1).clip(0, 2)
        return url_index[stage, variant, topic]

    def _event_chunk(
        self,
        rng: np.random.Generator,
        sl: slice,
        scale: float,
        anon_expected: float,
        url_index: np.ndarray,
        url_cum: np.ndarray,
        next_id: int,
    ) -> tuple[dict[str, pa.Array], int]:
        m = sl.stop - sl.start
        rates = self._event_rates(sl, rng) * scale
        counts = rng.poisson(rates)
        counts[:, 4] = rng.random(m) < 0.03 * self.con_consent[sl]  # unsubscribes
        counts[:, 5] = (rng.random(m) < 0.02) * rng.integers(1, 3, m)  # bounces
        local = np.repeat(np.tile(np.arange(m), len(EVENT_TYPES)), counts.T.ravel())
        etype = np.repeat(np.arange(len(EVENT_TYPES)), counts.sum(axis=0))
        gidx = local + sl.start
        k = len(local)
        # time window per event: contact life, or the account's product usage window
        acc = np.maximum(self.con_account[gidx], 0)
        product = etype >= 7
        lo = np.where(product, np.maximum(self.acc_usage_start[acc], self.con_created[gidx]), self.con_created[gidx])
        hi = np.where(product, self.acc_usage_end[acc], self.end)
        lo = np.minimum(lo, hi)
        u = rng.random(k)
        t = lo + (u * (hi - lo)).astype(np.int64)
        # churn risk: product usage falls away during the last 60 days
        cutoff = self.end - 60 * 86_400
        risky = product & self.acc_churn_risk[acc] & (t > cutoff) & (lo < cutoff) & (rng.random(k) < 0.85)
        t = np.where(risky, lo + (rng.random(k) * (cutoff - lo)).astype(np.int64), t)
        # content: awareness stage grows over the contact's life, up to its maximum stage
        ms = self.con_max_stage[gidx]
        frac = (t - lo) / np.maximum(hi - lo, 1)
        stage = np.clip(np.floor(frac * (ms + 1) + rng.normal(0, 0.6, k)), 0, ms).astype(np.int64)
        stage = np.where(etype == 6, np.maximum(stage, 2), stage)
        topic = np.where(rng.random(k) < 0.7, self.con_topic[gidx], rng.integers(0, len(ref.TOPIC_SLUGS), k))
        url = self._urls(rng, stage, topic, url_index, url_cum)
        # anonymous visitors who never identify themselves
        n_anon = rng.poisson(anon_expected)
        visitors = max(1, m // 2)
        a_vis = rng.integers(0, visitors, n_anon) + (1 << 32) + sl.start
        a_t = self.history_start + (rng.random(n_anon) * (self.end - self.history_start)).astype(np.int64)
        a_stage = rng.integers(0, 3, n_anon)
        a_url = self._urls(rng, a_stage, rng.integers(0, len(ref.TOPIC_SLUGS), n_anon), url_index, url_cum)
        # assemble
        t_all = np.concatenate([t, a_t])
        occurred = t_all * 1_000_000 + rng.integers(0, 1_000_000, len(t_all))
        order = np.argsort(occurred, kind="stable")
        occurred = occurred[order]
        etype_all = np.concatenate([etype, np.zeros(n_anon, dtype=np.int64)])[order]
        gidx_all = np.concatenate([gidx, np.full(n_anon, -1)])[order]
        url_all = np.concatenate([url, a_url])[order]
        anon_num = np.concatenate([np.where(etype <= 0, self.con_anon_num[gidx], -1), a_vis])[order]
        anon_num = np.where(etype_all == 6, self.con_anon_num[np.maximum(gidx_all, 0)], anon_num)
        total = len(occurred)
        identified = rng.random(total) < 0.3
        has_contact = (gidx_all >= 0) & ((etype_all != 0) | identified)
        has_email = (etype_all >= 1) & (etype_all <= 6)
        lag = rng.exponential(4_000_000, total).astype(np.int64)
        late = rng.random(total) < LATE_EVENT_RATE
        lag = np.where(late, rng.integers(86_400, 5 * 86_400, total) * 1_000_000, lag)
        received = np.minimum(occurred + lag, self.loaded_us - 60_000_000)
        received = np.maximum(received, occurred)
        self._variant("events", "late_arriving", int((late & (received - occurred > 86_400_000_000)).sum()))
        safe = pa.array(np.maximum(gidx_all, 0))
        contact_id = pc.if_else(pa.array(has_contact), self.con_ids.take(safe), pa.scalar(None, pa.string()))
        email = pc.if_else(pa.array(has_email), self.con_email.take(safe), pa.scalar(None, pa.string()))
        anon_digits = pc.utf8_lpad(_int_text(np.maximum(anon_num, 0)), 11, "0")
        anonymous = pc.if_else(
            pa.array(anon_num >= 0), pc.binary_join_element_wise("anon_", anon_digits, ""), pa.scalar(None, pa.string())
        )
        url_text = _take(self.url_vocab, url_all)
        month = pc.utf8_slice_codeunits(_date_text(occurred // 1_000_000), 0, 7)
        campaign = pc.binary_join_element_wise('{"campaign":"newsletter-', month, '"', "")
        account_text = self.acc_ids.take(pa.array(np.maximum(self.con_account[np.maximum(gidx_all, 0)], 0)))
        feature = _take(ref.FEATURES, rng.integers(0, len(ref.FEATURES), total))
        priority = _take(
            [p for p, _ in ref.TICKET_PRIORITIES], _pick(rng, [w for _, w in ref.TICKET_PRIORITIES], total)
        )
        props_by_type = [
            pc.binary_join_element_wise('{"url":"', url_text, '"}', ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, ',"url":"', url_text, '?utm_medium=email"}', ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise(campaign, "}", ""),
            pc.binary_join_element_wise('{"url":"', url_text, '"}', ""),
            pc.binary_join_element_wise('{"account_id":"', account_text, '"}', ""),
            pc.binary_join_element_wise('{"feature":"', feature, '","account_id":"', account_text, '"}', ""),
            pc.binary_join_element_wise('{"ticket_priority":"', priority, '","account_id":"', account_text, '"}', ""),
        ]
        properties = props_by_type[0]
        for code in range(1, len(EVENT_TYPES)):
            properties = pc.if_else(pa.array(etype_all == code), props_by_type[code], properties)
        clean = {
            "event_id": _ids("E", np.arange(next_id, next_id + total)),
            "occurred_at": pa.array(occurred, TS),
            "received_at": pa.array(received, TS),
            "contact_id": contact_id,
            "email": email,
            "anonymous_id": anonymous,
            "event_type": _take(EVENT_TYPES, etype_all),
            "properties": properties,
        }
        next_id += total
        parts = [clean]
        if total:
            parts += self._dirty_events(clean, received, has_contact, etype_all)
        cols = _concat(parts)
        order = pa.array(np.argsort(cols["received_at"].to_numpy(zero_copy_only=False), kind="stable"))
        return {c: a.take(order) for c, a in cols.items()}, next_id

    def _dirty_events(
        self, clean: dict[str, pa.Array], received: np.ndarray, has_contact: np.ndarray, etype: np.ndarray
    ) -> list[dict[str, pa.Array]]:
        inj = self.injector
        loaded = self.loaded_us

        def fresh(c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            return _set(c, "event_id", inj.new_ids("E", k))

        def redelivered(r: np.random.Generator, c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            rec = c["received_at"].to_numpy(zero_copy_only=False).astype(np.int64)
            later = np.minimum(rec + r.integers(60, 1800, k) * 1_000_000, loaded - 1_000_000)
            return _set(c, "received_at", pa.array(np.maximum(later, rec), TS))

        def missing(r: np.random.Generator, c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            which = r.random(k) < 0.5
            c = _set(c, "event_id", pc.if_else(pa.array(which), pa.scalar("", pa.string()), inj.new_ids("E", k)))
            return _set(c, "event_type", pc.if_else(pa.array(which), c["event_type"], pa.scalar("", pa.string())))

        def future(r: np.random.Generator, c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            rec = c["received_at"].to_numpy(zero_copy_only=False).astype(np.int64)
            occ = rec + r.integers(3 * 3600, 3 * 86_400, k) * 1_000_000
            return _set(fresh(c, k), "occurred_at", pa.array(occ, TS))

        def orphan(r: np.random.Generator, c: dict[str, pa.Array], k: int) -> dict[str, pa.Array]:
            c = _set(fresh(c, k), "contact_id", inj.orphan_ids("C", k))
            return _set(_set(c, "email", [None] * k), "anonymous_id", [None] * k)

        parts = inj.inject(
            "events",
            clean,
            [
                ("duplicate", DUPLICATE_RATE, redelivered),
                ("missing_required_field", EVENT_DEFECT_RATE, missing),
                (
                    "invalid_value",
                    EVENT_DEFECT_RATE,
                    lambda r, c, k: _set(
                        fresh(c, k), "event_type", list(r.choice(["page_vew", "app_crash", "scroll_depth"], k))
                    ),
                ),
                ("future_timestamp", EVENT_DEFECT_RATE, future),
            ],
        )
        web = np.flatnonzero(etype == 0)
        parts += inj.inject(
            "events",
            clean,
            [
                (
                    "malformed_json",
                    EVENT_DEFECT_RATE,
                    lambda r, c, k: _set(fresh(c, k), "properties", pc.utf8_slice_codeunits(c["properties"], 0, -1)),
                ),
            ],
            templates=web,
        )
        emails = np.flatnonzero(has_contact & (etype >= 1) & (etype <= 5))
        parts += inj.inject("events", clean, [("orphan_foreign_key", EVENT_DEFECT_RATE, orphan)], templates=emails)
        return parts

    # ------------------------------------------------------------------ run
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


def generate(
    out_dir: Path, scale: str = "tiny", seed: int = 42, as_of: str = "2026-06-30", progress: bool = True
) -> dict:
    """Write every raw table as Parquet under `out_dir` plus `_manifest.json`; return the manifest."""
    try:
        date.fromisoformat(as_of)
    except ValueError as exc:
        raise ValueError(f"as_of must be YYYY-MM-DD, got {as_of!r}") from exc
    plan = resolve_scale(scale)
    return _Generator(Path(out_dir), plan, int(seed), as_of, progress).run()
