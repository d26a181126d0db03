"""Decision table throughput: a 50-rule table on CivicFlow and on SpiffWorkflow's DMN engine.

Run: ``.venv/bin/python benchmarks/dmn_bench.py`` (needs ``pip install -e '.[dev,bench]'``).
The same table is written twice: FEEL entries for CivicFlow, Python entries for SpiffWorkflow
(which evaluates Python, not FEEL). Inputs hit the last rule, so both scan the whole table.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from civicflow.dmn.evaluate import evaluate_decision
from civicflow.dmn.parse import model_from_bytes

RULES = 50
NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def _cells(i: int, python_entries: bool, ranges: bool) -> tuple[str, str]:
    """The Band and Zone cells of rule ``i``: literals, or a range and a list."""
    if not ranges:
        return str(i), '"north"' if i % 2 == 0 else '"south"'
    if python_entries:  # SpiffWorkflow evaluates Python; ? is the input value
        return f"{i} &lt;= ? &lt; {i + 1}", ' in ("north", "south")'
    return f"[{i}..{i + 1})", '"north", "south"'


def table_xml(rules: int = RULES, python_entries: bool = False, ranges: bool = False) -> bytes:
    """A UNIQUE table: Band = i (or in [i..i+1)), Zone, Amount < 1000 -> "fee-i"."""
    rows = []
    for i in range(rules):
        band_cell, zone = _cells(i, python_entries, ranges)
        rows.append(
            f'<rule id="r{i}">'
            f'<inputEntry id="r{i}a"><text>{band_cell}</text></inputEntry>'
            f'<inputEntry id="r{i}b"><text>{zone}</text></inputEntry>'
            f'<inputEntry id="r{i}c"><text>&lt; 1000</text></inputEntry>'
            f'<outputEntry id="r{i}o"><text>"fee-{i}"</text></outputEntry></rule>'
        )
    band, zone, amount = ("band", "zone", "amount") if python_entries else (
        "Band", "Zone", "Amount")
    inputs = "".join(
        f'<inputData id="{name}" name="{name}"><variable name="{name}"/></inputData>'
        for name in (band, zone, amount)
    )
    requirements = "".join(
        f'<informationRequirement><requiredInput href="#{name}"/></informationRequirement>'
        for name in (band, zone, amount)
    )
    columns = "".join(
        f'<input id="in_{name}" label="{name}"><inputExpression id="ie_{name}"'
        f' typeRef="{kind}"><text>{name}</text></inputExpression></input>'
        for name, kind in ((band, "number"), (zone, "string"), (amount, "number"))
    )
    return (
        f'<definitions xmlns="{NS}" id="bench" name="Bench" namespace="http://bench">{inputs}'
        f'<decision id="fee" name="Fee"><variable name="Fee"/>{requirements}'
        f'<decisionTable id="table" hitPolicy="UNIQUE">{columns}'
        f'<output id="out" name="fee" typeRef="string"/>{"".join(rows)}'
        "</decisionTable></decision></definitions>"
    ).encode()


def _batch_size(call: Callable[[], Any]) -> int:
    call()  # warm caches (compiled expressions)
    batch = 1
    while True:
        start = time.perf_counter()
        for _ in range(batch):
            call()
        if time.perf_counter() - start > 0.05:
            return batch
        batch *= 2


def measure(calls: dict[str, Callable[[], Any]], rounds: int = 15) -> dict[str, float]:
    """Median microseconds per call; the calls take turns so machine load hits all alike."""
    batches = {label: _batch_size(call) for label, call in calls.items()}
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(rounds):
        for label, call in calls.items():
            batch = batches[label]
            start = time.perf_counter()
            for _ in range(batch):
                call()
            samples[label].append((time.perf_counter() - start) / batch * 1e6)
    medians = {label: statistics.median(values) for label, values in samples.items()}
    for label, median in medians.items():
        print(f"{label:58s} {median:10.1f} us/op  {1e6 / median:10.0f} ops/s")
    return medians


def civicflow_calls() -> dict[str, Callable[[], Any]]:
    """Evaluation (literal cells, range cells) and parsing of the table on CivicFlow."""
    inputs = {"Band": Decimal(RULES - 1), "Zone": "south", "Amount": Decimal(500)}
    calls: dict[str, Callable[[], Any]] = {}
    for ranges, kind in ((False, "literal cells"), (True, "range/list cells")):
        model = model_from_bytes(table_xml(ranges=ranges))
        result = evaluate_decision(model, "Fee", inputs)
        assert result.value == f"fee-{RULES - 1}", result
        calls[f"CivicFlow: evaluate {RULES}-rule table, {kind}"] = (
            lambda model=model: evaluate_decision(model, "Fee", inputs))
    data = table_xml()
    calls["CivicFlow: parse the DMN file"] = lambda: model_from_bytes(data)
    return calls


def spiff_calls() -> dict[str, Callable[[], Any]]:
    """The same on SpiffWorkflow's DMN engine (empty when it is not installed)."""
    try:
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
        from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
    except ImportError:
        print("SpiffWorkflow is not installed: pip install -e '.[dev,bench]'")
        return {}

    class _Workflow:
        script_engine = PythonScriptEngine()

    class _Task:
        def __init__(self) -> None:
            self.workflow = _Workflow()
            self.data = {"band": RULES - 1, "zone": "south", "amount": 500}

    def load(data: bytes) -> Any:
        parser = BpmnDmnParser()
        parser.add_dmn_str(data)
        return parser.get_engine("fee", None)

    task = _Task()
    calls: dict[str, Callable[[], Any]] = {}
    for ranges, kind in ((False, "literal cells"), (True, "range/list cells")):
        engine = load(table_xml(python_entries=True, ranges=ranges))
        assert engine.result(task) == {"fee": f"fee-{RULES - 1}"}, engine.result(task)
        calls[f"SpiffWorkflow 3.2: evaluate {RULES}-rule table, {kind}"] = (
            lambda engine=engine: engine.result(task))
    data = table_xml(python_entries=True)
    calls["SpiffWorkflow 3.2: parse the DMN file"] = lambda: load(data)
    return calls


def main() -> None:
    """Run both engines in alternation and print the ratios."""
    ours = civicflow_calls()
    theirs = spiff_calls()
    medians = measure(ours | theirs)
    if theirs:
        labels = ("evaluation, literal cells", "evaluation, range/list cells", "parsing")
        for label, our_key, their_key in zip(labels, ours, theirs, strict=True):
            ratio = medians[their_key] / medians[our_key]
            print(f"{label}: CivicFlow is {ratio:.1f}x the speed of SpiffWorkflow")


if __name__ == "__main__":
    main()
