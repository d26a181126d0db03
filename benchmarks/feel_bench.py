"""FEEL throughput: parsing (uncached compile) and evaluating a typical gateway condition.

Run: .venv/bin/python benchmarks/feel_bench.py
Peer: the same condition as a Python expression evaluated with SpiffWorkflow's
PythonScriptEngine (how the peer engine evaluates gateway conditions), when installed.
The 50-rule decision table is measured by benchmarks/dmn_bench.py (see docs/benchmarks.md).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from civicflow.feel import compile_expression, compile_unary_tests
from civicflow.feel.api import _compile_expression, _compile_unary_tests

CONDITION = 'applicant age >= 18 and monthly income < 2500 and residence = "Springfield"'
NAMES = frozenset({"applicant age", "monthly income", "residence"})
CONTEXT = {
    "applicant age": Decimal(34),
    "monthly income": Decimal("1899.50"),
    "residence": "Springfield",
}
PY_CONDITION = 'applicant_age >= 18 and monthly_income < 2500 and residence == "Springfield"'
PY_CONTEXT = {"applicant_age": 34, "monthly_income": 1899.5, "residence": "Springfield"}
MAPPING = '{fee: if monthly income < 1000 then 0 else round half up(monthly income * 0.02, 2)}'
UNARY = "[18..65), >= 80"


def per_call(fn: Callable[[], Any], repeat: int = 7, target: float = 0.2) -> float:
    """Median seconds per call over ``repeat`` timed batches of about ``target`` seconds."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start > target / 10:
            break
        n *= 2
    n = max(1, int(n * target / 10 / (time.perf_counter() - start + 1e-9) * 10))
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - start) / n)
    return statistics.median(samples)


def spiff_evaluator() -> Callable[[], Any] | None:
    try:
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    except ImportError:
        return None
    engine = PythonScriptEngine()

    class _Task:  # the engine only reads task.data
        data: ClassVar[dict[str, Any]] = dict(PY_CONTEXT)

    task = _Task()
    return lambda: engine.evaluate(task, PY_CONDITION)


def main() -> None:
    def parse() -> None:
        _compile_expression.__wrapped__(CONDITION, NAMES)

    def parse_tests() -> None:
        _compile_unary_tests.__wrapped__(UNARY, frozenset())

    expr = compile_expression(CONDITION, NAMES)
    mapping = compile_expression(MAPPING, NAMES)
    tests = compile_unary_tests(UNARY)
    assert expr.evaluate(CONTEXT) is True

    rows = [
        ("parse gateway condition (uncached)", per_call(parse)),
        ("compile_expression (cache hit)", per_call(lambda: compile_expression(CONDITION, NAMES))),
        ("evaluate gateway condition", per_call(lambda: expr.evaluate(CONTEXT))),
        ("evaluate output mapping context", per_call(lambda: mapping.evaluate(CONTEXT))),
        ("parse unary tests (uncached)", per_call(parse_tests)),
        ("unary tests matches", per_call(lambda: tests.matches(Decimal(34)))),
    ]
    peer = spiff_evaluator()
    peer_time = per_call(peer) if peer is not None else None
    for label, seconds in rows:
        print(f"{label:40s} {seconds * 1e6:10.2f} us  ({1 / seconds:12,.0f}/s)")
    if peer_time is not None:
        ours = rows[2][1]
        print(f"{'peer: SpiffWorkflow Python condition':40s} {peer_time * 1e6:10.2f} us")
        print(f"ratio peer/ours for evaluate: {peer_time / ours:.2f}x")
    else:
        print("peer SpiffWorkflow not installed (pip install -e '.[bench]')")
    print("50-rule decision table: see benchmarks/dmn_bench.py (run by `make bench` too)")


if __name__ == "__main__":
    main()
