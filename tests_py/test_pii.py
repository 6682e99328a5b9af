"""The personal-data detection of custseg.pii on a tiny hand-made manifest and DuckDB file: an
unclassified email column is caught by its values even under an innocent name, personal column
names are caught, classified columns pass, and lookalike non-personal values do not trip it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from custseg import pii


def _manifest(columns: dict[str, dict]) -> dict:
    return {
        "nodes": {
            "model.p.people": {
                "resource_type": "model",
                "name": "people",
                "alias": "people",
                "schema": "marts",
                "columns": columns,
            }
        },
        "sources": {},
    }


@pytest.fixture()
def con(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute(
        "create table marts.people (person_key varchar, contact_point varchar, first_name varchar,"
        " dial varchar, zone varchar, amount_text varchar, fit_id varchar, age_band varchar, has_email boolean)"
    )
    rows = [
        (
            f"P{i:04d}",
            f"someone.{i}@example.org",
            "Ann",
            f"+49 30 {1000000 + i}",
            f"{i:05d}",
            str(1000 + 37 * i),
            f"2026-06-30/{i}",
            "25-34",
            True,
        )
        for i in range(40)
    ]
    con.executemany("insert into marts.people values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    yield con
    con.close()


def _flagged(findings: list[pii.Finding]) -> dict[str, str]:
    return {f.column.name: f"{f.kind} by {f.evidence}" for f in findings}


def test_an_unclassified_email_column_is_caught_by_its_values(con) -> None:
    flagged = _flagged(pii.unclassified_columns(_manifest({}), con))
    assert flagged["contact_point"] == "email by values"
    assert flagged["first_name"] == "person_name by name"
    assert flagged["dial"] == "phone by values"
    assert flagged["zone"] == "postal_code by values"
    assert flagged["age_band"] == "age by name"
    # ids, numbers as text, date-led ids and flags are not personal data
    assert not {"person_key", "amount_text", "fit_id", "has_email"} & set(flagged)


def test_classified_columns_pass(con) -> None:
    levels = {"contact_point": "direct", "first_name": "direct", "dial": "direct", "zone": "quasi", "age_band": "quasi"}
    manifest = _manifest({name: {"name": name, "meta": {"pii": level}} for name, level in levels.items()})
    assert pii.unclassified_columns(manifest, con) == []
    # dbt 1.10+ also writes column meta under config
    manifest = _manifest({name: {"name": name, "config": {"meta": {"pii": lv}}} for name, lv in levels.items()})
    assert pii.unclassified_columns(manifest, con) == []


def test_an_unknown_classification_does_not_count(con) -> None:
    manifest = _manifest({"contact_point": {"name": "contact_point", "meta": {"pii": "secret"}}})
    assert "contact_point" in _flagged(pii.unclassified_columns(manifest, con))


def test_the_bi_layer_check_finds_direct_and_exact_identifiers(con) -> None:
    con.execute("alter table marts.people add column income double")
    con.execute("create schema segments")
    con.execute("create table segments.reasons (reason varchar)")
    con.execute("insert into segments.reasons values ('age_band = 25-34'), ('email = someone@example.org')")
    problems = pii.bi_layer_problems(_manifest({}), con, ("marts", "segments"))
    text = "\n".join(problems)
    assert "marts.people.contact_point: values look like email" in text
    assert "marts.people.first_name: a person_name by its name" in text
    assert "marts.people.dial: values look like phone" in text
    assert "marts.people.zone: values look like postal_code" in text
    assert "marts.people.income: an exact income" in text
    assert "segments.reasons.reason: text contains an email address" in text
    assert not any(p.startswith(("marts.people.age_band", "marts.people.person_key")) for p in problems)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("raw_email", "email"),
        ("email_normalized", "email"),
        ("email_sha256", "pseudonymous"),
        ("score_email_open", None),
        ("last_name", "person_name"),
        ("account_name", None),
        ("raw_phone", "phone"),
        ("birth_date", "birth_date"),
        ("postal_code", "postal_code"),
        ("postal_area", "postal_area"),
        ("anonymous_id", "online_id"),
        ("annual_income_reporting", "income"),
        ("income_currency", None),
        ("job_title_rule_id", None),
        ("usage_level", None),
    ],
)
def test_kind_by_name(name: str, kind: str | None) -> None:
    assert pii.kind_by_name(name) == kind


def test_sha256_vector_of_the_docs() -> None:
    """The known vector in macros/privacy.sql and the activation unit test."""
    assert (
        hashlib.sha256(" Alice@Example.com ".strip().lower().encode()).hexdigest()
        == "ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976"
    )
