"""List built-ins (positions from 1, negative from the end; equality is FEEL's)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from civicflow.feel import ops
from civicflow.feel.builtins.args import given, integer, items, variadic
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.scope import MISSING, Run
from civicflow.feel.values import DECIMAL128, FeelFunction


def _cmp(a: Any, b: Any) -> int:
    c = ops.compare(a, b)
    if c is None:
        raise TypeError(f"cannot compare {ops.kind(a)} with {ops.kind(b)}")
    return c


def _contains(values: list[Any], item: Any) -> bool:
    return any(ops.equal(v, item) is True for v in values)


def _numbers(values: list[Any]) -> list[Decimal]:
    if any(type(v) is not Decimal for v in values):
        raise TypeError("expected a list of numbers")
    return values


@builtin("list contains", ["list", "element"])
def list_contains(run: Run, values: Any, element: Any) -> Any:
    return _contains(items(values), element)


@builtin("count", ["list"], variadic=True)
def count(run: Run, *args: Any) -> Any:
    return Decimal(len(variadic(args)))


@builtin("min", ["list"], variadic=True)
def min_(run: Run, *args: Any) -> Any:
    values = variadic(args)
    return min(values, key=functools.cmp_to_key(_cmp)) if values else None


@builtin("max", ["list"], variadic=True)
def max_(run: Run, *args: Any) -> Any:
    values = variadic(args)
    return max(values, key=functools.cmp_to_key(_cmp)) if values else None


@builtin("sum", ["list"], variadic=True)
def sum_(run: Run, *args: Any) -> Any:
    values = _numbers(variadic(args))
    if not values:
        return None
    total = Decimal(0)
    for v in values:
        total = DECIMAL128.add(total, v)
    return total


@builtin("product", ["list"], variadic=True)
def product(run: Run, *args: Any) -> Any:
    values = _numbers(variadic(args))
    if not values:
        return None
    total = Decimal(1)
    for v in values:
        total = DECIMAL128.multiply(total, v)
    return total


@builtin("mean", ["list"], variadic=True)
def mean(run: Run, *args: Any) -> Any:
    values = _numbers(variadic(args))
    if not values:
        return None
    total = sum_(run, values)
    return DECIMAL128.divide(total, Decimal(len(values)))


@builtin("median", ["list"], variadic=True)
def median(run: Run, *args: Any) -> Any:
    values = sorted(_numbers(variadic(args)))
    if not values:
        return None
    mid = len(values) // 2
    if len(values) % 2:
        return values[mid]
    return DECIMAL128.divide(DECIMAL128.add(values[mid - 1], values[mid]), Decimal(2))


@builtin("stddev", ["list"], variadic=True)
def stddev(run: Run, *args: Any) -> Any:
    values = _numbers(variadic(args))
    if len(values) < 2:
        return None
    avg = mean(run, values)
    squares = Decimal(0)
    for v in values:
        squares = DECIMAL128.add(squares, DECIMAL128.power(DECIMAL128.subtract(v, avg), 2))
    return DECIMAL128.sqrt(DECIMAL128.divide(squares, Decimal(len(values) - 1)))


@builtin("mode", ["list"], variadic=True)
def mode(run: Run, *args: Any) -> Any:
    values = _numbers(variadic(args))
    counts: dict[Decimal, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    if not counts:
        return []
    top = max(counts.values())
    return sorted(v for v, n in counts.items() if n == top)


@builtin("sublist", ["list", "start position", "length"], required=2)
def sublist(run: Run, values: Any, start: Any, length: Any = MISSING) -> Any:
    seq = items(values)
    begin = integer(start, "start position")
    if begin == 0 or abs(begin) > len(seq):
        raise ValueError(f"start position {begin} is outside the list")
    index = begin - 1 if begin > 0 else len(seq) + begin
    if given(length):
        return seq[index : index + integer(length, "length")]
    return seq[index:]


@builtin("append", ["list", "item"], required=1, variadic=True)
def append(run: Run, values: Any, *new: Any) -> Any:
    return [*items(values), *new]


@builtin("concatenate", ["list"], variadic=True)
def concatenate(run: Run, *lists: Any) -> Any:
    result: list[Any] = []
    for seq in lists:
        result.extend(items(seq))
    return result


@builtin("insert before", ["list", "position", "newItem"])
def insert_before(run: Run, values: Any, position: Any, new_item: Any) -> Any:
    seq = list(items(values))
    pos = integer(position)
    if pos == 0 or abs(pos) > len(seq):
        raise ValueError(f"position {pos} is outside the list")
    index = pos - 1 if pos > 0 else len(seq) + pos
    seq.insert(index, new_item)
    return seq


@builtin("remove", ["list", "position"])
def remove(run: Run, values: Any, position: Any) -> Any:
    seq = list(items(values))
    pos = integer(position)
    if pos == 0 or abs(pos) > len(seq):
        raise ValueError(f"position {pos} is outside the list")
    del seq[pos - 1 if pos > 0 else pos]
    return seq


@builtin("reverse", ["list"])
def reverse(run: Run, values: Any) -> Any:
    return list(reversed(items(values)))


@builtin("index of", ["list", "match"])
def index_of(run: Run, values: Any, match: Any) -> Any:
    return [Decimal(i + 1) for i, v in enumerate(items(values)) if ops.equal(v, match) is True]


@builtin("union", ["list"], variadic=True)
def union(run: Run, *lists: Any) -> Any:
    result: list[Any] = []
    for seq in lists:
        for v in items(seq):
            if not _contains(result, v):
                result.append(v)
    return result


@builtin("distinct values", ["list"])
def distinct_values(run: Run, values: Any) -> Any:
    return union(run, values)


@builtin("duplicate values", ["list"])
def duplicate_values(run: Run, values: Any) -> Any:
    seen: list[Any] = []
    result: list[Any] = []
    for v in items(values):
        if _contains(seen, v):
            if not _contains(result, v):
                result.append(v)
        else:
            seen.append(v)
    return result


@builtin("flatten", ["list"])
def flatten(run: Run, values: Any) -> Any:
    result: list[Any] = []

    def walk(seq: list[Any]) -> None:
        for v in seq:
            if type(v) is list:
                walk(v)
            else:
                result.append(v)

    walk(items(values))
    return result


@builtin("sort", ["list", "precedes"], required=1)
def sort(run: Run, values: Any, precedes: Any = MISSING) -> Any:
    seq = items(values)
    if not given(precedes):
        return sorted(seq, key=functools.cmp_to_key(_cmp))
    if not isinstance(precedes, FeelFunction):
        raise TypeError("precedes must be a function of two arguments")

    def order(a: Any, b: Any) -> int:
        if precedes.invoke([a, b], None, run) is True:
            return -1
        if precedes.invoke([b, a], None, run) is True:
            return 1
        return 0

    return sorted(seq, key=functools.cmp_to_key(order))


@builtin("list replace", ["list", "position|match", "newItem"])
def list_replace(run: Run, values: Any, position: Any, new_item: Any) -> Any:
    seq = list(items(values))
    if isinstance(position, FeelFunction):
        result = []
        for v in seq:
            verdict = position.invoke([v, new_item], None, run)
            if type(verdict) is not bool:
                raise TypeError("the match function must return true or false for (item, newItem)")
            result.append(new_item if verdict else v)
        return result
    pos = integer(position)
    if pos == 0 or abs(pos) > len(seq):
        raise ValueError(f"position {pos} is outside the list")
    seq[pos - 1 if pos > 0 else pos] = new_item
    return seq


@builtin("is empty", ["list"])
def is_empty(run: Run, values: Any) -> Any:
    return len(items(values)) == 0


