"""CSV import: column mapping, timestamp formats and zones, errors and skipped rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from civicflow.insight.log import (
    ACTIVITY,
    CASE,
    GROUP,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    CsvMapping,
    LogError,
    read_csv,
    read_log,
)


def test_csv_columns_with_common_names_are_found_without_a_mapping(
    write_text: Callable[[str, str], Path],
) -> None:
    path = write_text("log.csv", "Case ID,Activity,Timestamp,Resource,cost\n"
                      "1,submit,2024-03-01T09:30:00+01:00,ana,5\n"
                      "1,review,2024-03-01 10:00:00Z,ben,7\n")
    log = read_log(path)
    frame = log.frame
    assert frame.get_column(CASE).to_list() == ["1", "1"]
    assert frame.get_column(ACTIVITY).to_list() == ["submit", "review"]
    assert frame.get_column(RESOURCE).to_list() == ["ana", "ben"]
    assert frame.get_column("cost").to_list() == ["5", "7"]
    assert frame.get_column(TIMESTAMP).to_list() == [
        datetime(2024, 3, 1, 8, 30, tzinfo=UTC), datetime(2024, 3, 1, 10, 0, tzinfo=UTC)]


def test_csv_mapping_names_columns_and_reads_a_local_format_in_a_zone(
    write_text: Callable[[str, str], Path],
) -> None:
    path = write_text("log.csv", "dossier;stap;moment;afdeling;fase\n"
                      "Z-9;intake;01/07/2024 09:00;Burgerzaken;start\n")
    mapping = CsvMapping(case="dossier", activity="stap", timestamp="moment", group="afdeling",
                         lifecycle="fase", timestamp_format="%d/%m/%Y %H:%M",
                         timezone="Europe/Amsterdam", separator=";")
    frame = read_csv(path, mapping).frame
    assert frame.row(0, named=True) == {
        CASE: "Z-9", ACTIVITY: "intake", TIMESTAMP: datetime(2024, 7, 1, 7, 0, tzinfo=UTC),
        GROUP: "Burgerzaken", LIFECYCLE: "start"}


def test_csv_unreadable_timestamp_names_the_line_and_value(
    write_text: Callable[[str, str], Path],
) -> None:
    path = write_text("log.csv", "case,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n"
                      "1,b,31/02/2024\n")
    with pytest.raises(LogError, match=r"line 3: unreadable timestamp \('31/02/2024'"):
        read_csv(path)


def test_csv_missing_case_id_names_the_line(write_text: Callable[[str, str], Path]) -> None:
    path = write_text("log.csv", "case,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n"
                      ",b,2024-01-01T00:00:00Z\n")
    with pytest.raises(LogError, match="line 3: missing case id"):
        read_csv(path)


def test_csv_skip_bad_rows_counts_each_reason(write_text: Callable[[str, str], Path]) -> None:
    path = write_text("log.csv", "case,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n"
                      ",b,2024-01-01T00:00:00Z\n2,,2024-01-01T00:00:00Z\n3,c,never\n"
                      "4,d,2024-01-02\n")
    log = read_csv(path, skip_bad=True)
    assert log.frame.get_column(CASE).to_list() == ["1", "4"]
    assert log.report.skipped == 3
    assert log.report.reasons == {"missing case id": 1, "missing activity": 1,
                                  "unreadable timestamp": 1}
    assert log.report.first_lines == (3, 4, 5)


def test_csv_mapping_to_an_absent_column_lists_the_columns(
    write_text: Callable[[str, str], Path],
) -> None:
    path = write_text("log.csv", "id,what,when\n1,a,2024-01-01\n")
    with pytest.raises(LogError, match=r"no column 'case'.*id, what, when"):
        read_csv(path, CsvMapping(case="case"))


def test_unknown_suffix_is_refused(write_text: Callable[[str, str], Path]) -> None:
    with pytest.raises(LogError, match="unknown log format"):
        read_log(write_text("log.parquet", "x"))
