"""Activation export on the built sample: suppression and its counts, the generic and the
customer-match formats and their hashing, email changes, idempotence, CLI errors.
(The diff across two builds is tested in test_segments_history.py, kills in
test_state_faults.py, erasure in test_erasure.py.)"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from custseg.export import EXCLUSIONS, current_state_dir, export_segments
from custseg.export_formats import (
    CUSTOMER_MATCH_COLUMNS,
    GENERIC_CONTACT_COLUMNS,
    email_sha256,
    name_sha256,
    phone_e164,
    phone_sha256,
)
from custseg.layers import connect_duckdb


def _read(out: Path, segment_id: str, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / "segments" / segment_id / f"{name}.parquet")


def _matched(out: Path, segment_id: str, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "segments" / segment_id / "customer_match" / f"{name}.csv", dtype=str)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def exported(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("export") / "export"
    summary = export_segments(out, database=built["db"])
    with connect_duckdb(built["db"], read_only=True) as con:
        members = con.execute("""
            select m.segment_id, m.entity_id, m.is_holdout, a.email, a.suppression_reason
            from segment_membership as m join activation_contacts as a on a.contact_id = m.entity_id
            where m.entity_type = 'contact'""").df()
        kinds = dict(con.execute("select segment_id, entity_type from segment_catalog").fetchall())
        # Who unsubscribed after their last consent, or hard-bounced on their current address,
        # from the staged tables directly (not from activation_contacts' own columns).
        late_unsubscribers = {
            row[0]
            for row in con.execute("""
                select e.contact_id
                from int_events__identified as e
                join stg_crm__contacts as c on c.contact_id = e.contact_id
                where e.event_type = 'email_unsubscribe' and e.occurred_at < date '2026-07-01'
                group by e.contact_id, c.marketing_consent_at
                having max(e.occurred_at) >= coalesce(c.marketing_consent_at, max(e.occurred_at))""").fetchall()
        }
        hard_bounced = {
            row[0]
            for row in con.execute("""
                select i.contact_id
                from int_events__identified as i
                join stg_events__events as e on e.event_id = i.event_id
                join activation_contacts as a on a.contact_id = i.contact_id
                where i.event_type = 'email_bounce' and i.occurred_at < date '2026-07-01'
                  and coalesce(e.bounce_type, 'hard') <> 'soft'
                  and (e.email_normalized is null or e.email_normalized = a.email)""").fetchall()
        }
    contact_segments = [sid for sid, kind in kinds.items() if kind == "contact"]
    sent = pd.concat([_read(out, sid, "members").assign(segment_id=sid) for sid in contact_segments])
    return {
        "out": out,
        "summary": summary,
        "members": members,
        "sent": sent,
        "contact_segments": contact_segments,
        "late_unsubscribers": late_unsubscribers,
        "hard_bounced": hard_bounced,
    }


def test_suppressed_contacts_are_left_out_and_counted_per_reason(exported: dict) -> None:
    sent, members = exported["sent"], exported["members"]
    joined = sent.merge(members, left_on=["segment_id", "contact_id"], right_on=["segment_id", "entity_id"])
    assert len(joined) == len(sent)
    assert not joined["is_holdout"].any()
    assert joined["suppression_reason"].isna().all()
    assert joined["marketing_consent"].all()
    assert sent["email"].str.contains("@").all()
    # Independent of activation_contacts: no late unsubscriber and no hard bounce is sent,
    # although the sample's segments hold both.
    assert exported["late_unsubscribers"] and exported["hard_bounced"]
    assert not set(sent["contact_id"]) & exported["late_unsubscribers"]
    assert not set(sent["contact_id"]) & exported["hard_bounced"]
    # Every left-out member is counted once, under the first reason that applies.
    by_segment = {s.segment_id: s for s in exported["summary"].segments}
    for segment_id in exported["contact_segments"]:
        rows = members[members["segment_id"] == segment_id]
        s = by_segment[segment_id]
        suppressed = rows[~rows["is_holdout"]]["suppression_reason"].value_counts()
        assert s.excluded_holdout == int(rows["is_holdout"].sum()), segment_id
        for reason in ("deleted", "no_consent", "unsubscribed", "hard_bounced"):
            assert getattr(s, f"excluded_{reason}") == int(suppressed.get(reason, 0)), (segment_id, reason)
        assert s.members + sum(getattr(s, f"excluded_{r}") for r in EXCLUSIONS) == len(rows), segment_id
    totals = {r: sum(getattr(s, f"excluded_{r}") for s in exported["summary"].segments) for r in EXCLUSIONS}
    assert totals["no_consent"] > 0 and totals["unsubscribed"] > 0 and totals["hard_bounced"] > 0
    # Deleted contacts are never segment members (int_segments__members); the export's own
    # filter stays as a second guard.
    assert totals["deleted"] == 0
    manifest = json.loads((exported["out"] / "export_manifest.json").read_text())
    assert manifest["segments"][0].keys() >= {f"excluded_{r}" for r in EXCLUSIONS} | {"excluded_erased"}
    assert "unsubscribed" in exported["summary"].line() and "hard_bounced" in exported["summary"].line()


def test_generic_and_customer_match_formats(exported: dict, built: dict) -> None:
    out = exported["out"]
    segment_id = max(exported["contact_segments"], key=lambda sid: len(_read(out, sid, "members")))
    generic = _read(out, segment_id, "members")
    assert tuple(generic.columns) == GENERIC_CONTACT_COLUMNS and len(generic) > 0
    assert generic["first_name"].notna().any() and generic["language_code"].notna().any()
    matched = _matched(out, segment_id, "members")
    assert tuple(matched.columns) == CUSTOMER_MATCH_COLUMNS and len(matched) == len(generic)
    # Same contacts, same order; identifiers hashed by the published rules.
    assert list(matched["Email"]) == [_sha(e.strip().lower()) for e in generic["email"]]
    assert matched["Email"].str.fullmatch(r"[0-9a-f]{64}").all()
    with connect_duckdb(built["db"], read_only=True) as con:
        people = con.execute(
            "select contact_id, phone, country_code, first_name, postal_code from activation_contacts"
        ).df()
    people = generic[["contact_id"]].merge(people, on="contact_id", how="left")
    expected_phone = [phone_sha256(p, c) for p, c in zip(people["phone"], people["country_code"], strict=True)]
    assert list(matched["Phone"].fillna("")) == [p or "" for p in expected_phone]
    assert matched["Phone"].notna().sum() > 0.5 * people["phone"].notna().sum()
    assert list(matched["First Name"].fillna("")) == [name_sha256(n) or "" for n in people["first_name"]]
    assert (matched["Country"].dropna().str.fullmatch(r"[A-Z]{2}")).all()
    assert matched["Zip"].notna().any()
    # The state keeps the same hashes: a removal carries exactly what the platform received.
    state = pd.read_parquet(current_state_dir(out) / f"{segment_id}.parquet")
    assert list(state.columns) == ["contact_id", "email_sha256", "phone_sha256"]
    assert list(state["email_sha256"]) == list(matched["Email"])


def test_normalisation_follows_the_platform_rules() -> None:
    # sha256("alice@example.com"), also checked in SQL by activation_contacts' unit test
    assert email_sha256(" Alice@Example.COM ") == "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976"
    assert phone_e164("(415) 555-2671", "US") == "+14155552671"
    assert phone_e164("030 1234567", "DE") == "+49301234567"
    assert phone_e164("+44 20 7946 0958", "DE") == "+442079460958"  # an international prefix wins
    assert phone_e164("0044 20 7946 0958", "DE") == "+442079460958"
    assert phone_e164("12", "US") is None and phone_e164("call me", "US") is None and phone_e164(None) is None
    assert phone_e164("030 1234567", None) is None  # a national number needs its country
    assert phone_sha256("(415) 555-2671", "US") == _sha("+14155552671")
    assert name_sha256("  Émilie ") == _sha("émilie") and name_sha256(" ") is None


def test_email_and_phone_changes_remove_the_old_values(built: dict, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built["db"], db)
    out = tmp_path / "export"
    first = export_segments(out, database=db)
    segment_id = max(first.segments, key=lambda s: s.members if s.entity_type == "contact" else 0).segment_id
    before = _read(out, segment_id, "members")
    old_state = pd.read_parquet(current_state_dir(out) / f"{segment_id}.parquet").set_index("contact_id")
    email_mover = before["contact_id"].iloc[0]
    phone_mover = old_state.index[old_state["phone_sha256"].notna() & (old_state.index != email_mover)][0]
    unsubscriber = next(c for c in before["contact_id"] if c not in (email_mover, phone_mover))
    with connect_duckdb(db) as con:
        con.execute("update activation_contacts set email = 'new.' || email where contact_id = ?", [email_mover])
        con.execute("update activation_contacts set phone = '+1 415 555 2671' where contact_id = ?", [phone_mover])
        con.execute(
            "update activation_contacts set suppression_reason = 'unsubscribed' where contact_id = ?", [unsubscriber]
        )
    second = export_segments(out, database=db)
    result = next(s for s in second.segments if s.segment_id == segment_id)
    added = _read(out, segment_id, "added")
    removed = _read(out, segment_id, "removed")
    assert set(added["contact_id"]) == {email_mover, phone_mover}
    assert added.set_index("contact_id").loc[email_mover, "email"].startswith("new.")
    by_id = removed.set_index("contact_id")
    assert by_id.loc[email_mover, "reason"] == "contact_point_changed"
    assert by_id.loc[email_mover, "email_sha256"] == old_state.loc[email_mover, "email_sha256"]
    assert pd.isna(by_id.loc[email_mover, "phone_sha256"])  # the phone did not change: not removed
    assert by_id.loc[phone_mover, "reason"] == "contact_point_changed"
    assert pd.isna(by_id.loc[phone_mover, "email_sha256"])
    assert by_id.loc[phone_mover, "phone_sha256"] == old_state.loc[phone_mover, "phone_sha256"]
    assert by_id.loc[unsubscriber, "reason"] == "unsubscribed"
    assert by_id.loc[unsubscriber, "email_sha256"] == old_state.loc[unsubscriber, "email_sha256"]
    assert len(removed) == 3 and "email" not in removed.columns
    was = next(s for s in first.segments if s.segment_id == segment_id)
    assert (result.removed, result.contact_point_changed) == (1, 2)
    assert result.excluded_unsubscribed == was.excluded_unsubscribed + 1
    assert result.members == was.members - 1
    # The customer list gets the old email hash removed and the new one added.
    matched_removed = _matched(out, segment_id, "removed")
    assert old_state.loc[email_mover, "email_sha256"] in set(matched_removed["Email"])
    assert email_sha256("new." + before.set_index("contact_id").loc[email_mover, "email"]) in set(
        _matched(out, segment_id, "added")["Email"]
    )
    # A rerun sends nothing.
    third = export_segments(out, database=db)
    again = next(s for s in third.segments if s.segment_id == segment_id)
    assert (again.added, again.removed, again.contact_point_changed) == (0, 0, 0)
    assert _read(out, segment_id, "removed").empty


def test_first_export_adds_everyone_and_a_rerun_sends_nothing(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    first = export_segments(out, database=built["db"])
    assert all(s.added == s.members and s.removed == 0 for s in first.segments)
    second = export_segments(out, database=built["db"])
    assert all(s.added == 0 and s.removed == 0 and s.unchanged == s.members for s in second.segments)
    manifest = json.loads((out / "export_manifest.json").read_text())
    assert manifest["previous_as_of_date"] == manifest["as_of_date"] == "2026-06-30"
    assert _read(out, "rfm_champions", "added").empty
    accounts = _read(out, "enterprise_accounts", "members")
    assert list(accounts.columns) == ["account_id", "website_domain"] and len(accounts) > 0
    assert not (out / "segments" / "enterprise_accounts" / "customer_match").exists()


def test_an_older_state_without_phone_hashes_is_read(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_segments(out, database=built["db"])
    for path in current_state_dir(out).glob("*.parquet"):
        frame = pd.read_parquet(path)
        if "phone_sha256" in frame.columns:
            frame.drop(columns="phone_sha256").to_parquet(path, index=False)
    rerun = export_segments(out, database=built["db"])
    assert all(s.added == 0 and s.removed == 0 and s.contact_point_changed == 0 for s in rerun.segments)
    state = pd.read_parquet(next(current_state_dir(out).glob("rfm_champions.parquet")))
    assert "phone_sha256" in state.columns


def test_a_segment_that_disappears_is_removed_once(built: dict, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_segments(out, database=built["db"])
    old = pd.read_parquet(current_state_dir(out) / "rfm_champions.parquet")
    # A segment exported before that the warehouse no longer defines.
    old.to_parquet(current_state_dir(out) / "retired_segment.parquet", index=False)
    summary = export_segments(out, database=built["db"])
    retired = next(s for s in summary.segments if s.segment_id == "retired_segment")
    assert retired.removed == len(old) > 0 and retired.members == 0
    assert set(_read(out, "retired_segment", "removed")["reason"]) == {"left_segment"}
    assert not (current_state_dir(out) / "retired_segment.parquet").exists()


def test_cli_export_and_its_user_errors(built: dict, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "custseg", "export", "--out", str(tmp_path / "out")]
    ok = subprocess.run([*cli, "--database", str(built["db"])], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("exported ") and "as of 2026-06-30" in ok.stdout and "left out: " in ok.stdout
    missing = subprocess.run([*cli, "--database", str(tmp_path / "none.duckdb")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no DuckDB warehouse" in missing.stderr
    wrong = subprocess.run([*cli, "--target", "oracle"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "export supports targets" in wrong.stderr
