"""The mining report as one self-contained HTML page: key figures, the DFG picture, tables.

No template engine and nothing loaded from the network: the page is built from escaped strings
so it can be mailed or archived as a single file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from civicflow.insight.dfg_svg import dfg_svg
from civicflow.insight.report import MiningReport
from civicflow.insight.units import human_duration

if TYPE_CHECKING:
    from civicflow.insight.conformance import ConformanceResult

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:1200px}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid
#e0e0e0;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.figures{display:flex;gap:1.5rem;flex-wrap:wrap}.figure{background:#f0f4f9;padding:.7rem 1rem;
border-radius:6px}.figure b{display:block;font-size:1.3rem}.dfg{overflow:auto;border:1px solid
#ddd;padding:.5rem}
"""


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="n">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figures(figures: Iterable[tuple[str, str]]) -> str:
    return '<div class="figures">' + "".join(
        f'<div class="figure"><b>{escape(v)}</b>{escape(k)}</div>' for k, v in figures) + "</div>"


def conformance_html(result: ConformanceResult, model: str, top: int = 15) -> str:
    """The conformance section: fitness, deviations per activity and the least fitting cases."""
    from civicflow.insight.conformance import DEVIATION_TEXT

    share = result.fitting_cases / result.cases if result.cases else 1.0
    parts = [
        f"<h2>Conformance with {escape(model)}</h2>",
        "<p>Each case is replayed on the model (token replay). Fitness 1 means the case "
        "follows the model exactly; lower values mean steps were skipped, added or done in "
        "another order.</p>",
        _figures([("fitness (whole log)", f"{result.fitness:.3f}"),
                  ("mean case fitness", f"{result.average_case_fitness:.3f}"),
                  ("cases that fit exactly", f"{result.fitting_cases:,} of {result.cases:,}"),
                  ("share fitting", f"{share:.1%}")]),
    ]
    if result.deviations:
        parts.append("<h3>Deviations per activity</h3>")
        parts.append(_table(["activity", "what happened", "cases", "times"],
                            ([d.activity, DEVIATION_TEXT.get(d.kind, d.kind), f"{d.cases:,}",
                              f"{d.times:,}"] for d in result.deviations[:top]), {2, 3}))
    worst = result.worst_cases(top)
    if worst:
        parts.append("<h3>Least fitting cases</h3>")
        parts.append(_table(
            ["case", "fitness", "deviations", "activities"],
            ([case, f"{fit:.3f}",
              "; ".join(f"{a}: {DEVIATION_TEXT.get(k, k)}" for a, k in variant.deviations),
              " → ".join(variant.activities)] for case, fit, variant in worst), {1}))
    else:
        parts.append("<p>Every case follows the model.</p>")
    return "\n".join(parts)


def render_html(
    report: MiningReport,
    *,
    title: str = "Event log",
    top: int = 15,
    conformance: ConformanceResult | None = None,
    model: str = "the model",
) -> str:
    """The whole report page as a string; with ``conformance``, a section on fit to ``model``."""
    d = report.case_duration
    figures = [
        ("cases", f"{report.cases:,}"), ("events", f"{report.events:,}"),
        ("activities", f"{report.activities:,}"), ("variants", f"{len(report.variants):,}"),
        ("median case duration", human_duration(d.median)),
        ("90% of cases within", human_duration(d.p90)),
        ("cases with rework", f"{report.rework_cases:,}"),
    ]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Process mining report: {escape(title)}</title><style>{_STYLE}</style></head>",
        f"<body><h1>Process mining report: {escape(title)}</h1>",
        f"<p>From {escape(report.first_event or '-')} to {escape(report.last_event or '-')}."
        + (f" {report.skipped_events:,} unreadable events were skipped." if
           report.skipped_events else "") + "</p>",
        _figures(figures),
        "<h2>Directly-follows graph</h2>",
        "<p>Boxes are activities (with their number of events); arrows show which activity "
        "directly follows which, with how often and the median waiting time.</p>",
        '<div class="dfg">' + dfg_svg(report.dfg, report.activity_counts,
                                      report.start_activities) + "</div>",
        "<h2>Bottlenecks</h2>",
        _table(["from", "to", "times", "cases", "total wait", "wait per case", "median wait"],
               ([r["source"], r["target"], f"{r['count']:,}", f"{r['cases']:,}",
                 human_duration(r["total_wait_s"]), human_duration(r["per_case_wait_s"]),
                 human_duration(r["median_s"])] for r in report.edge_bottlenecks[:top]),
               {2, 3, 4, 5, 6}),
        f"<h3>The worst bottlenecks over time (per {escape(report.window)})</h3>",
        _table(["from", "to", "period from", "times", "mean wait", "total wait"],
               ([r["source"], r["target"], r["window"].date().isoformat(), f"{r['count']:,}",
                 human_duration(r["mean_s"]), human_duration(r["total_wait_s"])]
                for r in report.bottleneck_trend), {3, 4, 5}),
        "<h3>Waiting before each activity</h3>",
        _table(["activity", "times", "cases", "total wait", "wait per case"],
               ([r["activity"], f"{r['count']:,}", f"{r['cases']:,}",
                 human_duration(r["total_wait_s"]), human_duration(r["per_case_wait_s"])]
                for r in report.activity_bottlenecks[:top]), {1, 2, 3, 4}),
    ]
    for heading, rows in (("Hand-offs between departments", report.department_handoffs),
                          ("Hand-offs between people", report.resource_handoffs)):
        if rows:
            parts.append(f"<h2>{heading}</h2>")
            parts.append(_table(
                ["from", "to", "times", "cases", "total wait", "median wait"],
                ([r["source"], r["target"], f"{r['count']:,}", f"{r['cases']:,}",
                  human_duration(r["total_wait_s"]), human_duration(r["median_s"])]
                 for r in rows[:top]), {2, 3, 4, 5}))
    if report.service_times:
        parts.append("<h2>Time spent in each activity (start to complete)</h2>")
        parts.append(_table(["activity", "times", "mean", "median", "90% within"],
                            ([r["activity"], f"{r['count']:,}", human_duration(r["mean_s"]),
                              human_duration(r["median_s"]), human_duration(r["p90_s"])]
                             for r in report.service_times[:top]), {1, 2, 3, 4}))
    if conformance is not None:
        parts.append(conformance_html(conformance, model, top))
    parts.append("<h2>Variants</h2>")
    parts.append(_table(["cases", "share", "activities"],
                        ([f"{v.count:,}", f"{v.share:.1%}", " → ".join(v.activities)]
                         for v in report.variants[:top]), {0, 1}))
    parts.append("</body></html>")
    return "\n".join(parts)
