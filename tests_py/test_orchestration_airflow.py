"""The Airflow DAG file (orchestration/airflow/custseg_dags.py) imported into a real DagBag: no
import errors, the hourly and daily DAGs rendered by astronomer-cosmos from the manifest, on
DuckDB and (the CLV fit between two dbt task groups) PostgreSQL. No scheduler runs; Airflow's
home, database and logs live in a temporary folder."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import dbt_env, run_dbt
from custseg import PROJECT_DIR

DAGS_FOLDER = PROJECT_DIR / "orchestration" / "airflow"

DAGBAG = """
import json, warnings
warnings.simplefilter("ignore")
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={folder!r})
print(json.dumps({{
    "errors": {{k: str(v)[-3000:] for k, v in bag.import_errors.items()}},
    "dags": {{
        d.dag_id: {{"schedule": str(getattr(d, "schedule", None)), "tasks": sorted(d.task_ids)}}
        for d in bag.dags.values()
    }},
}}))
"""


def _dagbag(tmp_path: Path, target: str) -> dict:
    env = dbt_env(tmp_path, DBT_TARGET=target)
    run_dbt(["parse", "--target", target], env)
    home = tmp_path / "airflow_home"
    home.mkdir()
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="True",
        AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="300",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"),
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos_cache"),
        # No metadata database here: Cosmos keeps its parsing cache in Airflow Variables.
        AIRFLOW__COSMOS__ENABLE_CACHE="False",
        CUSTSEG_DBT_MANIFEST=str(tmp_path / "target" / "manifest.json"),
        CUSTSEG_DBT_VARS="{as_of_date: '2026-06-30'}",
        PYTHONPATH=str(PROJECT_DIR),
    )
    proc = subprocess.run(
        [sys.executable, "-c", DAGBAG.format(folder=str(DAGS_FOLDER))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("target", ["duckdb", "postgres"])
def test_dagbag_imports_hourly_and_daily(tmp_path: Path, target: str) -> None:
    bag = _dagbag(tmp_path, target)
    assert not bag["errors"], bag["errors"]
    dags = bag["dags"]
    assert set(dags) == {"custseg_hourly", "custseg_daily"}
    assert dags["custseg_hourly"]["schedule"] == "15 * * * *"
    assert dags["custseg_daily"]["schedule"] == "0 3 * * *"
    hourly, daily = dags["custseg_hourly"]["tasks"], dags["custseg_daily"]["tasks"]
    print(f"\n{target}: hourly {len(hourly)} tasks, daily {len(daily)} tasks")
    # The hourly selector reaches from the events down to the segments; the daily run is a superset.
    assert "events_freshness" in hourly
    assert any("stg_events__events" in t for t in hourly)
    assert any("segment_membership" in t for t in hourly)
    assert not any("contact_clv" in t for t in hourly)
    # the hourly tests (new rows only) run in one task with the selector, not a task per model
    # (Cosmos names that task after the project folder, which differs between checkouts)
    hourly_tests = [t for t in hourly if t.endswith("test")]
    assert hourly_tests == [f"dbt_hourly.{PROJECT_DIR.name}_test"], hourly_tests
    assert len(daily) > len(hourly)
    assert any("contact_clv" in t for t in daily)
    if target == "duckdb":
        assert {"gx_checkpoint", "segment_export"} <= set(daily) & set(hourly)
    else:
        assert "clv_fit" in daily
        assert "gx_checkpoint" in daily
