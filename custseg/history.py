"""`python -m custseg history`: backfill the segment logs for earlier as-of dates.

segment_membership_daily and segment_sizes_daily are incremental logs keyed by as-of date: a
warehouse built once holds one date, so "sizes over time" has nothing to show. The backfill
runs, for each earlier as-of date (oldest first), only the models the segment logs need that
depend on the as-of date, then the as-of-dependent models and everything after them for the
final date last, with their tests, so every table except the logs (and the CLV fit history,
one row per as-of date) ends as a plain build leaves it.

The models to run come from the dbt manifest: a model depends on the as-of date when it calls
a macro that (directly or through other macros) reads `as_of_date_string`, or names
var('as_of_date') itself. dbt parses the project once; each date reuses that manifest in this
process (dbt's start-up and parse cost seconds per invocation, the per-date run about as much).
On engines without dbt Python models the CLV fit runs between the two halves of each date, as
in `python -m custseg build`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import yaml

from custseg import PROJECT_DIR

SEGMENT_LOGS = ("segment_membership_daily", "segment_sizes_daily")
HISTORY_MODEL = "segment_membership_history"
AS_OF_MACRO = "as_of_date_string"
VAR_MARKERS = ("var('as_of_date'", 'var("as_of_date"')


def earlier_dates(final: str, periods: int, step_days: int = 7) -> list[str]:
    """The `periods` as-of dates `step_days` apart before `final`, oldest first."""
    if periods < 0 or step_days < 1:
        raise ValueError(f"periods must be >= 0 and step days >= 1, got {periods} and {step_days}")
    last = date.fromisoformat(final)
    return [(last - timedelta(days=step_days * k)).isoformat() for k in range(periods, 0, -1)]


def _closure(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def selections(manifest) -> tuple[list[str], list[str], set[str]]:
    """(models to run per earlier date, models to run for the final date, the as-of-dependent
    models themselves), as model names, from a parsed dbt Manifest."""
    macro_callers: dict[str, set[str]] = {}
    for unique_id, macro in manifest.macros.items():
        for called in macro.depends_on.macros:
            macro_callers.setdefault(called, set()).add(unique_id)
    reading = _closure([m for m in manifest.macros if m.split(".")[-1] == AS_OF_MACRO], macro_callers)
    models = {uid: node for uid, node in manifest.nodes.items() if node.resource_type == "model"}
    dependent = {
        uid for uid, node in models.items()
        if reading & set(node.depends_on.macros) or any(marker in node.raw_code for marker in VAR_MARKERS)
    }
    parents = {uid: {p for p in node.depends_on.nodes if p in models} for uid, node in models.items()}
    children: dict[str, set[str]] = {}
    for uid, ups in parents.items():
        for parent in ups:
            children.setdefault(parent, set()).add(uid)
    downstream = _closure(dependent, children)
    logs = [uid for uid, node in models.items() if node.name in SEGMENT_LOGS]
    if len(logs) != len(SEGMENT_LOGS):
        raise ValueError(f"the project has no models {', '.join(SEGMENT_LOGS)}: nothing to backfill")
    per_date = downstream & _closure(logs, parents)
    name = {uid: node.name for uid, node in models.items()}
    return sorted(name[u] for u in per_date), sorted(name[u] for u in downstream), {name[u] for u in dependent}


class Dbt:
    """dbt in this process, parsed once; later invocations reuse the manifest."""

    def __init__(self, target: str) -> None:
        from dbt.cli.main import dbtRunner

        self.target = target
        os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
        result = self._invoke(dbtRunner(), ["parse"])
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
        self.manifest = result.result

    def _invoke(self, runner, args: list[str]):
        cwd = Path.cwd()
        os.chdir(PROJECT_DIR)
        try:
            return runner.invoke([*args, "--target", self.target], project_dir=str(PROJECT_DIR))
        finally:
            os.chdir(cwd)

    def run(self, command: str, models: list[str], dbt_vars: dict) -> bool:
        """`dbt run` (or `dbt test` of the data tests) of these models, dbt's own log at warning level."""
        from dbt.cli.main import dbtRunner

        started = time.monotonic()
        args = [command, "--select", *models, "--vars", yaml.safe_dump(dbt_vars, default_flow_style=True).strip()]
        if command == "test":
            args += ["--exclude", "test_type:unit"]
        result = self._invoke(dbtRunner(manifest=self.manifest), [*args, "--log-level", "warn"])
        print(f"dbt {command} of {len(models)} models as of {dbt_vars['as_of_date']}: "
              f"{'ok' if result.success else 'FAILED'} in {time.monotonic() - started:.1f} s", flush=True)
        return result.success


def _steps(target: str, models: list[str], manifest) -> list[list[str] | str]:
    """One run on engines with dbt Python models; elsewhere the models up to the CLV summary,
    the fit ("fit"), then the rest (as `python -m custseg build` does)."""
    from custseg.clv_io import SUMMARY_MODEL

    if target == "duckdb":
        return [models]
    by_name = {n.name: uid for uid, n in manifest.nodes.items() if n.resource_type == "model"}
    parents = {uid: set(n.depends_on.nodes) for uid, n in manifest.nodes.items()}
    upstream = {manifest.nodes[u].name for u in _closure([by_name[SUMMARY_MODEL]], parents) if u in manifest.nodes}
    before = [m for m in models if m in upstream]
    return [step for step in (before, "fit", [m for m in models if m not in upstream]) if step]


def backfill(final_as_of: str, periods: int, step_days: int = 7, target: str | None = None,
             extra_vars: dict | None = None) -> int:
    """Backfill `periods` earlier as-of dates, then rerun the final date and test the logs and the
    history (the other models' tests ran in the build before; their tables end as it left them)."""
    from custseg import clv_io

    target = target or os.environ.get("DBT_TARGET", "duckdb")
    dbt = Dbt(target)
    per_date, final, _ = selections(dbt.manifest)
    base = dict(extra_vars or {})
    plan = [(d, per_date, "run") for d in earlier_dates(final_as_of, periods, step_days)]
    plan.append((final_as_of, final, "run"))
    plan.append((final_as_of, [*SEGMENT_LOGS, HISTORY_MODEL], "test"))
    for as_of, models, command in plan:
        dbt_vars = {**base, "as_of_date": as_of}
        for step in _steps(target, models, dbt.manifest) if command == "run" else [models]:
            if step == "fit":
                row = clv_io.fit_and_write(target, overrides=dbt_vars).iloc[0]
                print(f"clv fit {as_of}: {row['status']}", flush=True)
            elif not dbt.run(command, step, dbt_vars):
                print(f"error: dbt {command} for as-of date {as_of} failed (build the project first: "
                      "the backfill reruns only the as-of-dependent models; dbt's log: logs/dbt.log)", flush=True)
                return 1
    print(f"segment history: {periods} earlier as-of dates every {step_days} days, then {final_as_of}")
    return 0
