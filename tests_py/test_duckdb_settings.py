"""The duckdb target's settings hold up when DuckDB spills to disk (large builds).

dbt-duckdb applies the profile's `settings` to every cursor it opens (one per dbt thread and
node), and DuckDB refuses to switch its temp directory once it has spilled there, so a
temp_directory among `settings` ends a large build at the first new cursor after a spill. The
profile sets it once, in `config_options`. This test opens the project's duckdb target through
dbt-duckdb's own environment, forces a spill and opens another cursor."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import rendered_profile


def spill_then_open_a_cursor(output: dict, database: Path) -> tuple:
    """Spill a sort to disk on one cursor of dbt-duckdb's environment, then open another one
    (which re-applies `settings`); returns both connection handles (a handle closes with its
    last reference)."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.adapters.duckdb.environments import create

    fields = {key: value for key, value in output.items() if key not in ("type", "threads")}
    environment = create(DuckDBCredentials.from_dict({**fields, "path": str(database), "database": database.stem}))
    first = environment.handle()
    first.cursor().execute(
        "create table numbers as select range as n, md5(cast(range as varchar)) as h from range(2000000)"
    )
    first.cursor().execute("create table sorted_numbers as select * from numbers order by h")
    return first, environment.handle()


def test_new_cursor_after_a_spill(tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    env = dict(os.environ, DUCKDB_MEMORY_LIMIT="40MB", DUCKDB_THREADS="1", DUCKDB_TEMP_DIRECTORY=str(spill_dir))
    output = rendered_profile(env)["duckdb"]

    _, second = spill_then_open_a_cursor(output, tmp_path / "project_profile.duckdb")
    cursor = second.cursor()
    assert cursor.execute("select count(*) from sorted_numbers").fetchone()[0] == 2_000_000
    assert cursor.execute("select current_setting('temp_directory')").fetchone()[0] == str(spill_dir)

    # The same profile with temp_directory among the per-cursor settings fails: the sort did spill.
    per_cursor = {**output, "settings": {**output["settings"], **output["config_options"]}}
    per_cursor.pop("config_options")
    with pytest.raises(Exception, match="Cannot switch temporary directory"):
        spill_then_open_a_cursor(per_cursor, tmp_path / "per_cursor.duckdb")
