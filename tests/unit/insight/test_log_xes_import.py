"""XES import: typed attributes, case attributes, gzip, safety and errors with line numbers."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from civicflow.insight.log import (
    ACTIVITY,
    CASE,
    TIMESTAMP,
    LogError,
    read_log,
    read_xes,
)

TWO_CASES = """
  <string key="creator" value="hand"/>
  <trace>
    <string key="concept:name" value="A-1"/>
    <string key="department" value="Zoning"/>
    <int key="parcels" value="3"/>
    <event>
      <string key="concept:name" value="submit"/>
      <date key="time:timestamp" value="2024-03-01T09:30:00.000+01:00"/>
      <string key="org:resource" value="ana"/>
      <float key="fee" value="12.5"/>
      <boolean key="urgent" value="true"/>
      <id key="ref" value="abc-1"/>
    </event>
    <event>
      <string key="concept:name" value="review"/>
      <date key="time:timestamp" value="2024-03-02T10:00:00Z"/>
      <int key="pages" value="7"/>
      <boolean key="urgent" value="false"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="A-2"/>
    <event>
      <string key="concept:name" value="submit"/>
      <date key="time:timestamp" value="2024-03-05T08:00:00+00:00"/>
    </event>
  </trace>
"""


def test_xes_import_gives_one_row_per_event_with_case_attributes_prefixed(
    write_xes: Callable[[str], Path],
) -> None:
    log = read_xes(write_xes(TWO_CASES))
    frame = log.frame
    assert (log.events, log.cases) == (3, 2)
    assert frame.get_column(CASE).to_list() == ["A-1", "A-1", "A-2"]
    assert frame.get_column(ACTIVITY).to_list() == ["submit", "review", "submit"]
    assert frame.get_column("case:department").to_list() == ["Zoning", "Zoning", None]
    assert frame.get_column("case:parcels").to_list() == [3, 3, None]
    assert log.attributes == {"creator": "hand"}


def test_xes_import_types_values_by_their_xes_element(write_xes: Callable[[str], Path]) -> None:
    frame = read_xes(write_xes(TWO_CASES)).frame
    assert frame.schema["fee"] == pl.Float64
    assert frame.schema["pages"] == pl.Int64
    assert frame.schema["urgent"] == pl.Boolean
    assert frame.schema["ref"] == pl.String
    assert frame.get_column("urgent").to_list() == [True, False, None]
    assert frame.get_column("fee").to_list() == [12.5, None, None]


def test_xes_timestamps_with_different_zones_become_the_same_utc_instant(
    write_xes: Callable[[str], Path],
) -> None:
    stamps = read_xes(write_xes(TWO_CASES)).frame.get_column(TIMESTAMP).to_list()
    assert stamps == [
        datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        datetime(2024, 3, 2, 10, 0, tzinfo=UTC),
        datetime(2024, 3, 5, 8, 0, tzinfo=UTC),
    ]


def test_gzipped_xes_reads_the_same_as_plain(
    write_xes: Callable[[str], Path], tmp_path: Path
) -> None:
    plain = write_xes(TWO_CASES)
    packed = tmp_path / "log.xes.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_log(packed).frame.equals(read_xes(plain).frame)


def test_small_chunks_give_the_same_frame_as_one_chunk(write_xes: Callable[[str], Path]) -> None:
    path = write_xes(TWO_CASES)
    assert read_xes(path, chunk_events=1).frame.equals(read_xes(path).frame)


def test_event_without_timestamp_is_reported_with_its_line(
    write_xes: Callable[[str], Path],
) -> None:
    body = """<trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="a"/></event>
</trace>"""
    with pytest.raises(LogError, match=r"line 4: event without time:timestamp"):
        read_xes(write_xes(body))


def test_unreadable_timestamp_names_the_line_and_the_value(
    write_xes: Callable[[str], Path],
) -> None:
    body = """<trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="yesterday"/></event>
</trace>"""
    with pytest.raises(LogError, match=r"line 4: time:timestamp 'yesterday'"):
        read_xes(write_xes(body))


def test_skip_bad_rows_leaves_bad_events_and_traces_out_and_counts_them(
    write_xes: Callable[[str], Path],
) -> None:
    body = """<trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
<event><string key="concept:name" value="b"/></event>
<event><string key="concept:name" value="b"/>
<date key="time:timestamp" value="soon"/></event>
</trace>
<trace>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
</trace>"""
    log = read_xes(write_xes(body), skip_bad=True)
    assert log.events == 1
    assert log.report.skipped == 4
    assert log.report.reasons == {
        "event without time:timestamp": 1,
        "unreadable time:timestamp": 1,
        "trace without concept:name (case id)": 2,
    }


def test_malformed_xml_is_a_log_error_with_a_line(write_text: Callable[[str, str], Path]) -> None:
    path = write_text("bad.xes", "<log>\n<trace>\n</log>\n")
    with pytest.raises(LogError, match=r"line 3: the file is not well-formed XML"):
        read_xes(path)


def test_entities_are_never_expanded_from_local_files(
    write_text: Callable[[str, str], Path], tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    doc = f"""<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>
<log><trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="&xxe;"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace></log>
"""
    path = write_text("evil.xes", doc)
    try:
        log = read_xes(path)
    except LogError:
        return  # refusing the file is as safe as not expanding
    assert "TOP-SECRET" not in str(log.frame.get_column(ACTIVITY).to_list())


def test_missing_file_is_a_log_error() -> None:
    with pytest.raises(LogError, match="No such log file"):
        read_xes("/nonexistent/log.xes")


def test_running_example_has_six_cases_and_forty_two_events(shared_logs: Path) -> None:
    log = read_xes(shared_logs / "running-example.xes")
    assert (log.cases, log.events) == (6, 42)
    assert log.frame.schema[TIMESTAMP] == pl.Datetime("us", "UTC")


def test_trace_attributes_after_the_events_still_reach_every_event(
    write_xes: Callable[[str], Path],
) -> None:
    body = """<trace>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
<string key="concept:name" value="late-id"/>
<string key="channel" value="post"/>
</trace>"""
    frame = read_xes(write_xes(body)).frame
    assert frame.select(CASE, "case:channel").rows() == [("late-id", "post")]


def test_nested_attributes_keep_only_the_parent_value(write_xes: Callable[[str], Path]) -> None:
    body = """<trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/>
<string key="address" value="Main St 1"><string key="city" value="Utrecht"/></string>
<list key="tags"><string key="tag" value="x"/></list></event>
</trace>"""
    frame = read_xes(write_xes(body)).frame
    assert frame.get_column("address").to_list() == ["Main St 1"]
    assert "city" not in frame.columns
    assert "tag" not in frame.columns


def test_prefixed_xes_elements_are_read_like_plain_ones(
    write_text: Callable[[str, str], Path],
) -> None:
    doc = """<?xml version="1.0"?>
<x:log xmlns:x="http://www.xes-standard.org/"><x:trace><x:string key="concept:name" value="c"/>
<x:event><x:string key="concept:name" value="a"/>
<x:date key="time:timestamp" value="2024-01-01T00:00:00Z"/></x:event></x:trace></x:log>
"""
    log = read_xes(write_text("p.xes", doc))
    assert (log.cases, log.events) == (1, 1)


def test_two_traces_with_one_case_id_are_mined_as_one_case(
    write_xes: Callable[[str], Path],
) -> None:
    from civicflow.insight import mining

    body = """<trace><string key="concept:name" value="same"/>
<event><string key="concept:name" value="a"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace>
<trace><string key="concept:name" value="other"/>
<event><string key="concept:name" value="x"/>
<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace>
<trace><string key="concept:name" value="same"/>
<event><string key="concept:name" value="b"/>
<date key="time:timestamp" value="2024-01-02T00:00:00Z"/></event></trace>"""
    log = read_xes(write_xes(body))
    assert not log.grouped
    assert [(e.source, e.target) for e in mining.dfg(log)] == [("a", "b")]
    assert {v.activities: v.count for v in mining.variants(log)} == {("a", "b"): 1, ("x",): 1}
