"""The directly-follows graph as an SVG picture, laid out here without graphviz.

A simple layered (Sugiyama-style) layout: each activity's layer is its shortest distance from a
start activity, nodes within a layer are ordered by the mean position of their predecessors
(barycentre, a few sweeps), forward edges are drawn as curves downwards and backward edges
(loops, rework) as arcs on the right. Edge width grows with frequency; each edge is labelled with
its count and median waiting time. Only the most frequent edges are drawn so the picture stays
readable; the tables beside it have the rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from math import log1p

from civicflow.insight.mining import Edge
from civicflow.insight.units import human_duration

NODE_W = 190
NODE_H = 46
GAP_X = 40
GAP_Y = 70
MARGIN = 30
SIDE = 160  # room on the right for backward arcs


@dataclass(frozen=True)
class Placed:
    """A node's position (top-left corner) in the picture."""

    x: float
    y: float


def _layers(nodes: Sequence[str], edges: Sequence[Edge], starts: Iterable[str]) -> dict[str, int]:
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for e in edges:
        succ[e.source].append(e.target)
    layer: dict[str, int] = {}
    queue: deque[str] = deque()
    for s in starts:
        if s in succ and s not in layer:
            layer[s] = 0
            queue.append(s)
    while True:
        while queue:
            node = queue.popleft()
            for nxt in succ[node]:
                if nxt not in layer:
                    layer[nxt] = layer[node] + 1
                    queue.append(nxt)
        rest = [n for n in nodes if n not in layer]
        if not rest:
            return layer
        layer[rest[0]] = max(layer.values(), default=-1) + 1  # unreachable: start a new layer
        queue.append(rest[0])


def _order(layer: Mapping[str, int], edges: Sequence[Edge]) -> list[list[str]]:
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node, depth in layer.items():
        rows[depth].append(node)
    preds: dict[str, list[str]] = {n: [] for n in layer}
    for e in edges:
        if layer[e.source] < layer[e.target]:
            preds[e.target].append(e.source)
    position = {n: i for row in rows for i, n in enumerate(row)}

    def centre(node: str) -> float:
        found = [position[p] for p in preds[node]]
        return sum(found) / len(found) if found else float(position[node])

    for _ in range(3):
        for depth in range(1, len(rows)):
            rows[depth].sort(key=centre)
            position.update({n: i for i, n in enumerate(rows[depth])})
    return rows


def _label(text: str, limit: int = 26) -> list[str]:
    """Wrap an activity name onto at most two lines."""
    if len(text) <= limit:
        return [text]
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > 0 else limit
    second = text[cut:].strip()
    return [text[:cut], second if len(second) <= limit else second[: limit - 1] + "…"]


def dfg_svg(
    edges: Sequence[Edge],
    activity_counts: Mapping[str, int],
    start_activities: Mapping[str, int],
    *,
    max_edges: int = 40,
    wait_label: str = "median",
) -> str:
    """Render the DFG as a standalone SVG document (a string)."""
    shown = sorted(edges, key=lambda e: -e.count)[:max_edges]
    nodes = list(dict.fromkeys([*start_activities,
                                *[n for e in shown for n in (e.source, e.target)]]))
    nodes = [n for n in nodes if n in activity_counts or any(n in (e.source, e.target)
                                                             for e in shown)]
    if not nodes:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">'
                '<text x="10" y="35">No events.</text></svg>')
    layer = _layers(nodes, shown, start_activities)
    rows = _order(layer, shown)
    widest = max(len(r) for r in rows)
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + SIDE
    height = MARGIN * 2 + len(rows) * NODE_H + (len(rows) - 1) * GAP_Y
    place: dict[str, Placed] = {}
    for depth, row in enumerate(rows):
        row_w = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = MARGIN + (widest * NODE_W + (widest - 1) * GAP_X - row_w) / 2
        for i, node in enumerate(row):
            place[node] = Placed(left + i * (NODE_W + GAP_X), MARGIN + depth * (NODE_H + GAP_Y))
    top_count = max((e.count for e in shown), default=1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="sans-serif" font-size="12" '
        'role="img" aria-label="Directly-follows graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>',
    ]
    for e in shown:
        a, b = place[e.source], place[e.target]
        stroke = 1 + 5 * log1p(e.count) / log1p(top_count)
        wait = e.median_s if wait_label == "median" else e.mean_s
        label = f"{e.count:,} · {human_duration(wait)}"
        if e.source == e.target:
            x, y = a.x + NODE_W, a.y + NODE_H / 2
            path = f"M{x:.1f},{y - 8:.1f} C{x + 40:.1f},{y - 30:.1f} {x + 40:.1f},{y + 30:.1f} " \
                   f"{x:.1f},{y + 8:.1f}"
            lx, ly = x + 42, y + 4
        elif layer[e.source] < layer[e.target]:
            x1, y1 = a.x + NODE_W / 2, a.y + NODE_H
            x2, y2 = b.x + NODE_W / 2, b.y
            mid = (y1 + y2) / 2
            path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"
            lx, ly = (x1 + x2) / 2 + 4, mid
        elif layer[e.source] == layer[e.target]:
            # side by side: a short straight arrow between the facing sides
            left_to_right = a.x < b.x
            x1 = a.x + NODE_W if left_to_right else a.x
            x2 = b.x if left_to_right else b.x + NODE_W
            y1 = y2 = a.y + NODE_H / 2 + (-6 if left_to_right else 6)
            path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
            lx, ly = min(x1, x2) + 2, y1 - 4 if left_to_right else y1 + 14
        else:
            x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
            x2, y2 = b.x + NODE_W, b.y + NODE_H / 2
            bulge = max(x1, x2) + 40 + 12 * abs(layer[e.source] - layer[e.target])
            path = f"M{x1:.1f},{y1:.1f} C{bulge:.1f},{y1:.1f} {bulge:.1f},{y2:.1f} " \
                   f"{x2:.1f},{y2:.1f}"
            lx, ly = bulge - 20, (y1 + y2) / 2
        title = (f"{e.source} → {e.target}: {e.count:,} times, median wait "
                 f"{human_duration(e.median_s)}, mean {human_duration(e.mean_s)}")
        parts.append(
            f'<g class="edge"><title>{escape(title)}</title><path d="{path}" fill="none" '
            f'stroke="#4a5568" stroke-opacity="0.75" stroke-width="{stroke:.1f}" '
            f'marker-end="url(#arrow)"/><text x="{lx:.1f}" y="{ly:.1f}" fill="#2d3748" '
            f'font-size="11">{escape(label)}</text></g>'
        )
    for node in nodes:
        p = place[node]
        lines = _label(node)
        count = activity_counts.get(node, 0)
        fill = "#e6f0fa" if node not in start_activities else "#d8f3e0"
        parts.append(
            f'<g class="node"><title>{escape(node)}: {count:,} events</title>'
            f'<rect x="{p.x:.1f}" y="{p.y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="6" '
            f'fill="{fill}" stroke="#1d4f91"/>'
        )
        for i, line in enumerate(lines):
            y = p.y + (16 if len(lines) == 2 else 22) + i * 14
            parts.append(f'<text x="{p.x + NODE_W / 2:.1f}" y="{y:.1f}" text-anchor="middle">'
                         f"{escape(line)}</text>")
        parts.append(f'<text x="{p.x + NODE_W / 2:.1f}" y="{p.y + NODE_H - 5:.1f}" '
                     f'text-anchor="middle" font-size="10" fill="#4a5568">{count:,}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
