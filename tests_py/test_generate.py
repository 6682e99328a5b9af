"""Tests of the synthetic sample-data generator (tiny scale, a few seconds)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from custseg import PROJECT_DIR, RAW_TABLES
from custseg import generate_reference as ref
from custseg.generate import COLUMNS, generate, parse_event_count, resolve_scale

AS_OF = "2026-06-30"
SEEDS = PROJECT_DIR / "seeds"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate(out, scale="tiny", seed=42, as_of=AS_OF, progress=False)
    return out


def _read(out: Path, table: str) -> list[dict]:
    return pq.read_table(out / table).to_pylist()


def _seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_same_seed_gives_byte_identical_files(tiny: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", seed=42, as_of=AS_OF, progress=False)
    files = sorted(p.relative_to(tiny) for p in tiny.rglob("*.parquet"))
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet"))
    for rel in files:
        assert (tiny / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_other_seed_gives_other_data(tiny: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", seed=7, as_of=AS_OF, progress=False)
    a = (tiny / "crm_contacts" / "part-00000.parquet").read_bytes()
    assert a != (tmp_path / "crm_contacts" / "part-00000.parquet").read_bytes()


def test_columns_match_the_raw_contract(tiny: Path) -> None:
    contract: dict[str, list[str]] = {}
    for path in (PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            for table in source["tables"]:
                contract[table["name"]] = [
                    (c["name"], bool(((c.get("config") or {}).get("meta") or c.get("meta") or {}).get("optional")))
                    for c in table["columns"]
                ]
    # Erasure requests are written by `custseg erase` (load creates the table), not generated.
    contract.pop("privacy_erasure_requests")
    assert set(contract) == set(RAW_TABLES)
    for table in RAW_TABLES:
        schema = pq.read_schema(next((tiny / table).glob("*.parquet")))
        # Every required column, and optional ones only where the sample has them, in contract order.
        required = [name for name, optional in contract[table] if not optional]
        in_order = [name for name, _ in contract[table] if name in COLUMNS[table]]
        assert schema.names == COLUMNS[table] == in_order and set(required) <= set(COLUMNS[table]), table
        for field in schema:
            expected = "timestamp[us]" if field.name in {"_loaded_at", "occurred_at", "received_at"} else "string"
            assert str(field.type) == expected, (table, field.name, field.type)


def test_manifest_counts_match_parquet_rows(tiny: Path) -> None:
    manifest = json.loads((tiny / "_manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["scale"] == "tiny" and manifest["as_of"] == AS_OF
    for table in RAW_TABLES:
        rows = sum(pq.read_metadata(p).num_rows for p in (tiny / table).glob("part-*.parquet"))
        assert rows == manifest["row_counts"][table], table
        assert rows > 0
    assert manifest["row_counts"]["crm_contacts"] >= 1000
    assert 30_000 <= manifest["row_counts"]["events"] <= 100_000


def test_every_injected_kind_is_present(tiny: Path) -> None:
    injected = json.loads((tiny / "_manifest.json").read_text())["injected"]
    expected = {
        "crm_accounts": {
            "duplicate",
            "missing_required_field",
            "unknown_country",
            "unknown_currency",
            "invalid_number",
            "non_positive_amount",
            "invalid_timestamp",
            "future_timestamp",
        },
        "crm_contacts": {
            "duplicate",
            "missing_required_field",
            "invalid_email",
            "unknown_country",
            "orphan_foreign_key",
            "invalid_timestamp",
            "future_timestamp",
            "invalid_number",
            "non_positive_amount",
            "unknown_currency",
        },
        "crm_deals": {
            "duplicate",
            "missing_required_field",
            "orphan_foreign_key",
            "unknown_currency",
            "invalid_number",
            "non_positive_amount",
            "invalid_timestamp",
            "future_timestamp",
        },
        "crm_subscriptions": {
            "duplicate",
            "missing_required_field",
            "orphan_foreign_key",
            "unknown_currency",
            "invalid_number",
            "non_positive_amount",
            "invalid_timestamp",
            "future_timestamp",
        },
        "shop_orders": {
            "duplicate",
            "missing_required_field",
            "orphan_foreign_key",
            "unknown_currency",
            "invalid_timestamp",
            "future_timestamp",
        },
        "shop_order_lines": {
            "duplicate",
            "missing_required_field",
            "orphan_foreign_key",
            "invalid_number",
            "non_positive_amount",
        },
        "events": {
            "duplicate",
            "missing_required_field",
            "invalid_value",
            "malformed_json",
            "future_timestamp",
            "orphan_foreign_key",
        },
    }
    for table, reasons in expected.items():
        assert set(injected[table]) == reasons, table
        assert all(n >= 1 for n in injected[table].values())
    manifest = json.loads((tiny / "_manifest.json").read_text())
    assert manifest["valid_duplicates"]["crm_contacts"]["same_email_new_contact_id"] >= 1


def test_duplicates_are_counted_exactly(tiny: Path) -> None:
    injected = json.loads((tiny / "_manifest.json").read_text())["injected"]
    keys = {
        "crm_accounts": "account_id",
        "crm_contacts": "contact_id",
        "crm_deals": "deal_id",
        "crm_subscriptions": "subscription_id",
        "shop_orders": "order_id",
        "shop_order_lines": "order_line_id",
        "events": "event_id",
    }
    for table, key in keys.items():
        ids = [r[key] for r in _read(tiny, table) if r[key] and r[key].strip()]
        extra = sum(n - 1 for n in Counter(ids).values() if n > 1)
        assert extra == injected[table]["duplicate"], table


def test_nothing_references_injected_rows(tiny: Path) -> None:
    """Dirty rows use ids from a reserved range (9...) that no clean row points at."""
    refs = [
        ("crm_contacts", "account_id", "A9"),
        ("crm_deals", "account_id", "A9"),
        ("crm_deals", "contact_id", "C9"),
        ("shop_orders", "contact_id", "C9"),
        ("shop_order_lines", "order_id", "O9"),
        ("events", "contact_id", "C9"),
    ]
    for table, column, prefix in refs:
        assert not any((r[column] or "").startswith(prefix) for r in _read(tiny, table)), (table, column)


def test_reference_values_exist_in_seeds(tiny: Path) -> None:
    products = {r["product_id"] for r in _seed("product_catalog")}
    assert {r["product_id"] for r in _read(tiny, "shop_order_lines")} <= products
    currencies = {r["currency_code"] for r in _seed("fx_rates")} | {"XXX", "ZZZ", ""}
    assert {r["currency"] for r in _read(tiny, "shop_orders")} <= currencies
    aliases = {r["alias"] for r in _seed("country_aliases")}
    countries = {r["country"].strip().lower() for r in _read(tiny, "crm_contacts")}
    assert countries - aliases == {c.lower() for c in ref.UNKNOWN_COUNTRIES} & countries
    assert {"türkiye", "turkey", "deutschland", "usa", "united kingdom"} & countries


def test_buy_till_you_die_signal(tiny: Path) -> None:
    orders = [r for r in _read(tiny, "shop_orders") if r["order_id"] and not r["order_id"].startswith("O9")]
    per_contact = Counter(r["contact_id"] for r in orders if r["contact_id"])
    assert sum(1 for n in per_contact.values() if n == 1) >= 20
    assert sum(1 for n in per_contact.values() if n >= 3) >= 20
    statuses = Counter(r["order_status"].lower() for r in orders)
    assert statuses["completed"] > statuses["refunded"] > 0 and statuses["cancelled"] > 0


def test_segments_have_raw_material(tiny: Path) -> None:
    contacts = _read(tiny, "crm_contacts")
    stages = {r["lifecycle_stage"] for r in contacts}
    assert {"subscriber", "lead", "mql", "sql", "customer", "former_customer"} <= stages
    assert any(r["is_deleted"] == "true" for r in contacts)
    subs = [r for r in _read(tiny, "crm_subscriptions") if r["subscription_id"].startswith("S0")]
    near = [r for r in subs if r["seats"].strip().isdigit() and int(r["seats_used"]) >= 0.9 * int(r["seats"])]
    assert len(near) >= 5
    events = _read(tiny, "events")
    types = Counter(r["event_type"] for r in events)
    for t in [
        "page_view",
        "email_sent",
        "email_open",
        "email_click",
        "email_unsubscribe",
        "email_bounce",
        "form_submit",
        "product_login",
        "feature_used",
        "support_ticket",
    ]:
        assert types[t] > 0, t
    linked = [r for r in events if r["event_type"] == "form_submit" and r["contact_id"] and r["anonymous_id"]]
    assert linked
    assert any(r["event_type"] == "page_view" and r["anonymous_id"] and not r["contact_id"] for r in events)


def _resolve(text: str, rules: list[dict[str, str]], key: str) -> dict[str, str] | None:
    hits = [r for r in rules if r[key] in text.lower()]
    return min(hits, key=lambda r: (int(r["priority"]), r[list(r)[0]])) if hits else None


def test_job_titles_resolve_to_their_intended_persona() -> None:
    rules = _seed("job_title_rules")
    for title, persona, seniority, buying_role, _ in ref.JOB_TITLES:
        rule = _resolve(title, rules, "title_pattern")
        assert rule is not None, title
        assert (rule["persona"], rule["seniority"], rule["buying_role"]) == (persona, seniority, buying_role), title
    for title in ref.CONSUMER_TITLES:
        assert _resolve(title, rules, "title_pattern") is None, title


def test_content_urls_cover_every_awareness_stage(tiny: Path) -> None:
    rules = _seed("content_rules")
    stages = set()
    for r in _read(tiny, "events"):
        if r["event_type"] == "page_view" and r["properties"].endswith("}"):
            url = json.loads(r["properties"])["url"]
            rule = _resolve(url, rules, "url_pattern")
            assert rule is not None, url
            stages.add(rule["awareness_stage"])
    assert stages == {"unaware", "problem_aware", "solution_aware", "product_aware", "most_aware"}


def test_stale_part_files_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "events" / "part-00099.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    generate(tmp_path, scale="tiny", seed=1, as_of=AS_OF, progress=False)
    assert not stale.exists()


def test_scale_parsing() -> None:
    assert parse_event_count("10M") == 10_000_000
    assert parse_event_count("100m") == 100_000_000
    assert parse_event_count("250k") == 250_000
    assert parse_event_count("1.5M") == 1_500_000
    assert parse_event_count("2000000") == 2_000_000
    plan = resolve_scale("10M")
    assert plan.events == 10_000_000 and plan.contacts == 200_000 and plan.accounts == 40_000
    assert resolve_scale("tiny").contacts == 1_000
    for bad in ["huge", "10X", "", "-5M", "1e6", "12"]:
        with pytest.raises(ValueError, match="scale"):
            resolve_scale(bad)


def test_bad_as_of_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="as_of"):
        generate(tmp_path, scale="tiny", seed=1, as_of="30/06/2026", progress=False)


def test_places_cover_every_urbanity(tiny: Path) -> None:
    rules = _seed("urbanity_rules")
    aliases = {r["alias"]: r["country_code"] for r in _seed("country_aliases")}
    found = Counter()
    for r in _read(tiny, "crm_contacts"):
        code = aliases.get(r["country"].strip().lower())
        city, postal = r["city"].strip().lower(), r["postal_code"].strip().upper()
        hits = [
            u
            for u in rules
            if u["country_code"] == code
            and (not u["city"] or u["city"] == city)
            and (not u["postal_prefix"] or postal.startswith(u["postal_prefix"]))
        ]
        found[min(hits, key=lambda u: (int(u["priority"]), u["rule_id"]))["urbanity"] if hits else "unknown"] += 1
    assert set(found) == {"urban", "suburban", "rural", "unknown"}


def test_defect_specs_are_consistent() -> None:
    """Every injected defect kind names a documented reject reason, a unique kind per table, and
    only columns of its table."""
    from custseg.generate.defects import DEFECTS

    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert set(DEFECTS) == set(RAW_TABLES)
    for table, spec in DEFECTS.items():
        assert spec.id_column == COLUMNS[table][0]
        kinds = [d.kind for d in spec.defects]
        assert len(kinds) == len(set(kinds)), table
        for defect in spec.defects:
            assert f"| {defect.reason} |" in readme, (table, defect.kind, defect.reason)
            assert defect.changes, (table, defect.kind)
            for column, _ in defect.changes:
                assert column in COLUMNS[table], (table, defect.kind, column)


def test_manifest_counts_match_the_defect_specs(tiny: Path) -> None:
    """The manifest's injected counts are the specs' row counts, summed per reason."""
    from custseg.generate.defects import DEFECTS

    manifest = json.loads((tiny / "_manifest.json").read_text())
    for table, spec in DEFECTS.items():
        assert set(manifest["injected"][table]) == {d.reason for d in spec.defects}, table
