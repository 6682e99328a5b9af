"""scripts/bench.py and scripts/bench_floor.sql on the tiny sample.

The floor must compute the same key outputs as the project: its RFM scores (and the other core
profile columns it claims) are compared with the project's contact_profile built from the same
files. The benchmark machinery (append of new events, rows per layer, run summaries, CLV output
parsing, the report's summary lines) runs for real on small inputs.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from conftest import AS_OF
from custseg import PROJECT_DIR
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

EXACT_COLUMNS = [
    "r_score",
    "f_score",
    "m_score",
    "recency_days",
    "frequency",
    "first_purchase_date",
    "last_purchase_date",
    "rfm_segment",
    "account_id",
    "marketing_consent",
    "is_deleted",
    "is_consumer",
    "age_band",
    "gender",
    "household_size_band",
    "income_band",
    "country_code",
    "region",
    "language_code",
    "active_days_30",
    "active_days_90",
    "usage_level",
]
CLOSE_COLUMNS = ["monetary", "engagement_score"]


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench", PROJECT_DIR / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def floor_db(built: dict, sample_data: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("bench_floor")
    settings = bench.Settings(2, "2GB", workdir / "tmp", PROJECT_DIR, AS_OF)
    result = bench.floor_measured(Path(sample_data["dir"]), workdir, settings)
    assert result.returncode == 0 and result.seconds > 0 and result.peak_rss_bytes > 0
    return workdir / "floor.duckdb"


def _mismatches(built: dict, floor_db: Path, column: str, close: bool = False) -> int:
    condition = (
        f"abs(coalesce(p.{column}, 0) - coalesce(f.{column}, 0)) > 1e-6 or (p.{column} is null) <> (f.{column} is null)"
        if close
        else f"p.{column} is distinct from f.{column}"
    )
    with connect_duckdb(built["db"], read_only=True) as con:
        con.execute(f"attach '{floor_db}' as fl (read_only)")
        return con.execute(
            "select count(*) from contact_profile as p "
            f"full join fl.floor_contact_profile as f on p.contact_id = f.contact_id where {condition}"
        ).fetchone()[0]


def test_floor_rfm_equals_project(built: dict, floor_db: Path) -> None:
    with connect_duckdb(built["db"], read_only=True) as con:
        con.execute(f"attach '{floor_db}' as fl (read_only)")
        purchasers = con.execute("select count(*) from fl.floor_rfm").fetchone()[0]
        project = con.execute("select count(*) from contact_profile where r_score is not null").fetchone()[0]
    assert purchasers == project and purchasers > 100
    for column in ("r_score", "f_score", "m_score", "recency_days", "frequency"):
        assert _mismatches(built, floor_db, column) == 0, column
    assert _mismatches(built, floor_db, "monetary", close=True) == 0


@pytest.mark.parametrize("column", EXACT_COLUMNS)
def test_floor_profile_core_column_equals_project(built: dict, floor_db: Path, column: str) -> None:
    assert _mismatches(built, floor_db, column) == 0


@pytest.mark.parametrize("column", CLOSE_COLUMNS)
def test_floor_profile_numeric_column_close_to_project(built: dict, floor_db: Path, column: str) -> None:
    assert _mismatches(built, floor_db, column, close=True) == 0


def test_floor_segments_equal_project_membership(built: dict, floor_db: Path) -> None:
    """Every floor segment that the project also publishes has the same members."""
    with connect_duckdb(built["db"], read_only=True) as con:
        con.execute(f"attach '{floor_db}' as fl (read_only)")
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "segment_membership" not in tables:
            pytest.skip("the project build has no segment_membership table")
        shared = [
            r[0]
            for r in con.execute(
                "select distinct segment_id from fl.floor_segment_membership "
                "where segment_id in (select segment_id from segment_membership) "
                "and segment_id not in ('customers', 'prospects')"
            ).fetchall()
        ]
        assert len(shared) >= 10
        differences = con.execute(
            "select count(*) from ("
            "(select segment_id, contact_id from fl.floor_segment_membership where segment_id in ?"
            " except select segment_id, entity_id from segment_membership where segment_id in ?)"
            " union all "
            "(select segment_id, entity_id from segment_membership where segment_id in ?"
            " except select segment_id, contact_id from fl.floor_segment_membership where segment_id in ?))",
            [shared, shared, shared, shared],
        ).fetchone()[0]
    assert differences == 0


def test_append_events_lands_after_the_watermark(sample_data: dict, tmp_path: Path) -> None:
    data = tmp_path / "raw"
    shutil.copytree(sample_data["dir"], data)
    glob = str(data / "events" / "*.parquet")
    before, watermark = duckdb.sql(f"select count(*), max(received_at) from read_parquet('{glob}')").fetchone()
    appended = bench.append_events(data, 0.01)
    after, ids, earliest = duckdb.sql(
        f"select count(*), count(distinct event_id) filter (where event_id like 'evt-append-%'), "
        f"min(received_at) filter (where event_id like 'evt-append-%') from read_parquet('{glob}')"
    ).fetchone()
    assert appended == round(before * 0.01) and after == before + appended and ids == appended
    assert earliest > watermark
    # a second batch (the whole build after the hourly run) lands after the first, with its own ids
    latest = duckdb.sql(f"select max(received_at) from read_parquet('{glob}')").fetchone()[0]
    second = bench.append_events(data, 0.01, seed=43, batch=2)
    ids2, earliest2, total = duckdb.sql(
        f"select count(distinct event_id) filter (where event_id like 'evt-append2-%'), "
        f"min(received_at) filter (where event_id like 'evt-append2-%'), count(*) from read_parquet('{glob}')"
    ).fetchone()
    assert ids2 == second and earliest2 > latest and total == before + appended + second
    bench.remove_appended(data)
    assert duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchone()[0] == before


def test_run_summary_layers_and_report_lines(built: dict, floor_db: Path, tmp_path: Path) -> None:
    target = built["workdir"] / "target"
    layers = bench.model_layers(target)
    rows = bench.table_rows(built["db"])
    per_layer = bench.rows_per_layer(rows, layers)
    assert {"staging", "intermediate", "marts"} <= set(per_layer)
    assert per_layer["staging"]["rows"] >= rows["base_events__events"] > 0
    import json

    run_results = json.loads((target / "run_results.json").read_text())
    summary = bench.summarise_run(run_results, layers, rows)
    assert len(summary["slowest"]) == 10
    times = [m["seconds"] for m in summary["slowest"]]
    assert times == sorted(times, reverse=True)
    incremental = bench.incremental_models(target)
    assert "base_events__events" in incremental

    floor_rows = bench.table_rows(floor_db)
    results = {
        "settings": {"threads": 2, "memory_limit": "2GB", "temp_dir": str(tmp_path)},
        "machine": bench.machine(),
        "scales": {
            "tiny": {
                "raw_rows": built["manifest"]["row_counts"],
                "full": {"seconds": summary["elapsed_time"], "peak_rss_gib": 0.5, "returncode": 0, **summary},
                "rows_per_layer": per_layer,
                "events_per_second_full": built["manifest"]["row_counts"]["events"] / summary["elapsed_time"],
                "floor": {"seconds": 1.0, "peak_rss_gib": 0.1, "rows": floor_rows},
                "ratio_full_to_floor": summary["elapsed_time"] / 1.0,
                **{
                    key: {
                        "command": command, "appended_events": 500, "seconds": seconds, "peak_rss_gib": 0.3,
                        "returncode": 0, "incremental_models_seconds": {"base_events__events": 0.2},
                        "incremental_models_to_full_models": 0.1, **summary,
                    }
                    for key, command, seconds in [
                        ("incremental", "dbt build --selector hourly", 2.0),
                        ("build_incremental", "dbt build", 9.0),
                    ]
                },
                "ratio_incremental_to_full": 2.0 / summary["elapsed_time"],
                "ratio_build_incremental_to_full": 9.0 / summary["elapsed_time"],
                "spark": {
                    "master": "local[2]", "driver_memory": "8g", "statuses": {"success": 5},
                    "commit": "abc1234",
                    "load": {"seconds": 3.0, "peak_rss_gib": 0.4, "returncode": 0},
                    "build": {"seconds": 4 * summary["elapsed_time"], "peak_rss_gib": 2.5, "returncode": 0},
                },
            },
            "1B": {"scale": "1B", "skipped": "needs about 330 GB of disk"},
        },
    }
    text = bench.render_markdown(results, "# Benchmarks")
    lines = bench.summary_lines(results)
    assert text.rstrip().splitlines()[-len(lines) :] == lines
    assert "- 1B: needs about 330 GB of disk" in text and not any(" 1B " in line for line in lines)
    parsed = [bench.SUMMARY_PATTERN.match(line) for line in lines]
    assert all(parsed) and {m.group(1) for m in parsed} == {
        "ratio_full_to_floor",
        "ratio_incremental_to_full",
        "ratio_build_incremental_to_full",
        "peak_memory_gib",
        "spark_build_seconds",
    }
    assert "| tiny | abc1234 | local[2] | 8g | 3.0 |" in text and "| 2.50 | 4.00 |" in text
    assert float(parsed[0].group(3)) == pytest.approx(summary["elapsed_time"], abs=0.01)
    values = {m.group(1): float(m.group(3)) for m in parsed}
    assert values["ratio_incremental_to_full"] == pytest.approx(2.0 / summary["elapsed_time"], abs=0.01)
    assert values["ratio_build_incremental_to_full"] == pytest.approx(9.0 / summary["elapsed_time"], abs=0.01)
    assert "Hourly run (`dbt build --selector hourly`) after appending 500 new events" in text
    assert "Whole `dbt build` after appending 500 new events" in text


def test_scale_stops_after_a_failed_full_build(sample_data: dict, tmp_path: Path, monkeypatch) -> None:
    """A full build that fails ends the scale: no floor, no incremental runs, the reason recorded."""
    data = tmp_path / "out" / "data" / "tiny"
    shutil.copytree(sample_data["dir"], data)
    args = bench.parse_args(["--scales", "tiny", "--out-dir", str(tmp_path / "out"), "--skip-generate"])
    settings = bench.Settings(2, "1GB", tmp_path / "tmp", PROJECT_DIR, AS_OF)
    run_results = {"elapsed_time": 1.0, "results": []}
    monkeypatch.setattr(bench, "load", lambda data_dir, db: {})
    monkeypatch.setattr(bench, "dbt_build", lambda *a, **k: (bench.Measured(1.0, 1, 2, "boom"), run_results))
    monkeypatch.setattr(bench, "model_layers", lambda target: {})
    monkeypatch.setattr(bench, "table_rows", lambda db: {})

    def must_not_run(*args, **kwargs):
        raise AssertionError("a step ran after a failed full build")

    monkeypatch.setattr(bench, "floor_measured", must_not_run)
    monkeypatch.setattr(bench, "append_events", must_not_run)
    result = bench.bench_scale("tiny", args, settings)
    assert result["full"]["returncode"] == 2
    assert "full build failed (exit code 2)" in result["stopped"]
    assert "floor" not in result and "incremental" not in result and "build_incremental" not in result


@pytest.mark.parametrize(("option", "expected"), [("all", ["incremental", "build_incremental"]),
                                                   ("1M,tiny", ["incremental", "build_incremental"]),
                                                   ("1M", ["incremental"])])
def test_whole_incremental_build_runs_only_at_the_scales_asked(
    sample_data: dict, tmp_path: Path, monkeypatch, option: str, expected: list[str]
) -> None:
    shutil.copytree(sample_data["dir"], tmp_path / "out" / "data" / "tiny")
    args = bench.parse_args(["--scales", "tiny", "--out-dir", str(tmp_path / "out"), "--skip-generate",
                             "--skip-floor", "--build-incremental-scales", option])
    settings = bench.Settings(2, "1GB", tmp_path / "tmp", PROJECT_DIR, AS_OF)
    monkeypatch.setattr(bench, "load", lambda data_dir, db: {})
    monkeypatch.setattr(bench, "dbt_build", lambda *a, **k: (bench.Measured(1.0, 1, 0, ""),
                                                              {"elapsed_time": 1.0, "results": []}))
    monkeypatch.setattr(bench, "model_layers", lambda target: {})
    monkeypatch.setattr(bench, "table_rows", lambda db: {})
    ran = []
    monkeypatch.setattr(bench, "incremental_run", lambda scale, a, s, w, r, key, *rest: ran.append(key) or (
        {"returncode": 0}, 0.1))
    bench.bench_scale("tiny", args, settings)
    assert ran == expected


def test_a_failed_incremental_run_gives_no_ratio_and_is_measured_again_on_resume(
    sample_data: dict, tmp_path: Path, monkeypatch
) -> None:
    shutil.copytree(sample_data["dir"], tmp_path / "out" / "data" / "tiny")
    (tmp_path / "out" / "tiny").mkdir(parents=True)
    (tmp_path / "out" / "tiny" / "warehouse.duckdb").touch()
    settings = bench.Settings(2, "1GB", tmp_path / "tmp", PROJECT_DIR, AS_OF)
    exit_codes = {"incremental": 1}
    ran = []

    def incremental_run(scale, a, s, w, result, key, selector, batch):
        ran.append(key)
        return {"command": key, "returncode": exit_codes.get(key, 0)}, 0.05

    monkeypatch.setattr(bench, "incremental_run", incremental_run)
    previous = {"scale": "tiny", "full": {"seconds": 10.0, "returncode": 0, "peak_rss_gib": 1.0}, "floor": {}}
    args = bench.parse_args(["--scales", "tiny", "--out-dir", str(tmp_path / "out"), "--skip-generate",
                             "--resume"])
    failed = bench.bench_scale("tiny", args, settings, previous)
    assert ran == ["incremental"]
    assert "ratio_incremental_to_full" not in failed and "incremental failed (exit code 1)" in failed["stopped"]
    assert not any(line.startswith("ratio_incremental") for line in bench.summary_lines(
        {"scales": {"tiny": failed | {"raw_rows": {"events": 1}}}}))

    exit_codes.clear()
    resumed = bench.bench_scale("tiny", args, settings, failed)
    assert ran == ["incremental", "incremental", "build_incremental"]
    assert resumed["ratio_incremental_to_full"] == 0.05 and "stopped" not in resumed


def test_a_rerun_scale_keeps_its_spark_row_unless_spark_runs_again(tmp_path: Path, monkeypatch) -> None:
    """Re-measuring a scale on DuckDB alone keeps the Spark row measured before (with its commit);
    every new measurement records the commit of the measured project."""
    out = tmp_path / "out"
    out.mkdir()
    spark = {"master": "local[2]", "driver_memory": "8g", "commit": "old1234"}
    (out / "results.json").write_text(json.dumps({"scales": {"tiny": {"full": {}, "spark": spark}}}))
    monkeypatch.setattr(bench, "bench_scale", lambda scale, args, settings, *previous: {
        "scale": scale, "commit": bench.code_commit(settings.project_dir)})
    monkeypatch.setattr(bench, "bench_spark", lambda *a: pytest.fail("Spark ran"))
    monkeypatch.setattr(bench, "summary_lines", lambda results: [])
    bench.main(["--scales", "tiny", "--spark-scales", "", "--clv-customers", "0", "--docs", "",
                "--out-dir", str(out)])
    kept = json.loads((out / "results.json").read_text())["scales"]["tiny"]
    assert kept["spark"] == spark
    assert re.fullmatch(r"[0-9a-f]{7,}(\+changes)?", kept["commit"])


def test_results_kept_next_to_the_report_survive_a_new_out_dir(tmp_path: Path, monkeypatch) -> None:
    """The results behind docs/benchmarks.md are written next to it (benchmarks.json); a run
    with an empty out dir (a new checkout) starts from them and keeps the scales it does not
    measure."""
    docs = tmp_path / "docs" / "benchmarks.md"
    docs.parent.mkdir()
    earlier = {"raw_rows": {"events": 100_000_000}, "commit": "old1234"}
    docs.with_suffix(".json").write_text(json.dumps({"scales": {"100M": earlier}}))
    monkeypatch.setattr(bench, "bench_scale", lambda scale, *rest: {"scale": scale})
    monkeypatch.setattr(bench, "render_markdown", lambda results, template: "report")
    monkeypatch.setattr(bench, "summary_lines", lambda results: [])
    bench.main(["--scales", "tiny", "--spark-scales", "", "--clv-customers", "0",
                "--docs", str(docs), "--out-dir", str(tmp_path / "new_out")])
    kept = json.loads(docs.with_suffix(".json").read_text())["scales"]
    assert kept == {"100M": earlier, "tiny": {"scale": "tiny"}}
    assert json.loads((tmp_path / "new_out" / "results.json").read_text())["scales"] == kept
    assert docs.read_text() == "report"


def test_report_ends_with_the_required_summary_lines() -> None:
    """docs/benchmarks.md, as last written by `make bench`, ends with one machine-readable line
    per measurement, the required ones among them."""
    lines = (PROJECT_DIR / "docs" / "benchmarks.md").read_text().rstrip().splitlines()
    summary = []
    for line in reversed(lines):
        match = bench.SUMMARY_PATTERN.match(line)
        if not match:
            break
        summary.append((match.group(1), match.group(2)))
    assert {
        ("ratio_full_to_floor", "10M"),
        ("ratio_full_to_floor", "100M"),
        ("ratio_incremental_to_full", "10M"),
        ("ratio_clv_lifetimes_to_ours", "1M"),
        ("peak_memory_gib", "100M"),
    } <= set(summary)


def test_scale_runs_only_when_the_disk_holds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    free = 60 * 10**9
    monkeypatch.setattr(bench.shutil, "disk_usage", lambda path: SimpleNamespace(free=free))
    data = tmp_path / "data"
    assert bench.disk_shortfall("100M", data, tmp_path) is None
    reason = bench.disk_shortfall("1B", data, tmp_path)
    assert reason is not None and "1,000,000,000 events" in reason and "60 GB free" in reason
    # a measured scale's bytes per event replace the constants: 1B needs (10 + 30) * 1.2 = 48 GB,
    # or (40 + 60) * 1.2 = 120 GB
    assert bench.disk_shortfall("1B", data, tmp_path, {"raw_bytes_per_event": 10.0,
                                                       "warehouse_bytes_per_event": 30.0}) is None
    reason = bench.disk_shortfall("1B", data, tmp_path, {"raw_bytes_per_event": 40.0,
                                                         "warehouse_bytes_per_event": 60.0})
    assert reason is not None and "needs about 120 GB" in reason


def test_storage_counts_raw_files_and_warehouse_per_event(tmp_path: Path) -> None:
    data, db = tmp_path / "data", tmp_path / "warehouse.duckdb"
    (data / "events").mkdir(parents=True)
    (data / "events" / "part-0.parquet").write_bytes(b"x" * 300)
    (data / "_manifest.json").write_bytes(b"y" * 100)
    db.write_bytes(b"z" * 1000)
    measured = bench.storage(data, db, raw_events=10)
    assert measured == {"raw_bytes": 400, "warehouse_bytes": 1000,
                        "raw_bytes_per_event": 40.0, "warehouse_bytes_per_event": 100.0}
    results = {"scales": {"1M": {"raw_rows": {"events": 10}, "storage": measured},
                          "tiny": {"raw_rows": {"events": 5}, "storage": {"raw_bytes": 1}},
                          "1B": {"skipped": "disk"}}}
    assert bench.largest_storage(results) is measured


def test_clv_peer_output_parses(tmp_path: Path) -> None:
    clv = bench.bench_clv(3000, tmp_path / "bench_clv.log", extra=["--no-sql"])
    assert clv["ours_fit"] > 0 and clv["lifetimes_fit"] > 0 and clv["ratio_lifetimes_to_ours"] > 0
    assert set(clv["parameters"]) == {"r", "alpha", "a", "b", "bgnbd_ll", "p", "q", "v"}
    line = [x for x in bench.summary_lines({"clv": clv}) if x.startswith("ratio_clv")][0]
    assert bench.SUMMARY_PATTERN.match(line) and line.startswith("ratio_clv_lifetimes_to_ours 3k ")
