"""A path that cannot be read as a file is an import error of the model, not an ``OSError``:
callers (the CLI, the web upload, the engine) handle one kind of failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from civicflow.model import NotXmlError, parse_bpmn
from civicflow.model.safe_xml import read_source


def test_a_folder_is_refused_with_an_import_error_that_says_it_is_a_folder(
    tmp_path: Path,
) -> None:
    for source in (tmp_path, str(tmp_path)):
        with pytest.raises(NotXmlError, match="folder") as caught:
            read_source(source)
        assert caught.value.source == str(tmp_path)
    with pytest.raises(NotXmlError, match="folder"):
        parse_bpmn(tmp_path)


def test_a_missing_file_is_an_import_error_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.bpmn"
    with pytest.raises(NotXmlError, match="cannot read the file") as caught:
        parse_bpmn(missing)
    assert caught.value.source == str(missing)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_an_import_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked.bpmn"
    locked.write_text("<definitions/>", encoding="utf-8")
    locked.chmod(0)
    try:
        with pytest.raises(NotXmlError, match="cannot read the file"):
            read_source(locked)
    finally:
        locked.chmod(0o600)
