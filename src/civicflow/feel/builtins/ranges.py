"""Range built-ins (DMN 1.4 10.3.4.9): before, after, meets, overlaps, includes, ...

Each takes points or ranges; the definitions follow the specification's tables literally.
"""

from __future__ import annotations

from typing import Any

from civicflow.feel import ops
from civicflow.feel.builtins.args import text
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.functions import NullArgumentError
from civicflow.feel.scope import Run
from civicflow.feel.values import Range


def _c(a: Any, b: Any) -> int:
    c = ops.compare(a, b)
    if c is None:
        raise TypeError(f"cannot compare {ops.kind(a)} with {ops.kind(b)}")
    return c


def _check(*values: Any) -> None:
    if any(v is None for v in values):
        raise NullArgumentError


def _before(a: Any, b: Any) -> bool:
    ra, rb = type(a) is Range, type(b) is Range
    if not ra and not rb:
        return _c(a, b) < 0
    if not ra:
        return _c(a, b.start) < 0 or (_c(a, b.start) == 0 and not b.start_included)
    if not rb:
        return _c(a.end, b) < 0 or (_c(a.end, b) == 0 and not a.end_included)
    c = _c(a.end, b.start)
    return c < 0 or (c == 0 and (not a.end_included or not b.start_included))


def _range(value: Any) -> Range:
    if type(value) is not Range:
        raise TypeError(f"expected a range, not {ops.kind(value)}")
    return value


def _meets(a: Any, b: Any) -> bool:
    r1, r2 = _range(a), _range(b)
    return r1.end_included and r2.start_included and _c(r1.end, r2.start) == 0


def _overlaps_before(a: Any, b: Any) -> bool:
    r1, r2 = _range(a), _range(b)
    s = _c(r1.start, r2.start)
    es = _c(r1.end, r2.start)
    ee = _c(r1.end, r2.end)
    return (
        (s < 0 or (s == 0 and r1.start_included and not r2.start_included))
        and (es > 0 or (es == 0 and r1.end_included and r2.start_included))
        and (ee < 0 or (ee == 0 and (not r1.end_included or r2.end_included)))
    )


def _includes(a: Any, b: Any) -> bool:
    r1 = _range(a)
    if type(b) is not Range:
        return ops.in_range(b, r1) is True
    r2 = b
    s = _c(r1.start, r2.start)
    e = _c(r1.end, r2.end)
    return (s < 0 or (s == 0 and (r1.start_included or not r2.start_included))) and (
        e > 0 or (e == 0 and (r1.end_included or not r2.end_included))
    )


def _starts(a: Any, b: Any) -> bool:
    r2 = _range(b)
    if type(a) is not Range:
        return r2.start_included and _c(r2.start, a) == 0
    r1 = a
    e = _c(r1.end, r2.end)
    return (
        _c(r1.start, r2.start) == 0
        and r1.start_included == r2.start_included
        and (e < 0 or (e == 0 and (not r1.end_included or r2.end_included)))
    )


def _finishes(a: Any, b: Any) -> bool:
    r2 = _range(b)
    if type(a) is not Range:
        return r2.end_included and _c(r2.end, a) == 0
    r1 = a
    s = _c(r1.start, r2.start)
    return (
        r1.end_included == r2.end_included
        and _c(r1.end, r2.end) == 0
        and (s > 0 or (s == 0 and (not r1.start_included or r2.start_included)))
    )


def _coincides(a: Any, b: Any) -> bool:
    if type(a) is Range and type(b) is Range:
        return (
            _c(a.start, b.start) == 0
            and _c(a.end, b.end) == 0
            and a.start_included == b.start_included
            and a.end_included == b.end_included
        )
    if type(a) is Range or type(b) is Range:
        raise TypeError("coincides() needs two points or two ranges")
    return _c(a, b) == 0




_EITHER = ("point1|range1|point|range", "point2|range2|range|point")
_RANGES = ("range1", "range2")
_POINT_IN = ("point|range1", "range|range2")
_RANGE_OF = ("range|range1", "point|range2")


def _register(name: str, impl: Any, params: tuple[str, str]) -> None:
    """Register a two-argument range function; aliases give the specification's names."""

    def call(run: Run, a: Any, b: Any) -> Any:
        _check(a, b)
        return impl(a, b)

    builtin(name, params)(call)


def _overlaps(a: Any, b: Any) -> bool:
    return _overlaps_before(a, b) or _overlaps_before(b, a) or _includes(a, b) or _includes(b, a)


_register("before", _before, _EITHER)
_register("after", lambda a, b: _before(b, a), _EITHER)
_register("meets", _meets, _RANGES)
_register("met by", lambda a, b: _meets(b, a), _RANGES)
_register("overlaps", _overlaps, _RANGES)
_register("overlaps before", _overlaps_before, _RANGES)
_register("overlaps after", lambda a, b: _overlaps_before(b, a), _RANGES)
_register("finishes", _finishes, _POINT_IN)
_register("finished by", lambda a, b: _finishes(b, a), _RANGE_OF)
_register("includes", _includes, _RANGE_OF)
_register("during", lambda a, b: _includes(b, a), _POINT_IN)
_register("starts", _starts, _POINT_IN)
_register("started by", lambda a, b: _starts(b, a), _RANGE_OF)
_register("coincides", _coincides, ("point1|range1", "point2|range2"))


@builtin("range", ["from"])
def range_(run: Run, value: Any) -> Any:
    """``range("[1..10)")``: a range from its text (endpoints are literals)."""
    from civicflow.feel.api import compile_expression

    source = text(value, "from").strip()
    if not source or source[0] not in "[(]" or source[-1] not in "[)]" or ".." not in source:
        raise ValueError(f"{value!r} is not a range literal like [1..10)")
    result = compile_expression(source).evaluate({})
    if type(result) is not Range:
        raise ValueError(f"{value!r} is not a range literal")
    return result


