"""Whatever is handed to ``Engine.deploy`` (path, bytes, text) gets an engine error, never a
decoding or file-system exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError

MODEL = Path(__file__).resolve().parents[3] / "examples" / "reference_permit.bpmn"


def test_a_model_given_as_utf16_bytes_deploys(engine: Any) -> None:
    deployed = engine.deploy(MODEL.read_text(encoding="utf-8").encode("utf-16"))
    assert [d.process_id for d in deployed] == ["permit_application"]


def test_bytes_that_are_not_text_are_refused_as_not_a_model(engine: Any) -> None:
    with pytest.raises(DeploymentError, match="not UTF-8 or UTF-16 text"):
        engine.deploy(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00binary")


def test_a_missing_file_is_named(engine: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.bpmn"
    with pytest.raises(DeploymentError, match=r"There is no file .*nowhere\.bpmn"):
        engine.deploy(str(missing))


def test_a_folder_is_refused(engine: Any, tmp_path: Path) -> None:
    with pytest.raises(DeploymentError, match="is a folder"):
        engine.deploy(tmp_path)


def test_text_that_is_neither_xml_nor_a_file_name_says_so(engine: Any) -> None:
    with pytest.raises(DeploymentError, match="neither BPMN/DMN XML"):
        engine.deploy("process permit\nstart -> end\n")
