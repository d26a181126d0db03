"""Split FEEL text into tokens; the hard part is names, which may contain spaces and operators.

FEEL lets a name be several words (``applicant age``) and, when declared elsewhere (DMN input
names, required decisions), contain ``+ - * / . '``. A context-free grammar cannot decide that, so
this hand-written lexer does it before lark's LALR parser sees the tokens:

* at a name start, the longest *known* name (given by the caller plus the multi-word built-in
  function and type names) that matches the text is one token;
* otherwise consecutive plain words that are not keywords join into one name
  (``applicant age`` -> one NAME), which is never ambiguous because FEEL never puts two names
  side by side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from lark import Token

from civicflow.feel.errors import FeelSyntaxError, Position

KEYWORDS = frozenset(
    {
        "and", "or", "if", "then", "else", "for", "in", "return", "some", "every", "satisfies",
        "between", "function", "true", "false", "null", "external",
    }
)  # fmt: skip

#: Built-in names with spaces or keywords inside, always recognised as one name.
BUILTIN_MULTIWORD_NAMES = frozenset(
    {
        "date and time", "years and months duration", "days and time duration",
        "string length", "upper case", "lower case", "substring before", "substring after",
        "starts with", "ends with", "string join", "list contains", "insert before", "index of",
        "distinct values", "day of year", "day of week", "month of year", "week of year",
        "round up", "round down", "round half up", "round half down", "get value",
        "get entries", "context put", "context merge", "list replace", "met by",
        "overlaps before", "overlaps after", "started by", "finished by", "time offset",
        "start included", "end included", "is defined", "get or else", "is blank",
        "last day of month", "duplicate values", "is empty",
    }
)  # fmt: skip

_PUNCT = [
    ("..", "DOTDOT"), ("**", "POW"), ("<=", "LE"), (">=", "GE"), ("!=", "NE"), ("->", "ARROW"),
    ("+", "PLUS"), ("-", "MINUS"), ("*", "STAR"), ("/", "SLASH"), ("=", "EQ"), ("<", "LT"),
    (">", "GT"), (".", "DOT"), (",", "COMMA"), (":", "COLON"), ("(", "LPAR"), (")", "RPAR"),
    ("[", "LSQB"), ("]", "RSQB"), ("{", "LBRACE"), ("}", "RBRACE"),
]  # fmt: skip

_WS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.S)
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
# NameStartChar and NamePartChar of the DMN 1.5 grammar (rules 28-29).
_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PART = _START + "0-9\u00b7\u0300-\u036f\u203f-\u2040"
_WORD = re.compile(f"[{_START}][{_PART}]*")
#: A context key may also contain the additional name symbols . / - ' + * and spaces.
_KEY = re.compile(f"[{_START}][{_PART}./\\-'+* \t]*?(?=\\s*:)")
_OF = re.compile(r"\s+of(?![\w])")
_SPACES = re.compile(r"[ \t\u00a0]+")
_VALUE_END = frozenset(
    {"NAME", "NUMBER", "STRING", "AT_STRING", "RPAR", "RSQB", "RBRACE", "TRUE", "FALSE", "NULL"}
)
_EXPRESSION_START = frozenset(
    {
        "NUMBER", "STRING", "AT_STRING", "NAME", "LPAR", "LSQB", "LBRACE", "MINUS", "TRUE",
        "FALSE", "NULL", "IF", "FOR", "SOME", "EVERY", "FUNCTION", "RANGE_OPEN",
    }
)  # fmt: skip


@lru_cache(maxsize=256)
def _known_names_regex(names: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation of all known names, longest first, spaces matching any whitespace."""
    ordered = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    parts = [r"\s+".join(re.escape(w) for w in name.split()) for name in ordered]
    return re.compile("(?:" + "|".join(parts) + f")(?![{_PART}])")


def _normalise(name: str) -> str:
    return " ".join(name.split())


def tokenize(text: str, known_names: Iterable[str] = ()) -> list[Token]:
    """The tokens of ``text``; raises FeelSyntaxError on characters FEEL does not allow."""
    names = frozenset(known_names) | BUILTIN_MULTIWORD_NAMES
    known = _known_names_regex(names)
    tokens: list[Token] = []
    brackets: list[str] = []  # open bracket kinds, to know when a name is a context key
    pos = 0
    end = len(text)
    while True:
        m = _WS.match(text, pos)
        if m:
            pos = m.end()
        if pos >= end:
            break
        ch = text[pos]
        if ch == '"':
            value, new_pos = _read_string(text, pos)
            tokens.append(Token("STRING", value, start_pos=pos))
            pos = new_pos
            continue
        if ch == "@" and pos + 1 < end and text[pos + 1] == '"':
            value, new_pos = _read_string(text, pos + 1)
            tokens.append(Token("AT_STRING", value, start_pos=pos))
            pos = new_pos
            continue
        if ch.isdigit() or (
            ch == "." and pos + 1 < end and text[pos + 1].isdigit()
            and not (tokens and tokens[-1].type in _VALUE_END)
        ):  # fmt: skip
            m = _NUMBER.match(text, pos)
            if m:
                tokens.append(Token("NUMBER", m.group(), start_pos=pos))
                pos = m.end()
                continue
        if ch == "?":
            tokens.append(Token("NAME", "?", start_pos=pos))
            pos += 1
            continue
        if tokens and tokens[-1].type in ("LBRACE", "COMMA") and brackets[-1:] == ["LBRACE"]:
            km = _KEY.match(text, pos)
            if km and km.group().strip() not in KEYWORDS:
                tokens.append(Token("NAME", _normalise(km.group()), start_pos=pos))
                pos = km.end()
                continue
        wm = _WORD.match(text, pos)
        if wm:
            pos = _read_name(text, pos, wm, known, tokens)
            continue
        for literal, kind in _PUNCT:
            if text.startswith(literal, pos):
                tokens.append(Token(kind, literal, start_pos=pos))
                pos += len(literal)
                if kind in ("LPAR", "LSQB", "LBRACE"):
                    brackets.append(kind)
                elif kind in ("RPAR", "RSQB", "RBRACE") and brackets:
                    brackets.pop()
                break
        else:
            raise FeelSyntaxError(text, Position.at(text, pos), (), repr(ch))
    _mark_range_brackets(tokens)
    return tokens


def _mark_range_brackets(tokens: list[Token]) -> None:
    """Tell apart ``]`` opening and ``[`` closing a range (``]1..5[``) from list brackets.

    A ``]`` that does not follow a value opens a range; a ``[`` that follows a value but is not
    followed by an expression (so it cannot start a filter) closes one.
    """
    for i, tok in enumerate(tokens):
        if tok.type == "RSQB":
            prev = tokens[i - 1].type if i else None
            if prev not in _VALUE_END and prev != "LSQB":
                tokens[i] = Token("RANGE_OPEN", "]", start_pos=tok.start_pos)
    for i, tok in enumerate(tokens):
        if tok.type == "LSQB" and i:
            nxt = tokens[i + 1].type if i + 1 < len(tokens) else None
            if tokens[i - 1].type in _VALUE_END and nxt not in _EXPRESSION_START:
                tokens[i] = Token("RANGE_CLOSE", "[", start_pos=tok.start_pos)


def _read_name(
    text: str, pos: int, wm: re.Match[str], known: re.Pattern[str] | None, tokens: list[Token]
) -> int:
    """Append one NAME or keyword token starting at ``pos``; return the position after it."""
    word = wm.group()
    plain_end = wm.end()
    if word not in KEYWORDS:
        # Join following plain words: "applicant age" is one name.
        while True:
            sm = _SPACES.match(text, plain_end)
            if not sm:
                break
            nm = _WORD.match(text, sm.end())
            if not nm or nm.group() in KEYWORDS or nm.group() == "instance":
                break
            plain_end = nm.end()
    known_end = -1
    if known is not None:
        km = known.match(text, pos)
        if km:
            known_end = km.end()
    if known_end > plain_end:
        tokens.append(Token("NAME", _normalise(text[pos:known_end]), start_pos=pos))
        return known_end
    if word in KEYWORDS:
        tokens.append(Token(word.upper(), word, start_pos=pos))
        return wm.end()
    if word == "instance":
        sm = _OF.match(text, wm.end())
        if sm:
            tokens.append(Token("INSTANCE_OF", "instance of", start_pos=pos))
            return sm.end()
    tokens.append(Token("NAME", _normalise(text[pos:plain_end]), start_pos=pos))
    return plain_end


def _read_string(text: str, pos: int) -> tuple[str, int]:
    """Read the string literal whose opening quote is at ``pos``; return (value, end)."""
    out: list[str] = []
    i = pos + 1
    end = len(text)
    while i < end:
        ch = text[i]
        if ch == '"':
            return _join_surrogates("".join(out)), i + 1
        if ch == "\\" and i + 1 < end:
            nxt = text[i + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt == "U" and re.fullmatch(r"[0-9a-fA-F]{6}", text[i + 2 : i + 8]):
                out.append(chr(int(text[i + 2 : i + 8], 16)))
                i += 8
                continue
        out.append(ch)
        i += 1
    raise FeelSyntaxError(text, Position.at(text, pos), ('closing "',), "end of text")


def _join_surrogates(value: str) -> str:
    """Combine UTF-16 surrogate pairs written as two \\u escapes into one code point."""
    if not any("\ud800" <= c <= "\udfff" for c in value):
        return value
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
