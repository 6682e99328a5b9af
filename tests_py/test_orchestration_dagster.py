"""The Dagster definitions (orchestration/dagster/definitions.py) materialized for real: every
dbt model, seed and snapshot, every dbt test as an asset check, the Great Expectations
checkpoint as blocking asset checks and the segment export, on the tiny sample (DuckDB), in one
in-process run of the implicit asset job into a temporary warehouse; then a failing checkpoint
check that blocks the export."""

import importlib.util
import time
from pathlib import Path

import dagster as dg

from conftest import AS_OF, dbt_env
from custseg import PROJECT_DIR
from custseg.layers import connect_duckdb
from custseg.load import load_duckdb

DEFINITIONS = PROJECT_DIR / "orchestration" / "dagster" / "definitions.py"


def _load_definitions():
    spec = importlib.util.spec_from_file_location("custseg_dagster_definitions", DEFINITIONS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dagster_materializes_every_asset_and_passes_every_check(sample_data, tmp_path, monkeypatch) -> None:
    env = dbt_env(
        tmp_path,
        CUSTSEG_DBT_VARS=f"{{as_of_date: '{AS_OF}'}}",
        CUSTSEG_GX_DIR=str(tmp_path / "gx"),
        CUSTSEG_EXPORT_DIR=str(tmp_path / "export"),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "dagster_home").mkdir()
    load_duckdb(sample_data["dir"], path=Path(env["DBT_DUCKDB_PATH"]))

    module = _load_definitions()
    defs = module.defs
    graph = defs.resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    check_keys = set(graph.asset_check_keys)

    # Layers as groups, owners from meta, the checkpoint blocking, both schedules.
    for key in materializable:
        node = graph.get(key)
        assert node.group_name and node.group_name != "default", key
        assert node.owners, key
    gx = [spec for spec in module.CHECK_SPECS]
    assert gx and all(spec.blocking for spec in gx)
    export_deps = graph.get(dg.AssetKey("segment_export")).parent_keys
    assert {spec.asset_key for spec in gx} & export_deps
    assert {s.name for s in defs.schedules} == {"hourly_schedule", "daily_schedule"}
    _assert_hourly(module)

    started = time.monotonic()
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    seconds = time.monotonic() - started

    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    evaluations = result.get_asset_check_evaluations()
    failed = sorted(e.asset_check_key.to_user_string() for e in evaluations if not e.passed)
    evaluated = {e.asset_check_key for e in evaluations}
    print(
        f"\nDagster: {len(materialized)}/{len(materializable)} assets materialized, "
        f"{len(evaluated) - len(failed)}/{len(check_keys)} checks passed in {seconds:.0f} s"
    )
    assert result.success
    assert not sorted(k.to_user_string() for k in materializable - materialized)
    assert not failed, failed
    assert not sorted(k.to_user_string() for k in check_keys - evaluated)
    assert (tmp_path / "export" / "export_manifest.json").exists()

    # A failing checkpoint expectation blocks the export: a duplicated profile row, then the
    # checks and the export alone (no dbt step).
    with connect_duckdb(env["DBT_DUCKDB_PATH"]) as con:
        con.execute("insert into contact_profile select * from contact_profile limit 1")
    profile = module.model_key("contact_profile")
    blocked = dg.Definitions(
        assets=[*module.DBT_ASSETS, *module.EXPORT_ASSETS],
        asset_checks=module.CHECKS,
        jobs=[
            dg.define_asset_job(
                "checkpoint_then_export",
                selection=dg.AssetSelection.assets(dg.AssetKey("segment_export"))
                | dg.AssetSelection.checks(*[spec.key for spec in module.CHECK_SPECS]),
            )
        ],
        resources=defs.resources,
    )
    result = blocked.resolve_job_def("checkpoint_then_export").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    failed = {e.asset_check_key for e in result.get_asset_check_evaluations() if not e.passed}
    # The profile's duplicate, and activation_contacts, which must hold one row per profile row.
    activation = module.model_key("activation_contacts")
    assert failed == {dg.AssetCheckKey(profile, "gx_checkpoint"), dg.AssetCheckKey(activation, "gx_checkpoint")}
    assert not result.get_asset_materialization_events()


def test_dagster_clv_fit_asset_sits_between_the_dbt_assets_on_postgres(tmp_path, monkeypatch) -> None:
    """On an engine without dbt Python models the fit is its own asset: after the CLV summary,
    before the dbt model that publishes it (definitions only; nothing runs)."""
    for name, value in dbt_env(tmp_path, DBT_TARGET="postgres").items():
        monkeypatch.setenv(name, value)
    module = _load_definitions()
    graph = module.defs.resolve_asset_graph()
    fit = graph.get(dg.AssetKey(["clv", "clv_parameters_fit"]))
    assert fit.is_materializable
    assert fit.parent_keys == {module.model_key("int_contacts__clv_summary")}
    assert module.model_key("clv_parameters") in fit.child_keys
    assert {a.op.name for a in module.DBT_ASSETS} == {"dbt_before_fit", "dbt_after_fit"}
    summary = graph.get(module.model_key("int_contacts__clv_summary"))
    assert graph.get(module.model_key("contact_clv")).assets_def is not summary.assets_def
    assert module.CHECK_SPECS and module.EXPORT_ASSETS
    _assert_hourly(module)


def _assert_hourly(module) -> None:
    """The hourly job: what new events change (dbt selector `hourly`) and the export."""
    selected = module.defs.resolve_job_def("hourly").asset_layer.selected_asset_keys
    assert {module.model_key("stg_events__events"), module.model_key("segment_membership")} <= selected
    assert dg.AssetKey("segment_export") in selected
    assert module.model_key("contact_clv") not in selected
    # its checks: the tests on new rows and the small tables' keys, not every test of its models
    checks = {key.name for key in module.hourly_selection.resolve_checks(module.defs.resolve_asset_graph())}
    assert {"new_stg_events_event_id_unique", "unique_segment_membership_membership_id"} <= checks
    assert "unique_stg_events__events_event_id" not in checks
    assert "not_null_contact_engagement_lead_score" not in checks
