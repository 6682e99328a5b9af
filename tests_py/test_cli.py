"""The CLI turns bad input into a clear message and exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from custseg import PROJECT_DIR, RAW_TABLES
from custseg.cli import main


def test_load_without_files_names_the_missing_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load", "--data", str(tmp_path / "nothing")]) == 2
    assert "no Parquet files for raw table 'crm_accounts'" in capsys.readouterr().err


def test_load_rejects_an_unknown_target(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["load", "--target", "oracle", "--data", str(tmp_path)]) == 2
    assert "no loader for target 'oracle'" in capsys.readouterr().err


def test_generate_rejects_a_bad_scale(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "--scale", "lots", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "lots" in capsys.readouterr().err


# --------------------------------------------------------------------------- hostile environment


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **env}
    return subprocess.run(
        [sys.executable, "-m", "custseg", *args], capture_output=True, text=True, env=environment, cwd=PROJECT_DIR
    )


def _one_clear_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def _raw_files(tmp_path: Path) -> Path:
    """A tiny raw folder: one Parquet file per table with the sample's first rows."""
    import duckdb

    data = tmp_path / "raw"
    for table in RAW_TABLES:
        (data / table).mkdir(parents=True)
        with duckdb.connect() as con:
            con.execute(f"copy (select 1 as id, 'x' as name) to '{data / table / 'part-0.parquet'}' (format parquet)")
    return data


def test_load_names_a_corrupt_parquet_file(tmp_path: Path) -> None:
    data = _raw_files(tmp_path)
    bad = data / "shop_orders" / "part-1.parquet"
    good = (data / "shop_orders" / "part-0.parquet").read_bytes()
    bad.write_bytes(good[: len(good) // 2])  # a truncated copy: no footer
    proc = _cli(["load", "--data", str(data)], DBT_DUCKDB_PATH=str(tmp_path / "w.duckdb"))
    line = _one_clear_line(proc)
    assert f"Parquet file {bad} is unreadable" in line and "replace or remove it" in line, line


@pytest.fixture()
def locked_warehouse(tmp_path: Path):
    """A real DuckDB file with a write connection held open by another process."""
    database = tmp_path / "locked.duckdb"
    script = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(database)!r})\n"
        "con.execute('create table t as select 1 as x')\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield database, holder.pid
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("command", ["load", "validate", "export"])
def test_a_locked_warehouse_names_the_process_holding_it(command: str, locked_warehouse, tmp_path: Path) -> None:
    database, pid = locked_warehouse
    args = {
        "load": ["load", "--data", str(_raw_files(tmp_path))],
        "validate": ["validate", "--database", str(database), "--gx-dir", str(tmp_path / "gx")],
        "export": ["export", "--out", str(tmp_path / "out"), "--database", str(database)],
    }[command]
    line = _one_clear_line(_cli(args, DBT_DUCKDB_PATH=str(database)))
    assert f"{database} is locked by process {pid}" in line and "a dbt build may be running" in line, line


def test_export_names_the_missing_layer_tables(tmp_path: Path) -> None:
    import duckdb

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts; create schema segments; create table segments.segment_catalog (x int)")
    line = _one_clear_line(_cli(["export", "--out", str(tmp_path / "o"), "--database", str(database)]))
    missing = (
        "has no segments.segment_membership, marts.account_profile, activation.activation_contacts,"
        " activation.activation_erased_contacts"
    )
    assert missing in line and "DBT_SCHEMA_PREFIX" in line, line


@pytest.mark.parametrize("content", ['{"segment_sizes": {"a": 3', '["not", "a", "mapping"]'])
def test_validate_names_a_damaged_size_baseline(content: str, tmp_path: Path) -> None:
    import duckdb

    database = tmp_path / "w.duckdb"
    duckdb.connect(str(database)).close()
    gx = tmp_path / "gx"
    gx.mkdir()
    baseline = gx / "duckdb_sizes.json"
    baseline.write_text(content)
    spec = tmp_path / "spec.yml"
    size_check = {"query": "select 'k', 1", "min_ratio": 0.5, "max_ratio": 2}
    spec.write_text(json.dumps({"tables": {}, "size_changes": {"one": size_check}}))
    line = _one_clear_line(_cli(["validate", "--database", str(database), "--gx-dir", str(gx), "--spec", str(spec)]))
    assert f"checkpoint size baseline {baseline} is unreadable" in line and "delete it" in line, line
    if content.startswith("{"):
        assert "truncated JSON" in line, line
