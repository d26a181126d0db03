"""Untrusted uploads: attacks and junk get a clear error quickly, never a hang or a leak."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from civicflow.model import NotBpmnError, NotXmlError, UnsafeXmlError, parse_bpmn
from civicflow.model.safe_xml import MAX_BYTES

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <process id="p" name="&lol9;" />
</definitions>
"""


def _xxe(target: Path) -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE d [ <!ENTITY secret SYSTEM "file://{target}"> ]>\n'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">'
        '<process id="p" name="&secret;" /></definitions>'
    )


class _Timer:
    def __enter__(self) -> _Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def test_billion_laughs_is_refused_within_a_second() -> None:
    with _Timer() as timer, pytest.raises(UnsafeXmlError, match="DOCTYPE"):
        parse_bpmn(BILLION_LAUGHS)
    assert timer.seconds < 1


def test_external_entity_is_refused_and_the_file_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    with pytest.raises(UnsafeXmlError) as info:
        parse_bpmn(_xxe(secret))
    assert "TOP-SECRET" not in str(info.value)


def test_doctype_hidden_after_a_long_comment_is_still_refused() -> None:
    padding = "<!--" + "x" * 10_000 + "-->\n"
    text = BILLION_LAUGHS.replace('<?xml version="1.0"?>\n', padding)
    with pytest.raises(UnsafeXmlError):
        parse_bpmn(text)


def test_deep_nesting_is_refused_within_a_second() -> None:
    depth = 100_000
    text = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">'
        + "<a>" * depth
        + "</a>" * depth
        + "</definitions>"
    )
    with _Timer() as timer, pytest.raises(UnsafeXmlError, match="nested too deeply"):
        parse_bpmn(text)
    assert timer.seconds < 1


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.bpmn"
    with huge.open("wb") as handle:  # sparse: 200 MB on paper, no disk or memory used
        handle.write(b"<definitions>")
        handle.truncate(200 * 1024 * 1024)
    with _Timer() as timer, pytest.raises(UnsafeXmlError, match=r"200\.0 MB"):
        parse_bpmn(huge)
    assert timer.seconds < 1


def test_xml_bytes_over_the_limit_are_refused() -> None:
    with pytest.raises(UnsafeXmlError, match="limit"):
        parse_bpmn(b"<a>" + b" " * MAX_BYTES + b"</a>")


def test_a_limit_can_be_lowered_for_an_upload_form() -> None:
    with pytest.raises(UnsafeXmlError):
        parse_bpmn(b"<definitions>" + b" " * 2000 + b"</definitions>", max_bytes=1000)


def test_binary_junk_is_not_xml() -> None:
    with pytest.raises(NotXmlError, match="not XML"):
        parse_bpmn(bytes(range(256)) * 10)


def test_broken_xml_names_the_line() -> None:
    with pytest.raises(NotXmlError) as info:
        parse_bpmn("<definitions>\n<process>\n</definitions>")
    assert info.value.line == 3


def test_empty_input_is_not_xml() -> None:
    with pytest.raises(NotXmlError, match="empty"):
        parse_bpmn(b"   ")


def test_xml_that_is_not_bpmn_says_what_it_found() -> None:
    with pytest.raises(NotBpmnError) as info:
        parse_bpmn('<dmn:definitions xmlns:dmn="https://www.omg.org/spec/DMN/20191111/MODEL/"/>')
    assert "<definitions>" in str(info.value)
    assert "DMN" in str(info.value)
