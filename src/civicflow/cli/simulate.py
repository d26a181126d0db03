"""``civicflow simulate``: run a BPMN model under what-if scenarios and compare their KPIs."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from collections.abc import Mapping

    import polars as pl

    from civicflow.insight.simulation import (
        Comparison,
        LearnedParameters,
        Scenario,
        SimulationParameters,
    )
    from civicflow.insight.simulation.graph import ProcessGraph


MAX_RUNS = 1_000  #: more replications narrow the interval by too little to be worth the wait
MAX_DAYS = 3_650.0  #: ten years; longer horizons say nothing a process owner can act on


def _label(metric: str) -> str:
    names = {
        "cycle_time_mean_h": "Cycle time, mean (h)",
        "cycle_time_median_h": "Cycle time, median (h)",
        "cycle_time_p90_h": "Cycle time, 90th percentile (h)",
        "throughput_per_day": "Cases finished per day",
        "wip_at_end": "Open cases at the end (backlog)",
    }
    if metric in names:
        return names[metric]
    if metric.startswith("waiting_mean_h["):
        return f"Wait for {metric[len('waiting_mean_h[') : -1]} (h)"
    if metric.startswith("utilisation["):
        return f"Utilisation of {metric[len('utilisation[') : -1]} (%)"
    return metric


def _cell(metric: str, mean: float, half: float) -> str:
    if math.isnan(mean):
        return "-"
    scale = 100.0 if metric.startswith("utilisation[") else 1.0
    text = f"{mean * scale:,.1f}"
    if not math.isnan(half):
        text += f" ± {half * scale:,.1f}"
    return text


def _print_table(comparison: Comparison, model: str) -> None:
    from rich.console import Console
    from rich.table import Table

    runs = len(comparison.seeds)
    table = Table(
        title=f"Simulation of {model}: mean ± 95% confidence half-width over {runs} run(s)",
        title_justify="left",
    )
    table.add_column("KPI")
    for result in comparison.results:
        table.add_column(result.scenario.name, justify="right")
    baseline = comparison.results[0].estimates
    for metric in comparison.metric_names():
        row = [_label(metric)]
        for index, result in enumerate(comparison.results):
            estimate = result.estimates.get(metric)
            if estimate is None:
                row.append("-")
                continue
            cell = _cell(metric, estimate.mean, estimate.half_width)
            base = baseline.get(metric)
            if index > 0 and base is not None and base.mean and not math.isnan(estimate.mean):
                cell += f" ({(estimate.mean - base.mean) / abs(base.mean):+.0%})"
            row.append(cell)
        table.add_row(*row)
    console = Console()
    console.print(table)
    busiest = sorted(
        (
            (estimate.mean, metric[len("utilisation[") : -1])
            for metric, estimate in baseline.items()
            if metric.startswith("utilisation[") and not math.isnan(estimate.mean)
        ),
        reverse=True,
    )
    if busiest:
        share, pool = busiest[0]
        console.print(f"Busiest team in the baseline: [bold]{pool}[/bold] ({share:.0%} busy)")
    for result in comparison.results[1:]:
        if result.scenario.description:
            console.print(f"[bold]{result.scenario.name}[/bold]: {result.scenario.description}")
    for note in comparison.notes:
        console.print(f"[yellow]note[/yellow]: {note}")


def simulate_command(
    model: Annotated[Path, typer.Argument(help="The BPMN 2.0 file to simulate.")],
    params: Annotated[
        Path | None,
        typer.Option(
            "--params", "-p", metavar="FILE", help="Parameter file (YAML; see docs/simulation.md)."
        ),
    ] = None,
    learn: Annotated[
        str | None,
        typer.Option(
            "--learn",
            metavar="LOG",
            help="Learn the parameters from an event log instead of --params: an XES or CSV "
            "file, or a database URL whose engine history is read.",
        ),
    ] = None,
    save_params: Annotated[
        Path | None,
        typer.Option(
            "--save-params",
            metavar="FILE",
            help="With --learn: write the learned parameters to a file to edit and reuse.",
        ),
    ] = None,
    learn_arrivals: Annotated[
        str,
        typer.Option(
            "--learn-arrivals",
            metavar="poisson|weekly",
            help="With --learn: one arrival rate, or a rate per weekday and hour.",
        ),
    ] = "poisson",
    learn_durations: Annotated[
        str,
        typer.Option(
            "--learn-durations",
            metavar="exponential|empirical",
            help="With --learn: exponential durations with the logged mean, or the logged "
            "durations themselves.",
        ),
    ] = "exponential",
    learn_calendars: Annotated[
        bool,
        typer.Option(
            "--learn-calendars",
            help="With --learn: also learn each team's weekly working hours from when its "
            "events happen, and measure durations in them.",
        ),
    ] = False,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            metavar="SCENARIO",
            help="A scenario of the parameter file, or an inline change (Zoning+2, Zoning=5, "
            "'Review application*0.8', arrivals*1.25), to compare with the baseline "
            "(repeatable); by default every scenario in the file.",
        ),
    ] = None,
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            "-n",
            min=1,
            max=MAX_RUNS,
            metavar="N",
            help="Replications (seeds) per scenario.",
        ),
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="First seed; runs use seed, seed+1, ...")
    ] = 0,
    days: Annotated[
        float | None,
        typer.Option(
            "--days",
            min=0.01,
            metavar="DAYS",
            max=MAX_DAYS,
            help="Simulated days, warm-up included (overrides the file's horizon).",
        ),
    ] = None,
    process: Annotated[
        str | None,
        typer.Option("--process", metavar="ID", help="Process id, when the model holds several."),
    ] = None,
    event_log: Annotated[
        Path | None,
        typer.Option(
            "--event-log",
            metavar="FILE",
            help="Also write the baseline's first run as an event log (CSV file to create).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", metavar="", help="Print the comparison as JSON.")
    ] = False,
) -> None:
    """Compare what-if scenarios of a process: cycle time, waits, utilisation and backlog."""
    from civicflow.insight.simulation import compare, simulate
    from civicflow.insight.simulation.bpmn import graph_from_bpmn
    from civicflow.insight.simulation.params_file import ParameterFile, load_parameters
    from civicflow.model import BpmnImportError, parse_bpmn

    if (params is None) == (learn is None):
        _fail("give the parameters with --params FILE, or learn them from a log with "
              "--learn LOG (one of the two)", code=2)
    if learn is None and learn_calendars:
        _fail("--learn-calendars learns from a log: use it with --learn LOG", code=2)
    if save_params is not None and learn is None:
        _fail("--save-params writes learned parameters: use it with --learn LOG", code=2)
    if learn_arrivals not in ("poisson", "weekly"):
        _fail(f"--learn-arrivals must be poisson or weekly, not {learn_arrivals!r}", code=2)
    if learn_durations not in ("exponential", "empirical"):
        _fail(f"--learn-durations must be exponential or empirical, not {learn_durations!r}",
              code=2)
    if model.is_dir():
        _fail(f"{model}: is a folder; give the BPMN file to simulate")
    for target, option in ((event_log, "--event-log"), (save_params, "--save-params")):
        if target is not None:
            _check_writable(target, option)
    notes: tuple[str, ...] = ()
    try:
        graph = graph_from_bpmn(parse_bpmn(model), process)
        if learn is not None:
            source = learn
            learned = learn_from_log(learn, graph, learn_arrivals, learn_durations, days,
                                     calendars=learn_calendars)
            file, notes = ParameterFile(learned.params, {}), learned.notes
            if save_params is not None:
                _write_params(learned.params, save_params)
        else:
            assert params is not None  # checked above: exactly one of the two
            source = str(params)
            file = load_parameters(params)
        base = file.params
        if days is not None:
            if days * 24 <= base.warmup_hours:
                _fail(
                    f"--days {days:g} is not longer than the warm-up of "
                    f"{base.warmup_hours / 24:g} day(s) in {source}; give more --days or "
                    "lower warmup_days in the file"
                )
            base = replace(base, horizon_hours=days * 24)
        wanted = scenario or list(file.scenarios)
        chosen = [_scenario(name, file.scenarios, source) for name in wanted]
        comparison = compare(graph, base, chosen, runs=runs, seed=seed)
        if event_log is not None:
            run = simulate(graph, base, seed, record_log=True)
            _write_log(run.event_log(), event_log)
    except (BpmnImportError, ValueError, OSError) as error:
        _fail(str(error))
    if as_json:
        data: dict[str, Any] = {"model": str(model), "runs": runs, **comparison.to_dict()}
        if learn is not None:
            data["learned"] = {"log": _safe_source(learn), "notes": list(notes),
                               "params_file": None if save_params is None else str(save_params)}
        typer.echo(json.dumps(data, indent=2, default=_json_number))
    else:
        _print_table(comparison, model.name)
        if learn is not None:
            _print_learned(learn, notes, save_params)


def learn_from_log(
    source: str,
    graph: ProcessGraph,
    arrivals: str,
    durations: str,
    days: float | None,
    *,
    calendars: bool = False,
) -> LearnedParameters:
    """Read ``source`` (XES/CSV file or database URL) and learn the parameters of ``graph``."""
    from civicflow.insight.history import is_database_url, read_history
    from civicflow.insight.log import LogError, read_log
    from civicflow.insight.simulation import learn_parameters

    try:
        log = read_history(source) if is_database_url(source) else read_log(source)
    except LogError as error:
        raise ValueError(f"--learn {_safe_source(source)}: {error}") from error
    horizon = 28 * 24.0 if days is None else days * 24
    return learn_parameters(
        log.frame, graph,
        arrivals="weekly" if arrivals == "weekly" else "poisson",
        durations="empirical" if durations == "empirical" else "exponential",
        horizon_hours=horizon,
        calendars=calendars,
    )


def _safe_source(source: str) -> str:
    from civicflow.insight.history import is_database_url, safe_url

    return safe_url(source) if is_database_url(source) else source


def _print_learned(source: str, notes: tuple[str, ...], saved: Path | None) -> None:
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True)
    console.print(f"Parameters learned from {_safe_source(source)}", highlight=False)
    for note in notes:
        console.print(f"[yellow]learned[/yellow]: {note}", highlight=False)
    if saved is not None:
        console.print(f"Learned parameters written to {saved}", highlight=False)


def _write_params(params: SimulationParameters, path: Path) -> None:
    """Write through a temporary file, as ``_write_log`` does."""
    from civicflow.insight.simulation.params_write import dump_parameters

    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(dump_parameters(params), encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        _fail(f"--save-params {path}: cannot write it ({error})")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _check_writable(path: Path, option: str = "--event-log") -> None:
    """Refuse an unusable output file before a long run, not after it."""
    if path.is_dir():
        _fail(f"{option} {path}: is a folder; give a file name in it")
    folder = path.parent
    if not folder.is_dir():
        _fail(f"{option} {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        _fail(f"{option} {path}: no permission to write there; choose another place")


def _write_log(log: pl.DataFrame, path: Path) -> None:
    """Write through a temporary file, so a failed or killed write leaves no half log."""
    import polars as pl

    partial = path.with_name(f".{path.name}.partial")
    try:
        log.write_csv(partial)
        partial.replace(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        partial.unlink(missing_ok=True)
        _fail(f"--event-log {path}: cannot write it ({error})")


def _scenario(name: str, known: Mapping[str, Scenario], params: str) -> Scenario:
    """A scenario of the file by name, or an inline change such as ``Zoning+2``."""
    from civicflow.insight.simulation.scenarios import parse_scenario

    if name in known:
        return known[name]
    try:
        return parse_scenario(name)
    except ValueError as error:
        if re.search(r"[-+*=]\s*-?\d", name):
            raise  # meant as an inline change: its own message says what is wrong
        names = ", ".join(known) or "none"
        raise ValueError(
            f"{params}: no scenario {name!r} (scenarios in the file: {names}); {error}"
        ) from error


def _json_number(value: object) -> object:
    raise TypeError(f"not JSON serialisable: {value!r}")


def register(app: typer.Typer) -> None:
    """Attach ``simulate`` to the root CLI."""
    app.command("simulate")(simulate_command)
