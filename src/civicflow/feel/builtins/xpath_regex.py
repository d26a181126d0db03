"""Translate XPath/XML Schema regular expressions and flags to Python's ``re``.

FEEL's matches(), replace() and split() use XPath 2.0 regex syntax. Most of it is Python's; the
differences handled here: the flags (s m i x q), ``.`` not matching line ends without ``s``,
character class subtraction (``[a-z-[aeiou]]``), ``\\p{..}`` categories and blocks, ``\\i``/``\\c``,
back-references forbidden inside classes, and ``$N`` group references in replacements.
"""

from __future__ import annotations

import re
from functools import lru_cache

_LETTERS = (
    "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u03ff"
    "\u0400-\u052f\u0531-\u0587\u05d0-\u05ea\u0620-\u064a\u0900-\u0dff\u0e00-\u0e7f"
    "\u1e00-\u1fff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
)
#: Class bodies (without brackets) for \p{...}: approximations of the Unicode categories.
_CATEGORIES = {
    "L": _LETTERS, "Lu": "A-Z\u00c0-\u00d6\u00d8-\u00de", "Ll": "a-z\u00df-\u00f6\u00f8-\u00ff",
    "N": "0-9\u00b2\u00b3\u00b9\u00bc-\u00be\u0660-\u0669", "Nd": "0-9\u0660-\u0669",
    "P": "!-#%-*,-/:;?@\\[-\\]_{}\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf",
    "Z": " \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
    "Zs": " \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000",
    "IsBasicLatin": "\\x00-\\x7f", "IsLatin-1Supplement": "\\x80-\\xff",
    "IsGreek": "\u0370-\u03ff", "IsCyrillic": "\u0400-\u04ff",
}  # fmt: skip
_NAME_START = "A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff"
_NAME_CHAR = _NAME_START + "0-9.\\-\u00b7"


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
        pattern = _strip_whitespace(pattern)
    return re.compile(_Translator(pattern, "s" in flags, "x" in flags).run(), py_flags)


def _strip_whitespace(pattern: str) -> str:
    """The ``x`` flag: drop whitespace outside character classes before anything else."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(ch)
            i += 1
            if pattern[i] not in " \t\n\r" or depth:
                out.append(pattern[i])
                i += 1
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        if depth or ch not in " \t\n\r":
            out.append(ch)
        i += 1
    return "".join(out)


class _Translator:
    def __init__(self, pattern: str, dotall: bool, extended: bool):
        self.p = pattern
        self.dotall = dotall
        self.extended = extended

    def run(self) -> str:
        out: list[str] = []
        i = 0
        p = self.p
        while i < len(p):
            ch = p[i]
            if ch == "\\":
                i, piece = self._escape(i, in_class=False)
                out.append(piece)
            elif ch == "[":
                i, piece = self._char_class(i)
                out.append(piece)
            elif ch == "." and not self.dotall:
                out.append("[^\\n\\r]")
                i += 1
            else:
                out.append(ch)
                i += 1
        return "".join(out)

    def _escape(self, i: int, in_class: bool) -> tuple[int, str]:
        p = self.p
        if i + 1 >= len(p):
            raise ValueError("a regular expression cannot end with '\\'")
        nxt = p[i + 1]
        if nxt in "pP":
            close = p.find("}", i)
            if i + 2 >= len(p) or p[i + 2] != "{" or close < 0:
                raise ValueError("\\p must be followed by {name}")
            name = re.sub(r"\s+", "", p[i + 3 : close]) if self.extended else p[i + 3 : close]
            body = _CATEGORIES.get(name)
            if body is None:
                raise ValueError(f"unsupported character category \\p{{{name}}}")
            if in_class:
                if nxt == "P":
                    raise ValueError("\\P{...} inside a character class is not supported")
                return close + 1, body
            return close + 1, f"[{'^' if nxt == 'P' else ''}{body}]"
        if nxt in "iIcC":
            body = _NAME_START if nxt in "iI" else _NAME_CHAR
            if in_class:
                if nxt in "IC":
                    raise ValueError(f"\\{nxt} inside a character class is not supported")
                return i + 2, body
            return i + 2, f"[{'^' if nxt in 'IC' else ''}{body}]"
        if nxt.isdigit():
            if in_class:
                raise ValueError("a back-reference cannot appear inside a character class")
            if nxt == "0":
                raise ValueError("\\0 is not a valid back-reference")
        return i + 2, p[i : i + 2]

    def _char_class(self, i: int) -> tuple[int, str]:
        p = self.p
        j = i + 1
        body: list[str] = []
        if j < len(p) and p[j] == "^":
            body.append("^")
            j += 1
        while j < len(p):
            c = p[j]
            if c == "\\":
                j, piece = self._escape(j, in_class=True)
                body.append(piece)
            elif c == "-" and j + 1 < len(p) and p[j + 1] == "[":
                j, subtracted = self._char_class(j + 1)
                if j >= len(p) or p[j] != "]":
                    raise ValueError("a class subtraction must end the character class")
                return j + 1, f"(?:(?!{subtracted})[{''.join(body)}])"
            elif c == "]" and body and body != ["^"]:
                return j + 1, "[" + "".join(body) + "]"
            elif c in "[&~|":
                body.append("\\" + c)
                j += 1
            else:
                body.append(c)
                j += 1
        raise ValueError("unterminated character class '['")


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
