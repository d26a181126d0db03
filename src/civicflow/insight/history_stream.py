"""Stream the engine's history rows into polars in bounded batches.

Why a module of its own: the history table grows without end (it is append-only), so reading it
must not hold a Python object per cell. On PostgreSQL the ADBC driver, when installed, reads
Arrow columns (``civicflow.insight.history_arrow``); otherwise the rows leave the server through
``COPY (SELECT ...) TO STDOUT`` in text format and polars parses each block of about
``BLOCK_BYTES`` as tab-separated text, in native code; only the parsed columns are kept. On
SQLite (a local file, no network) the driver's cursor is read ``BATCH_ROWS`` rows at a time and
each batch becomes columns before the next is fetched.

Every path returns the same *raw* frame: the history columns under their table names
(``instance_id``, ``name``, ``at`` as UTC microseconds, ...); ``civicflow.insight.history``
maps them to XES names. Rows come grouped by ``instance_id``, in ``id`` (write) order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, Engine, Select, String, cast, extract, select, type_coerce

TIME_DTYPE = pl.Datetime("us", "UTC")
BLOCK_BYTES = 32 * 1024 * 1024  #: text parsed per polars call on PostgreSQL (~250k rows)
BATCH_ROWS = 50_000  #: rows turned into columns at a time on SQLite

#: The raw columns, in query order, and their polars types (``at`` as it arrives).
TEXT_COLUMNS = ("instance_id", "process_id", "business_key", "element_id", "name",
                "element_type", "kind", "actor", "lane", "token_id")
RAW_SCHEMA: dict[str, pl.DataType] = {
    "instance_id": pl.String(), "process_id": pl.String(), "version": pl.Int64(),
    "business_key": pl.String(), "element_id": pl.String(), "name": pl.String(),
    "element_type": pl.String(), "kind": pl.String(), "at": TIME_DTYPE,
    "actor": pl.String(), "lane": pl.String(), "token_id": pl.String(),
}

#: COPY's text format escapes exactly these in values (PostgreSQL docs, "COPY", text format).
_UNESCAPE = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}


class DriverError(Exception):
    """The database driver failed while streaming (its own exception, not SQLAlchemy's)."""


def columns(table: Any, *, postgres: bool) -> list[Any]:
    """The SELECT list for ``table`` (``cf_history``) in :data:`RAW_SCHEMA` order.

    PostgreSQL sends ``at`` as integer microseconds since the epoch (exact, independent of the
    session's time zone); SQLite keeps times as text, which polars parses in one pass.
    """
    c = table.c
    at: Any = (cast(extract("epoch", c.at) * 1_000_000, BigInteger) if postgres
               else type_coerce(c.at, String))
    return [c.instance_id, c.process_id, c.version, c.business_key, c.element_id, c.name,
            c.element_type, c.kind, at.label("at"), c.actor, c.lane, c.token_id]


def read_postgres(sql: Engine, table: Any, conditions: list[Any]) -> pl.DataFrame:
    """The rows of ``table`` matching ``conditions``: Arrow through ADBC when the driver is
    installed, else text COPY (:func:`read_copy`)."""
    # imported here: pyarrow and the driver take about a second, which SQLite reads never need
    from civicflow.insight import history_arrow

    try:
        frame = history_arrow.read(sql, table, conditions, RAW_SCHEMA)
    except history_arrow.ArrowReadError as exc:
        raise DriverError(str(exc)) from exc
    return frame if frame is not None else read_copy(sql, _ordered(table, conditions, True))


def _ordered(table: Any, conditions: list[Any], postgres: bool) -> Select[Any]:
    """SELECT the raw columns, each case's rows together in write order."""
    c = table.c
    return (select(*columns(table, postgres=postgres)).where(*conditions)
            .order_by(c.instance_id, c.id))


def read_copy(sql: Engine, query: Select[Any]) -> pl.DataFrame:
    """Run ``query`` through COPY and parse its text output block by block."""
    text = str(query.compile(dialect=sql.dialect, compile_kwargs={"literal_binds": True}))
    driver_error: type[Exception] = sql.dialect.loaded_dbapi.Error
    raw = sql.raw_connection()
    # polars parses a block (releasing the GIL) while this thread receives the next one
    parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cf-history-parse")
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY ({text}) TO STDOUT") as copy:
            pending = [parser.submit(_parse_block, block) for block in _lines(copy)]
        frames = [future.result() for future in pending]
        raw.rollback()
    except driver_error as exc:
        raise DriverError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        parser.shutdown(cancel_futures=True)
        raw.close()
    return _concat(frames)


def _lines(blocks: Iterable[Any]) -> Iterator[bytes]:
    """Regroup the driver's small blocks into ~BLOCK_BYTES pieces that end at a row's end.

    In COPY's text format a row never contains a raw newline (it is escaped as ``\\n``), so a
    newline always ends a row.
    """
    pending: list[bytes] = []
    size = 0
    for block in blocks:
        data = bytes(block)
        pending.append(data)
        size += len(data)
        if size >= BLOCK_BYTES:
            joined = b"".join(pending)
            cut = joined.rfind(b"\n") + 1
            yield joined[:cut]
            pending, size = [joined[cut:]], len(joined) - cut
    rest = b"".join(pending)
    if rest:
        yield rest


def _parse_block(data: bytes) -> pl.DataFrame:
    schema = dict(RAW_SCHEMA) | {"at": pl.Int64()}
    frame = pl.read_csv(BytesIO(data), has_header=False, separator="\t", quote_char=None,
                        null_values=["\\N"], schema=schema, new_columns=list(schema))
    frame = frame.with_columns(pl.col("at").cast(TIME_DTYPE))
    escaped = [name for name in TEXT_COLUMNS
               if frame[name].str.contains("\\", literal=True).any()]
    return frame.with_columns(
        pl.Series(name, [_unescape(v) for v in frame[name].to_list()], pl.String)
        for name in escaped
    ) if escaped else frame


def _unescape(value: str | None) -> str | None:
    """Undo COPY's backslash escapes (rare in names: only values holding one pay this)."""
    if value is None or "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(_UNESCAPE.get(following, following))
        else:
            out.append(char)
    return "".join(out)


def read_sqlite(sql: Engine, table: Any, conditions: list[Any]) -> pl.DataFrame:
    """Turn every :data:`BATCH_ROWS` matching rows into columns before fetching more."""
    query = _ordered(table, conditions, False)
    with sql.connect() as conn:
        result = conn.execution_options(yield_per=BATCH_ROWS).execute(query)
        frames = [sqlite_batch(rows) for rows in result.partitions()]
    return _concat(frames)


def sqlite_batch(rows: Sequence[Any]) -> pl.DataFrame:
    """One batch of SQLite rows (times as text, possibly naive: the engine writes UTC)."""
    data = list(zip(*rows, strict=True)) or [()] * len(RAW_SCHEMA)
    series = []
    for (name, dtype), values in zip(RAW_SCHEMA.items(), data, strict=True):
        if name == "at":
            series.append(_sqlite_times(values))
        else:
            series.append(pl.Series(name, values, dtype))
    return pl.DataFrame(series)


def _sqlite_times(values: Sequence[Any]) -> pl.Series:
    if values and isinstance(values[0], datetime):  # a driver that already parsed them
        return pl.Series("at", [_utc(v) for v in values], TIME_DTYPE)
    return pl.Series("at", values, pl.String).str.to_datetime(time_unit="us", time_zone="UTC")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    if not frames:
        return pl.DataFrame(schema=RAW_SCHEMA)
    return pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
