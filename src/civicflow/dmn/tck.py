"""The DMN TCK runner: ``python -m civicflow.dmn.tck PATH...``.

Finds every test case file under the paths, evaluates each test case against its model, prints
each failing result (file, case id, result name, expected vs actual, warnings) and ends with the
line ``N passed, M failed`` (one count per expected result node). The exit status is 0 whenever
the run completed, whatever the failures; 2 means a usage error (no path, a path that does not
exist). Conformance is judged by the pass count, not the exit status.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from civicflow.dmn.errors import DmnError
from civicflow.dmn.evaluate import Session, invoke_decision_service
from civicflow.dmn.parse import DmnModel, load_model
from civicflow.dmn.render import render
from civicflow.dmn.tck_cases import (
    TestCase,
    TestFile,
    is_test_file,
    read_test_file,
    same,
)

#: Seconds one test case may run before it counts as failed (a runaway expression).
CASE_TIMEOUT = 20


@dataclass(frozen=True)
class ResultOutcome:
    """The verdict on one expected result node."""

    file: str
    case: str
    result: str
    passed: bool
    expected: str = ""
    actual: str = ""
    note: str = ""


@dataclass
class TckReport:
    """Every verdict of a run, in order."""

    outcomes: list[ResultOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """How many result nodes passed."""
        return sum(1 for o in self.outcomes if o.passed)

    @property
    def failed(self) -> int:
        """How many result nodes failed."""
        return sum(1 for o in self.outcomes if not o.passed)

    @property
    def pass_rate(self) -> float:
        """Passed over all result nodes (0.0 for an empty run)."""
        return self.passed / len(self.outcomes) if self.outcomes else 0.0

    def summary(self) -> str:
        """The final line of a run."""
        return f"{self.passed} passed, {self.failed} failed"


class _TimeoutError(Exception):
    pass


def find_test_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every TCK test case file under ``paths`` (files are taken as given), sorted."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        yield from (p for p in sorted(path.rglob("*.xml")) if is_test_file(p))


def run(paths: Sequence[Path], out: TextIO | None = None) -> TckReport:
    """Run the TCK cases under ``paths``; failures are printed to ``out`` as they happen."""
    report = TckReport()
    models: dict[Path, DmnModel | str] = {}
    for test_path in find_test_files(paths):
        for outcome in run_file(test_path, models):
            report.outcomes.append(outcome)
            if not outcome.passed and out is not None:
                print(_describe(outcome), file=out)
    return report


def run_file(test_path: Path, models: dict[Path, DmnModel | str]) -> list[ResultOutcome]:
    """The verdicts for one test case file (a file that cannot be read fails every result)."""
    label = _label(test_path)
    try:
        tests = read_test_file(test_path)
    except DmnError as exc:
        return [ResultOutcome(label, "-", "-", False, note=f"cannot read the test file: {exc}")]
    model = models.get(tests.model)
    if model is None:
        try:
            model = load_model(tests.model)
        except DmnError as exc:
            model = str(exc)
        models[tests.model] = model
    outcomes: list[ResultOutcome] = []
    for case in tests.cases:
        if isinstance(model, str):
            outcomes.extend(ResultOutcome(label, case.id, r.name, False,
                                          note=f"model not loaded: {model}")
                            for r in case.results)
            continue
        outcomes.extend(_run_case_with_timeout(label, tests, model, case))
    return outcomes


def _run_case_with_timeout(label: str, tests: TestFile, model: DmnModel,
                           case: TestCase) -> list[ResultOutcome]:
    use_alarm = hasattr(signal, "SIGALRM")
    previous: Any = None
    if use_alarm:
        def _on_alarm(signum: int, frame: FrameType | None) -> None:
            raise _TimeoutError

        try:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.alarm(CASE_TIMEOUT)
        except ValueError:  # not in the main thread
            use_alarm = False
    try:
        return _run_case(label, model, case)
    except _TimeoutError:
        return [ResultOutcome(label, case.id, r.name, False,
                              note=f"timed out after {CASE_TIMEOUT} s") for r in case.results]
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def _run_case(label: str, model: DmnModel, case: TestCase) -> list[ResultOutcome]:
    main_namespace = model.main.namespace
    inputs: dict[str, Any] = {}
    imported: dict[str, dict[str, Any]] = {}
    for node in case.inputs:
        if node.namespace and node.namespace != main_namespace:
            imported.setdefault(node.namespace, {})[node.name] = node.value
        else:
            inputs[node.name] = node.value
    outcomes = []
    if case.type == "decisionService" and case.invocable:
        try:
            service = invoke_decision_service(model, case.invocable, inputs)
            service_value: Any = service.value
            warnings = service.warnings
            failure = ""
        except Exception as exc:  # a crash is a failed result, never the end of the run
            service_value, warnings, failure = None, (), f"{type(exc).__name__}: {exc}"
        for result in case.results:
            actual = service_value
            if isinstance(actual, dict) and result.name in actual and len(case.results) > 1:
                actual = actual[result.name]
            outcomes.append(_verdict(label, case, result.name, result.expected, actual,
                                     warnings, failure))
        return outcomes
    session = Session(model, inputs, imported)
    for result in case.results:
        try:
            if result.type == "decisionService":  # the result node names the service itself
                decided = invoke_decision_service(model, result.name, inputs)
                warnings = decided.warnings
            else:
                decided = session.decide(result.name)
                warnings = decided.outcome.warnings
            outcomes.append(_verdict(label, case, result.name, result.expected, decided.value,
                                     warnings, ""))
        except Exception as exc:  # a crash is a failed result, never the end of the run
            outcomes.append(_verdict(label, case, result.name, result.expected, None, (),
                                     f"{type(exc).__name__}: {exc}"))
    return outcomes


def _verdict(label: str, case: TestCase, name: str, expected: Any, actual: Any,
             warnings: tuple[str, ...], failure: str) -> ResultOutcome:
    passed = not failure and same(expected, actual)
    if passed:
        return ResultOutcome(label, case.id, name, True)
    note = failure or "; ".join(warnings[:3])
    return ResultOutcome(label, case.id, name, False, render(expected), _safe_render(actual),
                         note)


def _safe_render(value: Any) -> str:
    try:
        return render(value)
    except Exception as exc:  # rendering must not end the run either
        return f"<unprintable {type(value).__name__}: {exc}>"


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _describe(outcome: ResultOutcome) -> str:
    text = f"FAIL {outcome.file} case {outcome.case} result {outcome.result}"
    if outcome.expected or outcome.actual:
        text += f": expected {outcome.expected}, actual {outcome.actual}"
    if outcome.note:
        text += f" [{outcome.note}]"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: run the paths, print failures and the summary line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or any(a in ("-h", "--help") for a in args):
        print("usage: python -m civicflow.dmn.tck PATH...\n"
              "Runs every DMN TCK test case file under the paths and prints each failing"
              " result, then 'N passed, M failed'.", file=sys.stderr if not args else sys.stdout)
        return 2 if not args else 0
    paths = [Path(a) for a in args]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        report = run(paths, sys.stdout)
        print(report.summary())
    except BrokenPipeError:  # the reader (| head) went away: not an error of the run
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
