"""Files kept between runs survive a kill at any instant, and a damaged one stops the command
with a message naming it.

The export is killed (CUSTSEG_FAULT_AT, os._exit(137) in a subprocess) at every step of its
write sequence; the rerun must write the same added/removed files as an export that was never
interrupted. Membership changes between export A (the built sample) and export B (a copy of
the warehouse with members removed, added and with changed emails, and a retired segment)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custseg import PROJECT_DIR
from custseg.durable import FAULT_ENV, FAULT_EXIT_CODE
from custseg.export import COMMITTED_STEPS, FAULT_STEPS, current_state_dir, export_segments
from custseg.layers import connect_duckdb

DIFF_FILES = ("added.csv", "added.parquet", "removed.csv", "removed.parquet", "members.csv", "members.parquet")


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **env}
    return subprocess.run(
        [sys.executable, "-m", "custseg", *args], capture_output=True, text=True, env=environment, cwd=PROJECT_DIR
    )


@pytest.fixture(scope="module")
def warehouses(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A = the built sample; B = a copy whose membership changed in every way an export sees."""
    folder = tmp_path_factory.mktemp("fault_warehouses")
    a, b = folder / "a.duckdb", folder / "b.duckdb"
    shutil.copy(built["db"], a)
    shutil.copy(built["db"], b)
    with connect_duckdb(b) as con:
        retired = con.execute("select min(segment_id) from segment_catalog where entity_type = 'contact'").fetchone()[0]
        con.execute("delete from segment_catalog where segment_id = ?", [retired])
        con.execute("delete from segment_membership where segment_id = ?", [retired])
        con.execute("delete from segment_membership where hash(entity_id) % 5 = 0")  # removed
        con.execute(
            "update activation_contacts set suppression_reason = null where hash(contact_id) % 4 = 0"
        )  # added
        con.execute(
            "update activation_contacts set suppression_reason = 'unsubscribed' where hash(contact_id) % 9 = 2"
        )  # suppressed: removed with its reason
        con.execute(
            "update activation_contacts set email = 'new.' || email where hash(contact_id) % 6 = 1"
        )  # changed contact point: re-sent as added, the old hash removed
        con.execute(
            "update activation_contacts set phone = '+44 20 7946 0958' where hash(contact_id) % 7 = 3"
        )  # changed phone
        con.execute("update segment_catalog set as_of_date = as_of_date + interval 7 day")
    return {"a": a, "b": b}


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted((out / "segments").rglob("*"))
        if path.is_file()
    }


def _counts(out: Path) -> list[dict]:
    manifest = json.loads((out / "export_manifest.json").read_text())
    return [manifest["as_of_date"], manifest["previous_as_of_date"], manifest["segments"]]


def _state(out: Path) -> dict[str, bytes]:
    folder = current_state_dir(out)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def uninterrupted(warehouses: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("uninterrupted") / "export"
    export_segments(out, database=warehouses["a"])
    summary = export_segments(out, database=warehouses["b"])
    assert sum(s.added for s in summary.segments) > 0 and sum(s.removed for s in summary.segments) > 0
    assert any(s.members == 0 and s.removed > 0 for s in summary.segments)  # the retired segment
    return {"files": _files(out), "counts": _counts(out), "state": _state(out)}


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_export_killed_at_any_step_then_rerun_sends_what_an_uninterrupted_run_sends(
    step: str, warehouses: dict[str, Path], uninterrupted: dict, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    export_segments(out, database=warehouses["a"])
    cli = ["export", "--out", str(out), "--database", str(warehouses["b"])]
    killed = _cli(cli, **{FAULT_ENV: step})
    assert killed.returncode == FAULT_EXIT_CODE, f"export B was not killed at step {step}: {killed.stderr[-2000:]}"
    if step in COMMITTED_STEPS:
        # The new state was already current: export B is complete, its files are on disk.
        assert _files(out) == uninterrupted["files"], f"killed at {step}: export B's files differ"
        assert _state(out) == uninterrupted["state"], f"killed at {step}: state is not export B's"
    rerun = _cli(cli)
    assert rerun.returncode == 0, f"rerun after a kill at {step} failed: {rerun.stderr[-2000:]}"
    if step in COMMITTED_STEPS:
        assert "0 added, 0 removed" in rerun.stdout, f"killed at {step}: rerun after completion sent {rerun.stdout}"
        return
    assert _files(out) == uninterrupted["files"], f"killed at {step}: rerun's added/removed files differ"
    assert _counts(out) == uninterrupted["counts"], f"killed at {step}: rerun's manifest counts differ"
    assert _state(out) == uninterrupted["state"], f"killed at {step}: rerun's state differs"
    assert sorted(p.name for p in (out / "state").iterdir()) == ["CURRENT.json", current_state_dir(out).name], step
    assert not list(out.rglob(".*.tmp-*")), f"killed at {step}: temporary files left after the rerun"


def test_the_unversioned_state_layout_is_read_and_replaced(warehouses: dict[str, Path], uninterrupted: dict, tmp_path):
    out = tmp_path / "export"
    export_segments(out, database=warehouses["a"])
    folder = current_state_dir(out)
    for path in folder.iterdir():  # the layout written before versioned state folders
        path.rename(out / "state" / path.name)
    folder.rmdir()
    (out / "state" / "CURRENT.json").unlink()
    killed = _cli(
        ["export", "--out", str(out), "--database", str(warehouses["b"])], **{FAULT_ENV: "export:state_files"}
    )
    assert killed.returncode == FAULT_EXIT_CODE
    export_segments(out, database=warehouses["b"])
    assert _files(out) == uninterrupted["files"]
    assert not list((out / "state").glob("*.parquet"))


def _damage(out: Path, what: str) -> Path:
    state = out / "state"
    if what == "truncated pointer":
        path = state / "CURRENT.json"
        path.write_text(path.read_text()[:20])
    elif what == "pointer of the wrong shape":
        path = state / "CURRENT.json"
        path.write_text('["v1"]')
    elif what == "pointer to a missing version":
        path = state / "CURRENT.json"
        path.write_text('{"version": "v-gone"}')
    else:  # a truncated state file
        path = sorted(current_state_dir(out).glob("*.parquet"))[0]
        path.write_bytes(path.read_bytes()[:100])
    return path


@pytest.mark.parametrize(
    "what", ["truncated pointer", "pointer of the wrong shape", "pointer to a missing version", "truncated state file"]
)
def test_a_damaged_export_state_names_the_file_and_what_to_do(what: str, built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_segments(out, database=built["db"])
    path = _damage(out, what)
    proc = _cli(["export", "--out", str(out), "--database", str(built["db"])])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert str(path) in proc.stderr, proc.stderr
    assert "is unreadable" in proc.stderr or "which does not exist" in proc.stderr, proc.stderr
    assert f"delete the folder {out / 'state'}" in proc.stderr, proc.stderr
    if what == "truncated pointer":
        assert "truncated JSON" in proc.stderr


def test_validate_killed_while_saving_its_baseline_keeps_the_old_one(tmp_path: Path) -> None:
    """The checkpoint's size baseline is replaced by a rename: a kill before it leaves the old
    baseline intact; the next run replaces it and removes the killed run's temporary file."""
    from custseg.validate import FAULT_STEPS as VALIDATE_STEPS

    database = tmp_path / "w.duckdb"
    with connect_duckdb(database) as con:
        con.execute("create table sizes as select 'k' as key, 10 as n")
    spec = tmp_path / "spec.yml"
    size_check = {"query": "select key, n from sizes", "min_ratio": 0.5, "max_ratio": 2}
    spec.write_text(json.dumps({"tables": {}, "size_changes": {"one": size_check}}))
    gx = tmp_path / "gx"
    baseline = gx / "duckdb_sizes.json"
    cli = ["validate", "--database", str(database), "--gx-dir", str(gx), "--spec", str(spec)]
    assert _cli(cli).returncode == 0
    assert json.loads(baseline.read_text()) == {"one": {"k": 10}}
    with connect_duckdb(database) as con:
        con.execute("update sizes set n = 15")
    for step in VALIDATE_STEPS:
        killed = _cli(cli, **{FAULT_ENV: step})
        assert killed.returncode == FAULT_EXIT_CODE, f"validate was not killed at {step}: {killed.stderr[-2000:]}"
        assert json.loads(baseline.read_text()) == {"one": {"k": 10}}, f"killed at {step}: baseline damaged"
    assert _cli(cli).returncode == 0
    assert json.loads(baseline.read_text()) == {"one": {"k": 15}}
    assert [p.name for p in gx.iterdir() if p.is_file()] == ["duckdb_sizes.json"]
