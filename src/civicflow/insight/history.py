"""The engine's history table as an event log: the same frame and XES names as imported logs.

Mining and KPIs then read the engine's own history exactly as they read an XES or CSV file,
so ``civicflow mine sqlite:///city.db`` and ``civicflow mine export.xes`` give comparable
figures. Choices (see ``docs/history-log.md``):

- ``case:concept:name`` is the **process instance id**: unique and never null, where a business
  key may be missing or reused; the business key is kept as ``case:business_key``.
- ``concept:name`` is the element's name, or its id when it has none.
- Only **activities** (tasks, sub-processes, call activities) are events by default; gateways and
  BPMN events are control flow, not work, and would add zero-length steps to every path.
- ``lifecycle:transition`` uses the XES lifecycle model: a user or manual task is ``schedule``
  when it reaches the worklist (engine ``start``), ``start`` when someone claims it (work
  starts), ``suspend`` when it is unclaimed (``resume`` when claimed again); every activity is
  ``complete`` at its ``end`` and ``ate_abort`` when cancelled. Other activities start working
  at once: engine ``start`` is XES ``start``. ``civicflow.insight.intervals`` turns these
  events into one row per activity instance, which is how ``civicflow mine`` reads a database
  (decision 0304).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy.exc import SQLAlchemyError

from civicflow.insight.frame import (
    ACTIVITY,
    CASE,
    GROUP,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    EventLog,
    LogError,
)

PROCESS = "case:process"  #: the process id (BPMN process element id) of the instance
VERSION = "case:version"  #: the deployed version the instance ran on
BUSINESS_KEY = "case:business_key"  #: the business key given at start (may be null)
ELEMENT_ID = "cf:element_id"  #: the BPMN element id of the activity
ELEMENT_TYPE = "cf:element_type"  #: its BPMN type, e.g. userTask
TOKEN = "cf:token_id"  #: the engine token that ran the activity: tells apart parallel instances

#: BPMN element types that are activities (work someone or something does).
ACTIVITY_TYPES = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "subProcess", "adHocSubProcess", "transaction", "callActivity",
})

#: Activities that wait in a worklist until someone claims them: their engine ``start`` is the
#: XES ``schedule`` (queued), their ``claim`` the XES ``start`` (work begins).
WORKLIST_TYPES = frozenset({"userTask", "manualTask"})

#: Engine history kinds -> XES lifecycle transitions (``start`` of worklist tasks: ``schedule``;
#: a claim after an unclaim: ``resume``).
LIFECYCLES = {"start": "start", "claim": "start", "unclaim": "suspend", "end": "complete",
              "cancel": "ate_abort"}

URL_PREFIXES = ("sqlite:", "postgresql:", "postgresql+", "postgres:")


def is_database_url(text: str) -> bool:
    """True when ``text`` names a database (``sqlite:///file.db``, ``postgresql+psycopg://...``)."""
    return text.startswith(URL_PREFIXES)


def read_history(
    url: str,
    *,
    process_id: str | None = None,
    all_elements: bool = False,
) -> EventLog:
    """Read the engine history at ``url`` as an :class:`EventLog`, in one streamed query.

    Rows are turned into columns without a Python object per cell (Arrow through ADBC, or
    text COPY, on PostgreSQL; a batched cursor on SQLite; ``civicflow.insight.history_stream``),
    each case's rows together in write order.

    ``process_id`` keeps one process; ``all_elements`` also keeps gateways and events.
    Raises :class:`LogError` when the database cannot be read or holds no engine history.
    """
    from civicflow.insight import history_stream
    from civicflow.store.db import connect
    from civicflow.store.tables import history

    c = history.c
    postgres = not url.startswith("sqlite")
    conditions: list[Any] = [] if all_elements else [c.element_type.in_(sorted(ACTIVITY_TYPES))]
    if process_id is not None:
        conditions.append(c.process_id == process_id)
    _require_sqlite_file(url)
    try:
        sql = connect(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise LogError(f"{url}: not a database URL this version can open ({exc}).") from exc
    read = history_stream.read_postgres if postgres else history_stream.read_sqlite
    try:
        raw = read(sql, history, conditions)
    except (SQLAlchemyError, history_stream.DriverError) as exc:
        raise LogError(
            f"{safe_url(url)}: cannot read the engine history table cf_history "
            f"({type(exc).__name__}); is this a CivicFlow database (civicflow demo / deploy)?"
        ) from exc
    finally:
        sql.dispose()
    return EventLog(_frame(raw), {"source": safe_url(url)}, grouped=True)


def _require_sqlite_file(url: str) -> None:
    """Opening a missing SQLite file would create an empty one: refuse instead."""
    from pathlib import Path

    if url.startswith("sqlite:///") and url not in ("sqlite:///:memory:",):
        path = Path(url.removeprefix("sqlite:///").split("?", 1)[0])
        if not path.is_file():
            raise LogError(f"{url}: there is no database file {path}; run civicflow demo first, "
                           "or check the path (sqlite:///relative.db, sqlite:////absolute.db).")


def safe_url(url: str) -> str:
    """The URL without a password, for messages and report titles."""
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


def _frame(raw: pl.DataFrame) -> pl.DataFrame:
    """History columns (``history_stream.RAW_SCHEMA``) under their XES names, with engine
    kinds mapped to lifecycle transitions (decision 0304)."""
    kinds = set(raw.get_column("kind").unique().to_list()) if raw.height else set()
    return raw.select(
        pl.col("instance_id").alias(CASE),
        pl.col("name").alias(ACTIVITY),
        pl.col("at").alias(TIMESTAMP),
        pl.col("actor").alias(RESOURCE),
        pl.col("lane").alias(GROUP),
        pl.col("kind").alias(LIFECYCLE),
        pl.col("process_id").alias(PROCESS),
        pl.col("version").alias(VERSION),
        pl.col("business_key").alias(BUSINESS_KEY),
        pl.col("element_id").alias(ELEMENT_ID),
        pl.col("element_type").alias(ELEMENT_TYPE),
        pl.col("token_id").alias(TOKEN),
    ).with_columns(  # an unnamed element is called by its id
        pl.when(pl.col(ACTIVITY).is_null() | (pl.col(ACTIVITY) == ""))
        .then(pl.col(ELEMENT_ID)).otherwise(pl.col(ACTIVITY)).alias(ACTIVITY),
        _lifecycle(reclaims="unclaim" in kinds).alias(LIFECYCLE))


def _lifecycle(*, reclaims: bool = True) -> pl.Expr:
    """Engine kinds (rows in history order) -> XES lifecycle transitions.

    A worklist task's ``start`` is ``schedule``; a claim after an unclaim of the same activity
    instance (one token on one element since its ``start``) is ``resume``, so each instance has
    one ``start`` (work began) however often it changed hands. Without any unclaim in the
    history (``reclaims`` false) that window over the instances is skipped.
    """
    kind = pl.col(LIFECYCLE)
    worklist = pl.col(ELEMENT_TYPE).is_in(sorted(WORKLIST_TYPES))
    mapped = kind.replace(LIFECYCLES)
    if reclaims:
        instance = [CASE, TOKEN, ELEMENT_ID]
        since_start = (kind == "start").cum_sum().over(instance)
        claims = (kind == "claim").cast(pl.UInt32).cum_sum().over([*instance, since_start])
        mapped = pl.when((kind == "claim") & (claims > 1)).then(pl.lit("resume")).otherwise(mapped)
    return pl.when((kind == "start") & worklist).then(pl.lit("schedule")).otherwise(mapped)
