"""Erasure end to end on DuckDB (docs/privacy.md): a segment member with events and orders is
exported, erased with the CLI, the project is rebuilt incrementally and exported again; then
no table of any schema but `raw`, no export file (state included) and no Great Expectations
result or Data Docs page holds their contact id, email, first or last name. The incremental
build after the erasure equals a full build from the same raw data. In the same build another
contact's raw row is deleted without an erasure request: their events go to quarantine as
orphans (no failure), which is why erasure, not deletion, is the clean path."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, dbt_env, run_dbt
from custseg import PROJECT_DIR
from custseg.erasure import TABLE
from custseg.layers import connect_duckdb
from custseg.load import load_duckdb

# Unique stand-ins for the chosen contact's names (the sample's names are shared by several
# contacts, so the real ones could not prove anything by their absence).
FIRST_NAME = "Zyphorina"
LAST_NAME = "Quillbrackenhoff"
VARS = f"{{as_of_date: '{AS_OF}'}}"
EARLIER = "2026-06-23"
# The segment logs of the incremental warehouse also hold the EARLIER date, which a full build
# of AS_OF cannot have: they are compared on AS_OF only, and the history derived from them is
# left out of the comparison (the search for the person covers it).
LOGS = {"segments.segment_membership_daily", "segments.segment_sizes_daily"}
DERIVED_FROM_LOGS = {"segments.segment_membership_history"}


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "custseg", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def _choose_people(database: Path) -> tuple[dict, str]:
    """A consenting, exported segment member with staged events and orders, and another
    contact with staged events (whose raw row is deleted instead)."""
    with connect_duckdb(database, read_only=True) as con:
        person = con.execute("""
            with events as (select contact_id, count(*) as n from stg_events__events group by 1),
            orders as (select contact_id, count(*) as n from stg_shop__orders group by 1),
            exported as (
                select entity_id as contact_id, count(*) as n from segment_membership
                where entity_type = 'contact' and not is_holdout group by 1
            )
            select profile.contact_id, contact.email
            from contact_profile as profile
            inner join activation_contacts as contact using (contact_id)
            inner join events using (contact_id)
            inner join orders using (contact_id)
            inner join exported using (contact_id)
            where contact.suppression_reason is null
                and (select count(*) from stg_crm__contacts as c
                     where c.email_normalized = contact.email) = 1
            order by exported.n desc, events.n, profile.contact_id
            limit 1""").fetchone()
        deleted = con.execute(
            "select min(contact_id) from stg_events__events where contact_id is not null and contact_id <> ?",
            [person[0]],
        ).fetchone()[0]
    return {"contact_id": person[0], "email": person[1]}, deleted


def _raw_contacts_view(con, sample_dir: Path, person: dict, deleted: str) -> None:
    """raw.crm_contacts with unique names for the person and without the deleted contact."""
    files = str((sample_dir / "crm_contacts").resolve() / "*.parquet")
    con.execute(f"""
        create or replace view raw.crm_contacts as
        select * replace (
            case when trim(contact_id) = '{person["contact_id"]}' then '{FIRST_NAME}' else first_name end
                as first_name,
            case when trim(contact_id) = '{person["contact_id"]}' then '{LAST_NAME}' else last_name end
                as last_name
        )
        from read_parquet('{files}')
        where trim(contact_id) <> '{deleted}'""")


def _warehouse_hits(database: Path, needles: list[str]) -> list[tuple]:
    """(schema, table, column, needle, rows) for every text-castable column of every table and
    view outside the raw schema that holds a needle (case-insensitive substring)."""
    hits = []
    with connect_duckdb(database, read_only=True) as con:
        columns = con.execute("""
            select table_schema, table_name, column_name from information_schema.columns
            where table_schema not in ('raw', 'information_schema', 'pg_catalog')
            order by 1, 2, 3""").fetchall()
        assert {c[0] for c in columns} >= {"staging", "audit", "intermediate", "marts", "segments"}
        for schema, table, column in columns:
            for needle in needles:
                rows = con.execute(
                    f'select count(*) from "{schema}"."{table}" where contains(lower(cast("{column}" as varchar)), ?)',
                    [needle.lower()],
                ).fetchone()[0]
                if rows:
                    hits.append((schema, table, column, needle, rows))
    return hits


def _file_hits(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """(file, needle) for every file under folder whose bytes, or (Parquet) whose decoded
    values, hold a needle (case-insensitive)."""
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        texts = [path.read_bytes().decode("utf-8", errors="replace").lower()]
        if path.suffix == ".parquet":
            texts.append(pd.read_parquet(path).astype(str).to_csv(index=False).lower())
        hits += [(str(path), n) for n in needles if any(n.lower() in text for text in texts)]
    return hits


def _table_differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """Tables of the layer schemas whose rows differ: {schema.table: (only left, only right)}.
    Doubles are compared rounded to 9 digits (parallel sums may differ in the last bits);
    the CLV fit's fitted_at is the time of the fit and is left out."""
    differences = {}
    with connect_duckdb(left) as con:
        con.execute(f"attach '{right}' as other (read_only)")
        tables = con.execute("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = current_database() and table_type = 'BASE TABLE'
                and table_schema not in ('raw')
            order by 1, 2""").fetchall()
        assert len(tables) > 40
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in DERIVED_FROM_LOGS:
                continue
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = current_database() and table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            select = ", ".join(
                f'round("{name}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
                for name, kind in columns
                if name != "fitted_at"
            )
            where = f" where as_of_date = date '{AS_OF}'" if name in LOGS else ""
            here = f'select {select} from "{schema}"."{table}"{where}'
            there = f'select {select} from other."{schema}"."{table}"{where}'
            only_left = con.execute(f"select count(*) from ({here} except all {there})").fetchone()[0]
            only_right = con.execute(f"select count(*) from ({there} except all {here})").fetchone()[0]
            if (only_left, only_right) != (0, 0):
                differences[f"{schema}.{table}"] = (only_left, only_right)
    return differences


@pytest.fixture(scope="module")
def erased(built: dict, sample_data: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The session's built warehouse, copied; exported; the person erased by the CLI; rebuilt
    incrementally; validated and exported again."""
    assert built["proc"].returncode == 0
    workdir = tmp_path_factory.mktemp("erasure")
    env = dbt_env(workdir, CUSTSEG_PROJECT_DIR=str(PROJECT_DIR))
    database = Path(env["DBT_DUCKDB_PATH"])
    shutil.copy(built["db"], database)
    person, deleted = _choose_people(database)
    export_dir = workdir / "export"
    first = _cli(["export", "--out", str(export_dir)], env)
    assert first.returncode == 0, first.stderr
    with connect_duckdb(database) as con:
        _raw_contacts_view(con, sample_data["dir"], person, deleted)
        # An earlier date in the segment logs (as a backfill or yesterday's build leaves it):
        # the person's rows there must go too, not only those of the date being rebuilt.
        for table, key in (
            ("segment_membership_daily", "membership_day_id"),
            ("segment_sizes_daily", "segment_day_id"),
        ):
            con.execute(f"""
                insert into {table} select * replace (
                    replace({key}, '{AS_OF}', '{EARLIER}') as {key}, date '{EARLIER}' as as_of_date
                ) from {table} where as_of_date = date '{AS_OF}'""")
        logged_earlier = con.execute(
            "select count(*) from segment_membership_daily where as_of_date = ? and entity_id = ?",
            [EARLIER, person["contact_id"]],
        ).fetchone()[0]
    erase = [
        _cli(["erase", "--contact-id", person["contact_id"]], env),
        _cli(["erase", "--contact-id", f" {person['contact_id']} "], env),  # the same request
        _cli(["erase", "--email", f"  {person['email'].upper()} "], env),  # the same person
        _cli(["erase"], env),
    ]
    build = run_dbt(["build", "--vars", VARS], env, check=False)
    validate = _cli(["validate", "--gx-dir", str(workdir / "gx")], env)
    second = _cli(["export", "--out", str(export_dir)], env)
    return {
        "workdir": workdir,
        "env": env,
        "db": database,
        "person": person,
        "deleted": deleted,
        "export": export_dir,
        "first_export": first,
        "erase": erase,
        "build": build,
        "validate": validate,
        "second_export": second,
        "logged_earlier": logged_earlier,
    }


def test_erase_cli_is_idempotent_and_refuses_no_id(erased: dict) -> None:
    added, repeated, by_email, nothing = erased["erase"]
    assert added.returncode == 0 and "recorded" in added.stdout, added.stderr
    assert repeated.returncode == 0 and "already recorded" in repeated.stdout
    assert by_email.returncode == 0 and "recorded" in by_email.stdout
    assert erased["person"]["email"] not in by_email.stdout
    assert nothing.returncode == 2 and "--contact-id or --email" in nothing.stderr
    with connect_duckdb(erased["db"], read_only=True) as con:
        requests = con.execute(f"select contact_id, email from raw.{TABLE} order by 1 nulls last").fetchall()
    assert requests == [(erased["person"]["contact_id"], None), (None, erased["person"]["email"])]


def test_the_person_is_gone_from_every_table_file_and_report(erased: dict) -> None:
    assert erased["build"].returncode == 0, erased["build"].stdout[-4000:]
    assert erased["validate"].returncode == 0, erased["validate"].stdout[-3000:]
    assert erased["second_export"].returncode == 0, erased["second_export"].stderr
    person = erased["person"]
    needles = [person["contact_id"], person["email"], FIRST_NAME, LAST_NAME]
    with connect_duckdb(erased["db"], read_only=True) as con:
        # The raw input still holds them (the user's data): only the models leave them out.
        raw = con.execute(
            "select count(*) from raw.crm_contacts where trim(contact_id) = ? and first_name = ? and last_name = ?",
            [person["contact_id"], FIRST_NAME, LAST_NAME],
        ).fetchone()[0]
        assert raw == 1
        accounting = con.execute(
            "select raw_table, erased_rows, unaccounted_rows from staging_row_accounting order by 1"
        ).fetchall()
        keys = dict(con.execute("select key_type, count(*) from stg_privacy__erased_keys group by 1").fetchall())
    erased_rows = {table: n for table, n, _ in accounting}
    assert all(unaccounted == 0 for _, _, unaccounted in accounting)
    assert erased_rows["crm_contacts"] == 1 and erased_rows["events"] > 0 and erased_rows["shop_orders"] > 0
    assert erased_rows["shop_order_lines"] > 0 and erased_rows["crm_accounts"] == 0
    assert keys["contact_id"] == 1 and keys["email"] == 1 and keys["order_id"] == erased_rows["shop_orders"]
    assert erased["logged_earlier"] > 0
    with connect_duckdb(erased["db"], read_only=True) as con:
        earlier = con.execute("select count(*) from segment_membership_daily where as_of_date = ?", [EARLIER])
        assert earlier.fetchone()[0] > 0  # the others' rows of the earlier date stay
    assert _warehouse_hits(erased["db"], needles) == []
    assert _file_hits(erased["export"], needles[1:]) == []  # the id is named in removed files
    assert _file_hits(erased["workdir"] / "gx", needles) == []


def test_the_export_removes_them_by_id_and_email_hash(erased: dict) -> None:
    person = erased["person"]
    digest = hashlib.sha256(person["email"].encode()).hexdigest()
    segments = sorted((erased["export"] / "segments").iterdir())
    removed = pd.concat(
        [pd.read_parquet(folder / "removed.parquet").assign(segment_id=folder.name) for folder in segments]
    )
    theirs = removed[removed.get("contact_id") == person["contact_id"]]
    assert len(theirs) > 0 and set(theirs["email_sha256"]) == {digest} and set(theirs["reason"]) == {"erased"}
    manifest = json.loads((erased["export"] / "export_manifest.json").read_text())
    assert sum(s["excluded_erased"] for s in manifest["segments"]) == len(theirs)
    assert "erased" in erased["second_export"].stdout
    for folder in segments:
        for name in ("removed.parquet", "removed.csv"):
            frame = pd.read_parquet(folder / name) if name.endswith("parquet") else pd.read_csv(folder / name)
            assert "email" not in frame.columns
            assert {"email_sha256", "website_domain"} & set(frame.columns)
        members = pd.read_parquet(folder / "members.parquet")
        assert person["contact_id"] not in set(members.iloc[:, 0])
    for state in (erased["export"] / "state").rglob("*.parquet"):
        assert "email" not in pd.read_parquet(state).columns


def test_a_deleted_contact_row_sends_their_events_to_quarantine(erased: dict) -> None:
    assert erased["build"].returncode == 0
    with connect_duckdb(erased["db"], read_only=True) as con:
        reasons = con.execute(
            "select distinct reject_reason from stg_events__events_rejected where contact_id = ?", [erased["deleted"]]
        ).fetchall()
        staged = con.execute("select count(*) from stg_events__events where contact_id = ?", [erased["deleted"]])
        assert staged.fetchone()[0] == 0
    assert ("orphan_foreign_key",) in reasons


def test_the_incremental_build_after_erasure_equals_a_full_build(erased: dict, sample_data: dict) -> None:
    workdir = erased["workdir"] / "full"
    workdir.mkdir()
    env = dbt_env(workdir, CUSTSEG_PROJECT_DIR=str(PROJECT_DIR))
    database = Path(env["DBT_DUCKDB_PATH"])
    load_duckdb(sample_data["dir"], path=database)
    with connect_duckdb(database) as con:
        _raw_contacts_view(con, sample_data["dir"], erased["person"], erased["deleted"])
        con.execute(f"attach '{erased['db']}' as incremental (read_only)")
        con.execute(f"insert into raw.{TABLE} select * from incremental.raw.{TABLE}")
    run_dbt(["build", "--vars", VARS], env)
    assert _table_differences(erased["db"], database) == {}


@pytest.mark.slow
def test_erasure_on_postgres(postgres: dict, sample_data: dict, tmp_path: Path) -> None:
    """PostgreSQL, in a database of its own: build (`custseg build`: dbt build and the CLV fit),
    erase a contact with the CLI (idempotent), `dbt run` again (the incremental models' delete
    pre-hooks run); the contact id and email are
    in no table outside raw and the accounting balances with the erased rows counted."""
    import psycopg2

    from conftest import PG_CONNECTION
    from custseg.load_postgres import connect, load_postgres

    database = "segmentation_erasure"
    admin = psycopg2.connect(**{**PG_CONNECTION, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {database}")
        cur.execute(f"create database {database}")
    admin.close()
    connection = {**PG_CONNECTION, "dbname": database}
    env = dbt_env(
        tmp_path,
        DBT_TARGET="postgres",
        PGHOST=PG_CONNECTION["host"],
        PGPORT=str(PG_CONNECTION["port"]),
        PGDATABASE=database,
        CUSTSEG_PROJECT_DIR=str(PROJECT_DIR),
    )
    env.pop("DBT_SCHEMA", None)
    load_postgres(sample_data["dir"], **connection)
    first_build = _cli(["build", "--target", "postgres", "--vars", VARS], env)  # CLV fit included
    assert first_build.returncode == 0, first_build.stdout[-4000:] + first_build.stderr[-2000:]
    with connect(**connection) as con, con.cursor() as cur:
        cur.execute("""
            select p.contact_id, p.email from activation.activation_contacts as p
            where exists (select 1 from staging.stg_shop__orders as o where o.contact_id = p.contact_id)
                and exists (select 1 from segments.segment_membership_daily as m where m.entity_id = p.contact_id)
                and exists (select 1 from staging.base_events__events as e where e.contact_id = p.contact_id)
            order by p.contact_id limit 1""")
        contact_id, email = cur.fetchone()
    first = _cli(["erase", "--contact-id", contact_id], env)
    again = _cli(["erase", "--target", "postgres", "--contact-id", contact_id], env)
    assert first.returncode == 0 and "recorded" in first.stdout, first.stderr
    assert again.returncode == 0 and "already recorded" in again.stdout, again.stderr
    # A later as-of date: the log keeps AS_OF, whose rows of the person only the pre-hook deletes.
    run_dbt(["run", "--vars", "{as_of_date: '2026-07-01'}"], env)
    hits = []
    with connect(**connection) as con, con.cursor() as cur:
        cur.execute("""
            select c.table_schema, c.table_name, c.column_name from information_schema.columns as c
            inner join information_schema.tables as t
                on t.table_schema = c.table_schema and t.table_name = c.table_name
            where c.table_schema in ('staging', 'audit', 'intermediate', 'marts', 'segments', 'activation')
            order by 1, 2, 3""")
        for schema, table, column in cur.fetchall():
            cur.execute(
                f'select count(*) from "{schema}"."{table}" where strpos(lower(cast("{column}" as text)), %s) > 0 '
                'or strpos(lower(cast("{column}" as text)), %s) > 0'.replace("{column}", column),
                (contact_id.lower(), email.lower()),
            )
            if cur.fetchone()[0]:
                hits.append((schema, table, column))
        cur.execute("select count(distinct as_of_date) from segments.segment_membership_daily")
        assert cur.fetchone()[0] == 2
        cur.execute("select raw_table, erased_rows, unaccounted_rows from audit.staging_row_accounting")
        accounting = {table: (erased, unaccounted) for table, erased, unaccounted in cur.fetchall()}
    assert hits == []
    assert all(unaccounted == 0 for _, unaccounted in accounting.values())
    assert accounting["crm_contacts"][0] == 1 and accounting["events"][0] > 0
