"""The Spark session, from settings: ``local[*]`` by default, a master URL for a cluster.

Read from the environment (``GLASSCREDIT_SPARK_MASTER``, ``..._EXECUTOR_MEMORY``, ...) by
the front door that needs a session, never at import. The Python workers run the
interpreter of the driver (``sys.executable``) unless ``PYSPARK_PYTHON`` says otherwise,
so that they import the same glasscredit, polars and pyarrow.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkSettings", "arrow_only", "spark_session"]


class SparkSettings(BaseSettings):
    """Where Spark runs and how much memory and parallelism it gets.

    ``partitions``: shuffle partitions of the scoring job (None: about two million
    events each, at least two per core). ``arrow_batch_rows``: rows per Arrow batch
    handed to the Python workers (a partition arrives as several of them, concatenated
    before the kernel runs).
    """

    model_config = SettingsConfigDict(env_prefix="GLASSCREDIT_SPARK_", extra="ignore")

    master: str = "local[*]"
    app_name: str = "glasscredit-batch"
    executor_memory: str = "4g"
    driver_memory: str = "4g"
    partitions: int | None = None
    arrow_batch_rows: int = 100_000
    local_dir: str | None = None


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """A SparkSession for these settings (``getOrCreate``: an existing one is reused)."""
    from pyspark.sql import SparkSession

    s = settings or SparkSettings()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(s.master)
        .appName(s.app_name)
        .config("spark.executor.memory", s.executor_memory)
        .config("spark.driver.memory", s.driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(s.arrow_batch_rows))
        .config("spark.sql.adaptive.enabled", "true")
    )
    if s.partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(s.partitions))
    if s.local_dir is not None:
        builder = builder.config("spark.local.dir", s.local_dir)
    with arrow_only():
        return builder.getOrCreate()


@contextmanager
def arrow_only() -> Iterator[None]:
    """Silence pyspark's warning about pandas 3 where only Arrow is used.

    ``createDataFrame`` from Arrow and ``mapInArrow`` check the pandas version even
    though no pandas object is made; nothing here passes through pandas.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
        )
        yield
