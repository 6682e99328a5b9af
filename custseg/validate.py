"""Great Expectations checkpoint over the warehouse tables.

The expectations live in `checks/expectations.yml` (one entry per table). Tables are read
from the DuckDB file as dataframes (GX's SQL path through duckdb-engine is broken upstream),
validated with GX Core, and rendered as Data Docs HTML in a local folder. Any keyword argument
whose name ends in `_sql` is a scalar SQL query run against the warehouse first, its result
passed as the argument without the suffix: cross-table checks such as "profile rows = distinct
contacts in staging" are written that way.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from custseg import PROJECT_DIR

DEFAULT_SPEC = PROJECT_DIR / "checks" / "expectations.yml"
DEFAULT_GX_DIR = PROJECT_DIR / "warehouse" / "gx"


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


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _resolve_kwargs(con, kwargs: dict) -> dict:
    resolved = {}
    for key, value in kwargs.items():
        if key.endswith("_sql"):
            resolved[key[: -len("_sql")]] = con.execute(value).fetchone()[0]
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


def run_checkpoint(
    database: Path, spec_path: Path = DEFAULT_SPEC, gx_dir: Path = DEFAULT_GX_DIR, schema: str = "main"
) -> CheckpointResult:
    """Validate every table in the spec; returns the result (never raises on a failing expectation)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    import duckdb
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    spec = yaml.safe_load(spec_path.read_text())
    gx_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_or_update_pandas("warehouse")
    outcome = CheckpointResult()

    with duckdb.connect(str(database), read_only=True) as con:
        con.execute(f"set schema = '{schema}'")
        for table, table_spec in spec["tables"].items():
            expectations, columns = [], set()
            for item in table_spec["expectations"]:
                item = dict(item)
                name = item.pop("expectation")
                kwargs = _resolve_kwargs(con, item)
                if "column" in kwargs:
                    columns.add(kwargs["column"])
                expectations.append(getattr(gx.expectations, _camel(name))(**kwargs))
            frame = con.execute(f'select * from "{table}"').df()
            asset = next((a for a in datasource.assets if a.name == table), None) or datasource.add_dataframe_asset(
                table
            )
            batch = next((b for b in asset.batch_definitions if b.name == "whole_table"), None)
            batch = batch or asset.add_batch_definition_whole_dataframe("whole_table")
            suite = context.suites.add_or_update(gx.ExpectationSuite(name=f"{table}_suite", expectations=expectations))
            definition = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=f"{table}_validation", data=batch, suite=suite)
            )
            checkpoint = context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=f"{table}_checkpoint",
                    validation_definitions=[definition],
                    actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
                )
            )
            result = checkpoint.run(batch_parameters={"dataframe": frame})
            outcome.tables += 1
            for run in result.run_results.values():
                for er in run.results:
                    outcome.expectations += 1
                    if not er.success:
                        config = er.expectation_config
                        outcome.failures.append(Failure(table, config.kwargs.get("column"), config.type, _detail(er)))

    outcome.docs_path = gx_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return outcome
