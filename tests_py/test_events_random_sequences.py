"""Randomized sequences of event loads: after every incremental run, the event models and
everything built on them must equal a full refresh row for row, and no raw event may be lost.

Each sequence (one seed from SEEDS) starts from a few hundred synthetic events over a dozen
contacts of the tiny sample, then appends batches that mix the cases the incremental path must
survive: new events, late events inside and beyond the lookback, redeliveries (byte-identical
or changed, received earlier or later), orphans whose contact reaches the CRM in a later batch,
events of contacts removed from the CRM later, received_at on 9999-12-31, timestamps in 1900,
and events received just after the run's load time (future then, valid at the next run, whose
load time has moved on). The incremental models live in schema `inc`, a full refresh over the
same raw tables in schema `fr` of the same DuckDB file; after every run the two must hold the
same rows (EXCEPT ALL both ways), and raw events = staged + rejected.

dbt runs in this process on one parsed manifest (parsing once instead of once per run), so the
whole test costs about two short `dbt run`s per batch.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import AS_OF, dbt_env
from custseg import PROJECT_DIR
from custseg.layers import connect_duckdb

SEEDS = [101, 202, 303, 404, 505, 606, 707, 808, 909, 1111, 1212, 1313, 1414, 1515, 1616, 1717, 1818, 1919, 2020, 2121]
BATCHES = 2  # appends after the initial load
LOOKBACK_HOURS = 72
START = datetime(2026, 5, 1)
FAR_FUTURE = datetime(9999, 12, 31)
FAR_PAST = datetime(1900, 1, 1)
EVENT_TYPES = ["page_view", "email_open", "email_click", "form_submit", "product_login", "feature_used"]
SELECT = ["+int_contacts__daily_activity", "stg_events__events_rejected", "int_events__identified"]
COMPARED = [
    "base_events__events",
    "stg_events__events",
    "stg_events__events_rejected",
    "int_events__daily_manifest",
    "int_events__daily_by_key",
    "int_events__identity_keys",
    "int_events__identity_map",
    "int_events__identity_resolution",
    "int_events__daily_resolved",
    "int_events__identified",
    "int_contacts__daily_activity",
]
COLUMNS = "event_id, occurred_at, received_at, contact_id, email, anonymous_id, event_type, properties"


@contextmanager
def _environment(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _release_duckdb() -> None:
    """dbt-duckdb keeps the database open in this process after a run (a class-level handle);
    close it so that the test can open the file itself between runs."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


class Project:
    """One parsed dbt project, invoked in this process. The parsed manifest fixes schemas and
    the catalog name, so the incremental and the full-refresh warehouses are two DuckDB files
    of the same name in two folders, picked per run through DBT_DUCKDB_PATH."""

    def __init__(self, workdir: Path) -> None:
        from dbt.cli.main import dbtRunner

        self.workdir = workdir
        self.env = dbt_env(workdir / "template")
        self.template = Path(self.env["DBT_DUCKDB_PATH"])
        self.template.parent.mkdir()
        self.warehouses = {name: workdir / name / "warehouse.duckdb" for name in ("incremental", "full")}
        with _environment(self.env):
            parsed = dbtRunner().invoke(["parse", "--vars", self._vars(START)], project_dir=str(PROJECT_DIR))
        assert parsed.success, parsed.exception
        self.runner = dbtRunner(manifest=parsed.result)

    @staticmethod
    def _vars(load_time: datetime) -> str:
        return json.dumps(
            {
                "as_of_date": AS_OF,
                "events_load_time": load_time.strftime("%Y-%m-%d %H:%M:%S"),
                "events_lookback_hours": LOOKBACK_HOURS,
            }
        )

    def invoke(self, args: list[str], database: Path) -> None:
        env = {**self.env, "DBT_DUCKDB_PATH": str(database), "DUCKDB_TEMP_DIRECTORY": str(database.parent / "tmp")}
        with _environment(env):
            result = self.runner.invoke(args, project_dir=str(PROJECT_DIR))
        _release_duckdb()
        results = getattr(result.result, "results", [])
        failed = [r.node.name for r in results if getattr(r.status, "value", r.status) != "success"]
        assert result.success and not failed, f"dbt {' '.join(args)} on {database}: {failed} {result.exception}"

    def run(self, warehouse: str, load_time: datetime, full_refresh: bool) -> None:
        args = ["run", "--no-write-json", "--log-level", "warn", "--log-level-file", "info"]
        args += ["--select", *SELECT, "--vars", self._vars(load_time)]
        self.invoke(args + (["--full-refresh"] if full_refresh else []), self.warehouses[warehouse])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sample_data: dict) -> Project:
    """Template warehouse: reference seeds, the tiny sample's accounts and a pool of a dozen of
    its staged contacts; raw.events and raw.crm_contacts empty tables the sequences fill."""
    from custseg.load import load_duckdb

    project = Project(tmp_path_factory.mktemp("events_random"))
    load_duckdb(sample_data["dir"], path=project.template)
    project.invoke(["seed"], project.template)
    project.invoke(["run", "--select", "+stg_crm__contacts", "--vars", project._vars(START)], project.template)
    with connect_duckdb(project.template) as con:
        con.execute(
            "create table raw.contact_pool as select * from raw.crm_contacts where contact_id in "
            "(select contact_id from stg_crm__contacts order by contact_id limit 12)"
        )
        # the loader may create views over Parquet: make the two tables the test rewrites tables
        for table in ("events", "crm_contacts"):
            kind = con.execute(
                "select table_type from information_schema.tables where table_schema = 'raw' and table_name = ?",
                [table],
            ).fetchone()[0]
            con.execute(f"create table raw.{table}_new as select * from raw.{table} where false")
            con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} raw.{table}")
            con.execute(f"alter table raw.{table}_new rename to {table}")
    return project


def _event(rng: random.Random, event_id: str, received: datetime, contact: str | None) -> tuple:
    occurred = received - timedelta(minutes=rng.randint(0, 180))
    email = rng.choice([None, None, f"{event_id}@example.com", " Mixed@Example.COM ", "bad\nmail@x.com"])
    anonymous = rng.choice([None, f"anon_{rng.randint(0, 40)}"])
    event_type = rng.choice(EVENT_TYPES) if rng.random() > 0.03 else "teleport"
    properties = json.dumps({"url": f"https://x.com/{rng.randint(0, 9)}", "feature": rng.choice(["a", "b"])})
    if rng.random() < 0.03:
        properties = '{"url": '
    return (event_id, occurred, received, contact, email, anonymous, event_type, properties)


class Sequence:
    """The raw history of one seed: contacts over time and the batches of events."""

    def __init__(self, seed: int, pool: list[str]) -> None:
        self.rng = rng = random.Random(seed)
        self.seed = seed
        pool = pool[:]
        rng.shuffle(pool)
        self.always, self.arriving, self.leaving = pool[:5], pool[5:9], pool[9:12]
        self.arrival_batch = {c: rng.randint(1, BATCHES) for c in self.arriving}
        self.departure_batch = {c: rng.randint(1, BATCHES) for c in self.leaving}
        self.rows: list[tuple] = []
        self.next_id = 0

    def contacts_at(self, batch: int) -> list[str]:
        arrived = [c for c in self.arriving if self.arrival_batch[c] <= batch]
        staying = [c for c in self.leaving if self.departure_batch[c] > batch]
        return self.always + arrived + staying

    def load_time(self, batch: int) -> datetime:
        return START + timedelta(days=6 + 3 * batch)

    def _contact(self) -> str | None:
        pick = self.rng.random()
        if pick < 0.3:
            return None
        if pick < 0.55:
            return self.rng.choice(self.always)
        if pick < 0.75:
            return self.rng.choice(self.arriving)
        if pick < 0.95:
            return self.rng.choice(self.leaving)
        return "c_never_in_crm"

    def _new(self, received: datetime) -> tuple:
        self.next_id += 1
        return _event(self.rng, f"s{self.seed}_e{self.next_id}", received, self._contact())

    def batch(self, batch: int) -> list[tuple]:
        rng, now = self.rng, self.load_time(batch)
        if batch == 0:
            count = rng.randint(200, 300)
            rows = [self._new(START + timedelta(seconds=rng.randint(0, 6 * 86400))) for _ in range(count)]
            self.rows += rows
            return rows
        previous = self.load_time(batch - 1)
        # rows received before this point may lie before the run's window; a batch holding
        # such rows makes the run re-read every raw event (the late-load guard), so only some
        # batches do, and the others exercise the windowed run
        inside = previous - timedelta(hours=LOOKBACK_HOURS - 12)
        beyond = rng.random() < 0.3
        rows = [self._new(previous + timedelta(seconds=rng.randint(1, 3 * 86400))) for _ in range(rng.randint(30, 60))]
        for _ in range(rng.randint(2, 6)):  # late, inside the lookback
            rows.append(self._new(previous - timedelta(hours=rng.uniform(0, LOOKBACK_HOURS - 12))))
        for _ in range(rng.randint(1, 3) if beyond else 0):  # late, beyond the lookback
            rows.append(self._new(previous - timedelta(hours=rng.uniform(LOOKBACK_HOURS + 6, 400))))
        for _ in range(rng.randint(3, 8)):  # redeliveries of earlier rows (of any age)
            old = list(rng.choice(self.rows))
            kind = rng.choice(["identical", "later", "earlier", "changed_later", "changed_earlier"])
            if old[2] is None or old[2] >= FAR_FUTURE - timedelta(days=9) or old[2] <= FAR_PAST + timedelta(days=9):
                kind = "identical" if beyond else "changed_later"
                old[2] = old[2] if beyond else previous
            if kind in ("later", "changed_later"):
                old[2] = max(old[2] + timedelta(hours=rng.uniform(1, 100)), old[2] if beyond else inside)
            elif kind in ("earlier", "changed_earlier"):
                old[2] = old[2] - timedelta(hours=rng.uniform(0.5, 200))
            if not beyond and old[2] < inside:
                old[2] = inside + timedelta(seconds=rng.randint(0, 3600))
            if kind.startswith("changed"):
                old[7] = json.dumps({"url": f"https://x.com/changed/{rng.randint(0, 9)}"})
                old[3] = rng.choice([old[3], self._contact()])
            rows.append(tuple(old))
        if rng.random() < 0.6:  # far future (valid otherwise)
            rows.append(self._new(FAR_FUTURE - timedelta(seconds=rng.randint(0, 3))))
        if rng.random() < 0.5:  # occurred in 1900 (received in 1900 too in a batch loading late rows)
            row = list(self._new(previous + timedelta(hours=1)))
            row[1] = FAR_PAST
            if beyond:
                row[2] = FAR_PAST + timedelta(hours=rng.randint(0, 9))
            rows.append(tuple(row))
        for _ in range(rng.randint(0, 3)):  # just after this run's load time: future until the next run
            rows.append(self._new(now + timedelta(hours=rng.uniform(1.5, 30))))
        if rng.random() < 0.3:  # no received_at
            row = self._new(previous)
            rows.append(row[:2] + (None,) + row[3:])
        self.rows += rows
        return rows


def _load(project: Project, sequence: Sequence, batch: int, rows: list[tuple]) -> None:
    for database in project.warehouses.values():
        if batch == 0:
            shutil.rmtree(database.parent, ignore_errors=True)
            database.parent.mkdir()
            shutil.copyfile(project.template, database)
        with connect_duckdb(database) as con:
            con.executemany(f"insert into raw.events ({COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute("delete from raw.crm_contacts")
            con.execute(
                "insert into raw.crm_contacts select * from raw.contact_pool where list_contains(?, contact_id)",
                [sequence.contacts_at(batch)],
            )


def _rows(database: Path) -> dict[str, Counter]:
    with connect_duckdb(database, read_only=True) as con:
        return {table: Counter(con.execute(f"select * from {table}").fetchall()) for table in COMPARED}


def _check(project: Project, sequence: Sequence, batch: int) -> None:
    where = f"seed {sequence.seed}, after batch {batch}"
    incremental, full = (_rows(project.warehouses[name]) for name in ("incremental", "full"))
    for table in COMPARED:
        only_incremental = sorted(incremental[table] - full[table], key=repr)[:5]
        only_full = sorted(full[table] - incremental[table], key=repr)[:5]
        assert not only_incremental and not only_full, (
            f"{where}: {table} incremental differs from full refresh "
            f"({sum(incremental[table].values())} vs {sum(full[table].values())} rows); "
            f"only incremental: {only_incremental}; only full: {only_full}"
        )
    raw = len(sequence.rows)
    staged, rejected = (sum(incremental[t].values()) for t in ("stg_events__events", "stg_events__events_rejected"))
    assert raw == staged + rejected, f"{where}: {raw} raw events, {staged} staged + {rejected} rejected"


@pytest.mark.slow
def test_incremental_runs_equal_full_refresh_over_random_sequences(project: Project) -> None:
    with connect_duckdb(project.template, read_only=True) as con:
        pool = [row[0] for row in con.execute("select contact_id from raw.contact_pool order by 1").fetchall()]
    assert len(pool) == 12
    started = time.monotonic()
    for seed in SEEDS:
        sequence = Sequence(seed, pool)
        for batch in range(BATCHES + 1):
            rows = sequence.batch(batch)
            _load(project, sequence, batch, rows)
            load_time = sequence.load_time(batch)
            try:
                project.run("incremental", load_time, full_refresh=batch == 0)
                if batch > 0:  # the first run is a full refresh itself
                    project.run("full", load_time, full_refresh=True)
            except AssertionError as error:
                raise AssertionError(f"seed {seed}, batch {batch}: {error}") from error
            if batch > 0:
                _check(project, sequence, batch)
    runs = len(SEEDS) * BATCHES
    log = (project.template.parent / "logs" / "dbt.log").read_text(errors="replace")
    widened = log.count("were loaded later than var(events_lookback_hours)")
    print(
        f"{len(SEEDS)} sequences of {BATCHES + 1} loads in {time.monotonic() - started:.0f} s; "
        f"{widened} of {runs} incremental runs re-read every raw event (late loads), the others their window"
    )
    assert 0 < widened < runs / 2, f"{widened} of {runs} incremental runs widened: the mix no longer tests both paths"
