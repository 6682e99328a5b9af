"""Shared helpers: run dbt against throw-away DuckDB files so tests never touch the
developer's warehouse, and pin the as-of date."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from custseg import PROJECT_DIR
from custseg.dbt_env import scratch_dbt_env

AS_OF = "2026-06-30"
# The staged model of each raw table.
STAGING_MODELS = {
    "crm_accounts": "stg_crm__accounts",
    "crm_contacts": "stg_crm__contacts",
    "crm_deals": "stg_crm__deals",
    "crm_subscriptions": "stg_crm__subscriptions",
    "shop_orders": "stg_shop__orders",
    "shop_order_lines": "stg_shop__order_lines",
    "events": "stg_events__events",
}
BIN = Path(sys.executable).parent


def dbt_env(workdir: Path, **extra: str) -> dict[str, str]:
    settings = {
        "DUCKDB_TEMP_DIRECTORY": str(workdir / "duckdb_tmp"),
        # the sample's ~8 % injected defects stay below the quarantine guard's warning
        "CUSTSEG_QUARANTINE_WARN_SHARE": "0.1",
        **extra,
    }
    return scratch_dbt_env(workdir, **settings)


def rendered_profile(env: dict[str, str]) -> dict:
    """profiles.yml's outputs, rendered with these environment variables (others take their
    defaults)."""
    import jinja2
    import yaml

    template = jinja2.Template((PROJECT_DIR / "profiles.yml").read_text())
    rendered = template.render(env_var=lambda name, default=None: env.get(name, default))
    return yaml.safe_load(rendered)["customer_segmentation"]["outputs"]


def run_dbt(args: list[str], env: dict[str, str], cwd: Path = PROJECT_DIR, check: bool = True):
    proc = subprocess.run([str(BIN / "dbt"), *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc


def run_results(target_path: Path) -> dict[str, dict]:
    """Results of the last dbt invocation, keyed by node unique_id. Exposures are left out: they
    run nothing, and `dbt build` reports them as no-op."""
    data = json.loads((target_path / "run_results.json").read_text())
    return {r["unique_id"]: r for r in data["results"] if not r["unique_id"].startswith("exposure.")}


@pytest.fixture(scope="session")
def as_of() -> str:
    return AS_OF


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The tiny sample, generated once per test session."""
    from custseg.generate import generate

    data_dir = tmp_path_factory.mktemp("sample") / "raw"
    manifest = generate(out_dir=data_dir, scale="tiny", seed=42, as_of=AS_OF, progress=False)
    return {"dir": data_dir, "manifest": manifest}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sample_data: dict) -> dict:
    """The whole project built on DuckDB from the tiny sample (as-of date pinned)."""
    from custseg.load import load_duckdb

    workdir = tmp_path_factory.mktemp("duckdb_build")
    env = dbt_env(workdir)
    load_duckdb(sample_data["dir"], path=Path(env["DBT_DUCKDB_PATH"]))
    proc = run_dbt(["build", "--vars", f"{{as_of_date: '{AS_OF}'}}"], env, check=False)
    return {
        "workdir": workdir,
        "manifest": sample_data["manifest"],
        "proc": proc,
        "results": run_results(workdir / "target"),
        "db": Path(env["DBT_DUCKDB_PATH"]),
    }


# --------------------------------------------------------------------------- PostgreSQL

PGPORT = os.environ.get("CUSTSEG_TEST_PGPORT", "55432")
PG_CONNECTION = {"host": "127.0.0.1", "port": int(PGPORT), "user": "postgres", "dbname": "segmentation_test"}


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the test session (scripts/postgres-up.sh installs and starts
    it on 127.0.0.1:$CUSTSEG_TEST_PGPORT; its files live in /tmp/custseg-postgres-<port>, which
    postgres-down.sh removes)."""
    env = dict(os.environ, PGPORT=PGPORT, PGDATABASE="segmentation_test")
    try:
        subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "postgres-up.sh")], env=env, check=True)
        yield env
    finally:
        subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "postgres-down.sh")], env=env, check=False)


def build_with_clv_fit(target: str, env: dict[str, str], target_path: Path) -> dict:
    """`python -m custseg build` for engines without dbt Python models: dbt build up to the CLV
    summary, the CLI fit, dbt build of the rest. Returns the merged node results."""
    proc = subprocess.run(
        [sys.executable, "-m", "custseg", "build", "--target", target, "--vars", f"{{as_of_date: '{AS_OF}'}}"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    return {"proc": proc, "results": run_results(target_path) if (target_path / "run_results.json").exists() else {}}


@pytest.fixture(scope="session")
def pg_built(postgres: dict, sample_data: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The whole project built once per test session on PostgreSQL from the tiny sample,
    CLV fit included (the `python -m custseg build --target postgres` route)."""
    from custseg.load_postgres import load_postgres

    workdir = tmp_path_factory.mktemp("pg_build")
    env = dbt_env(workdir, DBT_TARGET="postgres", PGHOST="127.0.0.1", PGPORT=PGPORT, PGDATABASE="segmentation_test")
    env.pop("DBT_SCHEMA", None)
    load_postgres(sample_data["dir"], **PG_CONNECTION)
    return {**build_with_clv_fit("postgres", env, workdir / "target"), "workdir": workdir}


# --------------------------------------------------------------------------- Apache Spark

SPARK_FIXTURE = "spark_built"
SPARK_BUILD = pytest.StashKey["SparkBuild"]()


class SparkBuild:
    """The tiny sample built on a local Spark session by the project's own commands
    (`generate`, `load --target spark`, `build --target spark`, run in one process so that one
    JVM serves them all), started in a background process as soon as a test needing it is
    collected: it overlaps the DuckDB and PostgreSQL tests instead of adding its full length to
    the suite. Its warehouse and Derby metastore live in a throw-away folder. The build runs
    every model, data test and unit test; the tables are then compared with DuckDB's."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="custseg-spark-"))
        self.env = dbt_env(
            self.workdir,
            DBT_TARGET="spark",
            SPARK_WAREHOUSE_DIR=str(self.workdir / "warehouse"),
            SPARK_METASTORE_DIR=str(self.workdir / "metastore"),
        )
        self.env.pop("DBT_SCHEMA", None)
        self.log = self.workdir / "build.log"
        data = self.workdir / "raw"
        generate = ["generate", "--scale", "tiny", "--seed", "42", "--as-of", AS_OF, "--out", str(data)]
        load = ["load", "--target", "spark", "--data", str(data)]
        build = ["build", "--target", "spark", "--vars", f"{{as_of_date: '{AS_OF}'}}"]
        script = (
            "import sys\n"
            "from custseg.cli import main\n"
            f"sys.exit(main({generate!r}) or main({load!r}) or main({build!r}))\n"
        )
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", script],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one process group: stop() ends the JVM too
            )

    def wait(self) -> dict:
        returncode = self.process.wait()
        return {"returncode": returncode, "log": self.log.read_text(errors="replace"), "env": self.env}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spark tests run last, after the background build they wait for has had the whole suite's
    time to finish."""
    spark_items = [item for item in items if SPARK_FIXTURE in getattr(item, "fixturenames", ())]
    if spark_items and not config.option.collectonly:
        config.stash[SPARK_BUILD] = SparkBuild()
        items[:] = [item for item in items if item not in spark_items] + spark_items


def pytest_unconfigure(config: pytest.Config) -> None:
    build = config.stash.get(SPARK_BUILD, None)
    if build is not None:
        build.stop()


@pytest.fixture(scope="session")
def spark_built(request: pytest.FixtureRequest) -> dict:
    """The finished Spark build: returncode, its log and the environment of its catalog."""
    return request.config.stash[SPARK_BUILD].wait()
