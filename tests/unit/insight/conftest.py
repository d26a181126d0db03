"""Fixtures for the insight tests: hand-made logs written into the test's directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xmlns="http://www.xes-standard.org/">\n'


@pytest.fixture
def shared_logs() -> Path:
    """The public logs in ../shared/data/logs (skips when the checkout has no shared data)."""
    path = Path(__file__).resolve().parents[4] / "shared" / "data" / "logs"
    if not path.is_dir():
        pytest.skip("shared data not present")
    return path


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to a file in the test's directory and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def write_xes(write_text: Callable[[str, str], Path]) -> Callable[[str], Path]:
    """Write an XES document whose log element holds ``body`` and return its path."""

    def _write(body: str) -> Path:
        return write_text("log.xes", XES_HEAD + body + "</log>\n")

    return _write
