"""Airflow DAGs of the project, rendered by astronomer-cosmos from the dbt manifest: one Airflow
task per dbt model (with its tests), seed and snapshot.

- `custseg_hourly` (at minute 15): `dbt source freshness` of the events source, the dbt selector
  `hourly` (what new events change, down to the profiles and segments; its tests, which check
  new rows, in one task at the end), the Great Expectations checkpoint, the segment export.
- `custseg_daily` (03:00 UTC): everything, every test, then the checkpoint and the export. On
  engines without dbt Python models (PostgreSQL, Spark) the CLV fit (`python -m custseg clv
  fit`) runs between the models up to the CLV summary and the rest.

Put this file (or a symlink to it) in the Airflow dags folder; the project is found through the
installed `custseg` package or $CUSTSEG_PROJECT_DIR. Configuration is the project's
environment (DBT_TARGET, DBT_DUCKDB_PATH, DBT_SCHEMA_PREFIX, PG*...), plus CUSTSEG_DBT_MANIFEST (the
manifest to render; default target/manifest.json, written by `dbt parse`), CUSTSEG_DBT_VARS
(dbt --vars as YAML) and CUSTSEG_EXPORT_DIR (default warehouse/export).
"""

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import yaml
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

from custseg import PROJECT_DIR

TARGET = os.environ.get("DBT_TARGET", "duckdb")
PYTHON_MODEL_TARGETS = ("duckdb",)
CHECKPOINT_TARGETS = ("duckdb", "postgres")
SUMMARY_MODEL = "int_contacts__clv_summary"
MANIFEST = Path(os.environ.get("CUSTSEG_DBT_MANIFEST") or PROJECT_DIR / "target" / "manifest.json")
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
PYTHON = sys.executable
EXPORT_DIR = os.environ.get("CUSTSEG_EXPORT_DIR") or str(PROJECT_DIR / "warehouse" / "export")
DBT_VARS = yaml.safe_load(os.environ.get("CUSTSEG_DBT_VARS") or "{}") or {}

project_config = ProjectConfig(
    dbt_project_path=PROJECT_DIR,
    manifest_path=MANIFEST if MANIFEST.exists() else None,
    env_vars={"DBT_PROFILES_DIR": str(PROJECT_DIR)},
)
profile_config = ProfileConfig(
    profile_name="customer_segmentation", target_name=TARGET, profiles_yml_filepath=PROJECT_DIR / "profiles.yml"
)
# dbt runs inside the worker process (dbtRunner): the environment that imports this file.
execution_config = ExecutionConfig()
LOAD_METHOD = LoadMode.DBT_MANIFEST if MANIFEST.exists() else LoadMode.DBT_LS
operator_args = {"install_deps": False, "vars": DBT_VARS}
default_args = {"owner": "data-platform", "retries": 1}


def _render(test_behavior: TestBehavior, **selection) -> RenderConfig:
    return RenderConfig(
        load_method=LOAD_METHOD,
        test_behavior=test_behavior,
        **selection,
    )


def _dbt_group(group_id: str, test_behavior: TestBehavior = TestBehavior.AFTER_EACH, **selection) -> DbtTaskGroup:
    """A task per model; the tests after each model, or (AFTER_ALL) one task at the end that runs
    the tests of the selection only (`dbt test --selector ...`): the hourly selector's tests check
    new rows, where a test task per model would run every test of the model."""
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config,
        profile_config=profile_config,
        execution_config=execution_config,
        render_config=_render(test_behavior, **selection),
        operator_args=operator_args,
    )


def _custseg(task_id: str, command: str) -> BashOperator:
    return BashOperator(
        task_id=task_id,
        bash_command=f"{PYTHON} -m custseg {command}",
        cwd=str(PROJECT_DIR),
        env={"DBT_PROFILES_DIR": str(PROJECT_DIR)},
        append_env=True,
    )


def _checkpoint_and_export(upstream) -> None:
    if TARGET in CHECKPOINT_TARGETS:
        validate = _custseg("gx_checkpoint", f"validate --target {TARGET}")
        export = _custseg("segment_export", f"export --target {TARGET} --out {EXPORT_DIR}")
        upstream >> validate >> export


with DAG(
    dag_id="custseg_hourly",
    description="Events freshness, then what new events change (dbt selector hourly), checkpoint, export.",
    schedule="15 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["custseg", "hourly"],
):
    freshness = BashOperator(
        task_id="events_freshness",
        bash_command=f"{DBT_EXECUTABLE} source freshness --select source:events --target {TARGET}",
        cwd=str(PROJECT_DIR),
        env={"DBT_PROFILES_DIR": str(PROJECT_DIR)},
        append_env=True,
    )
    hourly = _dbt_group("dbt_hourly", TestBehavior.AFTER_ALL, selector="hourly")
    freshness >> hourly
    _checkpoint_and_export(hourly)


with DAG(
    dag_id="custseg_daily",
    description="Everything with every test (the CLV fit between the halves where dbt has no Python models), "
    "checkpoint, export.",
    schedule="0 3 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["custseg", "daily"],
):
    if TARGET in PYTHON_MODEL_TARGETS:
        daily = _dbt_group("dbt_daily", selector="daily")
    else:
        before = _dbt_group("dbt_before_clv_fit", select=[f"+{SUMMARY_MODEL}"])
        fit = _custseg("clv_fit", f"clv fit --target {TARGET}")
        daily = _dbt_group("dbt_after_clv_fit", exclude=[f"+{SUMMARY_MODEL}"])
        before >> fit >> daily
    _checkpoint_and_export(daily)
