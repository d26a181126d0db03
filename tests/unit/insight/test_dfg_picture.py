"""The DFG picture is well-formed SVG with one box per activity and no overlapping boxes."""

from __future__ import annotations

from itertools import combinations

from lxml import etree

from civicflow.insight.dfg_svg import dfg_svg
from civicflow.insight.mining import Edge

SVG = "{http://www.w3.org/2000/svg}"


def edge(source: str, target: str, count: int) -> Edge:
    return Edge(source, target, count, 60.0, 60.0, 90.0, 60.0 * count)


EDGES = [edge("submit", "check", 10), edge("check", "approve", 6), edge("check", "reject", 4),
         edge("check", "submit", 3), edge("approve", "approve", 1),
         edge("reject", "archive <old>", 4)]
COUNTS = {"submit": 13, "check": 13, "approve": 7, "reject": 4, "archive <old>": 4}


def test_picture_has_one_box_per_activity_and_one_path_per_edge() -> None:
    svg = etree.fromstring(dfg_svg(EDGES, COUNTS, {"submit": 10}).encode())
    assert len(svg.findall(f".//{SVG}rect")) == 5
    assert len(svg.findall(f".//{SVG}g[@class='edge']")) == 6
    assert "archive <old>" in " ".join(svg.itertext())


def test_boxes_never_overlap() -> None:
    svg = etree.fromstring(dfg_svg(EDGES, COUNTS, {"submit": 10}).encode())
    boxes = [(float(r.get("x")), float(r.get("y")), float(r.get("width")),
              float(r.get("height"))) for r in svg.findall(f".//{SVG}rect")]
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in combinations(boxes, 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_only_the_most_frequent_edges_are_drawn() -> None:
    svg = etree.fromstring(dfg_svg(EDGES, COUNTS, {"submit": 10}, max_edges=2).encode())
    titles = [t.text for t in svg.findall(f".//{SVG}g[@class='edge']/{SVG}title")]
    assert len(titles) == 2
    assert all(t is not None and t.startswith(("submit → check", "check → approve"))
               for t in titles)


def test_an_empty_graph_is_still_a_picture() -> None:
    assert etree.fromstring(dfg_svg([], {}, {}).encode()).tag == f"{SVG}svg"


def test_arrowheads_keep_their_size_on_thick_edges() -> None:
    """Markers sized in stroke widths would grow sixfold on the busiest edges and hide boxes."""
    svg = etree.fromstring(dfg_svg(EDGES, COUNTS, {"submit": 10}).encode())
    marker = svg.find(f".//{SVG}marker")
    assert marker is not None
    assert marker.get("markerUnits") == "userSpaceOnUse"
    assert float(marker.get("markerWidth", "0")) <= 12
