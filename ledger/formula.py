"""A small, safe parser for relations between claims, e.g. `{a} + {b} == {c}`.

Grammar (no names but the six below, no attribute access, no eval: nothing in a formula can run code):
    formula  := conj ("or" conj)*
    conj     := neg ("and" neg)*
    neg      := "not" neg | "(" formula ")" | chain
    chain    := expr CMP expr (CMP expr)*        CMP is one of == = != <= >= < >; a < b < c is a < b and b < c
    expr     := term (("+" | "-") term)*
    term     := factor (("*" | "/") factor)*
    factor   := "-" factor | NUMBER | "{" claim_id "}" | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    FUNC     := "min" | "max" | "abs"
Numbers in a formula are exact constants; claim references stand for their rounding intervals.

How a formula is judged (ledger/intervals.py does the arithmetic): each comparison is *possible* when some
values inside the intervals of its two sides satisfy it, and *certain* when all of them do. Then
- `A and B` is possible when both are possible. When A and B name the same claim, that is a necessary
  condition only: each may hold for a different value of the shared claim. (The same is true of a claim
  named twice in one expression: interval arithmetic widens, never narrows.)
- `A or B` is possible when either is: exact.
- `not A` is possible when A is not certain.
A relation holds when its formula is possible. So a relation reported as violated cannot hold for any
values the claims' rounding allows; one that holds might still fail on the true, unrounded values.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
import re
from typing import Callable, Union

import numpy as np

from .intervals import Interval, disjoint, mul

MAX_LENGTH = 2000  # a formula longer than this is refused: relations are short
MAX_TOKENS = 256  # and this many tokens: the parser recurses, and relations are short
_TOKEN = re.compile(r"\s*(?:(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?)|\{(?P<ref>[^{}\s]+)\}"
                    r"|(?P<word>[A-Za-z_]+)|(?P<op>==|!=|<=|>=|[-+*/(),<>=]))")
COMPARISONS = ("==", "=", "!=", "<=", ">=", "<", ">")
FUNCTIONS = ("min", "max", "abs")
CONNECTIVES = ("and", "or", "not")


class FormulaError(ValueError):
    """A formula that does not parse; `offset` is the 1-based character where the parser stopped."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message if offset is None else f"{message} at character {offset}")
        self.offset = offset


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


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Node", ...]


Node = Union[Num, Ref, Neg, BinOp, Call]


@dataclass(frozen=True)
class Compare:
    """One comparison; a chain `a < b < c` is parsed as And(Compare(a < b), Compare(b < c))."""
    left: Node
    op: str
    right: Node


@dataclass(frozen=True)
class And:
    parts: tuple["Condition", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    arg: "Condition"


Condition = Union[Compare, And, Or, Not]
Relation = Condition  # the name callers used when a relation was one comparison


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, 1-based offset) for each token."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            at = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise FormulaError(f"unexpected {text[at:at + 20]!r}", at + 1)
        kind = m.lastgroup
        start = m.start(kind) - (1 if kind == "ref" else 0)
        if kind == "word" and m.group(kind) not in FUNCTIONS + CONNECTIVES:
            raise FormulaError(f"unknown name {m.group(kind)!r} (a claim is written {{claim_id}}; functions are "
                               f"{', '.join(FUNCTIONS)}; connectives {', '.join(CONNECTIVES)})", start + 1)
        tokens.append((kind, m.group(kind), start + 1))
        if len(tokens) > MAX_TOKENS:
            raise FormulaError(f"formula has more than {MAX_TOKENS} tokens")
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens, length):
        self.tokens, self.i, self.end = tokens, 0, length + 1

    def shown(self) -> str:
        kind, text = self.peek()
        return "the end" if kind == "end" else "{" + text + "}" if kind == "ref" else text

    def peek(self):
        return self.tokens[self.i][:2] if self.i < len(self.tokens) else ("end", "")

    def offset(self) -> int:
        return self.tokens[self.i][2] if self.i < len(self.tokens) else self.end

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, message: str):
        raise FormulaError(message, self.offset())

    def expect(self, text: str):
        if self.peek() != ("op", text):
            self.fail(f"expected {text!r}, found {self.shown()!r}")
        self.take()

    def formula(self, depth=0) -> Condition:
        if depth > 50:
            self.fail("formula nests too deeply")
        parts = [self.conj(depth)]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.conj(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self, depth) -> Condition:
        parts = [self.neg(depth)]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.neg(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def neg(self, depth) -> Condition:
        if depth > 50:
            self.fail("formula nests too deeply")
        if self.peek() == ("word", "not"):
            self.take()
            return Not(self.neg(depth + 1))
        if self.peek() == ("op", "("):
            # "(" opens either a condition, `({a} < 1 or {b} > 2)`, or an expression, `({a} + {b}) == 3`:
            # try the condition; when it is not followed by ")" and a connective or the end, read an expression.
            start, first = self.i, None
            try:
                self.take()
                inner = self.formula(depth + 1)
                self.expect(")")
                if self.peek() in (("end", ""), ("op", ")"), ("word", "and"), ("word", "or")):
                    return inner
            except FormulaError as e:
                first = e
            self.i = start
            try:
                return self.chain(depth)
            except FormulaError as e:  # neither reading parses: report the one that got further
                if first is not None and (first.offset or 0) > (e.offset or 0):
                    raise first from None
                raise
        return self.chain(depth)

    def chain(self, depth) -> Condition:
        left = self.expr(depth)
        kind, op = self.peek()
        if kind != "op" or op not in COMPARISONS:
            self.fail(f"expected a comparison ({', '.join(COMPARISONS)}), found {self.shown()!r}")
        links = []
        while self.peek()[0] == "op" and self.peek()[1] in COMPARISONS:
            op = self.take()[1]
            right = self.expr(depth)
            links.append(Compare(left, "==" if op == "=" else op, right))
            left = right
        if self.peek()[0] not in ("end",) and self.peek() not in (("op", ")"), ("word", "and"), ("word", "or")):
            self.fail(f"unexpected {self.shown()!r} after a comparison")
        return links[0] if len(links) == 1 else And(tuple(links))

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
            self.fail("formula nests too deeply")
        at, found = self.offset(), self.shown()
        kind, text = self.take()
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise FormulaError(f"constant {text} is too large to compute with", at)
            return Num(value)
        if kind == "ref":
            return Ref(text)
        if kind == "word" and text in FUNCTIONS:
            self.expect("(")
            args = [self.expr(depth + 1)]
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.expr(depth + 1))
            self.expect(")")
            if text == "abs" and len(args) != 1:
                raise FormulaError(f"abs takes one argument, not {len(args)}", at)
            return Call(text, tuple(args))
        if (kind, text) == ("op", "-"):
            return Neg(self.factor(depth + 1))
        if (kind, text) == ("op", "("):
            node = self.expr(depth + 1)
            self.expect(")")
            return node
        raise FormulaError(f"expected a number, a {{claim_id}}, min/max/abs or '(', found {found!r}", at)


def parse_relation(text: str) -> Condition:
    p = _Parser(tokenize(text), len(text))
    cond = p.formula()
    if p.peek()[0] != "end":
        p.fail(f"unexpected {p.shown()!r} after the relation")
    return cond


_REF = re.compile(r"\{([^{}\s]+)\}")  # a {claim_id} as _TOKEN reads it: no other token holds a brace


def parse_many(texts) -> list[Condition | FormulaError]:
    """parse_relation of each text (the error in its place where one does not parse), each shape parsed once
    (see parse_shapes) and the claim ids bound into its tree."""
    trees, slots, parsed = parse_shapes(texts)
    return [p if isinstance(p, FormulaError) else _bind(trees[p[0]], dict(zip(slots[p[0]], p[1]))) for p in parsed]


def parse_shapes(texts) -> tuple[list[Condition], list[tuple[str, ...]], list[tuple[int, tuple[str, ...]] | FormulaError]]:
    """What parse_relation gives each text, without a tree per text. A ledger states the same relation for many
    claims ("{a} / {b} == {c}" for every copy of a table): each formula *shape* (its text with the claim ids
    numbered by first appearance, {#0}, {#1}, ...) is parsed once. Returns the trees, each tree's slots (the
    names its Refs use, in order of first appearance) and, per text, (its tree, the claim ids that fill the
    slots) or the FormulaError, with the message and offset of the text itself."""
    trees: list[Condition] = []
    slots: list[tuple[str, ...]] = []
    shapes: dict[tuple[str, tuple[int, ...]], int] = {}
    out: list[tuple[int, tuple[str, ...]] | FormulaError] = []
    for text in texts:
        found = _REF.findall(text)
        ids = tuple(dict.fromkeys(found))
        # the shape, as a key: "{#}" for every ref (no other text can read so) and which id each one is
        key = (_REF.sub("{#}", text), tuple(map(ids.index, found)))
        if key in shapes and len(text) <= MAX_LENGTH:
            out.append((shapes[key], ids))
            continue
        try:
            tree = parse_relation(text)  # errors, and their offsets, come from the text itself
        except FormulaError as e:
            out.append(e)
            continue
        numbered = tuple(f"#{k}" for k in range(len(ids)))
        shape = _REF.sub(lambda m: "{" + numbered[ids.index(m.group(1))] + "}", text)
        if len(shape) <= MAX_LENGTH:  # the shape tokenizes as the text does, ref for ref: it parses too
            shapes[key] = len(trees)
            trees.append(parse_relation(shape))
            slots.append(numbered)
        else:  # too long a shape to parse: the text's own tree, its slots the ids themselves
            trees.append(tree)
            slots.append(ids)
        out.append((len(trees) - 1, ids))
    return trees, slots, out


def _bind(node, names: dict[str, str]):
    """The tree with each Ref renamed by `names`."""
    if isinstance(node, Ref):
        return Ref(names[node.claim_id])
    if isinstance(node, Num):
        return node
    if isinstance(node, (Neg, Not)):
        return type(node)(_bind(node.arg, names))
    if isinstance(node, (BinOp, Compare)):
        left, right = _bind(node.left, names), _bind(node.right, names)
        return BinOp(node.op, left, right) if isinstance(node, BinOp) else Compare(left, node.op, right)
    if isinstance(node, Call):
        return Call(node.func, tuple(_bind(a, names) for a in node.args))
    return type(node)(tuple(_bind(p, names) for p in node.parts))  # And, Or


def refs(node) -> list[str]:
    """The claim_ids a formula names, in order, with repeats."""
    if isinstance(node, Ref):
        return [node.claim_id]
    if isinstance(node, (Neg, Not)):
        return refs(node.arg)
    if isinstance(node, (BinOp, Compare)):
        return refs(node.left) + refs(node.right)
    if isinstance(node, Call):
        return [r for a in node.args for r in refs(a)]
    if isinstance(node, (And, Or)):
        return [r for p in node.parts for r in refs(p)]
    return []


_OPS: dict[str, Callable[[Interval, Interval], Interval]] = {
    "+": Interval.__add__, "-": Interval.__sub__, "*": Interval.__mul__, "/": Interval.__truediv__}
_FUNCS: dict[str, Callable[..., Interval]] = {"min": Interval.minimum, "max": Interval.maximum, "abs": lambda i: abs(i)}


def evaluate(node: Node, env: dict[str, Interval]) -> Interval:
    if isinstance(node, Num):
        return Interval.point(node.value)
    if isinstance(node, Ref):
        return env[node.claim_id]
    if isinstance(node, Neg):
        return -evaluate(node.arg, env)
    if isinstance(node, Call):
        return _FUNCS[node.func](*(evaluate(a, env) for a in node.args))
    return _OPS[node.op](evaluate(node.left, env), evaluate(node.right, env))


def show(node) -> str:
    """A node written back as formula text (for messages)."""
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Ref):
        return "{" + node.claim_id + "}"
    if isinstance(node, Neg):
        return f"-{show(node.arg)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(show(a) for a in node.args)})"
    if isinstance(node, BinOp):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, Compare):
        return f"{show(node.left)} {node.op} {show(node.right)}"
    if isinstance(node, Not):
        return f"not ({show(node.arg)})"
    return f" {'and' if isinstance(node, And) else 'or'} ".join(f"({show(p)})" for p in node.parts)


@dataclass(frozen=True)
class Side:
    """One comparison as evaluated: its text, both sides' intervals, whether it can hold and must hold."""
    text: str
    left: Interval
    op: str
    right: Interval
    possible: bool
    certain: bool

    def __str__(self) -> str:
        return f"{self.text}: {self.left} {self.op} {self.right}"


@dataclass(frozen=True)
class Outcome:
    possible: bool  # some values inside the intervals satisfy the formula (see the module docstring)
    certain: bool  # every value does
    comparisons: tuple[Side, ...]

    @property
    def failed(self) -> tuple[Side, ...]:
        """The comparisons that cannot hold (for a message)."""
        return tuple(s for s in self.comparisons if not s.possible)


def _compare(node: Compare, env, bounded: bool) -> Side:
    a, b = evaluate(node.left, env), evaluate(node.right, env)
    sides = (a.lo, a.hi, b.lo, b.hi)
    if any(math.isnan(x) for x in sides) or (bounded and not all(math.isfinite(x) for x in sides)):
        raise OverflowError(f"the relation overflows: {a} vs {b}")  # finite inputs, infinite result
    meets = a.meets(b)
    apart = bool(disjoint(a.lo, a.hi, b.lo, b.hi))
    possible = {
        "==": meets, "!=": not (a.width == 0 and b.width == 0 and a.lo == b.lo),
        "<=": a.lo <= b.hi or meets, ">=": a.hi >= b.lo or meets,
        "<": a.lo < b.hi, ">": a.hi > b.lo,
    }[node.op]
    certain = {
        "==": a.width == 0 and b.width == 0 and a.lo == b.lo, "!=": apart,
        "<=": a.hi <= b.lo, ">=": a.lo >= b.hi, "<": a.hi < b.lo, ">": a.lo > b.hi,
    }[node.op]
    return Side(show(node), a, node.op, b, bool(possible), bool(certain))


def judge(cond: Condition, env: dict[str, Interval]) -> Outcome:
    """Whether the formula can hold (and must hold) for true values inside the intervals; every comparison's sides.
    Raises ZeroDivisionError (a divisor's interval holds 0) and OverflowError (finite inputs, infinite result)."""
    # finite inputs bound the result, unless one tends to 0: a ratio's open minimum is the smallest positive
    # float (units.Unit.bounds), and dividing by it rightly gives inf
    bounded = all(math.isfinite(x) and not 0 < abs(x) < sys.float_info.min for i in env.values() for x in (i.lo, i.hi))
    seen: list[Side] = []

    def walk(c) -> tuple[bool, bool]:
        if isinstance(c, Compare):
            s = _compare(c, env, bounded)
            seen.append(s)
            return s.possible, s.certain
        if isinstance(c, Not):
            p, k = walk(c.arg)
            return not k, not p
        results = [walk(p) for p in c.parts]
        if isinstance(c, And):
            return all(p for p, _ in results), all(k for _, k in results)
        return any(p for p, _ in results), any(k for _, k in results)

    possible, certain = walk(cond)
    return Outcome(possible, certain, tuple(seen))


def holds(rel: Condition, env: dict[str, Interval]) -> tuple[bool, Interval, Interval]:
    """Whether the relation can hold; also the sides of its first comparison that cannot (or of its first)."""
    out = judge(rel, env)
    side = (out.failed or out.comparisons)[0]
    return out.possible, side.left, side.right


# judge over arrays: one formula shape for many instances at once (ledger/relations.py). The arithmetic takes
# the same IEEE steps as Interval's, so where no edge case arises the verdict is judge's, bit for bit.
Bounds = tuple[np.ndarray, np.ndarray]  # lo and hi, one element per instance


def judge_many(cond: Condition, env: dict[str, Bounds], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(possible, certain, edgy) per instance, each slot of `env` holding the instances' bounds of that claim.
    Where `edgy` is set, the arrays decide nothing: judge would raise there (a divisor's interval holds 0, an
    overflow) or a NaN bound arose on the way (inf - inf), where Interval's min and max depend on order; ask judge."""
    with np.errstate(all="ignore"):
        bounded = np.ones(n, bool)  # as in judge: finite inputs, none in (0, smallest normal float)
        for lo, hi in env.values():
            for x in (lo, hi):
                bounded &= np.isfinite(x) & ~((0 < np.abs(x)) & (np.abs(x) < sys.float_info.min))
        edgy = np.zeros(n, bool)

        def walk(c) -> tuple[np.ndarray, np.ndarray]:
            nonlocal edgy
            if isinstance(c, Compare):
                (alo, ahi), (blo, bhi) = _evaluate_many(c.left, env, n, edgy), _evaluate_many(c.right, env, n, edgy)
                sides = np.stack([alo, ahi, blo, bhi])
                edgy |= np.isnan(sides).any(axis=0) | (bounded & ~np.isfinite(sides).all(axis=0))  # judge raises
                return _compare_many(c.op, alo, ahi, blo, bhi)
            if isinstance(c, Not):
                p, k = walk(c.arg)
                return ~k, ~p
            results = [walk(p) for p in c.parts]  # every part, as judge evaluates every part
            combine = np.logical_and.reduce if isinstance(c, And) else np.logical_or.reduce
            return combine([p for p, _ in results]), combine([k for _, k in results])

        possible, certain = walk(cond)
    return possible, certain, edgy


def _evaluate_many(node: Node, env: dict[str, Bounds], n: int, edgy: np.ndarray) -> Bounds:
    """evaluate over arrays; sets `edgy` (in place) where a bound is NaN or a divisor's interval holds 0."""
    if isinstance(node, Num):
        lo = hi = np.full(n, node.value)
    elif isinstance(node, Ref):
        lo, hi = env[node.claim_id]
    elif isinstance(node, Neg):
        alo, ahi = _evaluate_many(node.arg, env, n, edgy)
        lo, hi = -ahi, -alo
    elif isinstance(node, Call):
        args = [_evaluate_many(a, env, n, edgy) for a in node.args]
        if node.func == "abs":
            (alo, ahi), = args
            above, below = alo >= 0, ahi <= 0  # Interval.__abs__: itself, its negation, or [0, max(-lo, hi)]
            lo = np.where(above, alo, np.where(below, -ahi, 0.0))
            hi = np.where(above, ahi, np.where(below, -alo, np.maximum(-alo, ahi)))
        else:
            pick = np.minimum if node.func == "min" else np.maximum
            lo, hi = pick.reduce([a[0] for a in args]), pick.reduce([a[1] for a in args])
    else:
        (alo, ahi), (blo, bhi) = _evaluate_many(node.left, env, n, edgy), _evaluate_many(node.right, env, n, edgy)
        if node.op == "+":
            lo, hi = alo + blo, ahi + bhi
        elif node.op == "-":
            lo, hi = alo - bhi, ahi - blo
        elif node.op == "*":
            lo, hi = mul(alo, ahi, blo, bhi)
        else:  # Interval.__truediv__: a * [1/hi, 1/lo], once the zero test passed
            edgy |= (blo <= 0) & (bhi >= 0)
            lo, hi = mul(alo, ahi, 1 / bhi, 1 / blo)
    edgy |= np.isnan(lo) | np.isnan(hi)
    return lo, hi


def _compare_many(op: str, alo, ahi, blo, bhi) -> tuple[np.ndarray, np.ndarray]:
    """_compare's possible and certain over arrays."""
    apart = disjoint(alo, ahi, blo, bhi)
    same_point = ((ahi - alo) == 0) & ((bhi - blo) == 0) & (alo == blo)
    if op == "==":
        return ~apart, same_point
    if op == "!=":
        return ~same_point, apart
    if op == "<=":
        return (alo <= bhi) | ~apart, ahi <= blo
    if op == ">=":
        return (ahi >= blo) | ~apart, alo >= bhi
    if op == "<":
        return alo < bhi, ahi < blo
    return ahi > blo, alo > bhi  # ">"
