"""Translate XPath/XML Schema regular expressions and flags to Python's ``re``.

FEEL's matches(), replace() and split() use XPath 2.0 regex syntax. Most of it is Python's; the
differences handled here are the flags (s m i x q), ``$N`` group references in replacements and
the common Unicode category escapes (``\\p{L}`` ...), which ``re`` lacks.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CATEGORIES = {
    "L": r"^\W\d_", "Lu": r"A-Z\u00c0-\u00de", "Ll": r"a-z\u00df-\u00ff", "N": r"\d",
    "Nd": r"\d", "P": r"!-/:-@\[-`{-~\u00a1-\u00bf", "Z": r"\s", "Zs": r" \u00a0",
}  # fmt: skip


@lru_cache(maxsize=512)
def compile_xpath(pattern: str, flags: str = "") -> re.Pattern[str]:
    """A compiled Python regex equivalent to the XPath ``pattern`` with ``flags``."""
    bad = set(flags) - set("smixq")
    if bad:
        raise ValueError(f"unknown regular expression flag {sorted(bad)[0]!r}")
    py_flags = 0
    if "s" in flags:
        py_flags |= re.DOTALL
    if "m" in flags:
        py_flags |= re.MULTILINE
    if "i" in flags:
        py_flags |= re.IGNORECASE
    if "q" in flags:
        return re.compile(re.escape(pattern), py_flags)
    if "x" in flags:
        pattern = re.sub(r"\s+", "", pattern)
    return re.compile(_translate(pattern), py_flags)


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            m = re.match(r"[pP]\{(\w+)\}", pattern[i + 1 :])
            if m:
                body = _CATEGORIES.get(m.group(1))
                if body is None:
                    raise ValueError(f"unsupported character category \\p{{{m.group(1)}}}")
                negate = nxt == "P"
                if in_class:
                    out.append(body.lstrip("^") if not body.startswith("^") else r"^\W\d_")
                elif body.startswith("^"):
                    out.append(f"[{'' if negate else '^'}{body[1:]}]")
                else:
                    out.append(f"[{'^' if negate else ''}{body}]")
                i += 1 + m.end()
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def xpath_replacement(replacement: str, flags: str) -> str:
    """Turn an XPath replacement (``$1``, ``\\$``) into a Python one (``\\g<1>``)."""
    if "q" in flags:
        return replacement.replace("\\", "\\\\")
    out: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\" and i + 1 < len(replacement) and replacement[i + 1] in "\\$":
            out.append("\\\\" if replacement[i + 1] == "\\" else "$")
            i += 2
            continue
        if ch == "$":
            m = re.match(r"\d+", replacement[i + 1 :])
            if not m:
                raise ValueError("'$' in a replacement must be followed by a group number")
            out.append(f"\\g<{m.group()}>")
            i += 1 + m.end()
            continue
        if ch == "\\":
            raise ValueError("'\\' in a replacement must be followed by '\\' or '$'")
        out.append(ch)
        i += 1
    return "".join(out)
