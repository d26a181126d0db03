"""FEEL `=`: deep equality, null only equals null, different types are not comparable (null),
and times/date-times compare their zone kind too (cases as in DMN TCK 0068-feel-equality)."""

import pytest

from civicflow.feel import evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("null = null", True),
        ("null != null", False),
        ("false = 0", None),
        ("100 = null", False),
        ('100 = "100"', None),
        ("0 = 0.00", True),
        ("-0 = 0", True),
        ("[] = []", True),
        ("[1, 2, 3] = [3, 2, 1]", False),
        ("[] = 0", None),
        ("{} = []", None),
        ('{foo: "bar", bar: "baz"} = {bar: "baz", foo: "bar"}', True),
        ('{foo: "bar"} = {"foo": "bar"}', True),
        ("[1, 2, {a: [3, 4]}] = [1, 2, {a: [3, 4], b: 1}]", False),
        ("100[1] = 100", True),
        ('time("10:30:00.0000") = time("10:30:00")', True),
        ('time("10:30:00@Europe/Paris") = time("10:30:00")', False),
        ('time("10:30:00Z") = time("10:30:00+00:00")', True),
        ('@"2018-12-08T00:00:00+00:00" = @"2018-12-08T00:00:00@Etc/UTC"', False),
        ('@"2018-12-08" = date and time("2018-12-08")', None),
        ('date and time("2018-12-08") = @"2018-12-08T00:00:00"', True),
        ('duration("P1D") = duration("PT24H")', True),
        ('duration("P1Y") = duration("P12M")', True),
        ('duration("P1Y") = duration("P365D")', None),
    ],
)
def test_equality(expression: str, expected: bool | None) -> None:
    assert evaluate(expression) is expected
