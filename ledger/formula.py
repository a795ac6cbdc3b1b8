"""A small, safe parser for relations between claims, e.g. `{a} + {b} == {c}`.

Grammar (no names, no calls, no attribute access: nothing in a formula can run code):
    relation := expr CMP expr            CMP is one of == = <= >= < >
    expr     := term (("+" | "-") term)*
    term     := factor (("*" | "/") factor)*
    factor   := "-" factor | NUMBER | "{" claim_id "}" | "(" expr ")"
Numbers in a formula are exact constants; claim references stand for their rounding intervals.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Callable, Union

from .intervals import Interval

MAX_LENGTH = 2000  # a formula longer than this is refused: relations are short
MAX_TOKENS = 256  # and this many tokens: the parser recurses, and relations are short
_TOKEN = re.compile(r"\s*(?:(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?)|\{(?P<ref>[^{}\s]+)\}|(?P<op>==|<=|>=|[-+*/()<>=]))")
COMPARISONS = ("==", "=", "<=", ">=", "<", ">")


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    claim_id: str


@dataclass(frozen=True)
class Neg:
    arg: "Node"


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Node"
    right: "Node"


Node = Union[Num, Ref, Neg, BinOp]


@dataclass(frozen=True)
class Relation:
    left: Node
    op: str
    right: Node


def tokenize(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(f"unexpected {text[pos:].strip()[:20]!r} at character {pos + 1}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        if len(tokens) > MAX_TOKENS:
            raise FormulaError(f"formula has more than {MAX_TOKENS} tokens")
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i = tokens, 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def relation(self) -> Relation:
        left = self.expr()
        kind, op = self.take()
        if kind != "op" or op not in COMPARISONS:
            raise FormulaError(f"expected a comparison ({', '.join(COMPARISONS)}), found {op or 'the end'!r}")
        right = self.expr()
        if self.peek()[0] != "end":
            raise FormulaError(f"unexpected {self.peek()[1]!r} after the relation")
        return Relation(left, "==" if op == "=" else op, right)

    def expr(self, depth=0) -> Node:
        node = self.term(depth)
        while self.peek() in (("op", "+"), ("op", "-")):
            node = BinOp(self.take()[1], node, self.term(depth))
        return node

    def term(self, depth) -> Node:
        node = self.factor(depth)
        while self.peek() in (("op", "*"), ("op", "/")):
            node = BinOp(self.take()[1], node, self.factor(depth))
        return node

    def factor(self, depth) -> Node:
        if depth > 50:
            raise FormulaError("formula nests too deeply")
        kind, text = self.take()
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise FormulaError(f"constant {text} is too large to compute with")
            return Num(value)
        if kind == "ref":
            return Ref(text)
        if (kind, text) == ("op", "-"):
            return Neg(self.factor(depth + 1))
        if (kind, text) == ("op", "("):
            node = self.expr(depth + 1)
            if self.take() != ("op", ")"):
                raise FormulaError("missing ')'")
            return node
        raise FormulaError(f"expected a number, a {{claim_id}} or '(', found {text or 'the end'!r}")


def parse_relation(text: str) -> Relation:
    return _Parser(tokenize(text)).relation()


def refs(node) -> list[str]:
    if isinstance(node, Relation):
        return refs(node.left) + refs(node.right)
    if isinstance(node, Ref):
        return [node.claim_id]
    if isinstance(node, Neg):
        return refs(node.arg)
    if isinstance(node, BinOp):
        return refs(node.left) + refs(node.right)
    return []


_OPS: dict[str, Callable[[Interval, Interval], Interval]] = {
    "+": Interval.__add__, "-": Interval.__sub__, "*": Interval.__mul__, "/": Interval.__truediv__}


def evaluate(node: Node, env: dict[str, Interval]) -> Interval:
    if isinstance(node, Num):
        return Interval.point(node.value)
    if isinstance(node, Ref):
        return env[node.claim_id]
    if isinstance(node, Neg):
        return -evaluate(node.arg, env)
    return _OPS[node.op](evaluate(node.left, env), evaluate(node.right, env))


def holds(rel: Relation, env: dict[str, Interval]) -> tuple[bool, Interval, Interval]:
    """Whether the relation can hold for some true values inside the intervals; also both sides."""
    a, b = evaluate(rel.left, env), evaluate(rel.right, env)
    # finite inputs bound the result, unless one tends to 0: a ratio's open minimum is the smallest positive
    # float (units.Unit.bounds), and dividing by it rightly gives inf
    bounded = all(math.isfinite(x) and not 0 < abs(x) < sys.float_info.min for i in env.values() for x in (i.lo, i.hi))
    sides = (a.lo, a.hi, b.lo, b.hi)
    if any(math.isnan(x) for x in sides) or (bounded and not all(math.isfinite(x) for x in sides)):
        raise OverflowError(f"the relation overflows: {a} vs {b}")  # finite inputs, infinite result
    ok = {
        "==": a.meets(b),
        "<=": a.lo <= b.hi or a.meets(b), ">=": a.hi >= b.lo or a.meets(b),
        "<": a.lo < b.hi, ">": a.hi > b.lo,
    }[rel.op]
    return ok, a, b
