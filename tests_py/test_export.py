"""Activation export on the built sample: who is left out, files, idempotence, CLI errors.
(The diff across two builds is tested in test_segments_history.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from custseg.export import current_state_dir, export_segments
from custseg.layers import connect_duckdb


def _read(out: Path, segment_id: str, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "segments" / segment_id / f"{name}.parquet")


def test_export_leaves_out_holdout_unconsented_and_deleted_contacts(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    summary = export_segments(out, database=built["db"])
    with connect_duckdb(built["db"], read_only=True) as con:
        flags = con.execute("""
            select m.segment_id, m.entity_id, m.is_holdout, c.marketing_consent, c.is_deleted
            from segment_membership as m join contact_profile as c on c.contact_id = m.entity_id
            where m.entity_type = 'contact'""").df()
        segments = con.execute("select segment_id, entity_type from segment_catalog").df()
    exported = pd.concat(
        [
            _read(out, sid, "members").assign(segment_id=sid)
            for sid, kind in segments.itertuples(index=False)
            if kind == "contact"
        ]
    )
    joined = exported.merge(flags, left_on=["segment_id", "contact_id"], right_on=["segment_id", "entity_id"])
    assert len(joined) == len(exported)
    assert not joined["is_holdout"].any()
    assert joined["marketing_consent"].all()
    assert not joined["is_deleted"].any()
    assert exported["email"].str.contains("@").all()
    # Every left-out member is counted under a reason.
    for s in summary.segments:
        n = int((flags["segment_id"] == s.segment_id).sum()) if s.entity_type == "contact" else None
        excluded = s.excluded_holdout + s.excluded_no_consent + s.excluded_deleted + s.excluded_no_contact_point
        if n is not None:
            assert s.members + excluded == n, s.segment_id
    assert sum(s.excluded_no_consent for s in summary.segments) > 0
    # Deleted contacts are never segment members (int_segments__members), although the sample
    # has some that match rules; the export's own filter stays as a second guard.
    assert not flags["is_deleted"].any()
    with connect_duckdb(built["db"], read_only=True) as con:
        assert con.execute("select count(*) from contact_profile where is_deleted").fetchone()[0] > 0
    assert sum(s.excluded_deleted for s in summary.segments) == 0
    accounts = _read(out, "enterprise_accounts", "members")
    assert list(accounts.columns) == ["account_id", "website_domain"] and len(accounts) > 0


def test_first_export_adds_everyone_and_a_rerun_sends_nothing(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    first = export_segments(out, database=built["db"])
    assert all(s.added == s.members and s.removed == 0 for s in first.segments)
    second = export_segments(out, database=built["db"])
    assert all(s.added == 0 and s.removed == 0 and s.unchanged == s.members for s in second.segments)
    manifest = json.loads((out / "export_manifest.json").read_text())
    assert manifest["previous_as_of_date"] == manifest["as_of_date"] == "2026-06-30"
    assert _read(out, "rfm_champions", "added").empty


def test_a_segment_that_disappears_is_removed_once(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_segments(out, database=built["db"])
    old = _read(out, "rfm_champions", "members")
    # A segment exported before that the warehouse no longer defines.
    old.to_parquet(current_state_dir(out) / "retired_segment.parquet", index=False)
    summary = export_segments(out, database=built["db"])
    retired = next(s for s in summary.segments if s.segment_id == "retired_segment")
    assert retired.removed == len(old) > 0 and retired.members == 0
    assert not (current_state_dir(out) / "retired_segment.parquet").exists()


def test_cli_export_and_its_user_errors(built: dict, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "custseg", "export", "--out", str(tmp_path / "out")]
    ok = subprocess.run([*cli, "--database", str(built["db"])], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("exported ") and "as of 2026-06-30" in ok.stdout
    missing = subprocess.run([*cli, "--database", str(tmp_path / "none.duckdb")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no DuckDB warehouse" in missing.stderr
    wrong = subprocess.run([*cli, "--target", "oracle"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "export supports targets" in wrong.stderr
