"""Parse FEEL text with lark (LALR, tokens from civicflow.feel.lexer) into a tree."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from civicflow.feel.errors import FeelSyntaxError, Position
from civicflow.feel.grammar import GRAMMAR
from civicflow.feel.lexer import tokenize


class _TokenListLexer(Lexer):
    """Hands lark the tokens civicflow.feel.lexer already produced."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, data: list[Token]) -> Iterable[Token]:  # type: ignore[override]
        yield from data


@cache
def _parser() -> Lark:
    """The LALR parser, built on first use: building its tables takes a noticeable fraction of
    a second, which commands that never touch FEEL should not pay at import time."""
    return Lark(GRAMMAR, parser="lalr", lexer=_TokenListLexer, start=["start", "tests"])

_READABLE = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "AT_STRING": '@"..."',
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "POW": "'**'", "EQ": "'='",
    "NE": "'!='", "LT": "'<'", "LE": "'<='", "GT": "'>'", "GE": "'>='", "DOTDOT": "'..'",
    "DOT": "'.'", "COMMA": "','", "COLON": "':'", "ARROW": "'->'", "LPAR": "'('",
    "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'",
    "RANGE_OPEN": "']'", "RANGE_CLOSE": "'['", "INSTANCE_OF": "'instance of'",
    "$END": "end of expression",
}  # fmt: skip


def _readable(terminal: str) -> str:
    return _READABLE.get(terminal, f"'{terminal.lower()}'")


def parse(text: str, known_names: Iterable[str], start: str) -> tuple[Tree[Token], bool]:
    """The parse tree of ``text`` from rule ``start`` and whether it mentions ``?``."""
    return parse_tokens(text, tokenize(text, known_names), start)


def parse_tokens(text: str, tokens: list[Token], start: str) -> tuple[Tree[Token], bool]:
    """The parse tree of already tokenized ``text`` and whether it mentions ``?``."""
    if not tokens:
        raise FeelSyntaxError(text, Position.at(text, 0), ("an expression",), "empty text")
    uses_q = any(t.type == "NAME" and t.value == "?" for t in tokens)
    try:
        tree = _parser().parse(tokens, start=start)
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            offset, found = len(text.rstrip()), "end of expression"
        else:
            offset, found = tok.start_pos or 0, repr(str(tok.value))
        expected = tuple(sorted({_readable(t) for t in exc.expected}))
        raise FeelSyntaxError(text, Position.at(text, offset), expected, found) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        raise FeelSyntaxError(text, Position.at(text, 0), (), str(exc)) from None
    return tree, uses_q
