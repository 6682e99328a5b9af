"""profiles.yml's spark target and custseg/spark.py build the Spark session from the same
settings, so dbt and the loader / CLV fit see one catalog."""

from __future__ import annotations

import re

import pytest
import yaml

from custseg import PROJECT_DIR
from custseg.spark import spark_conf

ENV_VAR = re.compile(r"\{\{\s*env_var\('([A-Z_]+)',\s*'([^']*)'\)\s*\}\}")


def _render(text: str) -> str:
    """profiles.yml's `{{ env_var('NAME', 'default') }}` with the defaults."""
    return ENV_VAR.sub(lambda match: match.group(2), str(text))


def _absolute_paths(value: str) -> str:
    """Relative warehouse/ paths made absolute (dbt runs from the project directory)."""
    return re.sub(r"(?<![/\w])warehouse/", f"{PROJECT_DIR}/warehouse/", value)


def test_profile_spark_settings_equal_the_python_session(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SPARK_MASTER",
        "SPARK_DRIVER_MEMORY",
        "SPARK_SHUFFLE_PARTITIONS",
        "SPARK_WHOLESTAGE_CODEGEN",
        "SPARK_WAREHOUSE_DIR",
        "SPARK_METASTORE_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["customer_segmentation"]["outputs"]["spark"]["server_side_parameters"]
    rendered = {key: _absolute_paths(_render(value)) for key, value in parameters.items()}
    expected = {key: str(value) for key, value in spark_conf().items()}
    assert rendered == expected
