"""The smart-group query language: a subset of Lucene compiled to an SQLite condition.

Supported: ``field:value``, ``field:"quoted value"``, ``field:*`` (has a value),
``*``/``?`` wildcards in unquoted values, ``extras-<name>:value``,
``subscription-<name>:value``, ``groups:<group key>``, ``AND``/``&&``, ``OR``/``||``,
``NOT``/``!``, parentheses.  Adjacent terms without an operator are OR-ed (Lucene's
default operator).  Matching is exact and case-sensitive.

Queries are bounded so that compiling never exhausts Python's stack and the SQL stays
within SQLite's limits (expression depth 1000, GLOB patterns of 50000 bytes): at most
:data:`MAX_DEPTH` nested parentheses/``NOT``, :data:`MAX_TERMS` terms and
:data:`MAX_PATTERN` characters per wildcard value.
"""

from __future__ import annotations

from dataclasses import dataclass

from go_http._protocol import CONTACT_FIELDS

#: Contact fields a query may name directly (the plain-valued ones).
QUERY_FIELDS = tuple(
    field
    for field in CONTACT_FIELDS
    if field not in ("$VERSION", "groups", "extra", "subscription")
)

_SUBFIELDS = {"extras-": "extra", "subscription-": "subscription"}
#: Deepest nesting of parentheses and ``NOT`` (together).
MAX_DEPTH = 32
#: Most ``field:value`` terms in one query.
MAX_TERMS = 200
#: Longest wildcard value (4 UTF-8 bytes a character stays under SQLite's GLOB limit).
MAX_PATTERN = 10000

_KEYWORDS = {"AND": "AND", "&&": "AND", "OR": "OR", "||": "OR", "NOT": "NOT", "!": "NOT"}


class QueryError(ValueError):
    """The query is outside the supported subset."""


@dataclass(frozen=True)
class Condition:
    """An SQL boolean expression over ``contacts.data`` with its parameters."""

    sql: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class _Term:
    field: str
    value: str
    quoted: bool


def _tokens(text: str) -> list[str | _Term]:
    tokens: list[str | _Term] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "():":
                i += 1
            word = text[start:i]
            if i < len(text) and text[i] == ":":
                term, i = _value(text, i + 1, word)
                tokens.append(term)
            elif word in _KEYWORDS:
                tokens.append(_KEYWORDS[word])
            else:
                raise QueryError(f"expected field:value, got {word!r}")
    return tokens


def _value(text: str, i: int, field: str) -> tuple[_Term, int]:
    if not field:
        raise QueryError("missing field name before ':'")
    quoted = i < len(text) and text[i] == '"'
    chars: list[str] = []
    i += 1 if quoted else 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
            continue
        if quoted and char == '"':
            return _Term(field, "".join(chars), True), i + 1
        if not quoted and (char.isspace() or char in "()"):
            break
        chars.append(char)
        i += 1
    if quoted:
        raise QueryError("unterminated quoted value")
    if not chars:
        raise QueryError(f"missing value for field {field!r}")
    return _Term(field, "".join(chars), False), i


def _column(field: str) -> tuple[str, tuple[str, ...]]:
    if field in QUERY_FIELDS:
        return "json_extract(contacts.data, ?)", (f"$.{field}",)
    for prefix, member in _SUBFIELDS.items():
        name = field[len(prefix) :]
        # A quote or NUL would end SQLite's quoted JSON-path label early.
        if field.startswith(prefix) and name and '"' not in name and "\0" not in name:
            return "json_extract(contacts.data, ?)", (f'$.{member}."{name}"',)
    raise QueryError(f"unknown field {field!r}")


def _term_sql(term: _Term) -> Condition:
    if term.field == "groups":
        return Condition(
            "EXISTS (SELECT 1 FROM json_each(contacts.data, '$.groups') g WHERE g.value = ?)",
            (term.value,),
        )
    column, params = _column(term.field)
    if not term.quoted and term.value == "*":
        return Condition(f"{column} IS NOT NULL", params)
    if not term.quoted and ("*" in term.value or "?" in term.value):
        if len(term.value) > MAX_PATTERN:
            raise QueryError(f"wildcard value longer than {MAX_PATTERN} characters")
        pattern = term.value.replace("[", "[[]")
        return Condition(f"COALESCE({column} GLOB ?, 0)", (*params, pattern))
    # IS, not =: a missing field must compare false (not NULL) so that NOT works.
    return Condition(f"{column} IS ?", (*params, term.value))


class _Parser:
    def __init__(self, tokens: list[str | _Term]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | _Term | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | _Term | None:
        token = self.peek()
        self.pos += 1
        return token

    def parse_or(self) -> Condition:
        parts = [self.parse_and()]
        while self.peek() not in (None, ")"):
            if self.peek() == "OR":
                self.take()
            parts.append(self.parse_and())
        return _join("OR", parts)

    def parse_and(self) -> Condition:
        parts = [self.parse_unary()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.parse_unary())
        return _join("AND", parts)

    def parse_unary(self) -> Condition:
        item = self.take()
        if item in ("NOT", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"nested deeper than {MAX_DEPTH} levels")
            inner = self.parse_unary() if item == "NOT" else self.parse_or()
            self.depth -= 1
            if item == "NOT":
                return Condition(f"NOT ({inner.sql})", inner.params)
            if self.take() != ")":
                raise QueryError("missing ')'")
            return inner
        if isinstance(item, _Term):
            return _term_sql(item)
        raise QueryError("unexpected end of query" if item is None else f"unexpected {item!r}")


def _join(operator: str, parts: list[Condition]) -> Condition:
    if len(parts) == 1:
        return parts[0]
    params = tuple(p for part in parts for p in part.params)
    return Condition(f" {operator} ".join(f"({part.sql})" for part in parts), params)


def compile_query(text: str) -> Condition:
    """Compile a smart-group query to an SQL condition over ``contacts``.

    :param str text: the group's ``query``.
    :raises QueryError: the query is empty or outside the supported subset.
    """
    tokens = _tokens(text)
    if sum(isinstance(token, _Term) for token in tokens) > MAX_TERMS:
        raise QueryError(f"more than {MAX_TERMS} terms")
    parser = _Parser(tokens)
    if parser.peek() is None:
        raise QueryError("empty query")
    condition = parser.parse_or()
    if parser.peek() is not None:
        raise QueryError("unbalanced ')'")
    return condition
