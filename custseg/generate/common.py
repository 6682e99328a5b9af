"""Shared pieces of the sample-data generator: the raw contract's columns and Arrow schemas, the
scale plans, vectorised text helpers and the Parquet table writer."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from custseg import PROJECT_DIR

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
        "marketing_consent_at",
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


def _set(cols: dict[str, pa.Array], name: str, values: list[str | None] | pa.Array) -> dict[str, pa.Array]:
    out = dict(cols)
    out[name] = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return out


def _concat(parts: list[dict[str, pa.Array]], rng: np.random.Generator | None = None) -> dict[str, pa.Array]:
    """Concatenate column dicts; with rng, shuffle the rows so dirty rows are interleaved."""
    cols = {c: pa.concat_arrays([p[c].cast(parts[0][c].type) for p in parts]) for c in parts[0]}
    if rng is not None:
        perm = pa.array(rng.permutation(len(next(iter(cols.values())))))
        cols = {c: a.take(perm) for c, a in cols.items()}
    return cols
