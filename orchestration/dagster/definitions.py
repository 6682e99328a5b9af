"""Dagster definitions of the project: `dagster dev -f orchestration/dagster/definitions.py`.

- Every dbt seed, model and snapshot is an asset, every dbt data test an asset check
  (dagster-dbt, from the manifest). Asset groups are the dbt groups (one per layer, see
  models/_groups.yml); seeds are in `reference`, the raw sources in `raw`. Owners come from
  each model's `meta.owner` (a team name becomes `team:<name>`).
- On engines without dbt Python models (PostgreSQL, Spark) the CLV fit is its own asset,
  `clv/clv_parameters_fit` (the source table `python -m custseg clv fit` writes), between the
  dbt assets up to the CLV summary and the dbt assets after it. On DuckDB the fit is the dbt
  Python model `clv_parameters`.
- The Great Expectations checkpoint (`python -m custseg validate`, checks/expectations.yml) is
  one blocking asset check per validated table: when one fails, the assets downstream of that
  table (the export) do not run.
- The segment export (`python -m custseg export`) is the asset `segment_export`.
- Schedules: `hourly` (dbt selector `hourly`, then the checkpoint and the export) and `daily`
  (everything, every test).

Configuration is the environment of the project (profiles.yml): DBT_TARGET, DBT_DUCKDB_PATH,
DBT_SCHEMA_PREFIX, PG*, plus CUSTSEG_DBT_VARS (dbt --vars, e.g. "{as_of_date: '2026-06-30'}"),
CUSTSEG_EXPORT_DIR (default warehouse/export) and CUSTSEG_GX_DIR (default warehouse/gx).
The manifest is parsed on first load when target/dagster-<target>/manifest.json is missing
(`dagster-dbt project prepare-and-package` does the same ahead of a deployment).
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, build_dbt_asset_selection, dbt_assets

from custseg import PROJECT_DIR

TARGET = os.environ.get("DBT_TARGET", "duckdb")
# Engines where dbt runs the CLV fit itself (a dbt Python model).
PYTHON_MODEL_TARGETS = ("duckdb",)
# Engines the Great Expectations checkpoint and the export support.
CHECKPOINT_TARGETS = ("duckdb", "postgres")
SUMMARY_MODEL = "int_contacts__clv_summary"
FIT_SOURCE = ("clv", "clv_parameters_fit")
EXPECTATIONS = PROJECT_DIR / "checks" / "expectations.yml"
# The size comparison of the checkpoint reads this model.
SIZE_CHECK_MODEL = "segment_catalog"
EXPORT_MODELS = (
    "segment_catalog",
    "segment_membership",
    "account_profile",
    "activation_contacts",
    "activation_erased_contacts",
)
HOURLY_CRON = "15 * * * *"
DAILY_CRON = "0 3 * * *"


def _target_path() -> Path:
    base = Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")
    return (base if base.is_absolute() else PROJECT_DIR / base) / f"dagster-{TARGET}"


# dbt of this environment (the one beside this Python when the virtualenv is not activated).
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=TARGET, target_path=_target_path())
if not dbt_project.manifest_path.exists() or dbt_project.preparer.using_dagster_dev():
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--target", TARGET, "--target-path", str(dbt_project.target_path), "--quiet"],
        cwd=PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR)},
        check=True,
    )


def _owner(owner: str) -> str:
    return owner if "@" in owner or owner.startswith("team:") else f"team:{owner}"


class CustsegTranslator(DagsterDbtTranslator):
    """dbt groups as asset groups, `meta.owner` as owners."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        group = super().get_group_name(dbt_resource_props)
        if group:
            return group
        return {"seed": "reference", "source": "raw", "snapshot": "history"}.get(dbt_resource_props["resource_type"])

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        owner = (dbt_resource_props.get("config", {}).get("meta") or dbt_resource_props.get("meta") or {}).get("owner")
        if owner:
            return [_owner(owner)]
        # Seeds (reference data) and sources (raw tables) belong to the platform team.
        return super().get_owners(dbt_resource_props) or ["team:data-platform"]


translator = CustsegTranslator()
manifest = dbt_project.manifest_path


def _manifest_nodes() -> dict[str, Mapping[str, Any]]:
    import json

    data = json.loads(manifest.read_text())
    return {**data["nodes"], **data["sources"]}


NODES = _manifest_nodes()


def model_key(name: str) -> dg.AssetKey:
    props = next(n for n in NODES.values() if n["resource_type"] == "model" and n["name"] == name)
    return translator.get_asset_key(props)


def _dbt_vars() -> list[str]:
    dbt_vars = os.environ.get("CUSTSEG_DBT_VARS", "").strip()
    return ["--vars", dbt_vars] if dbt_vars else []


def _dbt_build(context: dg.AssetExecutionContext, dbt: DbtCliResource, *args: str):
    yield from dbt.cli(["build", *_dbt_vars(), *args], context=context).stream()


if TARGET in PYTHON_MODEL_TARGETS:

    @dbt_assets(manifest=manifest, project=dbt_project, dagster_dbt_translator=translator, name="dbt_project")
    def dbt_project_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from _dbt_build(context, dbt)

    DBT_ASSETS = [dbt_project_assets]
    FIT_ASSETS: list[dg.AssetsDefinition] = []
else:
    # Two dbt asset definitions around the fit: everything that does not depend on it, then
    # what does (the fit's source table and its descendants). Every asset of the second one
    # waits for the fit, so Dagster never runs part of it alongside the first. Tests: a test
    # runs before the fit when all its parents are built there (cautious), else after it.
    AFTER_FIT = "source:{}.{}+".format(*FIT_SOURCE)

    @dbt_assets(
        manifest=manifest,
        project=dbt_project,
        dagster_dbt_translator=translator,
        exclude=AFTER_FIT,
        name="dbt_before_fit",
    )
    def dbt_before_fit(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from _dbt_build(context, dbt, "--indirect-selection", "cautious")

    @dbt_assets(
        manifest=manifest,
        project=dbt_project,
        dagster_dbt_translator=translator,
        select=AFTER_FIT,
        name="dbt_after_fit",
    )
    def dbt_after_fit(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from _dbt_build(context, dbt)

    @dg.asset(
        key=dg.AssetKey(list(FIT_SOURCE)),
        deps=[model_key(SUMMARY_MODEL)],
        group_name="clv",
        owners=["team:data-science"],
        kinds={"python"},
        description="BG/NBD + Gamma-Gamma fit on the CLV summary (`python -m custseg clv fit`); "
        "the dbt model clv_parameters publishes it.",
    )
    def clv_parameters_fit(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        # A subprocess, as in a plain shell: on Spark the embedded metastore admits one process
        # at a time, and the dbt steps run in their own processes too.
        proc = subprocess.run(
            [sys.executable, "-m", "custseg", "clv", "fit", "--target", TARGET],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
        )
        context.log.info(proc.stdout)
        if proc.returncode != 0:
            raise dg.Failure(description="clv fit failed", metadata={"stderr": proc.stderr[-4000:]})
        return dg.MaterializeResult(metadata={"output": proc.stdout.strip()})

    DBT_ASSETS = [dbt_before_fit, dbt_after_fit]
    FIT_ASSETS = [clv_parameters_fit]


def _checkpoint_specs() -> list[dg.AssetCheckSpec]:
    spec = yaml.safe_load(EXPECTATIONS.read_text())
    models = {n["name"] for n in NODES.values() if n["resource_type"] == "model"}
    specs = [
        dg.AssetCheckSpec(
            "gx_checkpoint",
            asset=model_key(table),
            blocking=True,
            description=f"Great Expectations checkpoint: the expectations on {table} (checks/expectations.yml).",
        )
        for table in spec["tables"]
        if table in models
    ]
    if spec.get("size_changes"):
        specs.append(
            dg.AssetCheckSpec(
                "gx_segment_sizes",
                asset=model_key(SIZE_CHECK_MODEL),
                blocking=True,
                description="Great Expectations checkpoint: segment sizes compared with the last good run.",
            )
        )
    return specs


CHECK_SPECS = _checkpoint_specs() if TARGET in CHECKPOINT_TARGETS else []
SIZE_TABLES = set(yaml.safe_load(EXPECTATIONS.read_text()).get("size_changes") or {})


def _gx_dir() -> Path:
    path = Path(os.environ.get("CUSTSEG_GX_DIR") or PROJECT_DIR / "warehouse" / "gx")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dg.multi_asset_check(specs=CHECK_SPECS, name="gx_checkpoint", can_subset=True)
def gx_checkpoint(context: dg.AssetCheckExecutionContext):
    """`python -m custseg validate` (custseg.validate.run_checkpoint), once for every table;
    each table's check fails when any of its expectations failed."""
    import tempfile

    from custseg import validate
    from custseg.load import duckdb_path

    # Only the selected checks' tables: where the checked tables are built in two steps (the CLV
    # fit between them), Dagster runs this check once after each step.
    selected = context.selected_asset_check_keys
    spec = yaml.safe_load(EXPECTATIONS.read_text())
    tables = {t: v for t, v in spec["tables"].items() if dg.AssetCheckKey(model_key(t), "gx_checkpoint") in selected}
    with_sizes = dg.AssetCheckKey(model_key(SIZE_CHECK_MODEL), "gx_segment_sizes") in selected
    subset = {"tables": tables, "size_changes": spec.get("size_changes", {}) if with_sizes else {}}
    gx_dir = _gx_dir()
    # The segment-size baseline is only rewritten by a run that compares the sizes.
    state = gx_dir / f"{TARGET}_sizes.json"
    saved = state.read_text() if state.exists() and not with_sizes else None
    with tempfile.TemporaryDirectory() as scratch:
        spec_path = Path(scratch) / "expectations.yml"
        spec_path.write_text(yaml.safe_dump(subset))
        result = validate.run_checkpoint(
            database=duckdb_path() if TARGET == "duckdb" else None,
            spec_path=spec_path,
            gx_dir=gx_dir,
            target=TARGET,
        )
    if not with_sizes:
        if saved is not None:
            state.write_text(saved)
        else:
            state.unlink(missing_ok=True)
    context.log.info(result.summary())
    by_check: dict[dg.AssetCheckKey, list[str]] = {}
    for failure in result.failures:
        if failure.table in SIZE_TABLES:
            key = dg.AssetCheckKey(model_key(SIZE_CHECK_MODEL), "gx_segment_sizes")
        else:
            key = dg.AssetCheckKey(model_key(failure.table), "gx_checkpoint")
        by_check.setdefault(key, []).append(str(failure))
    for spec in CHECK_SPECS:
        if spec.key not in context.selected_asset_check_keys:
            continue
        failures = by_check.get(spec.key, [])
        yield dg.AssetCheckResult(
            asset_key=spec.asset_key,
            check_name=spec.name,
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"failures": "\n".join(failures) or "none", "checkpoint": result.summary()},
        )


@dg.asset(
    key="segment_export",
    deps=[model_key(name) for name in EXPORT_MODELS],
    group_name="exports",
    owners=["team:marketing-analytics"],
    kinds={"python"},
    description="Per-segment member files and the diff since the previous export (`python -m custseg export`).",
)
def segment_export(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from custseg.export import ERASED, EXCLUSIONS, export_segments
    from custseg.load import duckdb_path

    out_dir = Path(os.environ.get("CUSTSEG_EXPORT_DIR") or PROJECT_DIR / "warehouse" / "export")
    summary = export_segments(
        out_dir=out_dir,
        target=TARGET,
        database=duckdb_path() if TARGET == "duckdb" else None,
    )
    context.log.info(summary.line())
    return dg.MaterializeResult(
        metadata={
            "out_dir": str(out_dir),
            "segments": len(summary.segments),
            "members": sum(s.members for s in summary.segments),
            "added": sum(s.added for s in summary.segments),
            "removed": sum(s.removed for s in summary.segments),
            **{
                f"excluded_{reason}": sum(getattr(s, f"excluded_{reason}") for s in summary.segments)
                for reason in (*EXCLUSIONS, ERASED)
            },
            "as_of_date": summary.as_of_date or "",
        }
    )


EXPORT_ASSETS = [segment_export] if TARGET in CHECKPOINT_TARGETS else []
CHECKS = [gx_checkpoint] if CHECK_SPECS else []

hourly_selection = dg.AssetSelection.assets(*EXPORT_ASSETS)
for assets_def in DBT_ASSETS:
    hourly_selection = hourly_selection | build_dbt_asset_selection([assets_def], dbt_selector="hourly")
hourly_job = dg.define_asset_job(
    "hourly",
    selection=hourly_selection,
    description="What new events change (dbt selector `hourly`), the checkpoint and the export.",
)
daily_job = dg.define_asset_job(
    "daily", selection=dg.AssetSelection.all(), description="Everything, with every test and check."
)

defs = dg.Definitions(
    assets=[*DBT_ASSETS, *FIT_ASSETS, *EXPORT_ASSETS],
    asset_checks=CHECKS,
    jobs=[hourly_job, daily_job],
    schedules=[
        dg.ScheduleDefinition(job=hourly_job, cron_schedule=HOURLY_CRON, execution_timezone="UTC"),
        dg.ScheduleDefinition(job=daily_job, cron_schedule=DAILY_CRON, execution_timezone="UTC"),
    ],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, target=TARGET, dbt_executable=DBT_EXECUTABLE)},
)
