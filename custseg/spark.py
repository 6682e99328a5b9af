"""The local Spark session every Spark step shares (loader, CLV fit, tests).

dbt-spark's session mode and this module must see the same catalog, so both build the session
from the same settings: a persistent warehouse folder and an embedded Derby metastore, set by
environment variables with defaults under warehouse/spark/ (profiles.yml reads the same
variables in its `spark` target's server_side_parameters; tests_py/test_spark_settings.py
checks the two stay equal). The Derby metastore admits one process at a time: run Spark steps
one after the other, not in parallel.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from custseg import PROJECT_DIR, RAW_TABLES

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_WAREHOUSE_DIR = "warehouse/spark/warehouse"
DEFAULT_METASTORE_DIR = "warehouse/spark/metastore"


def _absolute(path_text: str) -> Path:
    path = Path(path_text)
    return path if path.is_absolute() else PROJECT_DIR / path


def warehouse_dir() -> Path:
    return _absolute(os.environ.get("SPARK_WAREHOUSE_DIR", DEFAULT_WAREHOUSE_DIR))


def metastore_dir() -> Path:
    return _absolute(os.environ.get("SPARK_METASTORE_DIR", DEFAULT_METASTORE_DIR))


def spark_conf() -> dict[str, str]:
    """Settings of the local session (the same keys and defaults as profiles.yml)."""
    metastore = metastore_dir()
    return {
        "spark.master": os.environ.get("SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.shuffle.partitions": os.environ.get("SPARK_SHUFFLE_PARTITIONS", "2"),
        # Whole-stage code generation compiles Java per query: on the small local data of a
        # session it costs more than it saves (about a third of the time of a short query).
        "spark.sql.codegen.wholeStage": os.environ.get("SPARK_WHOLESTAGE_CODEGEN", "false"),
        "spark.sql.warehouse.dir": str(warehouse_dir()),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.stream.error.file={metastore}/derby.log",
        "spark.hadoop.hive.exec.dynamic.partition.mode": "nonstrict",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def session() -> SparkSession:
    """The local Spark session with Hive support (the catalog dbt-spark's session mode uses)."""
    from pyspark.sql import SparkSession

    metastore_dir().mkdir(parents=True, exist_ok=True)
    warehouse_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("custseg").enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _raw_frame(spark: SparkSession, folder: Path) -> DataFrame:
    """A raw table with the contract's types: text as string, timestamps as timestamp (UTC)."""
    from pyspark.sql import functions as F

    frame = spark.read.parquet(str(folder.resolve()))
    columns = []
    for field in frame.schema.fields:
        name = field.dataType.typeName()
        if name.startswith("timestamp"):
            columns.append(F.col(field.name).cast("timestamp").alias(field.name))
        else:
            columns.append(F.col(field.name))
    return frame.select(*columns)


def load_spark(data_dir: Path, schema: str = "raw") -> dict[str, int]:
    """Create (replace) one Parquet table per raw table in `schema` of the Spark catalog."""
    for table in RAW_TABLES:
        if not any((data_dir / table).glob("*.parquet")):
            raise FileNotFoundError(
                f"no Parquet files for raw table '{table}' in {data_dir / table}: run "
                "`python -m custseg generate` or export your own files there"
            )
    spark = session()
    spark.sql(f"create database if not exists `{schema}`")
    counts: dict[str, int] = {}
    for table in RAW_TABLES:
        frame = _raw_frame(spark, data_dir / table)
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`{table}`")
        counts[table] = spark.table(f"`{schema}`.`{table}`").count()
    from custseg.erasure import ensure_table_spark

    ensure_table_spark(spark, schema)  # kept across loads: see custseg/erasure.py
    return counts


def read_table(schema: str, table: str) -> pd.DataFrame:
    """A whole Spark table as a pandas frame."""
    spark = session()
    if not spark.catalog.tableExists(f"{schema}.{table}"):
        raise FileNotFoundError(f"table {schema}.{table} does not exist in the Spark catalog")
    return spark.table(f"`{schema}`.`{table}`").toPandas()


# Spark SQL types of clv_parameters_fit (custseg.clv_io.FIT_TABLE_TYPES in Spark's names).
FIT_TABLE_SPARK_TYPES = {
    "varchar": "string",
    "double precision": "double",
    "bigint": "bigint",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


def _spark_type(sql_type: str) -> str:
    return FIT_TABLE_SPARK_TYPES[sql_type.split("(")[0]]


def write_fit_row(schema: str, table: str, frame: pd.DataFrame, column_types: dict[str, str]) -> None:
    """Replace the row of frame's fit_id in `schema.table` (created when missing) by frame's row.

    Parquet tables have no delete: the (small) table is read, filtered and written back."""
    import pandas as pd

    spark = session()
    spark.sql(f"create database if not exists `{schema}`")
    columns = list(column_types)
    ddl = ", ".join(f"`{name}` {_spark_type(column_types[name])}" for name in columns)
    spark.sql(f"create table if not exists `{schema}`.`{table}` ({ddl}) using parquet")
    existing = set(spark.table(f"`{schema}`.`{table}`").columns)
    added = [f"`{name}` {_spark_type(column_types[name])}" for name in columns if name not in existing]
    if added:  # a table written by an earlier version gains the columns added since (at the end)
        spark.sql(f"alter table `{schema}`.`{table}` add columns ({', '.join(added)})")
    fit_id = str(frame["fit_id"].iloc[0])
    kept = [row.asDict() for row in spark.table(f"`{schema}`.`{table}`").collect() if row["fit_id"] != fit_id]
    kept = [{name: row.get(name) for name in columns} for row in kept]
    new = {name: _python_value(frame[name].iloc[0]) for name in columns}
    if new["as_of_date"] is not None:
        new["as_of_date"] = pd.Timestamp(new["as_of_date"]).date()
    if new["fitted_at"] is not None:
        new["fitted_at"] = pd.Timestamp(new["fitted_at"]).tz_localize(None).to_pydatetime()
    rows = [tuple(row[name] for name in columns) for row in [*kept, new]]
    spark.createDataFrame(rows, schema=ddl.replace("`", "")).write.mode("overwrite").insertInto(
        f"`{schema}`.`{table}`", overwrite=True
    )


def _python_value(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value
