"""The project as a dbt package inside a host project (packages.yml, `local:`), on minimal own
data: `dbt deps` installs it, the host has its own model named like one of the package's
(stg_crm__contacts), and with the host flag require_ref_searches_node_package_before_root
(README "Your own data") the package's refs and tests keep resolving to the package's own
models: the build passes and both models exist, each in its own schema. The package declares
require-dbt-version, which dbt checks at every invocation."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from test_own_data import EMAILS, EMPTY_ALLOWED, N_CONTACTS, _kind, write_minimal

from conftest import BIN, dbt_env, run_results
from custseg import PROJECT_DIR
from custseg.load import load_duckdb

pytestmark = pytest.mark.slow

HOST_PROJECT = {
    "name": "host_project",
    "version": "1.0.0",
    "config-version": 2,
    "profile": "customer_segmentation",
    "model-paths": ["models"],
    "flags": {"require_ref_searches_node_package_before_root": True},
}


def _dbt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "dbt"), *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def host_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("host")
    host = workdir / "host"
    (host / "models").mkdir(parents=True)
    (host / "dbt_project.yml").write_text(yaml.safe_dump(HOST_PROJECT, sort_keys=False))
    (host / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]}))
    (host / "models" / "stg_crm__contacts.sql").write_text("select 'host' as owner\n")
    write_minimal(workdir / "raw", [EMAILS[_kind(i)] for i in range(N_CONTACTS)])
    env = dbt_env(workdir)
    load_duckdb(workdir / "raw", path=Path(env["DBT_DUCKDB_PATH"]))
    deps = _dbt(["deps"], env, host)
    variables = f"{{as_of_date: '2026-06-30', raw_tables_allowed_empty: {EMPTY_ALLOWED}}}"
    proc = _dbt(
        [
            "build",
            "-s",
            "+staging_quarantine_rates",
            "+int_orders__net_revenue",
            "stg_crm__contacts",
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            variables,
        ],
        env,
        host,
    )
    return {"deps": deps, "proc": proc, "results": run_results(workdir / "target"), "env": env}


def test_the_package_declares_the_dbt_versions_it_supports() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["require-dbt-version"] == [">=1.11.0", "<1.12.0"]


def test_host_build_passes(host_build: dict) -> None:
    assert host_build["deps"].returncode == 0, host_build["deps"].stdout[-2000:]
    proc, results = host_build["proc"], host_build["results"]
    failed = {uid: r["status"] for uid, r in results.items() if r["status"] not in ("success", "pass", "warn")}
    assert proc.returncode == 0 and not failed, proc.stdout[-4000:]
    assert "depends on the root project node" not in proc.stdout
    assert "model.host_project.stg_crm__contacts" in results
    assert "model.customer_segmentation.stg_crm__contacts" in results


def test_both_models_of_the_same_name_exist(host_build: dict) -> None:
    from custseg.layers import connect_duckdb, schema

    with connect_duckdb(host_build["env"]["DBT_DUCKDB_PATH"], read_only=True) as con:
        host_rows = con.execute("select owner from main.stg_crm__contacts").fetchall()
        staged = con.execute(f"select count(*) from {schema('staging')}.stg_crm__contacts").fetchone()[0]
        revenue = con.execute(f"select count(*) from {schema('intermediate')}.int_orders__net_revenue").fetchone()[0]
    assert host_rows == [("host",)]
    assert staged == N_CONTACTS * 3 // 4 and revenue == 36
