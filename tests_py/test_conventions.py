"""Project conventions that reviews tend to miss, checked on the built project: every model
has a primary-key test, and every column of every built relation is documented in YAML."""

from __future__ import annotations

import json

from custseg.layers import connect_duckdb

PK_TESTS = {"unique", "unique_combination_of_columns"}


def _manifest(built: dict) -> dict:
    return json.loads((built["workdir"] / "target" / "manifest.json").read_text())


def test_every_model_has_a_primary_key_test(built: dict) -> None:
    manifest = _manifest(built)
    models = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    keyed = {
        n["attached_node"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and (n.get("test_metadata") or {}).get("name") in PK_TESTS
    }
    missing = sorted(uid.split(".")[-1] for uid in models - keyed)
    assert not missing, f"models without a unique / unique_combination_of_columns test: {missing}"


def test_every_built_column_is_described(built: dict) -> None:
    manifest = _manifest(built)
    problems = []
    with connect_duckdb(built["db"], read_only=True) as con:
        for node in manifest["nodes"].values():
            if node["resource_type"] not in ("model", "seed", "snapshot"):
                continue
            actual = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    [node["schema"], node["alias"]],
                ).fetchall()
            ]
            assert actual, f"{node['name']} was not built"
            if not (node.get("description") or "").strip():
                problems.append(f"{node['name']}: no model description")
            documented = {name.lower(): c for name, c in node["columns"].items()}
            for column in actual:
                entry = documented.get(column.lower())
                if entry is None or not (entry.get("description") or "").strip():
                    problems.append(f"{node['name']}.{column}")
    assert not problems, "undocumented: " + ", ".join(problems)
