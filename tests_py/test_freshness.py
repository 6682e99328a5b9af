"""Source freshness: raw data loaded within the last day passes; the pinned sample (loaded in
mid-2026) is stale and `dbt source freshness` reports errors for every raw table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import dbt_env, run_dbt
from custseg.generate import generate
from custseg.load import load_duckdb

RAW_TABLES = 7


def _freshness(data_dir: Path, workdir: Path) -> dict[str, str]:
    env = dbt_env(workdir)
    load_duckdb(data_dir, path=Path(env["DBT_DUCKDB_PATH"]))
    run_dbt(["source", "freshness"], env, check=False)
    results = json.loads((workdir / "target" / "sources.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: r["status"] for r in results}


def test_recent_load_is_fresh(tmp_path: Path) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    data_dir = tmp_path / "raw"
    generate(out_dir=data_dir, scale="tiny", seed=7, as_of=yesterday, progress=False)
    statuses = _freshness(data_dir, tmp_path)
    assert len(statuses) == RAW_TABLES
    assert "error" not in statuses.values(), statuses


def test_old_load_is_stale(sample_data: dict, tmp_path: Path) -> None:
    statuses = _freshness(sample_data["dir"], tmp_path)
    assert statuses and set(statuses.values()) == {"error"}, statuses
