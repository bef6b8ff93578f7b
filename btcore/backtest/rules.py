"""Rule expressions over view paths: a tokenizer, a recursive-descent parser and a compiler.

A rule is a boolean expression such as::

    indicator.ema_fast > indicator.ema_slow and indicator.rsi.htf < 70
    indicator.ema_fast crosses_above indicator.ema_slow or not (price.mark.close > indicator.sma * 1.02)

Grammar (lowest precedence first; keywords are case-insensitive)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("<" | "<=" | ">" | ">=" | "==" | "!=" | "crosses_above" | "crosses_below") sum]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | PATH | "true" | "false" | "(" expr ")"

A PATH is any ``RuntimeSnapshotView.get`` path (``indicator.<name>[.<role>]``, ``price.mark.close``,
``px.rollup.<field>`` ...). Nothing is evaluated with ``eval``: the parser builds a small tree that
:func:`compile_rule` turns into closures over path handles compiled once with ``view.compile``.

Semantics: a path whose value is None (NaN, or a timeframe not ready yet) makes every arithmetic
result None and every comparison false. An arithmetic result that is not a number (``inf - inf``,
``0 * inf``, ``inf / inf``) or a division by zero is missing in the same way. ``a crosses_above b`` is true when ``a > b`` now and
``a <= b`` at the previous evaluation (the previous exec bar); it is false on the first bar and
whenever a value is missing. Every sub-expression is evaluated on every bar (``and``/``or`` do not
short-circuit) so that the previous values a crossing needs are always those of the previous bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from ..errors import ConfigError

__all__ = ["Node", "parse_rule", "rule_paths", "compile_rule"]

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
      | (?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
      | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
    )""",
    re.VERBOSE,
)
_COMPARE = ("<", "<=", ">", ">=", "==", "!=", "crosses_above", "crosses_below")
_KEYWORDS = {"and", "or", "not", "true", "false", "crosses_above", "crosses_below"}


@dataclass(frozen=True)
class Node:
    """A parsed expression: ``kind`` is num, bool, path, neg, arith, cmp, not, and, or."""

    kind: str
    value: Any = None
    args: tuple["Node", ...] = ()

    @property
    def is_bool(self) -> bool:
        """True for nodes that produce a truth value rather than a number."""
        return self.kind in ("bool", "cmp", "not", "and", "or")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            bad = text[pos:].strip()[:20]
            raise ConfigError(f"cannot read rule {text!r} at {bad!r} (column {pos + 1})")
        kind = m.lastgroup or ""
        word, start = m.group(kind), m.start(kind)
        if kind == "path" and word.lower() in _KEYWORDS:
            kind, word = "kw", word.lower()
        tokens.append((kind, word, start))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def _peek(self) -> Optional[tuple[str, str, int]]:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _accept(self, *words: str) -> Optional[str]:
        tok = self._peek()
        if tok is not None and tok[0] in ("op", "kw") and tok[1] in words:
            self.i += 1
            return tok[1]
        return None

    def _fail(self, what: str) -> ConfigError:
        tok = self._peek()
        where = f"at {tok[1]!r} (column {tok[2] + 1})" if tok else "at the end"
        return ConfigError(f"bad rule {self.text!r}: expected {what} {where}")

    def parse(self) -> Node:
        if not self.tokens:
            raise ConfigError("empty rule; write a condition such as 'indicator.rsi < 30'")
        node = self._or()
        if self._peek() is not None:
            raise self._fail("'and', 'or' or the end of the rule")
        if not node.is_bool:
            raise ConfigError(f"rule {self.text!r} is a number, not a condition; compare it with <, >, ...")
        return node

    def _bool(self, node: Node, op: str) -> Node:
        if not node.is_bool:
            raise ConfigError(f"bad rule {self.text!r}: '{op}' needs conditions on both sides, got a number")
        return node

    def _or(self) -> Node:
        node = self._and()
        while self._accept("or"):
            node = Node("or", args=(self._bool(node, "or"), self._bool(self._and(), "or")))
        return node

    def _and(self) -> Node:
        node = self._not()
        while self._accept("and"):
            node = Node("and", args=(self._bool(node, "and"), self._bool(self._not(), "and")))
        return node

    def _not(self) -> Node:
        if self._accept("not"):
            return Node("not", args=(self._bool(self._not(), "not"),))
        return self._comparison()

    def _number(self, node: Node, op: str) -> Node:
        if node.is_bool:
            raise ConfigError(f"bad rule {self.text!r}: '{op}' needs numbers on both sides, got a condition")
        return node

    def _comparison(self) -> Node:
        left = self._sum()
        op = self._accept(*_COMPARE)
        if op is None:
            return left
        right = self._sum()
        return Node("cmp", op, (self._number(left, op), self._number(right, op)))

    def _sum(self) -> Node:
        node = self._product()
        while (op := self._accept("+", "-")) is not None:
            node = Node("arith", op, (self._number(node, op), self._number(self._product(), op)))
        return node

    def _product(self) -> Node:
        node = self._unary()
        while (op := self._accept("*", "/")) is not None:
            node = Node("arith", op, (self._number(node, op), self._number(self._unary(), op)))
        return node

    def _unary(self) -> Node:
        if self._accept("-"):
            return Node("neg", args=(self._number(self._unary(), "-"),))
        return self._atom()

    def _atom(self) -> Node:
        tok = self._peek()
        if tok is None:
            raise self._fail("a number, a path or '('")
        kind, word, _ = tok
        if kind == "num":
            self.i += 1
            return Node("num", float(word))
        if kind == "path":
            self.i += 1
            return Node("path", word)
        if kind == "kw" and word in ("true", "false"):
            self.i += 1
            return Node("bool", word == "true")
        if self._accept("("):
            node = self._or()
            if not self._accept(")"):
                raise self._fail("')'")
            return node
        raise self._fail("a number, a path or '('")


def parse_rule(text: str) -> Node:
    """Parse a rule into a :class:`Node` tree.

    Raises
    ------
    ConfigError
        Naming the rule and the position of the first token that does not fit the grammar.
    """
    if not isinstance(text, str):
        raise ConfigError(f"a rule must be a string, got {text!r}")
    return _Parser(text).parse()


def rule_paths(node: Node) -> list[str]:
    """The distinct view paths a rule reads, in order of first use."""
    out: dict[str, None] = {}

    def walk(n: Node) -> None:
        if n.kind == "path":
            out[n.value] = None
        for a in n.args:
            walk(a)

    walk(node)
    return list(out)


Value = Union[float, bool, None]
_CMP: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _crossing(left: Callable[[], Value], right: Callable[[], Value], above: bool) -> Callable[[], bool]:
    prev: list[Value] = [None, None]

    def crosses() -> bool:
        a, b = left(), right()
        pa, pb = prev
        prev[0], prev[1] = a, b
        if a is None or b is None or pa is None or pb is None:
            return False
        return (a > b and pa <= pb) if above else (a < b and pa >= pb)

    return crosses


def _arith(op: str, left: Callable[[], Value], right: Callable[[], Value]) -> Callable[[], Value]:
    def apply() -> Value:
        a, b = left(), right()
        if a is None or b is None:
            return None
        if op == "+":
            r = a + b
        elif op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        elif b == 0:
            return None
        else:
            r = a / b
        return None if r != r else r  # NaN (inf - inf, 0 * inf, inf / inf) is a missing value

    return apply


def compile_rule(node: Node, handles: dict[str, Any]) -> Callable[[], Value]:
    """Turn a parsed rule into a no-argument closure.

    ``handles`` maps every path of the rule to an object with ``get() -> Optional[float]`` (a
    ``view.compile(path)`` handle); the closure reads them on each call and does no string work.
    """
    kind = node.kind
    if kind in ("num", "bool"):
        const = node.value
        return lambda: const
    if kind == "path":
        getter: Callable[[], Value] = handles[node.value].get
        return getter
    subs = [compile_rule(a, handles) for a in node.args]
    if kind == "neg":
        inner = subs[0]
        return lambda: None if (v := inner()) is None else -v
    if kind == "arith":
        return _arith(node.value, subs[0], subs[1])
    if kind == "not":
        inner_b = subs[0]
        return lambda: not inner_b()
    if kind == "and":
        l_and, r_and = subs
        return lambda: bool(l_and()) & bool(r_and())  # both sides run: crossings keep their state
    if kind == "or":
        l_or, r_or = subs
        return lambda: bool(l_or()) | bool(r_or())
    if node.value in ("crosses_above", "crosses_below"):
        return _crossing(subs[0], subs[1], node.value == "crosses_above")
    cmp = _CMP[node.value]
    left, right = subs

    def compare() -> bool:
        a, b = left(), right()
        return a is not None and b is not None and cmp(a, b)

    return compare
