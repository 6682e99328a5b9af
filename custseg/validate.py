"""Great Expectations checkpoint over the warehouse tables.

The expectations live in `checks/expectations.yml`: one entry per table, plus `size_changes`
(row counts per key compared with the previous successful run). Any keyword argument whose name
ends in `_sql` is a scalar SQL query run against the warehouse first, its result passed as the
argument without the suffix: cross-table checks such as "profile rows = canonical contacts"
are written that way.

DuckDB tables are read as dataframes (GX's SQL path through duckdb-engine is broken upstream):
only the columns the expectations name, and row-level expectations in batches of `batch_rows`
so large tables never have to fit in memory at once. On PostgreSQL the tables are validated
through GX's SQL datasource. Data Docs are rendered as HTML in a local folder.

Personal data never reaches the results: expectations on a PII column (`pii_columns`
below) run with a result format that keeps counts and percentages but no unexpected
values, so neither the stored validation results, the Data Docs nor the printed failure
lines hold a value of such a column (docs/privacy.md).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from custseg import PROJECT_DIR, layers
from custseg.durable import atomic_write_text, read_json_file

DEFAULT_SPEC = PROJECT_DIR / "checks" / "expectations.yml"
DEFAULT_GX_DIR = PROJECT_DIR / "warehouse" / "gx"
DEFAULT_BATCH_ROWS = 2_000_000
# Expectations evaluated row by row (safe to split into batches); all others need the whole column.
ROW_LEVEL_PREFIX = "expect_column_values_"
# The checkpoint's write sequence (CUSTSEG_FAULT_AT, see custseg.durable): the size baseline
# `<target>_sizes.json` is flushed under a temporary name, then renamed over the old one.
FAULT_STEPS = ("validate:sizes_temp",)
# Columns whose values are personal data (matched on the column name, case-insensitive): the
# spec may replace the list with its own `pii_column_patterns`, and columns a dbt model
# classifies as personal (meta `pii: direct`, `quasi` or `pseudonymous`, see custseg/pii.py, or
# the tag `pii`, in target/manifest.json) count too.
PII_COLUMN_PATTERNS = (
    r"(^|_)email($|_)",
    r"(^|_)(first|last|full|middle)_name$",
    r"(^|_)phone($|_)",
    r"(^|_)birth_date$",
    r"(^|_)postal_code$",
    r"(^|_)(street|address)($|_)",
    r"(^|_)ip_address$",
    # Ids of people: not personal by themselves, but a failing sample of them would keep an
    # erased person's id in the stored results (docs/privacy.md, "Erasure").
    r"^(contact_id|canonical_contact_id|anonymous_id|entity_id)$",
)
PERSONAL_PII_LEVELS = ("direct", "quasi", "pseudonymous")
# GX result format for PII columns: counts only (no partial_unexpected_list values).
PII_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


class PiiColumns:
    """Which column names hold personal data."""

    def __init__(self, patterns=PII_COLUMN_PATTERNS, names: set[str] | None = None) -> None:
        self.patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        self.names = {n.lower() for n in names or set()}

    def __contains__(self, column: object) -> bool:
        if not isinstance(column, str):
            return False
        return column.lower() in self.names or any(p.search(column) for p in self.patterns)


def manifest_pii_columns(manifest_path: Path) -> set[str]:
    """Column names a dbt model classifies as personal (meta pii direct, quasi or pseudonymous,
    or the tag pii), from a manifest."""
    if not manifest_path.exists():
        return set()
    try:
        nodes = json.loads(manifest_path.read_text()).get("nodes", {})
    except (OSError, ValueError):
        return set()
    names = set()
    for node in nodes.values():
        for name, column in (node.get("columns") or {}).items():
            meta = column.get("meta") or {}
            tags = set(column.get("tags") or []) | set((column.get("config") or {}).get("tags") or [])
            if meta.get("pii") in PERSONAL_PII_LEVELS or meta.get("pii") is True or "pii" in tags:
                names.add(name)
    return names


def _default_manifest() -> Path:
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    return (target if target.is_absolute() else PROJECT_DIR / target) / "manifest.json"


@dataclass
class Failure:
    table: str
    column: str | None
    expectation: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"FAILED {where}: {self.expectation} ({self.detail})"


@dataclass
class CheckpointResult:
    expectations: int = 0
    tables: int = 0
    failures: list[Failure] = field(default_factory=list)
    docs_path: Path | None = None

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        status = "passed" if self.success else "FAILED"
        return (
            f"Great Expectations checkpoint {status}: {self.expectations - len(self.failures)}/{self.expectations} "
            f"expectations on {self.tables} tables; Data Docs: {self.docs_path}"
        )


class DuckDBWarehouse:
    """The built DuckDB file; unqualified table names resolve through the layer schemas."""

    def __init__(self, database: Path) -> None:
        if not Path(database).exists():
            raise FileNotFoundError(f"DuckDB file {database} does not exist: run `make build` first")
        self.con = layers.connect_duckdb(database, read_only=True)

    def scalar(self, sql: str):
        return self.con.execute(sql).fetchone()[0]

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def schema_of(self, table: str) -> str | None:
        sql = "select table_schema from information_schema.tables where table_schema = ? and table_name = ?"
        return next((s for s in _layer_schemas() if self.con.execute(sql, [s, table]).fetchall()), None)

    def close(self) -> None:
        self.con.close()


def _layer_schemas() -> list[str]:
    return [layers.schema(layer) for layer in layers.LAYERS]


class PostgresWarehouse:
    """Connection settings from the same PG* variables as profiles.yml."""

    def __init__(self) -> None:
        import psycopg2

        self.params = {
            "host": os.environ.get("PGHOST", "127.0.0.1"),
            "port": int(os.environ.get("PGPORT", "5432")),
            "user": os.environ.get("PGUSER", "postgres"),
            "password": os.environ.get("PGPASSWORD", ""),
            "dbname": os.environ.get("PGDATABASE", "segmentation"),
        }
        self.con = psycopg2.connect(**self.params)
        self.con.autocommit = True
        with self.con.cursor() as cur:
            cur.execute("set search_path to " + ", ".join(f'"{s}"' for s in _layer_schemas()))

    @property
    def url(self) -> str:
        p = self.params
        return f"postgresql+psycopg2://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{p['dbname']}"

    def scalar(self, sql: str):
        with self.con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]

    def frame(self, sql: str) -> pd.DataFrame:
        with self.con.cursor() as cur:
            cur.execute(sql)
            return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description])

    def schema_of(self, table: str) -> str | None:
        sql = "select table_schema from information_schema.tables where table_schema = %s and table_name = %s"
        with self.con.cursor() as cur:
            for schema in _layer_schemas():
                cur.execute(sql, (schema, table))
                if cur.fetchall():
                    return schema
        return None

    def close(self) -> None:
        self.con.close()


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _resolve_kwargs(warehouse, kwargs: dict) -> dict:
    resolved = {}
    for key, value in kwargs.items():
        if key.endswith("_sql"):
            resolved[key[: -len("_sql")]] = warehouse.scalar(value)
        else:
            resolved[key] = value
    return resolved


def _detail(result) -> str:
    res = result.result or {}
    parts = []
    for key in ("observed_value", "unexpected_count", "unexpected_percent", "partial_unexpected_list"):
        if res.get(key) not in (None, []):
            value = res[key]
            if key == "partial_unexpected_list":
                value = value[:5]
            parts.append(f"{key}={value}")
    if result.exception_info and result.exception_info.get("raised_exception"):
        parts.append(f"error={result.exception_info.get('exception_message')}")
    return ", ".join(parts) or "no details"


class _Runner:
    """One GX file context; runs suites on dataframes or SQL tables and collects failures."""

    def __init__(self, gx_dir: Path, pii: PiiColumns | None = None) -> None:
        self.pii = pii or PiiColumns()
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        gx_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        self.frames = self.context.data_sources.add_or_update_pandas("warehouse")
        self.outcome = CheckpointResult(
            docs_path=gx_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
        )

    @staticmethod
    def _batch_definition(asset, name: str):
        existing = next((b for b in asset.batch_definitions if b.name == name), None)
        if existing is not None:
            return existing
        if hasattr(asset, "add_batch_definition_whole_dataframe"):
            return asset.add_batch_definition_whole_dataframe(name)
        return asset.add_batch_definition_whole_table(name)

    def run(
        self,
        name: str,
        expectations: list,
        *,
        frame: pd.DataFrame | None = None,
        sql_asset=None,
        pii: PiiColumns | None = None,
    ) -> list:
        """Validate one batch; returns the expectation results in the given order.
        Expectations on a column in `pii` run in a validation of their own that keeps no
        unexpected values."""
        pii = pii or self.pii
        personal = [getattr(e, "column", None) in pii for e in expectations]
        if any(personal):
            plain = (
                self.run(
                    name,
                    [e for e, p in zip(expectations, personal, strict=True) if not p],
                    frame=frame,
                    sql_asset=sql_asset,
                )
                if not all(personal)
                else []
            )
            private = iter(
                self._run(
                    f"{name}__pii",
                    [e for e, p in zip(expectations, personal, strict=True) if p],
                    frame=frame,
                    sql_asset=sql_asset,
                    result_format=PII_RESULT_FORMAT,
                )
            )
            plain_iter = iter(plain)
            return [next(private) if p else next(plain_iter) for p in personal]
        return self._run(name, expectations, frame=frame, sql_asset=sql_asset)

    def _run(
        self,
        name: str,
        expectations: list,
        *,
        frame: pd.DataFrame | None = None,
        sql_asset=None,
        result_format: dict | str = "SUMMARY",
    ) -> list:
        gx = self.gx
        if sql_asset is not None:
            asset = sql_asset
        else:
            asset = next((a for a in self.frames.assets if a.name == name), None) or self.frames.add_dataframe_asset(
                name
            )
        batch = self._batch_definition(asset, "whole_table")
        suite = self.context.suites.add_or_update(
            gx.ExpectationSuite(name=f"{name}_suite", expectations=[copy.copy(e) for e in expectations])
        )
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite)
        )
        checkpoint = self.context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{name}_checkpoint",
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
                result_format=result_format,
            )
        )
        params = {"dataframe": frame} if frame is not None else None
        result = checkpoint.run(batch_parameters=params)
        return [er for run in result.run_results.values() for er in run.results]

    def record(self, table: str, results: list, counted: bool = True) -> None:
        for er in results:
            if counted:
                self.outcome.expectations += 1
            if not er.success:
                config = er.expectation_config
                self.outcome.failures.append(Failure(table, config.kwargs.get("column"), config.type, _detail(er)))


def _build_expectations(gx, warehouse, items: list[dict]) -> list[tuple[str, dict, object]]:
    built = []
    for item in items:
        item = dict(item)
        name = item.pop("expectation")
        kwargs = _resolve_kwargs(warehouse, item)
        built.append((name, kwargs, getattr(gx.expectations, _camel(name))(**kwargs)))
    return built


def _validate_duckdb_table(
    runner: _Runner, warehouse: DuckDBWarehouse, table: str, built: list, batch_rows: int
) -> None:
    row_level = [b for b in built if b[0].startswith(ROW_LEVEL_PREFIX)]
    whole = [b for b in built if not b[0].startswith(ROW_LEVEL_PREFIX)]
    if whole:
        columns = sorted({b[1]["column"] for b in whole if "column" in b[1]})
        select = ", ".join(f'"{c}"' for c in columns) or "1 as _row"
        frame = warehouse.frame(f'select {select} from "{table}"')
        runner.record(table, runner.run(f"{table}__table", [b[2] for b in whole], frame=frame))
    if row_level:
        # Batches are validated without `mostly`; the unexpected counts are summed over all
        # batches and compared with the table-wide threshold.
        columns = sorted({b[1]["column"] for b in row_level})
        select = ", ".join(f'"{c}"' for c in columns)
        unmostly = [
            getattr(runner.gx.expectations, _camel(n))(**{k: v for k, v in kw.items() if k != "mostly"})
            for n, kw, _ in row_level
        ]
        totals = [[0, 0, []] for _ in row_level]  # unexpected, denominator, sample of bad values
        rows = warehouse.scalar(f'select count(*) from "{table}"')
        for offset in range(0, max(rows, 1), batch_rows):
            frame = warehouse.frame(f'select {select} from "{table}" limit {batch_rows} offset {offset}')
            for total, (name, _, _), er in zip(
                totals, row_level, runner.run(f"{table}__rows", unmostly, frame=frame), strict=True
            ):
                res = er.result or {}
                elements, missing = res.get("element_count", 0), res.get("missing_count", 0) or 0
                total[0] += res.get("unexpected_count", 0) or 0
                total[1] += elements if name.endswith("not_be_null") else elements - missing
                total[2] = (total[2] + list(res.get("partial_unexpected_list") or []))[:5]
        for (name, kwargs, _), (unexpected, denominator, sample) in zip(row_level, totals, strict=True):
            runner.outcome.expectations += 1
            share_ok = 1 - unexpected / denominator if denominator else 1.0
            if share_ok < kwargs.get("mostly", 1.0):
                detail = f"unexpected_count={unexpected}, unexpected_percent={100 * unexpected / denominator:.2f}"
                runner.outcome.failures.append(
                    Failure(table, kwargs.get("column"), name, f"{detail}, partial_unexpected_list={sample}")
                )


def _validate_postgres_table(runner: _Runner, warehouse: PostgresWarehouse, table: str, built: list) -> None:
    source = runner.context.data_sources.add_or_update_postgres("postgres_warehouse", connection_string=warehouse.url)
    asset = next((a for a in source.assets if a.name == table), None) or source.add_table_asset(
        name=table, table_name=table, schema_name=warehouse.schema_of(table)
    )
    runner.record(table, runner.run(table, [b[2] for b in built], sql_asset=asset))


def _baseline_ok(data: object) -> bool:
    return isinstance(data, dict) and all(
        isinstance(sizes, dict) and all(isinstance(n, int) for n in sizes.values()) for sizes in data.values()
    )


def read_baseline(state_path: Path) -> dict:
    """The row counts of the last successful run ({} before the first one)."""
    if not state_path.exists():
        return {}
    remedy = "delete it: the next passing checkpoint writes a new baseline (that run compares no size changes)"
    return read_json_file(state_path, "checkpoint size baseline", remedy, _baseline_ok)


def _size_changes(runner: _Runner, warehouse, spec: dict, state_path: Path) -> dict:
    """Compare row counts per key with the previous successful run; returns the new state."""
    previous_state = read_baseline(state_path)
    new_state = {}
    for name, check in spec.items():
        current = {str(k): int(v) for k, v in warehouse.frame(check["query"]).itertuples(index=False)}
        previous = previous_state.get(name, {})
        keys = sorted(set(current) | set(previous))
        min_previous = check.get("min_previous_size", 1)
        frame = pd.DataFrame(
            {
                "key": keys,
                "current_size": [current.get(k, 0) for k in keys],
                "previous_size": [previous.get(k) for k in keys],
            }
        )
        frame["size_ratio"] = [
            c / p if p is not None and p >= min_previous else None
            for c, p in zip(frame["current_size"], frame["previous_size"], strict=True)
        ]
        frame["size_ratio"] = frame["size_ratio"].astype("float64")
        gx = runner.gx
        expectations = [
            gx.expectations.ExpectColumnValuesToBeBetween(column="current_size", min_value=check.get("min_size", 1)),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="size_ratio", min_value=check["min_ratio"], max_value=check["max_ratio"]
            ),
        ]
        before = len(runner.outcome.failures)
        runner.record(name, runner.run(name, expectations, frame=frame))
        bad = frame[
            (frame["current_size"] < check.get("min_size", 1))
            | ~frame["size_ratio"].isna() & ~frame["size_ratio"].between(check["min_ratio"], check["max_ratio"])
        ]
        changes = ", ".join(f"{r.key}: {r.previous_size} -> {r.current_size}" for r in bad.itertuples())
        for failure in runner.outcome.failures[before:]:
            failure.detail += f"; changed keys (previous -> current): {changes}"
        runner.outcome.tables += 1
        new_state[name] = current
    return new_state


def run_checkpoint(
    database: Path | None = None,
    spec_path: Path = DEFAULT_SPEC,
    gx_dir: Path = DEFAULT_GX_DIR,
    target: str = "duckdb",
    batch_rows: int = DEFAULT_BATCH_ROWS,
    manifest_path: Path | None = None,
) -> CheckpointResult:
    """Validate every table in the spec; returns the result (never raises on a failing expectation).

    The sizes of this run are saved in `gx_dir/<target>_sizes.json` only when every
    expectation passed, so the next run compares with the last good one.
    """
    if target == "duckdb":
        if database is None:
            raise ValueError("the duckdb target needs a database file")
        warehouse = DuckDBWarehouse(database)
    elif target == "postgres":
        warehouse = PostgresWarehouse()
    else:
        raise ValueError(f"validate supports the duckdb and postgres targets, not {target!r}")
    spec = yaml.safe_load(spec_path.read_text())
    pii = PiiColumns(
        patterns=spec.get("pii_column_patterns", PII_COLUMN_PATTERNS),
        names=manifest_pii_columns(manifest_path or _default_manifest()),
    )
    runner = _Runner(gx_dir, pii)
    state_path = gx_dir / f"{target}_sizes.json"
    try:
        for table, table_spec in spec["tables"].items():
            runner.outcome.tables += 1
            if warehouse.schema_of(table) is None:
                runner.outcome.expectations += 1
                where = ", ".join(_layer_schemas())
                runner.outcome.failures.append(Failure(table, None, "table_exists", f"{table} is in none of {where}"))
                continue
            built = _build_expectations(runner.gx, warehouse, table_spec["expectations"])
            if target == "duckdb":
                _validate_duckdb_table(runner, warehouse, table, built, batch_rows)
            else:
                _validate_postgres_table(runner, warehouse, table, built)
        new_state = _size_changes(runner, warehouse, spec.get("size_changes", {}), state_path)
    finally:
        warehouse.close()
    for stale in gx_dir.glob(f".{state_path.name}.tmp-*"):
        stale.unlink(missing_ok=True)  # left by a run that was killed
    if runner.outcome.success:
        atomic_write_text(state_path, json.dumps(new_state, indent=1, sort_keys=True), "validate:sizes_temp")
    return runner.outcome
