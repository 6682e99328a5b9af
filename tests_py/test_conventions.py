"""Project conventions that reviews tend to miss, checked on the built project: every model
has a primary-key test, every column of every built relation is documented in YAML, every
personal-looking column is classified (meta.pii), and the BI-facing layers hold no direct
identifiers (docs/privacy.md)."""

from __future__ import annotations

import hashlib
import json
import re

from custseg import layers, pii
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


def test_every_personal_looking_column_is_classified(built: dict) -> None:
    """Every built column (models, seeds, sources) whose name or sampled values look personal
    (custseg.pii: emails, names, phones, birth dates, postal codes, quasi-identifiers) carries
    meta.pii in its YAML (docs/privacy.md)."""
    manifest = _manifest(built)
    with connect_duckdb(built["db"], read_only=True) as con:
        findings = pii.unclassified_columns(manifest, con)
    assert not findings, "personal-looking columns without meta.pii: " + ", ".join(map(str, findings))


def test_bi_layers_hold_no_direct_identifiers(built: dict) -> None:
    """Every column of every table in the marts and segments schemas: no direct identifier by
    classification, name or sampled values, and age, income and household size only as bands."""
    manifest = _manifest(built)
    schemas = tuple(layers.schema(layer) for layer in layers.BI_LAYERS)
    with connect_duckdb(built["db"], read_only=True) as con:
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema in (?, ?)", list(schemas)
        ).fetchone()[0]
        problems = pii.bi_layer_problems(manifest, con, schemas)
    assert tables >= 15
    assert not problems, "\n".join(problems)


def test_segment_reasons_show_no_personal_values(built: dict) -> None:
    """A reason's evidence labels name no column classified direct anywhere in the project, no
    direct identifier by name, no exact age, income or household size and no city: reasons
    show bands and rules (docs/segments.md)."""
    manifest = _manifest(built)
    direct = {
        name.lower()
        for node in [*manifest["nodes"].values(), *manifest["sources"].values()]
        for name, column in (node.get("columns") or {}).items()
        if pii._pii_of(column) == "direct"
    }
    with connect_duckdb(built["db"], read_only=True) as con:
        rows = con.execute("select distinct segment_id, reason from segment_membership").fetchall()
    assert len({segment_id for segment_id, _ in rows}) > 40
    problems = set()
    for segment_id, reason in rows:
        for label in re.findall(r"(?:^|; )([a-z_0-9]+) = ", reason):
            kind = pii.kind_by_name(label)
            exact = kind in pii.EXACT_QUASI_KINDS and not label.endswith("_band")
            if label in direct or kind in pii.DIRECT_KINDS or exact or kind == "city":
                problems.add(f"{segment_id}: {label}")
    assert not problems, sorted(problems)


def test_email_sha256_is_the_sha256_of_the_normalised_email(built: dict) -> None:
    with connect_duckdb(built["db"], read_only=True) as con:
        rows = con.execute(
            "select a.email, a.email_sha256, p.email_sha256 from activation_contacts as a"
            " join contact_profile as p on a.contact_id = p.contact_id"
        ).fetchall()
    assert rows and all(email is not None for email, _, _ in rows[:10])
    for email, activation_hash, profile_hash in rows:
        expected = None if email is None else hashlib.sha256(email.strip().lower().encode()).hexdigest()
        assert activation_hash == profile_hash == expected, email
