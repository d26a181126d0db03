"""FEEL, the expression language of DMN and Camunda 8. Pure: no database or web imports.

    expr = compile_expression("applicant age >= 18", known_names=frozenset({"applicant age"}))
    expr.evaluate({"applicant age": Decimal(20)})          # True
    compile_unary_tests("<10, [20..30)").matches(Decimal(25))   # True
    evaluate("a + 1", {"a": 1})                             # Decimal("2")

Host functions (e.g. DMN business knowledge models) are FEEL values too:
    pmt = NativeFunction("PMT", ["p", "r", "n"], lambda p, r, n: ...)
    compile_expression("PMT(a, b, c)", names).evaluate({"PMT": pmt, "a": ...})
"""

from civicflow.feel.api import (
    CompiledExpression,
    CompiledUnaryTests,
    compile_expression,
    compile_unary_tests,
    evaluate,
)
from civicflow.feel.errors import (
    FeelError,
    FeelEvaluationLimitError,
    FeelSyntaxError,
    FeelWarning,
    Position,
)
from civicflow.feel.functions import NativeFunction
from civicflow.feel.values import (
    FeelFunction,
    Range,
    YearsMonthsDuration,
    from_python,
    to_python,
)

__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "FeelError",
    "FeelEvaluationLimitError",
    "FeelFunction",
    "FeelSyntaxError",
    "FeelWarning",
    "NativeFunction",
    "Position",
    "Range",
    "YearsMonthsDuration",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "from_python",
    "to_python",
]
