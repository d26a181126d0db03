"""Reading KPI definitions: the documented schema, and errors that name file, line and key."""

from datetime import date
from pathlib import Path

import pytest

from civicflow.insight.kpi import (
    CostRate,
    Direction,
    KpiDefinitionError,
    KpiKind,
    Statistic,
    TimeUnit,
    load_definitions,
    parse_definitions,
)

EXAMPLE = Path(__file__).parents[3] / "examples" / "kpis" / "permit.yaml"

VALID = """\
version: 1
calendar:
  timezone: America/New_York
  country: US
  subdivision: NY
  working_hours:
    mon: "08:00-16:00"
    tue: ["08:00-12:00", "13:00-16:00"]
  closures: [2026-12-24, "2026-12-31"]
end_activities: [Decide]
kpis:
  - id: ct
    type: cycle_time
    statistic: p90
    unit: working_hours
    target: 40
  - id: sla
    name: Within 8 days
    type: sla_compliance
    deadline_business_days: 8
    target: 0.9
  - id: cost
    type: cost_per_case
    rates:
      - per_event: 3
      - department: Zoning
        activity: Review
        per_hour: 60
"""


def problems_of(text: str, fmt: str = "yaml") -> list[str]:
    with pytest.raises(KpiDefinitionError) as caught:
        parse_definitions(text, source="kpis.yaml", fmt=fmt)
    return [str(problem) for problem in caught.value.problems]


def test_a_valid_file_gives_the_calendar_and_kpis_it_declares() -> None:
    kpi_set = parse_definitions(VALID)
    assert kpi_set.calendar.timezone == "America/New_York"
    assert kpi_set.calendar.subdivision == "NY"
    assert not kpi_set.calendar.is_business_day(date(2026, 11, 25))  # a Wednesday: no hours
    assert not kpi_set.calendar.is_business_day(date(2026, 12, 24))  # closure
    assert kpi_set.calendar.closures == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    assert kpi_set.end_activities == frozenset({"Decide"})
    ct, sla, cost = kpi_set.kpis
    assert (ct.kind, ct.statistic, ct.unit, ct.target) == (
        KpiKind.CYCLE_TIME,
        Statistic(90.0),
        TimeUnit.WORKING_HOURS,
        40.0,
    )
    assert ct.direction is Direction.LOWER  # the natural direction when none is given
    assert (sla.name, sla.deadline_business_days, sla.direction) == (
        "Within 8 days",
        8,
        Direction.HIGHER,
    )
    assert cost.rates == (
        CostRate(per_event=3.0),
        CostRate(department="Zoning", activity="Review", per_hour=60.0),
    )


def test_the_same_definitions_read_from_json() -> None:
    text = """{
      "version": 1,
      "kpis": [{"id": "ftr", "type": "first_time_right", "target": 0.95}]
    }"""
    (ftr,) = parse_definitions(text, fmt="json").kpis
    assert (ftr.kind, ftr.target, ftr.direction) == (
        KpiKind.FIRST_TIME_RIGHT,
        0.95,
        Direction.HIGHER,
    )


def test_the_shipped_permit_example_is_valid(tmp_path: Path) -> None:
    kpi_set = load_definitions(EXAMPLE)
    assert {kpi.kind for kpi in kpi_set.kpis} == set(KpiKind)
    assert kpi_set.calendar.country == "NL"


def test_a_wrong_value_is_reported_with_its_line_and_key() -> None:
    text = VALID.replace("target: 0.9", "target: high")
    (problem,) = problems_of(text)
    assert problem == "line 21, kpis[1].target: expected a number, got 'high'"


def test_a_misspelt_key_is_reported_with_the_keys_that_are_allowed() -> None:
    text = VALID.replace("deadline_business_days: 8", "deadline_days: 8")
    found = problems_of(text)
    assert any(
        p.startswith("line 20, kpis[1].deadline_days: unknown key; expected one of:")
        and "deadline_business_days" in p
        for p in found
    )
    assert any("missing key 'deadline_business_days'" in p for p in found)


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    text = VALID.replace("type: cycle_time", "type: lead_time").replace("unit: working_hours", "")
    text = text.replace("per_hour: 60", "per_hour: -1").replace("timezone: America/New_York", "")
    found = problems_of(text)
    assert any("kpis[0].type: expected one of cycle_time" in p for p in found)
    assert any("kpis[2].rates[1].per_hour: must be at least 0" in p for p in found)
    assert len(found) == 2


def test_the_error_message_names_the_file_for_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "kpis.yaml"
    path.write_text(VALID.replace("statistic: p90", "statistic: p190"), encoding="utf-8")
    with pytest.raises(KpiDefinitionError) as caught:
        load_definitions(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 1 problem in the KPI definitions:")
    assert "line 14, kpis[0].statistic: expected mean, median or a percentile like p90" in message


def test_an_unquoted_yes_no_value_gets_a_hint_to_quote_it() -> None:
    # YAML reads a bare NO (Norway) as false.
    text = "calendar:\n  country: NO\nkpis:\n  - {id: w, type: work_in_progress}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("line 2, calendar.country: expected a country code, got false")
    assert "quote it" in problem


def test_an_unknown_country_or_zone_in_the_calendar_is_reported_on_the_calendar() -> None:
    text = "calendar:\n  timezone: Mars/Olympus\nkpis:\n  - {id: w, type: work_in_progress}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("line 1, calendar: unknown time zone 'Mars/Olympus'")


def test_a_bad_working_period_names_the_weekday() -> None:
    text = (
        "calendar:\n  working_hours:\n    fri: 9-17\nkpis:\n  - {id: w, type: work_in_progress}\n"
    )
    (problem,) = problems_of(text)
    assert problem.startswith("line 3, calendar.working_hours.fri: working period '9-17'")


def test_duplicate_ids_are_refused() -> None:
    text = "kpis:\n  - {id: w, type: work_in_progress}\n  - {id: w, type: throughput}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("line 3, kpis[1].id: id 'w' is used twice")


def test_broken_yaml_is_reported_with_its_line() -> None:
    (problem,) = problems_of("kpis:\n  - id: a\n   type: [\n")
    assert problem.startswith("line 3: not valid YAML")


def test_broken_json_is_reported_with_its_line() -> None:
    (problem,) = problems_of('{\n  "kpis": [\n    {"id": "a",}\n  ]\n}', fmt="json")
    assert problem.startswith("line 3: not valid JSON")


def test_json_problems_also_carry_line_numbers() -> None:
    text = '{\n  "kpis": [\n    {"id": "a", "type": "throughput",\n     "target": "lots"}\n  ]\n}'
    (problem,) = problems_of(text, fmt="json")
    assert problem == "line 4, kpis[0].target: expected a number, got 'lots'"


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(KpiDefinitionError, match="cannot read it"):
        load_definitions(tmp_path / "nope.yaml")


def test_an_empty_kpi_list_is_refused() -> None:
    (problem,) = problems_of("version: 1\nkpis: []\n")
    assert problem == "line 2, kpis: expected a non-empty list of KPIs, got []"


def test_an_unsupported_version_is_refused() -> None:
    found = problems_of("version: 2\nkpis:\n  - {id: w, type: work_in_progress}\n")
    assert found == ["line 1, version: unsupported version 2; use 1"]


def test_a_numeric_subdivision_code_must_be_quoted() -> None:
    text = "calendar:\n  country: FR\n  subdivision: 01\n"
    text += "kpis:\n  - {id: w, type: work_in_progress}\n"
    (problem,) = problems_of(text)
    assert problem.startswith("line 3, calendar.subdivision: expected a subdivision code as text")
    assert "quote" in problem
