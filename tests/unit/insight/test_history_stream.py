"""Reading the history table (Arrow through ADBC or text COPY on PostgreSQL, a batched cursor on
SQLite) gives exactly the rows, names and instants written, whatever the reader and batch size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from civicflow.insight import history_arrow, history_stream
from civicflow.insight.history import read_history
from civicflow.insight.log import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from civicflow.store.tables import history

T0 = datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=UTC)
AWKWARD = ["tab\there", "new\nline", "back\\slash", "\\N", "carriage\rreturn", "Zoning ✓ ß"]


@pytest.fixture(autouse=True, params=["arrow", "copy"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the ADBC driver and without it (the COPY fallback)."""
    assert history_arrow.DRIVER is not None, "adbc-driver-postgresql is a pinned dependency"
    if request.param == "copy":
        monkeypatch.setattr(history_arrow, "DRIVER", None)
    return str(request.param)


def _insert(url: str, rows: list[dict[str, Any]]) -> None:
    sql = sa.create_engine(url)
    try:
        with sql.begin() as conn:
            conn.execute(history.insert(), rows)
    finally:
        sql.dispose()


def _row(case: int, step: int, name: str | None, kind: str = "end", **extra: Any) -> dict[str, Any]:
    return {"instance_id": f"case-{case:03d}", "process_id": "p", "version": 1,
            "business_key": None, "element_id": f"task_{step}", "name": name,
            "element_type": "userTask", "kind": kind,
            "at": T0 + timedelta(minutes=case * 60 + step, microseconds=step),
            "actor": extra.get("actor"), "lane": extra.get("lane")} | extra


def test_names_with_tabs_newlines_and_backslashes_come_back_verbatim(database_url: str) -> None:
    _insert(database_url, [_row(1, i, name, actor=name) for i, name in enumerate(AWKWARD)])
    frame = read_history(database_url).frame
    assert frame[ACTIVITY].to_list() == AWKWARD
    assert frame[RESOURCE].to_list() == AWKWARD  # "\\N" is a name, not a null
    assert frame[CASE].to_list() == ["case-001"] * len(AWKWARD)


def test_instants_keep_their_microseconds_in_utc(database_url: str) -> None:
    _insert(database_url, [_row(2, 7, "Review")])
    [at] = read_history(database_url).frame[TIMESTAMP].to_list()
    assert at == T0 + timedelta(minutes=127, microseconds=7)
    assert at.utcoffset() == timedelta(0)


def test_small_batches_give_the_same_log_as_one_batch(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [_row(case, step, f"Step {step}", kind=kind, lane=f"Dept {step % 3}")
            for case in range(40) for step in range(6) for kind in ("start", "end")]
    rows.append(_row(99, 0, None))  # unnamed: called by its element id
    _insert(database_url, rows)
    whole = read_history(database_url).frame
    monkeypatch.setattr(history_stream, "BLOCK_BYTES", 300)
    monkeypatch.setattr(history_stream, "BATCH_ROWS", 7)
    batched = read_history(database_url).frame
    assert batched.height == whole.height == len(rows)
    assert batched.equals(whole)
    assert whole.filter(whole[CASE] == "case-099")[ACTIVITY].to_list() == ["task_0"]
    assert set(whole[LIFECYCLE]) == {"schedule", "complete"}  # user tasks: queued, then done


def test_nulls_stay_null_and_cases_come_grouped_in_write_order(database_url: str) -> None:
    # written interleaved, as a live engine writes concurrent cases
    _insert(database_url, [_row(case, step, f"S{step}") for step in range(3) for case in (2, 1)])
    frame = read_history(database_url).frame
    assert frame[CASE].to_list() == ["case-001"] * 3 + ["case-002"] * 3
    assert frame[ACTIVITY].to_list() == ["S0", "S1", "S2"] * 2
    assert frame[RESOURCE].null_count() == frame.height
    assert frame["case:business_key"].null_count() == frame.height
    assert frame["case:version"].dtype == pl.Int64


def test_a_process_id_with_a_quote_is_filtered_safely(database_url: str) -> None:
    _insert(database_url, [_row(1, 0, "A", process_id="it's"), _row(2, 0, "B")])
    assert read_history(database_url, process_id="it's").frame[ACTIVITY].to_list() == ["A"]
    assert read_history(database_url, process_id="x' OR '1'='1").events == 0


class _RefusingDriver:
    """An ADBC driver that cannot open the URL (e.g. an option only psycopg understands)."""

    class Error(Exception):
        pass

    @staticmethod
    def connect(_url: str) -> None:
        raise _RefusingDriver.Error("unknown option")


def test_a_url_the_arrow_driver_cannot_open_is_read_through_copy(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(database_url, [_row(1, 0, "tab\there"), _row(1, 1, "B")])
    monkeypatch.setattr(history_arrow, "DRIVER", _RefusingDriver)
    assert read_history(database_url).frame[ACTIVITY].to_list() == ["tab\there", "B"]


def test_the_arrow_driver_gets_a_libpq_url_with_password_and_options() -> None:
    sql = sa.create_engine("postgresql+psycopg://u:s%40cret@db:5433/cf?options=-csearch_path%3Dx")
    assert history_arrow.libpq_url(sql) == (
        "postgresql://u:s%40cret@db:5433/cf?options=-csearch_path%3Dx")


def test_copy_escapes_are_undone_without_touching_plain_text() -> None:
    assert history_stream._unescape("a\\tb\\\\n\\nc") == "a\tb\\n\nc"
    assert history_stream._unescape("plain") == "plain"
    assert history_stream._unescape(None) is None



@pytest.mark.postgres
def test_a_postgres_schema_without_engine_tables_gets_a_clear_error(postgres_url: str) -> None:
    from civicflow.insight.log import LogError

    elsewhere = postgres_url.split("?", 1)[0] + "?options=-csearch_path%3Dno_such_schema_here"
    with pytest.raises(LogError, match="cannot read the engine history table cf_history"):
        read_history(elsewhere)
