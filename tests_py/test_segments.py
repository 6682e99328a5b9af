"""Segments on the tiny sample: library, membership, holdout, exclusive groups, overlap,
and the registry's errors for a segment without metadata."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF, dbt_env, run_dbt
from custseg import PROJECT_DIR
from custseg.export import holdout_bucket
from custseg.layers import connect_duckdb

CATEGORIES = {
    "demographic",
    "geographic",
    "psychographic",
    "behavioral",
    "value",
    "firmographic",
    "engagement",
    "lifecycle",
    "persona",
    "needs",
    "sophistication",
    "account_health",
}
# Segments the requirement names, by the id the starter library gives them.
REQUIRED_SEGMENTS = {
    "rfm_champions",
    "rfm_loyal",
    "rfm_at_risk",
    "rfm_cant_lose_them",
    "rfm_lost",
    "rfm_new",
    "high_value_at_risk",
    "new_customers",
    "lapsed_customers",
    "age_18_34",
    "age_35_54",
    "age_55_plus",
    "high_income_households",
    "large_families",
    "region_emea",
    "language_german",
    "urban_dwellers",
    "sustainability_seekers",
    "subscription_lovers",
    "enterprise_accounts",
    "mid_market_accounts",
    "smb_accounts",
    "industry_fintech",
    "uses_snowflake",
    "funnel_top",
    "marketing_qualified_leads",
    "customers",
    "prospects",
    "enterprise_decision_makers",
    "intent_data_security",
    "awareness_problem_aware",
    "churn_risk_accounts",
    "expansion_candidates",
    "clv_top_10",
    "low_clv_high_potential",
    "tier_a_accounts",
}


def _query(db: Path, sql: str) -> list[tuple]:
    with connect_duckdb(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def _salt() -> str:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["segments_holdout_salt"]


def test_segment_models_and_unit_tests_pass(built: dict) -> None:
    nodes = {k: v for k, v in built["results"].items() if "segment" in k}
    assert nodes, "no segment nodes ran"
    failed = {k: v["status"] for k, v in nodes.items() if v["status"] not in ("success", "pass")}
    assert not failed, failed


def test_library_covers_every_category_and_named_segment(built: dict) -> None:
    rows = _query(built["db"], "select segment_id, category, entity_type from segment_catalog")
    ids = {r[0] for r in rows}
    assert len(ids) >= 30
    assert {r[1] for r in rows} == CATEGORIES
    assert {r[2] for r in rows} == {"contact", "account"}
    assert REQUIRED_SEGMENTS <= ids, REQUIRED_SEGMENTS - ids


def test_every_starter_segment_has_members(built: dict) -> None:
    empty = _query(built["db"], "select segment_id from segment_catalog where member_count = 0")
    assert empty == []
    sizes = dict(_query(built["db"], "select segment_id, count(*) from segment_membership group by 1"))
    catalog = dict(_query(built["db"], "select segment_id, member_count from segment_catalog"))
    assert sizes == catalog


def test_every_segment_rule_has_a_passing_unit_test(built: dict) -> None:
    ids = {r[0] for r in _query(built["db"], "select segment_id from segment_catalog")}
    unit = {
        k.rsplit(".", 1)[-1]: v["status"]
        for k, v in built["results"].items()
        if k.startswith("unit_test.") and ".int_segments__members." in k
    }
    missing = {i for i in ids if f"test_segment_{i}" not in unit}
    assert not missing, f"segments without a unit test: {sorted(missing)}"
    assert all(status == "pass" for status in unit.values()), unit


def test_unit_tests_cover_negated_and_null_conditions() -> None:
    spec = yaml.safe_load((PROJECT_DIR / "models/segments/_segments__unit_tests.yml").read_text())
    for test in spec["unit_tests"]:
        rows = test["given"][0]["rows"]
        expected = {row["entity_id"] for row in test["expect"]["rows"]}
        key = "contact_id" if "contact_profile" in test["given"][0]["input"] else "account_id"
        outside = [row for row in rows if row[key] not in expected]
        assert expected, f"{test['name']}: no member expected"
        assert outside, f"{test['name']}: no negated case"
        assert any(None in row.values() for row in outside), f"{test['name']}: no null case"


def test_membership_unique_per_entity_and_segment(built: dict) -> None:
    dupes = _query(
        built["db"],
        "select entity_type, entity_id, segment_id from segment_membership group by all having count(*) > 1",
    )
    assert dupes == []


def test_reasons_show_the_matched_values(built: dict) -> None:
    rows = _query(
        built["db"],
        "select reason from segment_membership where segment_id = 'rfm_cant_lose_them' limit 5",
    )
    assert rows and all(r[0].startswith("rfm_segment = Can't Lose Them; r_score = ") for r in rows)
    bad = _query(built["db"], "select count(*) from segment_membership where reason not like '% = %'")
    assert bad == [(0,)]


def test_rule_sql_in_catalog_reproduces_membership(built: dict) -> None:
    rules = _query(built["db"], "select segment_id, rule_sql from segment_catalog")
    # Deleted contacts are left out of every segment on top of its rule.
    deleted = {r[0] for r in _query(built["db"], "select contact_id from contact_profile where is_deleted")}
    assert deleted
    with connect_duckdb(built["db"], read_only=True) as con:
        for segment_id, rule_sql in rules:
            from_rule = {r[0] for r in con.execute(f"select entity_id from ({rule_sql})").fetchall()} - deleted
            members = {
                r[0]
                for r in con.execute(
                    "select entity_id from segment_membership where segment_id = ?", [segment_id]
                ).fetchall()
            }
            assert from_rule == members, segment_id


def test_holdout_is_the_documented_hash_and_share_is_within_tolerance(built: dict) -> None:
    salt = _salt()
    rows = _query(
        built["db"],
        """select m.segment_id, m.entity_type, m.entity_id, m.holdout_bucket, m.is_holdout, c.holdout_pct
           from segment_membership as m join segment_catalog as c using (segment_id)""",
    )
    for segment_id, entity_type, entity_id, bucket, is_holdout, pct in rows:
        assert bucket == holdout_bucket(salt, segment_id, entity_type, entity_id)
        assert is_holdout == (bucket < pct * 100)
    share = sum(r[4] for r in rows) / len(rows)
    pct = rows[0][5] / 100
    assert abs(share - pct) <= 3 * math.sqrt(pct * (1 - pct) / len(rows))
    by_segment: dict[str, list[bool]] = {}
    for r in rows:
        by_segment.setdefault(r[0], []).append(r[4])
    for segment_id, flags in by_segment.items():
        if len(flags) >= 200:
            tolerance = 3.5 * math.sqrt(pct * (1 - pct) / len(flags))
            assert abs(sum(flags) / len(flags) - pct) <= tolerance, segment_id


def test_primary_segment_is_the_lowest_priority_member(built: dict) -> None:
    expected = _query(
        built["db"],
        """select c.exclusive_group, m.entity_type, m.entity_id,
                  arg_min(m.segment_id, c.priority) as segment_id
           from segment_membership as m join segment_catalog as c using (segment_id)
           where c.exclusive_group is not null group by all order by all""",
    )
    actual = _query(
        built["db"],
        """select exclusive_group, entity_type, entity_id, primary_segment_id
           from segment_primary_membership order by all""",
    )
    assert actual == expected
    conflicts = _query(
        built["db"],
        """select count(*) from segment_primary_membership
           where exclusive_group = 'value_focus' and group_segment_count > 1""",
    )
    assert conflicts[0][0] > 0, "the sample should exercise a priority conflict"


def test_overlap_matches_a_direct_count(built: dict) -> None:
    rows = _query(
        built["db"],
        """select o.members_both, o.jaccard,
                  (select count(*) from segment_membership a join segment_membership b
                     on a.entity_type = b.entity_type and a.entity_id = b.entity_id
                   where a.segment_id = 'customers' and b.segment_id = 'funnel_top') as direct
           from segment_overlap as o
           where o.segment_id_a = 'customers' and o.segment_id_b = 'funnel_top'""",
    )
    both, jaccard, direct = rows[0]
    assert both == direct > 0
    sizes = dict(_query(built["db"], "select segment_id, member_count from segment_catalog"))
    assert jaccard == pytest.approx(both / (sizes["customers"] + sizes["funnel_top"] - both))
    pairs = _query(built["db"], "select entity_type, count(*) from segment_overlap group by 1 order by 1")
    counts = dict(_query(built["db"], "select entity_type, count(*) from segment_catalog group by 1"))
    assert dict(pairs) == {t: n * (n - 1) // 2 for t, n in counts.items()}


def _project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    for name in ("models", "macros", "seeds", "tests", "analyses", "snapshots"):
        if (PROJECT_DIR / name).exists():
            shutil.copytree(PROJECT_DIR / name, copy / name)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, copy / name)
    return copy


def test_a_segment_without_metadata_fails_with_a_clear_error(tmp_path: Path) -> None:
    copy = _project_copy(tmp_path)
    (copy / "macros/segments/value/vip_test.sql").write_text(
        "{% macro segment__vip_test() %}\nselect contact_id as entity_id, 'x' as reason\n"
        "from {{ ref('contact_profile') }}\n{% endmacro %}\n"
    )
    env = dbt_env(tmp_path, DBT_PROFILES_DIR=str(copy))
    proc = run_dbt(
        ["compile", "-s", "int_segments__members", "--vars", f"{{as_of_date: '{AS_OF}'}}"],
        env,
        cwd=copy,
        check=False,
    )
    assert proc.returncode != 0
    assert "Segment 'vip_test' (macro segment__vip_test): no metadata" in proc.stdout


def test_membership_and_holdout_are_identical_on_postgres(built: dict, pg_built: dict) -> None:
    """Same sample, same as-of date: PostgreSQL gives the same members, reasons and holdout."""
    import psycopg2

    from conftest import PG_CONNECTION

    assert pg_built["proc"].returncode == 0, pg_built["proc"].stdout[-3000:]
    sql = "select membership_id, is_holdout, holdout_bucket, reason from {}segment_membership"
    with psycopg2.connect(**PG_CONNECTION) as con, con.cursor() as cur:
        cur.execute(sql.format("segments."))
        on_postgres = set(cur.fetchall())
    on_duckdb = set(_query(built["db"], sql.format("")))
    assert on_postgres == on_duckdb and len(on_duckdb) > 0
