"""Option values of the engine commands: ``--var name=value``, ``--map old=new`` and ids
that must not be empty. A wrong value is a usage error (exit 2) naming the option."""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

import typer


def parse_vars(items: list[str] | None) -> dict[str, Any]:
    """``["a=1", "b=text"]`` -> ``{"a": 1, "b": "text"}``.

    ``NaN`` and ``Infinity`` are not JSON (Python's reader takes them, and the store would
    write null): they stay text. A number too large for a float would become infinite, so
    it is refused rather than stored as null."""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(
                f"{item!r} is not name=value; write e.g. --var area=120", param_hint="--var")
        try:
            value = json.loads(raw, parse_constant=_not_json)
        except ValueError:  # JSONDecodeError, or NaN/Infinity
            value = raw
        if not _finite(value):
            raise typer.BadParameter(
                f"{item!r}: the number is too large; quote it to keep it as text "
                f"(--var '{name.strip()}=\"{raw}\"')", param_hint="--var")
        out[name.strip()] = value
    return out


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _finite(value: Any) -> bool:
    """No float in ``value`` (at any depth) is infinite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def given(value: str | None, what: str) -> None:
    """Refuse an empty id or name (e.g. ``"$CASE"`` with the variable unset) as a usage
    error, rather than looking it up and answering "there is no ..." about nothing."""
    if value is not None and not value.strip():
        raise typer.BadParameter("it is empty; leave it out or give a value"
                                 if what.startswith("--") else "it is empty", param_hint=what)


def parse_mappings(items: list[str] | None) -> dict[str, str]:
    """``["review=check"]`` -> ``{"review": "check"}``; one ``=``, both sides given, each old
    id mapped once (element ids hold no ``=``)."""
    pairs: dict[str, str] = {}
    for item in items or []:
        old, sep, new = (part.strip() for part in item.partition("="))
        if not sep or not old or not new or "=" in new:
            raise typer.BadParameter(f"{item!r} is not old_id=new_id; write e.g. "
                                     "--map review=check", param_hint="--map")
        if pairs.get(old, new) != new:
            raise typer.BadParameter(f"{old!r} is mapped twice, to {pairs[old]!r} and to "
                                     f"{new!r}; give one --map per element", param_hint="--map")
        pairs[old] = new
    return pairs
