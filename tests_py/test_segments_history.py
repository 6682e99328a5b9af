"""Two builds at different as-of dates into one DuckDB file: membership history (entries and
exits, no overlapping windows), sizes over time, the performance analysis, and the
activation export's diff across the two runs.

The second build is a backfill (2026-05-31 after 2026-06-30): the log must not depend on the
order in which dates are built, and outcomes after 2026-05-31 exist in the sample, so the
performance analysis has data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_OF, dbt_env, run_dbt
from custseg.export import export_segments
from custseg.layers import connect_duckdb

SECOND_AS_OF = "2026-05-31"
ANALYSES = ["segment_members_on_date", "segment_performance", "segment_overlap", "segment_rfm_grid"]


def _exportable(db: Path) -> set[tuple[str, str, str]]:
    """(segment_id, id, contact point) the export may send, straight from the tables."""
    sql = """
        select m.segment_id, m.entity_id, coalesce(e.email, a.website_domain)
        from segment_membership as m
        left join activation_contacts as e on m.entity_type = 'contact' and e.contact_id = m.entity_id
        left join account_profile as a on m.entity_type = 'account' and a.account_id = m.entity_id
        where not m.is_holdout
          and (m.entity_type = 'account' or e.suppression_reason is null)
          and coalesce(e.email, a.website_domain) is not null
    """
    with connect_duckdb(db, read_only=True) as con:
        return set(con.execute(sql).fetchall())


@pytest.fixture(scope="module")
def two_builds(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("segments_two_builds")
    env = dbt_env(workdir)
    db = Path(env["DBT_DUCKDB_PATH"])
    shutil.copy(built["db"], db)
    out = workdir / "export"
    first_export = export_segments(out, database=db)
    first_members = _exportable(db)
    run_dbt(["run", "-s", "+path:models/segments", "--vars", f"{{as_of_date: '{SECOND_AS_OF}'}}"], env)
    run_dbt(
        [
            "test",
            "-s",
            "path:models/segments",
            "--exclude",
            "test_type:unit",
            "--vars",
            f"{{as_of_date: '{SECOND_AS_OF}'}}",
        ],
        env,
    )
    second_export = export_segments(out, database=db)
    run_dbt(
        ["compile", "-s", "path:analyses", "--vars", f"{{as_of_date: '{AS_OF}', segment_lookup_date: '2026-06-15'}}"],
        env,
    )
    compiled = workdir / "target" / "compiled" / "customer_segmentation" / "analyses"
    return {
        "db": db,
        "out": out,
        "first": first_export,
        "second": second_export,
        "first_members": first_members,
        "second_members": _exportable(db),
        "analyses": {name: (compiled / f"{name}.sql").read_text() for name in ANALYSES},
    }


def _df(db: Path, sql: str) -> pd.DataFrame:
    with connect_duckdb(db, read_only=True) as con:
        return con.execute(sql).df()


def test_daily_log_and_sizes_keep_both_dates(two_builds: dict) -> None:
    db = two_builds["db"]
    dates = _df(db, "select distinct cast(as_of_date as varchar) as d from segment_membership_daily order by 1")
    assert dates["d"].tolist() == [SECOND_AS_OF, AS_OF]
    sizes = _df(db, "select cast(as_of_date as varchar) as d, segment_id, member_count from segment_sizes_daily")
    logged = _df(
        db,
        """select cast(as_of_date as varchar) as d, segment_id, count(*) as n
                        from segment_membership_daily group by all""",
    )
    merged = sizes.merge(logged, on=["d", "segment_id"], how="left").fillna({"n": 0})
    assert (merged["member_count"] == merged["n"]).all()
    assert len(sizes) == 2 * sizes["segment_id"].nunique()


def test_history_windows_do_not_overlap(two_builds: dict) -> None:
    overlaps = _df(
        two_builds["db"],
        """
        select a.history_id from segment_membership_history as a
        join segment_membership_history as b
          on a.segment_id = b.segment_id and a.entity_type = b.entity_type
         and a.entity_id = b.entity_id and a.history_id != b.history_id
         and a.valid_from <= b.valid_from
         and (a.valid_to is null or a.valid_to > b.valid_from)""",
    )
    assert overlaps.empty


def test_history_reproduces_the_daily_log_on_every_date(two_builds: dict) -> None:
    db = two_builds["db"]
    for day in (SECOND_AS_OF, AS_OF):
        from_history = _df(
            db,
            f"""
            select segment_id, entity_type, entity_id from segment_membership_history
            where valid_from <= date '{day}' and (valid_to is null or valid_to > date '{day}')""",
        )
        from_log = _df(
            db,
            f"""select segment_id, entity_type, entity_id from segment_membership_daily
                              where as_of_date = date '{day}'""",
        )
        assert set(map(tuple, from_history.values)) == set(map(tuple, from_log.values)), day
    stats = _df(
        db,
        "select count(*) filter (where valid_to is not null) as exits, "
        "count(*) filter (where valid_from = date '2026-06-30') as entries "
        "from segment_membership_history",
    )
    assert stats["exits"][0] > 0 and stats["entries"][0] > 0


def test_members_on_date_analysis_reads_the_right_build(two_builds: dict) -> None:
    db = two_builds["db"]
    result = _df(db, two_builds["analyses"]["segment_members_on_date"])
    expected = _df(
        db,
        f"""select entity_id from segment_membership_daily
                          where segment_id = 'rfm_champions' and as_of_date = date '{SECOND_AS_OF}'""",
    )
    assert sorted(result["entity_id"]) == sorted(expected["entity_id"]) and len(result) > 0


def test_performance_analysis_compares_members_with_holdout(two_builds: dict) -> None:
    db = two_builds["db"]
    perf = _df(db, two_builds["analyses"]["segment_performance"])
    assert set(perf["as_of_date"].astype(str)) == {SECOND_AS_OF}
    row = perf[perf["segment_id"] == "customers"].iloc[0]
    members = _df(
        db,
        f"""select is_holdout, count(*) as n from segment_membership_daily
                          where segment_id = 'customers' and as_of_date = date '{SECOND_AS_OF}'
                          group by 1""",
    ).set_index("is_holdout")["n"]
    assert row["treated_members"] == members[False] and row["holdout_members"] == members[True]
    assert row["conversion_difference_ci_low"] <= row["conversion_difference"] <= row["conversion_difference_ci_high"]
    with_lift = perf.dropna(subset=["conversion_lift"])
    assert not with_lift.empty
    assert (with_lift["conversion_lift_ci_low"] <= with_lift["conversion_lift"]).all()
    assert (with_lift["conversion_lift"] <= with_lift["conversion_lift_ci_high"]).all()
    for name in ("segment_overlap", "segment_rfm_grid"):
        assert not _df(db, two_builds["analyses"][name]).empty, name


def _files(out: Path, segment_id: str, name: str) -> pd.DataFrame:
    csv = pd.read_csv(out / "segments" / segment_id / f"{name}.csv", dtype=str, keep_default_na=False)
    parquet = pd.read_parquet(out / "segments" / segment_id / f"{name}.parquet")
    as_text = parquet.astype(object).where(parquet.notna(), "").astype(str)
    assert csv.equals(as_text), f"{segment_id}/{name}: CSV and Parquet differ"
    return parquet


def test_export_diff_across_two_runs(two_builds: dict) -> None:
    out, first, second = two_builds["out"], two_builds["first_members"], two_builds["second_members"]
    assert two_builds["first"].as_of_date == AS_OF
    assert two_builds["second"].as_of_date == SECOND_AS_OF
    assert two_builds["second"].previous_as_of_date == AS_OF
    added_expected = {(s, i) for s, i, _ in second} - {(s, i) for s, i, _ in first}
    removed_expected = {(s, i) for s, i, _ in first} - {(s, i) for s, i, _ in second}
    assert added_expected and removed_expected, "the two dates should change membership"
    added, removed, members = set(), set(), set()
    for summary in two_builds["second"].segments:
        sid = summary.segment_id
        key = "contact_id" if summary.entity_type == "contact" else "account_id"
        point = "email" if summary.entity_type == "contact" else "website_domain"
        members |= {(sid, i, p) for i, p in _files(out, sid, "members")[[key, point]].itertuples(index=False)}
        added |= {(sid, i) for i in _files(out, sid, "added")[key]}
        gone = _files(out, sid, "removed")
        removed |= {(sid, i) for i in gone.loc[gone["reason"] != "contact_point_changed", key]}
        assert summary.unchanged == summary.members - summary.added
    assert members == second
    assert added == added_expected
    assert removed == removed_expected
    # Unchanged members are not re-sent.
    assert not added & {(s, i) for s, i, _ in first}


def test_no_temporary_relation_is_left_after_the_second_build(two_builds: dict) -> None:
    """Incremental models (the Python model clv_parameters among them) ran a second time; no
    `__dbt_tmp` / `__dbt_backup` relation is left in any schema."""
    relations = _df(two_builds["db"], "select table_schema, table_name from information_schema.tables")
    fits = _df(two_builds["db"], "select fit_id from clv_parameters")
    assert len(fits) == 2, "the second build should add a second CLV fit (incremental run of the Python model)"
    leftovers = relations[relations["table_name"].str.contains("__dbt_tmp|__dbt_backup")]
    assert leftovers.empty, leftovers.to_dict("records")
