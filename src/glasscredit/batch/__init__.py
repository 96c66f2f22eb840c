"""The same kernel beyond one machine: batch scoring and trust on Apache Spark.

The only package that imports pyspark (a ruff rule guards it), and only when a Spark
engine is asked for: ``--engine local`` runs without it. Both engines write the same
rows (see :mod:`._rows`); see ``docs/scaling.md``.
"""

from glasscredit.batch._inputs import LedgerInputs, read_ledger_inputs
from glasscredit.batch._rows import output_schema
from glasscredit.batch._run import BatchReport, Engine, run_batch
from glasscredit.batch._settings import SparkSettings, spark_session
from glasscredit.batch._source import EventSource, event_source
from glasscredit.batch._trust import SparkTrust, spark_sybilrank, spark_trust

__all__ = [
    "BatchReport",
    "Engine",
    "EventSource",
    "LedgerInputs",
    "SparkSettings",
    "SparkTrust",
    "event_source",
    "output_schema",
    "read_ledger_inputs",
    "run_batch",
    "spark_session",
    "spark_sybilrank",
    "spark_trust",
]
