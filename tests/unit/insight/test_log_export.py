"""XES and OCEL 2.0 export: a written log reads back the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from civicflow.insight.log import read_xes, write_ocel2_json
from civicflow.insight.log import write_xes as save

DOC = """
  <trace>
    <string key="concept:name" value="A-1"/>
    <string key="department" value="Zoning"/>
    <event>
      <string key="concept:name" value="submit"/>
      <date key="time:timestamp" value="2024-03-01T09:30:00.250+01:00"/>
      <string key="org:resource" value="ana"/>
      <int key="pages" value="4"/>
      <float key="fee" value="12.5"/>
      <boolean key="urgent" value="true"/>
    </event>
    <event>
      <string key="concept:name" value="review &amp; decide"/>
      <date key="time:timestamp" value="2024-03-02T10:00:00Z"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="A-2"/>
    <event>
      <string key="concept:name" value="submit"/>
      <date key="time:timestamp" value="2024-02-05T08:00:00+00:00"/>
    </event>
  </trace>
"""


def test_xes_export_reads_back_to_the_same_frame(
    write_xes: Callable[[str], Path], tmp_path: Path
) -> None:
    log = read_xes(write_xes(DOC))
    for name in ("out.xes", "out.xes.gz"):
        target = tmp_path / name
        save(log, target)
        again = read_xes(target)
        assert again.frame.select(sorted(again.frame.columns)).equals(
            log.frame.select(sorted(log.frame.columns)))


def test_ocel2_export_relates_each_event_to_its_case(
    write_xes: Callable[[str], Path], tmp_path: Path
) -> None:
    log = read_xes(write_xes(DOC))
    target = tmp_path / "log.json"
    write_ocel2_json(log, target)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [o["id"] for o in doc["objects"] if o["type"] == "case"] == ["case:A-1", "case:A-2"]
    assert len(doc["events"]) == 3
    first = doc["events"][0]
    assert first["type"] == "submit"
    assert first["time"] == "2024-03-01T08:30:00.250+00:00"
    assert {"objectId": "case:A-1", "qualifier": "case"} in first["relationships"]
    assert {"objectId": "resource:ana", "qualifier": "resource"} in first["relationships"]
    assert {"name": "pages", "value": "4"} in first["attributes"]


def test_export_leaves_out_internal_columns_added_by_mining(
    write_xes: Callable[[str], Path], tmp_path: Path
) -> None:
    from civicflow.insight.mining import order

    ordered = order(read_xes(write_xes(DOC)))
    assert any(c.startswith("@@") for c in ordered.frame.columns)
    target = tmp_path / "out.xes"
    save(ordered, target)
    assert not any(c.startswith("@@") for c in read_xes(target).frame.columns)
    write_ocel2_json(ordered, tmp_path / "out.json")
    assert "@@" not in (tmp_path / "out.json").read_text(encoding="utf-8")
