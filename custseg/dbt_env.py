"""The environment of a dbt run against a throw-away DuckDB file in `workdir` (its warehouse,
target and logs there), shared by the tests, the benchmark and the worked examples."""

from __future__ import annotations

import os
from pathlib import Path

from custseg import PROJECT_DIR


def scratch_dbt_env(workdir: Path, project_dir: Path = PROJECT_DIR, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(project_dir),
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
        DBT_TARGET="duckdb",
        DBT_DUCKDB_PATH=str(workdir / "warehouse.duckdb"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
    )
    env.update(extra)
    return env
