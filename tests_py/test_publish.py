"""`python -m custseg publish`: the BI schemas copied to bi.duckdb, readable while the build's own
file is locked by a writer, swapped in atomically (custseg/publish.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from custseg import PROJECT_DIR
from custseg.durable import FAULT_ENV, FAULT_EXIT_CODE
from custseg.publish import publish_bi

WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create or replace table marts.build_in_progress as select 1 as n")
print("locked", flush=True)
sys.stdin.readline()
"""


@pytest.fixture()
def warehouse(built: dict, tmp_path: Path) -> Path:
    copy = tmp_path / "segmentation.duckdb"
    shutil.copy(built["db"], copy)
    return copy


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "custseg", "publish", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_copies_the_bi_schemas_and_nothing_else(warehouse: Path) -> None:
    rows = publish_bi(warehouse)
    published = warehouse.with_name("bi.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = {
            f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in ('marts', 'segments')"
            ).fetchall()
        }
    assert rows == expected and len(expected) > 15 and expected["segments.segment_membership"] > 0
    with duckdb.connect(str(published), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
        counts = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in expected}
    assert schemas == {"marts", "segments"}
    assert counts == expected


def test_readers_read_the_publication_while_a_writer_holds_the_warehouse(warehouse: Path) -> None:
    publish_bi(warehouse)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(warehouse), read_only=True)
        with duckdb.connect(str(warehouse.with_name("bi.duckdb")), read_only=True) as reader:
            assert reader.execute("select count(*) from segments.segment_membership").fetchone()[0] > 0
        blocked = _cli("--database", str(warehouse))
        assert blocked.returncode == 2 and "is locked" in blocked.stderr, blocked.stderr
    finally:
        writer.communicate("\n", timeout=30)


def test_swap_is_atomic_for_readers_and_survives_a_kill(warehouse: Path) -> None:
    published = warehouse.with_name("bi.duckdb")
    publish_bi(warehouse)
    before = _digest(published)
    old_reader = duckdb.connect(str(published), read_only=True)
    try:
        old_count = old_reader.execute("select count(*) from segments.segment_membership").fetchone()[0]
        with duckdb.connect(str(warehouse)) as con:
            con.execute("delete from segments.segment_membership where is_holdout")
            new_count = con.execute("select count(*) from segments.segment_membership").fetchone()[0]
        assert new_count < old_count

        env = {**os.environ, FAULT_ENV: "publish:copied"}
        killed = _cli("--database", str(warehouse), env=env)
        assert killed.returncode == FAULT_EXIT_CODE, killed.stderr
        assert _digest(published) == before, "a killed publication changed the published file"

        done = _cli("--database", str(warehouse))
        assert done.returncode == 0, done.stderr
        assert not list(published.parent.glob(".bi.duckdb.tmp-*")), "temporary files left behind"
        # The reader that opened the old publication keeps reading it, whole; a new reader (another
        # process: DuckDB shares one open database per path within a process) sees the new one.
        assert old_reader.execute("select count(*) from segments.segment_membership").fetchone()[0] == old_count
        count = "select count(*) from segments.segment_membership"
        script = (
            f"import duckdb; print(duckdb.connect({str(published)!r}, read_only=True).sql({count!r}).fetchone()[0])"
        )
        reader = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(reader.stdout) == new_count
    finally:
        old_reader.close()
