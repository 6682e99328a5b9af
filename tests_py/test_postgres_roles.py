"""Readers' roles on the real PostgreSQL server (docs/privacy.md): scripts/postgres-up.sh creates
segmentation_bi and segmentation_activation, the build grants them their tables through dbt
`grants:` and usage on their schemas through an on-run-end hook. Each role logs in and reads
what it may; everything else is denied."""

from __future__ import annotations

import psycopg2
import pytest
from psycopg2 import errors

from conftest import PG_CONNECTION

pytestmark = pytest.mark.slow

BI_SCHEMAS = ("marts", "segments")
DENIED_TO_BI = ("raw", "staging", "audit", "intermediate", "reference", "activation")


def _tables(schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    with psycopg2.connect(**PG_CONNECTION) as con, con.cursor() as cur:
        cur.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = any(%s) "
            "and table_name <> 'clv_parameters_fit' order by 1, 2",
            (list(schemas),),
        )
        return cur.fetchall()


def _readable(role: str, tables: list[tuple[str, str]]) -> dict[str, bool]:
    """For each table: can `role`, logged in as itself, select from it?"""
    outcome = {}
    con = psycopg2.connect(**{**PG_CONNECTION, "user": role})
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("select current_user")
            assert cur.fetchone()[0] == role
            for schema, table in tables:
                try:
                    cur.execute(f'select count(*) from "{schema}"."{table}"')
                    outcome[f"{schema}.{table}"] = True
                except errors.InsufficientPrivilege:
                    outcome[f"{schema}.{table}"] = False
    finally:
        con.close()
    return outcome


@pytest.fixture(scope="module")
def layers(pg_built: dict) -> dict[str, list[tuple[str, str]]]:
    assert pg_built["proc"].returncode == 0, pg_built["proc"].stdout[-3000:]
    bi, denied = _tables(BI_SCHEMAS), _tables(DENIED_TO_BI)
    assert {s for s, _ in bi} == set(BI_SCHEMAS)
    assert {"raw", "staging", "audit", "intermediate", "reference"} <= {s for s, _ in denied}
    return {"bi": bi, "denied": denied}


def test_bi_role_reads_marts_and_segments_only(layers: dict) -> None:
    readable = _readable("segmentation_bi", layers["bi"])
    assert "segments.segment_membership" in readable and "marts.contact_profile" in readable
    assert all(readable.values()), [name for name, ok in readable.items() if not ok]
    leaked = [name for name, ok in _readable("segmentation_bi", layers["denied"]).items() if ok]
    assert not leaked, f"segmentation_bi can read {leaked}"


def test_activation_role_adds_the_activation_models_only(layers: dict) -> None:
    readable = _readable("segmentation_activation", layers["bi"])
    assert all(readable.values()), [name for name, ok in readable.items() if not ok]
    others = _readable("segmentation_activation", layers["denied"])
    allowed = sorted(name for name, ok in others.items() if ok)
    assert allowed == ["activation.activation_contacts", "activation.activation_erased_contacts"], allowed
