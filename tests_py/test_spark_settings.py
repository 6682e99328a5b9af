"""profiles.yml's spark target and custseg/spark.py build the Spark session from the same
settings, so dbt and the loader / CLV fit see one catalog."""

from __future__ import annotations

import re

import pytest

from conftest import rendered_profile
from custseg import PROJECT_DIR
from custseg.spark import spark_conf


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
    parameters = rendered_profile({})["spark"]["server_side_parameters"]
    rendered = {key: _absolute_paths(str(value)) for key, value in parameters.items()}
    expected = {key: str(value) for key, value in spark_conf().items()}
    assert rendered == expected
