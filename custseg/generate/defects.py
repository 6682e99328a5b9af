"""Defect injection, driven by a table of declarative specs.

Every injected dirty row is a copy of a clean template row with exactly one defect, so the
`reject_reason` staging must give it is unambiguous. `DEFECTS` lists, per raw table and in the
order they are drawn, one `Defect` per kind: the expected reject reason, the rate, which template
rows it may copy, whether it gets a fresh id from the reserved range, and the column changes that
make the defect. One injector (`Injector.inject`) interprets every spec; adding a defect kind is one
more entry in the table, not more code.

The column changes are small value objects (`OneOf`, `Const`, `OrphanId`, `FutureText`, ...).
The same shapes describe the bad-input corpus of the test suite (`tests_py/corpus/bad_rows.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from custseg import generate_reference as ref
from custseg.generate.common import (
    DEFECT_RATE,
    DUPLICATE_RATE,
    EVENT_DEFECT_RATE,
    ID_WIDTH,
    TS,
    _dirty_base,
    _id_text,
    _ids,
    _orphan_base,
    _set,
    _ts_text,
)

Columns = dict[str, pa.Array]


class Context(Protocol):
    """What the changes need from the generator."""

    injector: Injector
    loaded_at: int
    loaded_us: int

    def _loaded(self, n: int, offset_seconds: int = 0) -> pa.Array: ...


# --------------------------------------------------------------------------- column changes


class Change:
    """Sets one column of the k copied rows; subclasses say to what."""

    def values(self, ctx: Context, r: np.random.Generator, rows: Columns, column: str, k: int):
        raise NotImplementedError

    def apply(self, ctx: Context, r: np.random.Generator, rows: Columns, column: str, k: int) -> Columns:
        return _set(rows, column, self.values(ctx, r, rows, column, k))


@dataclass(frozen=True)
class Const(Change):
    """Every row gets this value (None = null)."""

    value: str | None

    def values(self, ctx, r, rows, column, k):
        return [self.value] * k


@dataclass(frozen=True)
class OneOf(Change):
    """Each row gets one of these values, drawn at random."""

    choices: tuple[str, ...]

    def values(self, ctx, r, rows, column, k):
        return list(r.choice(list(self.choices), k))


@dataclass(frozen=True)
class OrphanId(Change):
    """A foreign key pointing at an id that never exists (the reserved `<prefix>8...` range)."""

    prefix: str

    def values(self, ctx, r, rows, column, k):
        return ctx.injector.orphan_ids(self.prefix, k)


@dataclass(frozen=True)
class FutureText(Change):
    """A text timestamp 2-90 days after the row's `_loaded_at`."""

    def values(self, ctx, r, rows, column, k):
        return _ts_text(ctx.loaded_at + r.integers(2 * 86_400, 90 * 86_400, k))


@dataclass(frozen=True)
class FirstVersion(Change):
    """The first version of the row: this column (an updated_at) equals `created` (normalised)."""

    created: str

    def values(self, ctx, r, rows, column, k):
        return pc.replace_substring(pc.replace_substring(rows[self.created], "T", " "), "Z", "")


@dataclass(frozen=True)
class EarlierLoad(Change):
    """`_loaded_at` of an earlier export."""

    seconds: int = 86_400

    def values(self, ctx, r, rows, column, k):
        return ctx._loaded(k, -self.seconds)


@dataclass(frozen=True)
class Redelivered(Change):
    """`received_at` a few minutes later (before the load time): the same event delivered again."""

    min_seconds: int = 60
    max_seconds: int = 1800

    def values(self, ctx, r, rows, column, k):
        rec = rows[column].to_numpy(zero_copy_only=False).astype(np.int64)
        later = rec + r.integers(self.min_seconds, self.max_seconds, k) * 1_000_000
        later = np.minimum(later, ctx.loaded_us - 1_000_000)
        return pa.array(np.maximum(later, rec), TS)


@dataclass(frozen=True)
class AfterColumn(Change):
    """A timestamp `min_seconds`..`max_seconds` after another timestamp column of the row."""

    other: str
    min_seconds: int
    max_seconds: int

    def values(self, ctx, r, rows, column, k):
        base = rows[self.other].to_numpy(zero_copy_only=False).astype(np.int64)
        return pa.array(base + r.integers(self.min_seconds, self.max_seconds, k) * 1_000_000, TS)


@dataclass(frozen=True)
class DropLastChar(Change):
    """The text loses its last character (JSON without its closing brace)."""

    def values(self, ctx, r, rows, column, k):
        return pc.utf8_slice_codeunits(rows[column], 0, -1)


@dataclass(frozen=True)
class BlankThisOrOther(Change):
    """Half the rows get this column blank (the others a fresh id when it is the id column), the
    other half get `other` blank instead."""

    other: str
    prefix: str

    def apply(self, ctx, r, rows, column, k):
        which = r.random(k) < 0.5
        blank = pa.scalar("", pa.string())
        rows = _set(rows, column, pc.if_else(pa.array(which), blank, ctx.injector.new_ids(self.prefix, k)))
        return _set(rows, self.other, pc.if_else(pa.array(which), rows[self.other], blank))


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Defect:
    """One kind of injected defect.

    kind:      name of the defect kind (docs/sample_data.md lists them)
    reason:    the reject_reason staging must give the row
    changes:   (column, change) pairs applied in order to the copied rows
    new_id:    give the rows a fresh id from the reserved range first (so they are not duplicates)
    rate:      rows per clean row of the table (at least one row)
    count:     a fixed number of rows instead of the rate
    templates: name of the pool of template rows the builder offers (None = every clean row)
    """

    kind: str
    reason: str
    changes: tuple[tuple[str, Change], ...]
    new_id: bool = True
    rate: float = DEFECT_RATE
    count: int | None = None
    templates: str | None = None


@dataclass(frozen=True)
class TableDefects:
    id_column: str
    prefix: str
    defects: tuple[Defect, ...] = field(default_factory=tuple)


BAD_TIMESTAMPS = ("2025-13-45 10:00:00", "31/12/2025 25:61", "yesterday", "2025-02-30 08:00:00", "not a date")
BAD_CURRENCIES = ("XXX", "ZZZ")
BAD_EMAILS = ("john.smith", "maria@", "@example.com", "ayse yilmaz@example.com", "no-email")
UNKNOWN_COUNTRIES = tuple(ref.UNKNOWN_COUNTRIES)


def _blank_id(column: str, values: tuple[str, ...] = ("",)) -> Defect:
    change: Change = Const(values[0]) if len(values) == 1 else OneOf(values)
    return Defect("blank_primary_id", "missing_required_field", ((column, change),), new_id=False)


DEFECTS: dict[str, TableDefects] = {
    "crm_accounts": TableDefects(
        "account_id",
        "A",
        (
            Defect(
                "older_version_same_id",
                "duplicate",
                (("updated_at", FirstVersion("created_at")),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("account_id"),
            Defect("unknown_country", "unknown_country", (("country", OneOf(UNKNOWN_COUNTRIES)),)),
            # the money defects copy accounts that have a revenue
            Defect(
                "unknown_revenue_currency",
                "unknown_currency",
                (("revenue_currency", OneOf(BAD_CURRENCIES)),),
                templates="with_revenue",
            ),
            Defect(
                "employee_count_not_a_number",
                "invalid_number",
                (("employee_count", OneOf(("n/a", "12abc", "about 50"))),),
                templates="with_revenue",
            ),
            Defect(
                "negative_revenue",
                "non_positive_amount",
                (("annual_revenue", Const("-250000")),),
                templates="with_revenue",
            ),
            Defect(
                "created_at_unparseable",
                "invalid_timestamp",
                (("created_at", OneOf(BAD_TIMESTAMPS)),),
                templates="with_revenue",
            ),
            Defect(
                "updated_after_load",
                "future_timestamp",
                (("updated_at", FutureText()),),
                templates="with_revenue",
            ),
        ),
    ),
    "crm_subscriptions": TableDefects(
        "subscription_id",
        "S",
        (
            Defect(
                "earlier_export_same_row",
                "duplicate",
                (("_loaded_at", EarlierLoad()),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("subscription_id", (" ",)),
            Defect("account_does_not_exist", "orphan_foreign_key", (("account_id", OrphanId("A")),)),
            Defect("unknown_currency", "unknown_currency", (("currency", OneOf(BAD_CURRENCIES)),)),
            Defect("seats_not_a_number", "invalid_number", (("seats", OneOf(("n/a", "12abc"))),)),
            Defect("negative_mrr", "non_positive_amount", (("mrr", OneOf(("-49.00", "-0.01", "-120"))),)),
            Defect("started_at_unparseable", "invalid_timestamp", (("started_at", OneOf(BAD_TIMESTAMPS)),)),
            # an active subscription that starts after the load (its end date emptied)
            Defect(
                "started_after_load",
                "future_timestamp",
                (("started_at", FutureText()), ("ended_at", Const(""))),
                templates="running",
            ),
        ),
    ),
    "crm_deals": TableDefects(
        "deal_id",
        "D",
        (
            Defect(
                "earlier_export_same_row",
                "duplicate",
                (("_loaded_at", EarlierLoad()),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("deal_id"),
            Defect("account_does_not_exist", "orphan_foreign_key", (("account_id", OrphanId("A")),)),
            Defect("unknown_currency", "unknown_currency", (("currency", OneOf(BAD_CURRENCIES)),)),
            Defect("amount_not_a_number", "invalid_number", (("amount", OneOf(("n/a", "12abc", "TBD"))),)),
            Defect(
                "zero_or_negative_amount",
                "non_positive_amount",
                (("amount", OneOf(("-1500.00", "0", "0.00"))),),
            ),
            Defect("created_at_unparseable", "invalid_timestamp", (("created_at", OneOf(BAD_TIMESTAMPS)),)),
            # an open deal "created" after the load
            Defect("created_after_load", "future_timestamp", (("created_at", FutureText()),), templates="open"),
        ),
    ),
    "shop_orders": TableDefects(
        "order_id",
        "O",
        (
            Defect(
                "older_version_same_id",
                "duplicate",
                (("updated_at", FirstVersion("ordered_at")),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("order_id"),
            Defect(
                "contact_does_not_exist",
                "orphan_foreign_key",
                (("contact_id", OrphanId("C")), ("account_id", Const(""))),
            ),
            Defect("unknown_currency", "unknown_currency", (("currency", OneOf(BAD_CURRENCIES)),)),
            Defect("ordered_at_unparseable", "invalid_timestamp", (("ordered_at", OneOf(BAD_TIMESTAMPS)),)),
            Defect("updated_after_load", "future_timestamp", (("updated_at", FutureText()),)),
        ),
    ),
    "shop_order_lines": TableDefects(
        "order_line_id",
        "L",
        (
            Defect(
                "earlier_export_same_row",
                "duplicate",
                (("_loaded_at", EarlierLoad()),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("order_line_id"),
            Defect("order_does_not_exist", "orphan_foreign_key", (("order_id", OrphanId("O")),)),
            Defect("quantity_not_a_number", "invalid_number", (("quantity", OneOf(("n/a", "12abc", "two"))),)),
            Defect(
                "unit_price_not_a_number",
                "invalid_number",
                (("unit_price", OneOf(("n/a", "12abc", "9.99 EUR"))),),
            ),
            Defect("zero_or_negative_quantity", "non_positive_amount", (("quantity", OneOf(("0", "-1", "-3"))),)),
            Defect("zero_or_negative_unit_price", "non_positive_amount", (("unit_price", OneOf(("-9.99", "0"))),)),
        ),
    ),
    "crm_contacts": TableDefects(
        "contact_id",
        "C",
        (
            Defect(
                "older_version_same_id",
                "duplicate",
                (("updated_at", FirstVersion("created_at")),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            _blank_id("contact_id", ("", " ")),
            Defect("email_without_valid_shape", "invalid_email", (("email", OneOf(BAD_EMAILS)),)),
            Defect("unknown_country", "unknown_country", (("country", OneOf(UNKNOWN_COUNTRIES)),)),
            Defect("account_does_not_exist", "orphan_foreign_key", (("account_id", OrphanId("A")),)),
            Defect("created_at_unparseable", "invalid_timestamp", (("created_at", OneOf(BAD_TIMESTAMPS)),)),
            Defect("updated_after_load", "future_timestamp", (("updated_at", FutureText()),)),
            # the income defects copy contacts that have demographics
            Defect(
                "income_not_a_number",
                "invalid_number",
                (("annual_income", OneOf(("n/a", "12abc"))),),
                templates="with_demographics",
            ),
            Defect(
                "negative_income",
                "non_positive_amount",
                (("annual_income", Const("-1")),),
                templates="with_demographics",
            ),
            Defect(
                "unknown_income_currency",
                "unknown_currency",
                (("income_currency", OneOf(BAD_CURRENCIES)),),
                templates="with_demographics",
            ),
        ),
    ),
    "events": TableDefects(
        "event_id",
        "E",
        (
            Defect(
                "redelivered",
                "duplicate",
                (("received_at", Redelivered()),),
                new_id=False,
                rate=DUPLICATE_RATE,
            ),
            Defect(
                "blank_event_id_or_type",
                "missing_required_field",
                (("event_id", BlankThisOrOther("event_type", "E")),),
                new_id=False,
                rate=EVENT_DEFECT_RATE,
            ),
            Defect(
                "unknown_event_type",
                "invalid_value",
                (("event_type", OneOf(("page_vew", "app_crash", "scroll_depth"))),),
                rate=EVENT_DEFECT_RATE,
            ),
            # beyond the 60-minute clock-skew allowance
            Defect(
                "occurred_after_received",
                "future_timestamp",
                (("occurred_at", AfterColumn("received_at", 3 * 3600, 3 * 86_400)),),
                rate=EVENT_DEFECT_RATE,
            ),
            Defect(
                "properties_not_closed",
                "malformed_json",
                (("properties", DropLastChar()),),
                rate=EVENT_DEFECT_RATE,
                templates="page_views",
            ),
            Defect(
                "contact_does_not_exist",
                "orphan_foreign_key",
                (("contact_id", OrphanId("C")), ("email", Const(None)), ("anonymous_id", Const(None))),
                rate=EVENT_DEFECT_RATE,
                templates="email_events_with_contact",
            ),
        ),
    ),
}


# --------------------------------------------------------------------------- injector


class Injector:
    """Builds the dirty rows of a table from its specs, one defect per row, and counts them."""

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

    def make(self, ctx: Context, spec: TableDefects, defect: Defect, rows: Columns, k: int) -> Columns:
        """Apply one defect to k copied rows."""
        if defect.new_id:
            rows = _set(rows, spec.id_column, self.new_ids(spec.prefix, k))
        for column, change in defect.changes:
            rows = change.apply(ctx, self.rng, rows, column, k)
        return rows

    def inject(
        self, ctx: Context, table: str, clean: Columns, templates: dict[str, np.ndarray] | None = None
    ) -> list[Columns]:
        """Dirty rows for every defect kind of `table`, in the order of `DEFECTS[table]`.

        `templates` maps the pool names the specs use to row positions of `clean`; a kind whose
        pool is empty is skipped. The number of rows of a kind is its rate times the clean rows.
        """
        spec = DEFECTS[table]
        n = len(next(iter(clean.values())))
        out = []
        for defect in spec.defects:
            pool = np.arange(n) if defect.templates is None else (templates or {})[defect.templates]
            if len(pool) == 0:
                continue
            k = defect.count if defect.count is not None else max(1, int(round(defect.rate * n)))
            idx = pa.array(self.rng.choice(pool, size=k))
            rows = {c: a.take(idx) for c, a in clean.items()}
            out.append(self.make(ctx, spec, defect, rows, k))
            bucket = self.counts.setdefault(table, {})
            bucket[defect.reason] = bucket.get(defect.reason, 0) + k
        return out
