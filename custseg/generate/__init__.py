"""Deterministic synthetic raw data for the customer segmentation project.

`generate()` writes one folder of Parquet files per raw table (`<out>/<table>/part-NNNNN.parquet`)
with exactly the columns of the raw input contract (models/staging/*/_*__sources.yml) and a
`_manifest.json` that records how many rows were written and how many dirty rows of each kind
were injected. Same seed + scale + as-of date gives byte-identical Parquet files: nothing in the
data depends on the wall clock. See docs/sample_data.md for the model behind the data and the
list of injected defects.

Modules: `common` (contract columns, scale plans, text helpers, the Parquet writer), `core` (random
streams, reference data, run loop, manifest), `crm` (accounts, contacts, subscriptions, deals),
`shop` (orders and lines), `events` (the event stream, in chunks) and `defects` (the table of
injected defect kinds and the one injector that interprets it).

Everything is vectorised with numpy/pyarrow; events (the only table that grows to 100M rows)
are generated and written in chunks of contacts, so memory stays bounded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from custseg.generate.common import (
    COLUMNS,
    EVENT_TYPES,
    PRESETS,
    TIMESTAMP_COLUMNS,
    ScalePlan,
    parse_event_count,
    resolve_scale,
    schema_for,
)
from custseg.generate.crm import CrmTables
from custseg.generate.defects import DEFECTS, Defect
from custseg.generate.events import EventTables
from custseg.generate.shop import ShopTables

__all__ = [
    "COLUMNS",
    "DEFECTS",
    "EVENT_TYPES",
    "PRESETS",
    "TIMESTAMP_COLUMNS",
    "Defect",
    "ScalePlan",
    "generate",
    "parse_event_count",
    "resolve_scale",
    "schema_for",
]


class _Generator(CrmTables, ShopTables, EventTables):
    """All raw tables; `run()` builds them in dependency order and writes the manifest."""


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
