"""Benchmark the project on DuckDB: full build, incremental run, plain-SQL floor, CLV peer.

    .venv/bin/python scripts/bench.py --scales 1M,10M,100M,1B     # or: make bench

For every scale (events) that fits on the disk (a scale that does not is skipped, with the
reason in the report) it
  1. generates the raw Parquet files (python -m custseg generate; --skip-generate reuses them),
  2. loads them (DuckDB views) into a fresh warehouse and runs a full `dbt build`,
  3. runs the floor (scripts/bench_floor.sql: one DuckDB process, no dbt, no tests) on the
     same files with the same DuckDB settings,
  4. appends 1 % new events (a new Parquet file in the raw events folder, received after the
     latest received_at) and runs what an hourly orchestrated run runs, `dbt build --selector
     hourly` (reported as ratio_incremental_to_full); then appends another 1 % and runs a
     whole `dbt build` again (incremental models update in place; ratio_build_incremental_to_full),
and records wall time, peak memory (RSS of the whole process tree, polled from /proc), rows
per layer, rows per second and the slowest models (dbt's run_results.json). The scales in
--spark-scales (default 10M) are then also loaded and built on a local Spark session. The CLV peer
(scripts/bench_clv.py: our BG/NBD + Gamma-Gamma against lifetimes) runs once. Results go to
<out-dir>/results.json and docs/benchmarks.md (machine description, tables, summary lines),
with a copy of the results in docs/benchmarks.json: a later run that measures some scales
(in any checkout) starts from it and keeps the other scales' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
AS_OF = "2026-06-30"
FLOOR_SQL = PROJECT_DIR / "scripts" / "bench_floor.sql"
APPEND_FILE = "bench-append-00000.parquet"  # batch 1; batch n: bench-append-0000n.parquet
LAYERS = ("staging", "intermediate", "marts", "segments")
GIB = 1024**3
# Disk per raw event, measured at 100M events: the Parquet raw files and the built DuckDB
# warehouse. A scale runs only when the output folder's disk holds both plus a fifth for spills;
# a run that has measured a scale (results "storage") uses the largest such measurement instead.
RAW_BYTES_PER_EVENT = 25
WAREHOUSE_BYTES_PER_EVENT = 140


# ----------------------------------------------------------------------------- measurement
@dataclass
class Measured:
    """One measured child process: wall seconds, peak RSS of its process tree, exit code."""

    seconds: float
    peak_rss_bytes: int
    returncode: int
    output: str = ""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree_rss(root: int) -> int:
    """Resident set size (bytes) of `root` and all its descendants right now."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
                 log: Path | None = None, interval: float = 0.2) -> Measured:
    """Run `cmd`, polling the process tree's RSS; stdout+stderr go to `log` (if given)."""
    out = open(log, "w") if log else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    returncode = proc.wait()
    seconds = time.perf_counter() - start
    stop.set()
    poller.join()
    if log:
        out.close()
    text = log.read_text(errors="replace") if log else ""
    return Measured(seconds, peak, returncode, text)


# ----------------------------------------------------------------------------- settings
@dataclass
class Settings:
    threads: int
    memory_limit: str
    temp_dir: Path
    project_dir: Path
    as_of: str

    def duckdb_sql(self) -> list[str]:
        return [
            f"set threads = {self.threads}",
            f"set memory_limit = '{self.memory_limit}'",
            f"set temp_directory = '{self.temp_dir}'",
            "set preserve_insertion_order = false",
        ]


def dbt_env(settings: Settings, workdir: Path) -> dict[str, str]:
    sys.path.insert(0, str(PROJECT_DIR))
    from custseg.dbt_env import scratch_dbt_env

    return scratch_dbt_env(
        workdir,
        project_dir=settings.project_dir,
        DUCKDB_THREADS=str(settings.threads),
        DUCKDB_MEMORY_LIMIT=settings.memory_limit,
        DUCKDB_TEMP_DIRECTORY=str(settings.temp_dir),
    )


# ----------------------------------------------------------------------------- steps
def generate(scale: str, data_dir: Path, seed: int, as_of: str, log: Path) -> Measured:
    cmd = [sys.executable, "-m", "custseg", "generate", "--scale", scale, "--seed", str(seed),
           "--as-of", as_of, "--no-progress", "--out", str(data_dir)]
    result = run_measured(cmd, cwd=PROJECT_DIR, log=log)
    if result.returncode != 0:
        raise RuntimeError(f"generate {scale} failed, see {log}")
    return result


def storage(data_dir: Path, db: Path, raw_events: int) -> dict[str, float]:
    """Disk held by a scale: its raw Parquet files and its DuckDB warehouse, in bytes and per
    raw event."""
    raw = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())
    warehouse = sum(f.stat().st_size for f in (db, db.with_suffix(".duckdb.wal")) if f.exists())
    return {"raw_bytes": raw, "warehouse_bytes": warehouse,
            "raw_bytes_per_event": raw / raw_events, "warehouse_bytes_per_event": warehouse / raw_events}


def largest_storage(results: dict[str, Any]) -> dict[str, float] | None:
    """The storage measured at the largest scale of `results`, or None."""
    measured = [res for res in results.get("scales", {}).values() if "storage" in res]
    return max(measured, key=lambda res: res["raw_rows"]["events"])["storage"] if measured else None


def disk_shortfall(scale: str, data_dir: Path, workdir: Path,
                   per_event: dict[str, float] | None = None) -> str | None:
    """Why `scale` does not fit on the disk of `workdir`, or None when it does. `per_event`: a
    measured `storage()`, else the constants above."""
    sys.path.insert(0, str(PROJECT_DIR))
    from custseg.generate import resolve_scale

    events = resolve_scale(scale).events
    raw_per_event, warehouse_per_event = (
        (per_event["raw_bytes_per_event"], per_event["warehouse_bytes_per_event"]) if per_event
        else (RAW_BYTES_PER_EVENT, WAREHOUSE_BYTES_PER_EVENT))
    needed = events * warehouse_per_event
    if not (data_dir / "_manifest.json").exists():
        needed += events * raw_per_event
    needed *= 1.2
    stale = workdir / "warehouse.duckdb"  # replaced by this run
    free = shutil.disk_usage(workdir).free + (stale.stat().st_size if stale.exists() else 0)
    if needed <= free:
        return None
    return f"needs about {needed / 1e9:.0f} GB of disk for {events:,} events, {free / 1e9:.0f} GB free in {workdir}"


def load(data_dir: Path, db: Path) -> dict[str, int]:
    sys.path.insert(0, str(PROJECT_DIR))
    from custseg.load import load_duckdb

    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    return load_duckdb(data_dir, path=db)


def dbt_build(
    settings: Settings, workdir: Path, label: str, selector: str | None = None
) -> tuple[Measured, dict[str, Any]]:
    dbt = str(Path(sys.executable).parent / "dbt")
    cmd = [dbt, "build", "--vars", f"{{as_of_date: '{settings.as_of}'}}"]
    if selector:
        cmd += ["--selector", selector]
    log = workdir / f"dbt_{label}.log"
    result = run_measured(cmd, env=dbt_env(settings, workdir), cwd=settings.project_dir, log=log)
    target = workdir / "target"
    if not (target / "run_results.json").exists():
        raise RuntimeError(f"dbt build ({label}) ended without run results, exit code {result.returncode}; "
                           f"last lines of {log}:\n" + "\n".join(result.output.splitlines()[-15:]))
    run_results = json.loads((target / "run_results.json").read_text())
    shutil.copy(target / "run_results.json", workdir / f"run_results_{label}.json")
    return result, run_results


def run_floor(data_dir: Path, db: Path, settings: Settings, seeds_dir: Path | None = None) -> None:
    """The floor: bench_floor.sql in this process with the duckdb module."""
    import duckdb

    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    seeds_dir = seeds_dir or settings.project_dir / "seeds"
    with duckdb.connect(str(db)) as con:
        for statement in settings.duckdb_sql():
            con.execute(statement)
        for name, value in (("data_dir", data_dir), ("seeds_dir", seeds_dir),
                            ("as_of_date", settings.as_of)):
            con.execute(f"set variable {name} = '{str(value).replace(chr(39), chr(39) * 2)}'")
        con.execute(FLOOR_SQL.read_text())


def floor_measured(data_dir: Path, workdir: Path, settings: Settings) -> Measured:
    """Run the floor in a child process (so its peak memory is measured like dbt's)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "floor", "--data", str(data_dir),
           "--db", str(workdir / "floor.duckdb"), "--threads", str(settings.threads),
           "--memory-limit", settings.memory_limit, "--temp-dir", str(settings.temp_dir),
           "--as-of", settings.as_of, "--project-dir", str(settings.project_dir)]
    result = run_measured(cmd, log=workdir / "floor.log")
    if result.returncode != 0:
        raise RuntimeError(f"floor failed:\n{result.output[-3000:]}")
    return result


def append_file(batch: int = 1) -> str:
    return APPEND_FILE if batch == 1 else APPEND_FILE.replace("00000", f"{batch - 1:05d}")


def append_events(data_dir: Path, share: float, seed: int = 42, batch: int = 1) -> int:
    """Write `share` of the raw event count as new events received after the latest one.

    The new rows are copies of randomly sampled raw rows (so dirty rows, duplicates of
    contacts and anonymous ids appear at the usual rates) with new event ids, received
    within one hour after the current max(received_at), occurred_at moved by the same
    amount (the original collection latency is kept). Batch n > 1 (a later load, after the
    earlier batches) has its own file and event ids (evt-append<n>-...)."""
    import duckdb

    events = data_dir / "events"
    file_name = append_file(batch)
    id_prefix = "evt-append-" if batch == 1 else f"evt-append{batch}-"
    (events / file_name).unlink(missing_ok=True)
    glob = str(events / "*.parquet")
    with duckdb.connect() as con:
        total, max_received = con.execute(
            f"select count(*), max(received_at) from read_parquet('{glob}')"
        ).fetchone()
        rows = max(1, round(total * share))
        con.execute(f"""
            copy (
                with sampled as (
                    select * from read_parquet('{glob}')
                    using sample reservoir({rows} rows) repeatable ({seed})
                ),
                shifted as (
                    select
                        sampled.*,
                        row_number() over () as ordinal,
                        timestamp '{max_received}'
                        + to_microseconds(cast(1 + hash(row_number() over ()) % 3600000000
                            as bigint)) as new_received_at
                    from sampled
                )
                select
                    '{id_prefix}' || lpad(cast(ordinal as varchar), 10, '0') as event_id,
                    case when occurred_at is null then null
                        else occurred_at + (new_received_at - received_at) end as occurred_at,
                    case when received_at is null then null else new_received_at end
                        as received_at,
                    contact_id, email, anonymous_id, event_type, properties
                from shifted
            ) to '{events / file_name}' (format parquet, compression zstd)
        """)
        columns = con.execute(f"describe select * from read_parquet('{glob}')").fetchall()
    if len(columns) != 8:
        raise RuntimeError(f"unexpected raw events columns: {columns}")
    return rows


def remove_appended(data_dir: Path) -> None:
    for batch in (1, 2):
        (data_dir / "events" / append_file(batch)).unlink(missing_ok=True)


# ----------------------------------------------------------------------------- results
def model_layers(target: Path) -> dict[str, tuple[str, str]]:
    """unique_id -> (model name, layer) for every model in the manifest."""
    manifest = json.loads((target / "manifest.json").read_text())
    layers: dict[str, tuple[str, str]] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        folder = node["original_file_path"].split("/")[1]
        layers[unique_id] = (node["name"], folder if folder in LAYERS else "other")
    return layers


def table_rows(db: Path) -> dict[str, int]:
    """Rows of every table (not view) the project builds (every layer schema, not raw)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema <> 'raw' and table_type = 'BASE TABLE'"
        ).fetchall()
        return {name: con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
                for schema, name in names}


def summarise_run(run_results: dict[str, Any], layers: dict[str, tuple[str, str]],
                  rows: dict[str, int], top: int = 10) -> dict[str, Any]:
    results = run_results["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    slowest = sorted(models, key=lambda r: r["execution_time"], reverse=True)[:top]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "elapsed_time": run_results.get("elapsed_time"),
        "statuses": statuses,
        "model_seconds": sum(r["execution_time"] for r in models),
        "test_seconds": sum(r["execution_time"] for r in tests),
        "slowest": [
            {
                "model": layers.get(r["unique_id"], (r["unique_id"], "other"))[0],
                "layer": layers.get(r["unique_id"], (r["unique_id"], "other"))[1],
                "seconds": r["execution_time"],
                "rows": rows.get(layers.get(r["unique_id"], ("", ""))[0]),
            }
            for r in slowest
        ],
        "per_model_seconds": {
            layers.get(r["unique_id"], (r["unique_id"], ""))[0]: r["execution_time"]
            for r in models
        },
    }


def rows_per_layer(rows: dict[str, int], layers: dict[str, tuple[str, str]]) -> dict[str, dict]:
    by_layer: dict[str, dict[str, int]] = {}
    for name, layer in layers.values():
        if name in rows:
            entry = by_layer.setdefault(layer, {"tables": 0, "rows": 0})
            entry["tables"] += 1
            entry["rows"] += rows[name]
    return by_layer


def incremental_models(project_target: Path) -> list[str]:
    manifest = json.loads((project_target / "manifest.json").read_text())
    return sorted(
        node["name"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    )


def incremental_run(scale: str, args: argparse.Namespace, settings: Settings, workdir: Path,
                    result: dict[str, Any], key: str, selector: str | None, batch: int) -> tuple[dict, float]:
    """Append batch `batch` of new events (args.append_share of the raw count), then run
    `dbt build` (with `selector` if given) on the built warehouse: the run's summary and its
    wall time as a share of the full build's."""
    data_dir = Path(args.out_dir) / "data" / scale
    appended = append_events(data_dir, args.append_share, seed=41 + batch, batch=batch)
    what = f"dbt build --selector {selector}" if selector else "dbt build"
    print(f"[{scale}] appended {appended:,} events; incremental {what}")
    inc, inc_results = dbt_build(settings, workdir, key, selector=selector)
    layers = model_layers(workdir / "target")
    summary = summarise_run(inc_results, layers, table_rows(workdir / "warehouse.duckdb"))
    own = {name: summary["per_model_seconds"][name]
           for name in incremental_models(workdir / "target") if name in summary["per_model_seconds"]}
    full_own = sum(v or 0 for name, v in result["full"]["per_model_seconds"].items() if name in own)
    ratio = inc.seconds / result["full"]["seconds"]
    print(f"[{scale}] incremental {what} {inc.seconds:.1f} s ({ratio:.2%} of full), exit {inc.returncode}")
    return {
        "command": what, "commit": code_commit(settings.project_dir),
        "appended_events": appended, "seconds": inc.seconds,
        "peak_rss_gib": inc.peak_rss_bytes / GIB, "returncode": inc.returncode,
        "incremental_models_seconds": own,
        "incremental_models_to_full_models": sum(own.values()) / max(full_own, 1e-9),
        **summary,
    }, ratio


# ----------------------------------------------------------------------------- one scale
def bench_scale(scale: str, args: argparse.Namespace, settings: Settings,
                previous: dict[str, Any] | None = None,
                per_event: dict[str, float] | None = None) -> dict[str, Any]:
    """Measure one scale. With --resume and a recorded full build of this scale (`previous`,
    its warehouse and target folder still in OUT/<scale>), only the missing steps run.
    `per_event`: the disk per event measured at a smaller scale, for the disk check."""
    out = Path(args.out_dir)
    data_dir = out / "data" / scale
    workdir = out / scale
    workdir.mkdir(parents=True, exist_ok=True)
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    db = workdir / "warehouse.duckdb"
    say = print
    resumed = bool(args.resume and previous and "full" in previous and db.exists())
    if resumed:
        result = dict(previous)
        say(f"[{scale}] resuming from the recorded full build ({result['full']['seconds']:.1f} s)")
    else:
        result = {"scale": scale, "commit": code_commit(settings.project_dir)}
        shortfall = disk_shortfall(scale, data_dir, workdir, per_event)
        if shortfall:
            say(f"[{scale}] skipped: {shortfall}")
            return {**result, "skipped": shortfall}
        if not args.skip_generate or not (data_dir / "_manifest.json").exists():
            say(f"[{scale}] generating raw data into {data_dir}")
            gen = generate(scale, data_dir, args.seed, settings.as_of, workdir / "generate.log")
            result["generate_seconds"] = gen.seconds
    remove_appended(data_dir)
    manifest = json.loads((data_dir / "_manifest.json").read_text())
    result["raw_rows"] = manifest["row_counts"]
    raw_events = manifest["row_counts"]["events"]

    if not resumed:
        # dbt's partial-parse state keeps absolute paths: one left by another --project-dir
        # would make this build read that project's seeds.
        shutil.rmtree(workdir / "target", ignore_errors=True)
        load(data_dir, db)
        say(f"[{scale}] full dbt build ({raw_events:,} raw events)")
        full, full_results = dbt_build(settings, workdir, "full")
        layers = model_layers(workdir / "target")
        rows = table_rows(db)
        result["full"] = {
            "seconds": full.seconds, "peak_rss_gib": full.peak_rss_bytes / GIB,
            "returncode": full.returncode, **summarise_run(full_results, layers, rows),
        }
        result["rows_per_layer"] = rows_per_layer(rows, layers)
        result["storage"] = storage(data_dir, db, raw_events)
        result["events_per_second_full"] = raw_events / full.seconds
        say(f"[{scale}] full build {full.seconds:.1f} s, peak {full.peak_rss_bytes / GIB:.2f} GiB, "
            f"exit {full.returncode}")
    if result["full"]["returncode"] != 0:
        # nothing after a failed build measures the project: stop this scale here
        result["stopped"] = f"full build failed (exit code {result['full']['returncode']}); see {workdir}"
        say(f"[{scale}] stopped: {result['stopped']}")
        (workdir / "result.json").write_text(json.dumps(result, indent=2, default=str))
        return result
    full_seconds = result["full"]["seconds"]

    if not args.skip_floor and "floor" not in result:
        say(f"[{scale}] floor (scripts/bench_floor.sql)")
        floor = floor_measured(data_dir, workdir, settings)
        floor_rows = table_rows(workdir / "floor.duckdb")
        result["floor"] = {"seconds": floor.seconds, "peak_rss_gib": floor.peak_rss_bytes / GIB,
                           "rows": floor_rows}
        result["ratio_full_to_floor"] = full_seconds / floor.seconds
        say(f"[{scale}] floor {floor.seconds:.1f} s, peak {floor.peak_rss_bytes / GIB:.2f} GiB")

    if not args.skip_incremental:
        # what an hourly orchestrated run does after 1 % new events: the hourly selector; then a
        # whole `dbt build` after another 1 %, for comparison
        runs = [("incremental", "hourly", 1, "ratio_incremental_to_full"),
                ("build_incremental", None, 2, "ratio_build_incremental_to_full")]
        if args.build_incremental_scales != "all" and scale not in args.build_incremental_scales.split(","):
            runs = runs[:1]
        try:
            for key, selector, batch, ratio in runs:
                if result.get(key, {}).get("returncode") == 0:
                    continue  # measured before (--resume); a failed run is measured again
                result[key], result[ratio] = incremental_run(
                    scale, args, settings, workdir, result, key, selector, batch)
                if result[key]["returncode"] != 0:
                    # a failed run measures nothing: no ratio, and the later runs are not made
                    del result[ratio]
                    result["stopped"] = (f"{result[key]['command']} failed (exit code "
                                         f"{result[key]['returncode']}); see {workdir / f'dbt_{key}.log'}")
                    say(f"[{scale}] stopped: {result['stopped']}")
                    break
                result.pop("stopped", None)
        finally:
            remove_appended(data_dir)
    (workdir / "result.json").write_text(json.dumps(result, indent=2, default=str))
    return result


# ----------------------------------------------------------------------------- Spark row
def bench_spark(scale: str, args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The scale-out path on the same raw files: `python -m custseg load --target spark`, then
    `python -m custseg build --target spark` (every model, data test and unit test, the CLV fit
    between the halves) on a local session (SPARK_MASTER, default local[2]) with its own
    warehouse folder and Derby metastore under OUT/<scale>/spark."""
    data_dir = Path(args.out_dir) / "data" / scale
    workdir = Path(args.out_dir) / scale / "spark"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = dbt_env(settings, workdir) | {
        "DBT_TARGET": "spark",
        "SPARK_MASTER": args.spark_master,
        "SPARK_DRIVER_MEMORY": args.spark_driver_memory,
        "SPARK_WAREHOUSE_DIR": str(workdir / "warehouse"),
        "SPARK_METASTORE_DIR": str(workdir / "metastore"),
    }
    env.pop("DBT_SCHEMA", None)
    remove_appended(data_dir)
    result: dict[str, Any] = {"master": args.spark_master, "driver_memory": args.spark_driver_memory,
                              "commit": code_commit(settings.project_dir)}
    steps = [("load", ["load", "--target", "spark", "--data", str(data_dir)]),
             ("build", ["build", "--target", "spark", "--vars", f"{{as_of_date: '{settings.as_of}'}}"])]
    for step, command in steps:
        print(f"[{scale}] spark {step}")
        measured = run_measured([sys.executable, "-m", "custseg", *command], env=env,
                                cwd=settings.project_dir, log=workdir / f"{step}.log")
        result[step] = {"seconds": measured.seconds, "peak_rss_gib": measured.peak_rss_bytes / GIB,
                        "returncode": measured.returncode}
        print(f"[{scale}] spark {step} {measured.seconds:.1f} s, exit {measured.returncode}")
        if measured.returncode != 0:
            result["stopped"] = f"{step} failed (exit code {measured.returncode}); see {workdir / f'{step}.log'}"
            break
    if (workdir / "target" / "run_results.json").exists() and "stopped" not in result:
        run = json.loads((workdir / "target" / "run_results.json").read_text())
        result["statuses"] = summarise_run(run, model_layers(workdir / "target"), {})["statuses"]
    return result


# ----------------------------------------------------------------------------- CLV peer
def bench_clv(customers: int, log: Path, extra: list[str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(PROJECT_DIR / "scripts" / "bench_clv.py"),
           "--customers", str(customers), *(extra or [])]
    measured = run_measured(cmd, cwd=PROJECT_DIR, log=log)
    if measured.returncode != 0:
        raise RuntimeError(f"bench_clv failed, see {log}")
    return parse_clv_output(measured.output) | {"customers": customers, "wall_seconds": measured.seconds}


def parse_clv_output(text: str) -> dict[str, Any]:
    def seconds(pattern: str) -> float:
        match = re.search(pattern + r"\s+([0-9.]+) s", text)
        if not match:
            raise ValueError(f"bench_clv output has no line matching {pattern!r}")
        return float(match.group(1))

    parsed: dict[str, Any] = {
        "ours_fit": seconds(r"ours\s+fit \(BG/NBD \+ Gamma-Gamma\):"),
        "ours_score_numpy": seconds(r"ours\s+score in numpy \(P\(alive\), E\[purchases\]\):"),
        "lifetimes_fit": seconds(r"lifetimes fit \(BG/NBD \+ Gamma-Gamma\):"),
        "lifetimes_score": seconds(r"lifetimes score \(P\(alive\), E\[purchases\], spend\):"),
    }
    sql = re.search(r"score in SQL \(dbt run contact_clv on DuckDB\):\s+([0-9.]+) s wall, "
                    r"([0-9.]+) s model", text)
    if sql:
        parsed["ours_score_sql_wall"], parsed["ours_score_sql_model"] = map(float, sql.groups())
    params = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in ("r", "alpha", "a", "b", "bgnbd_ll", "p", "q", "v"):
            params[parts[0]] = {"ours": float(parts[1]), "lifetimes": float(parts[2]),
                                "abs_diff": float(parts[3])}
    parsed["parameters"] = params
    ours = parsed["ours_fit"] + parsed.get("ours_score_sql_model", parsed["ours_score_numpy"])
    parsed["ratio_lifetimes_to_ours"] = (parsed["lifetimes_fit"] + parsed["lifetimes_score"]) / ours
    parsed["header"] = [line for line in text.splitlines() if line.startswith(("customers", "true"))]
    return parsed


# ----------------------------------------------------------------------------- report
def code_commit(project_dir: Path) -> str:
    """The commit of the measured project (short hash, `+changes` when the work tree differs,
    the report and results this script writes aside)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True,
                              text=True, check=False).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changes = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md",
                  ":!docs/benchmarks.json")
    return head + ("+changes" if changes else "")


def machine() -> dict[str, str]:
    def first(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    import duckdb

    dbt_version = first([str(Path(sys.executable).parent / "python"), "-c",
                         "import importlib.metadata as m; print(m.version('dbt-core'), "
                         "m.version('dbt-duckdb'))"])
    return {
        "cpus": str(os.cpu_count()),
        "cpu_model": cpu,
        "ram_gib": f"{mem_kb / 1024 / 1024:.1f}",
        "disk": first(["df", "-h", "--output=size,avail,fstype", "/tmp"]).splitlines()[-1],
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt-core / dbt-duckdb": dbt_version,
        "load_average_at_end": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def measured_scales(results: dict[str, Any]) -> dict[str, dict]:
    return {scale: res for scale, res in results.get("scales", {}).items() if "full" in res}


def summary_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for scale, res in measured_scales(results).items():
        if "ratio_full_to_floor" in res:
            lines.append(f"ratio_full_to_floor {scale} {res['ratio_full_to_floor']:.2f}")
    for scale, res in measured_scales(results).items():
        if "ratio_incremental_to_full" in res:
            lines.append(f"ratio_incremental_to_full {scale} {res['ratio_incremental_to_full']:.2f}")
    for scale, res in measured_scales(results).items():
        if "ratio_build_incremental_to_full" in res:
            lines.append(f"ratio_build_incremental_to_full {scale} {res['ratio_build_incremental_to_full']:.2f}")
    if "clv" in results:
        clv = results["clv"]
        lines.append(f"ratio_clv_lifetimes_to_ours {scale_label(clv['customers'])} "
                     f"{clv['ratio_lifetimes_to_ours']:.2f}")
    for scale, res in measured_scales(results).items():
        lines.append(f"peak_memory_gib {scale} {res['full']['peak_rss_gib']:.2f}")
    for scale, res in measured_scales(results).items():
        build = res.get("spark", {}).get("build", {})
        if build.get("returncode") == 0:
            lines.append(f"spark_build_seconds {scale} {build['seconds']:.2f}")
    return lines


SUMMARY_PATTERN = re.compile(
    r"^(ratio_full_to_floor|ratio_incremental_to_full|ratio_build_incremental_to_full|ratio_clv_lifetimes_to_ours"
    r"|peak_memory_gib|spark_build_seconds)"
    r" ([A-Za-z0-9.]+) ([0-9]+\.[0-9]+)$"
)


def scale_label(n: int) -> str:
    for suffix, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def render_markdown(results: dict[str, Any], template: str) -> str:
    parts = [template.rstrip(), "", "## Machine", ""]
    parts += [f"- {key}: {value}" for key, value in results["machine"].items()]
    s = results["settings"]
    parts += ["", f"DuckDB settings of every run: threads={s['threads']}, memory_limit="
              f"{s['memory_limit']}, temp_directory={s['temp_dir']}, "
              "preserve_insertion_order=false; dbt threads 2.", ""]
    scales = measured_scales(results)
    skipped = {scale: res["skipped"] for scale, res in results.get("scales", {}).items() if "skipped" in res}
    if skipped:
        parts += ["Scales not run:", ""] + [f"- {scale}: {reason}" for scale, reason in skipped.items()] + [""]
    if scales:
        parts += ["## Results", "",
                  "| scale | raw events | full build s | peak GiB | events/s | floor s | floor peak GiB "
                  "| full / floor | hourly s | hourly peak GiB | hourly / full | build incr. s "
                  "| build incr. / full |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for scale, res in scales.items():
            full, floor, inc = res["full"], res.get("floor", {}), res.get("incremental", {})
            build = res.get("build_incremental", {})
            parts.append(re.sub(r"\| nan(?= \|)", "| -", (  # a step not measured: "-"
                f"| {scale} | {res['raw_rows']['events']:,} | {full['seconds']:.1f} | "
                f"{full['peak_rss_gib']:.2f} | {res['events_per_second_full']:,.0f} | "
                f"{floor.get('seconds', float('nan')):.1f} | {floor.get('peak_rss_gib', float('nan')):.2f} | "
                f"{res.get('ratio_full_to_floor', float('nan')):.2f} | "
                f"{inc.get('seconds', float('nan')):.1f} | {inc.get('peak_rss_gib', float('nan')):.2f} | "
                f"{res.get('ratio_incremental_to_full', float('nan')):.2f} | "
                f"{build.get('seconds', float('nan')):.1f} | "
                f"{res.get('ratio_build_incremental_to_full', float('nan')):.2f} |")))
        stored = {scale: res["storage"] for scale, res in scales.items() if "storage" in res}
        if stored:
            parts += ["", "Disk after the full build (raw Parquet files and the DuckDB warehouse file):", "",
                      "| scale | raw GB | warehouse GB | raw bytes / event | warehouse bytes / event "
                      "| total bytes / event |", "|---|---|---|---|---|---|"]
            for scale, st in stored.items():
                parts.append(
                    f"| {scale} | {st['raw_bytes'] / 1e9:.2f} | {st['warehouse_bytes'] / 1e9:.2f} | "
                    f"{st['raw_bytes_per_event']:.0f} | {st['warehouse_bytes_per_event']:.0f} | "
                    f"{st['raw_bytes_per_event'] + st['warehouse_bytes_per_event']:.0f} |")
        for scale, res in scales.items():
            full = res["full"]
            parts += ["", f"### {scale} events", ""]
            if "commit" in res:
                parts.append(f"Code measured: commit {res['commit']}.")
            parts.append(f"Full build: {full['seconds']:.1f} s wall (dbt elapsed "
                         f"{full['elapsed_time']:.1f} s; models {full['model_seconds']:.1f} s, "
                         f"tests {full['test_seconds']:.1f} s summed over nodes), statuses "
                         f"{full['statuses']}, exit code {full['returncode']}.")
            if "stopped" in res:
                parts.append(f"Stopped: {res['stopped']}.")
            parts += ["", "Rows per layer (tables only; views such as stg_events__events are "
                      "not counted):", "", "| layer | tables | rows |", "|---|---|---|"]
            for layer, entry in sorted(res["rows_per_layer"].items()):
                parts.append(f"| {layer} | {entry['tables']} | {entry['rows']:,} |")
            parts += ["", "Slowest ten models of the full build (run_results.json):", "",
                      "| model | layer | seconds | rows | rows/s |", "|---|---|---|---|---|"]
            for m in full["slowest"]:
                rate = f"{m['rows'] / m['seconds']:,.0f}" if m["rows"] and m["seconds"] else "-"
                rows = f"{m['rows']:,}" if m["rows"] is not None else "(view)"
                parts.append(f"| {m['model']} | {m['layer']} | {m['seconds']:.2f} | {rows} | {rate} |")
            runs = [("incremental", "Hourly run (`dbt build --selector hourly`)"),
                    ("build_incremental", "Whole `dbt build`")]
            for key, title in runs:
                inc = res.get(key)
                if not inc:
                    continue
                own = inc["incremental_models_seconds"]
                code = (f" (code: commit {inc['commit']})"
                        if inc.get("commit") and inc["commit"] != res.get("commit") else "")
                parts += ["", f"{title}{code} after appending {inc['appended_events']:,} new events: "
                          f"{inc['seconds']:.1f} s wall, peak {inc['peak_rss_gib']:.2f} GiB, statuses "
                          f"{inc['statuses']}, exit code {inc['returncode']} (models "
                          f"{inc['model_seconds']:.1f} s, tests {inc['test_seconds']:.1f} s summed over "
                          "nodes). Its incremental models: "
                          + ", ".join(f"{k} {v:.2f} s" for k, v in own.items() if v is not None)
                          + f" ({inc['incremental_models_to_full_models']:.1%} of their full-build time).",
                          "", "Slowest ten models of that run:", "",
                          "| model | layer | seconds |", "|---|---|---|"]
                for m in inc["slowest"]:
                    parts.append(f"| {m['model']} | {m['layer']} | {m['seconds']:.2f} |")
    spark = {scale: res["spark"] for scale, res in scales.items() if "spark" in res}
    if spark:
        parts += ["", "## Spark (local session)", "",
                  "The same raw files loaded into a local Spark session and built by "
                  "`python -m custseg build --target spark` (every model, data test and unit test; "
                  "the CLV fit between the halves), against the DuckDB full build of the same scale.", "",
                  "| scale | commit | master | driver memory | load s | build s | build peak GiB "
                  "| build / DuckDB full | statuses |", "|---|---|---|---|---|---|---|---|---|"]
        for scale, run in spark.items():
            load_, build = run.get("load", {}), run.get("build", {})
            ratio = build.get("seconds", float("nan")) / scales[scale]["full"]["seconds"]
            state = run.get("statuses") or run.get("stopped", "")
            parts.append(f"| {scale} | {run.get('commit', 'not recorded')} | {run['master']} | "
                         f"{run['driver_memory']} | "
                         f"{load_.get('seconds', float('nan')):.1f} | {build.get('seconds', float('nan')):.1f} | "
                         f"{build.get('peak_rss_gib', float('nan')):.2f} | {ratio:.2f} | {state} |")
    if "clv" in results:
        clv = results["clv"]
        parts += ["", "## CLV peer (scripts/bench_clv.py)", ""] + [f"    {h}" for h in clv["header"]]
        parts += ["", "| step | ours s | lifetimes s |", "|---|---|---|",
                  f"| fit (BG/NBD + Gamma-Gamma) | {clv['ours_fit']:.2f} | {clv['lifetimes_fit']:.2f} |",
                  f"| score (numpy / lifetimes) | {clv['ours_score_numpy']:.2f} | {clv['lifetimes_score']:.2f} |"]
        if "ours_score_sql_model" in clv:
            parts.append(f"| score in SQL (dbt run contact_clv: model s / wall s) | "
                         f"{clv['ours_score_sql_model']:.2f} / {clv['ours_score_sql_wall']:.2f} | - |")
        parts += ["", "Ratio = (lifetimes fit + score) / (our fit + our SQL scoring model time).", "",
                  "| parameter | ours | lifetimes | abs diff |", "|---|---|---|---|"]
        for name, p in clv["parameters"].items():
            parts.append(f"| {name} | {p['ours']:.6f} | {p['lifetimes']:.6f} | {p['abs_diff']:.2e} |")
    if results.get("notes"):
        parts += ["", "## Observations", ""] + [f"- {note}" for note in results["notes"]]
    parts += ["", "## Summary", "", "One line per measurement, machine-readable (name, scale, value):",
              ""] + summary_lines(results) + [""]
    return "\n".join(parts)


# ----------------------------------------------------------------------------- CLI
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1M,10M,100M,1B",
                        help="comma-separated event counts (e.g. 1M,10M or tiny); a scale whose data "
                             "and warehouse do not fit on the disk is skipped with the reason")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("DUCKDB_THREADS", 2)))
    parser.add_argument("--memory-limit", default=os.environ.get("DUCKDB_MEMORY_LIMIT", "12GB"))
    parser.add_argument("--temp-dir", default=None, help="DuckDB spill folder (default OUT/tmp)")
    parser.add_argument("--out-dir", default=str(PROJECT_DIR / "warehouse" / "bench"))
    parser.add_argument("--project-dir", default=str(PROJECT_DIR))
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-generate", action="store_true",
                        help="reuse OUT/data/<scale> when it exists")
    parser.add_argument("--resume", action="store_true",
                        help="continue a scale from its full build recorded in OUT/results.json "
                             "(warehouse still in OUT/<scale>): run only the floor and incremental "
                             "steps it lacks")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument("--append-share", type=float, default=0.01)
    parser.add_argument("--build-incremental-scales", default="all",
                        help="scales that also time a whole incremental `dbt build` after the hourly "
                             "run ('all' or a comma list; the others time the hourly run only)")
    parser.add_argument("--spark-scales", default="10M",
                        help="scales (already measured on DuckDB) to build on Spark too; '' = none")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--spark-driver-memory", default="8g")
    parser.add_argument("--clv-customers", type=int, default=1_000_000, help="0 = skip")
    parser.add_argument("--clv-from-log", default=None,
                        help="parse this saved bench_clv.py output instead of running it")
    parser.add_argument("--docs", default=str(PROJECT_DIR / "docs" / "benchmarks.md"),
                        help="markdown report to write ('' = none)")
    parser.add_argument("--note", action="append", default=None,
                        help="observation for the report (repeatable; replaces the stored notes)")
    parser.add_argument("--template", default=str(PROJECT_DIR / "scripts" / "bench_template.md"))
    return parser.parse_args(argv)


def floor_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="run scripts/bench_floor.sql once")
    parser.add_argument("--data", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="12GB")
    parser.add_argument("--temp-dir", default="/tmp/custseg_bench_tmp")
    parser.add_argument("--as-of", default=AS_OF)
    parser.add_argument("--project-dir", default=str(PROJECT_DIR))
    args = parser.parse_args(argv)
    settings = Settings(args.threads, args.memory_limit, Path(args.temp_dir),
                        Path(args.project_dir), args.as_of)
    run_floor(Path(args.data).resolve(), Path(args.db), settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["floor"]:
        return floor_main(argv[1:])
    args = parse_args(argv)
    out = Path(args.out_dir).resolve()
    args.out_dir = str(out)
    settings = Settings(args.threads, args.memory_limit,
                        Path(args.temp_dir).resolve() if args.temp_dir else out / "tmp",
                        Path(args.project_dir).resolve(), args.as_of)
    results_file = out / "results.json"
    # the results behind the report, kept in the repository next to it: a run that measures
    # some scales keeps the other scales' figures even in a new checkout
    kept_file = Path(args.docs).with_suffix(".json") if args.docs else None
    out.mkdir(parents=True, exist_ok=True)
    start = next((f for f in (results_file, kept_file) if f and f.exists()), None)
    results: dict[str, Any] = json.loads(start.read_text()) if start else {"scales": {}}
    results["settings"] = {"threads": settings.threads, "memory_limit": settings.memory_limit,
                           "temp_dir": str(settings.temp_dir)}
    spark_scales = [s.strip() for s in args.spark_scales.split(",") if s.strip()]
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        previous = results["scales"].get(scale) or {}
        results["scales"][scale] = bench_scale(scale, args, settings, previous, largest_storage(results))
        if "spark" in previous and scale not in spark_scales:
            # not re-measured on Spark: keep the earlier Spark row (its commit is in the table)
            results["scales"][scale]["spark"] = previous["spark"]
        results_file.write_text(json.dumps(results, indent=2, default=str))
    for scale in spark_scales:
        measured = results["scales"].get(scale, {})
        if "full" not in measured:
            print(f"[{scale}] spark skipped: no DuckDB full build of this scale in {results_file}")
            continue
        measured["spark"] = bench_spark(scale, args, settings)
        results_file.write_text(json.dumps(results, indent=2, default=str))
    if args.clv_from_log:
        text = Path(args.clv_from_log).read_text()
        customers = int(re.search(r"customers: ([0-9,]+)", text).group(1).replace(",", ""))
        results["clv"] = parse_clv_output(text) | {"customers": customers, "log": args.clv_from_log}
    elif args.clv_customers:
        print(f"[clv] bench_clv.py --customers {args.clv_customers:,}")
        results["clv"] = bench_clv(args.clv_customers, out / "bench_clv.log")
    if args.note is not None:
        results["notes"] = args.note
    results["machine"] = machine()
    results_file.write_text(json.dumps(results, indent=2, default=str))
    if args.docs:
        template = Path(args.template).read_text() if Path(args.template).exists() else "# Benchmarks"
        Path(args.docs).write_text(render_markdown(results, template))
        kept_file.write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(summary_lines(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
