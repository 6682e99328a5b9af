"""Code style, the commands of `make lint`: ruff on the Python code and sqlfluff (the project's
.sqlfluff, dbt templater) on every SQL file of models, analyses and tests. Run inside the suite so
they overlap the background Spark build instead of delaying its start."""

from __future__ import annotations

import subprocess

from conftest import BIN, dbt_env
from custseg import PROJECT_DIR


def test_ruff() -> None:
    proc = subprocess.run(
        [str(BIN / "ruff"), "check", "custseg", "tests_py", "orchestration"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]


def test_sqlfluff(tmp_path) -> None:
    """sqlfluff's dbt templater opens a connection: it gets its own DuckDB file."""
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "analyses", "tests", "--processes", "2"],
        cwd=PROJECT_DIR,
        env=dbt_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
