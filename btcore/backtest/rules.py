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
``px.rollup.<field>`` ...). Nothing is evaluated with ``eval``: the parser (an explicit stack, no
recursion, so any nesting depth and any chain length parse) builds a small tree that
:func:`compile_rules` flattens once into register code over numbered path slots and constants
(``btcore._pure.rules`` documents the format); the program runs per bar in C in
the compiled twin (``btcore._core.rules``), in Python in the pure one, on a register file of floats.

Semantics (the same in both twins, bit for bit): a path whose value is None (NaN, or a timeframe not ready yet) makes every arithmetic
result None and every comparison false. An arithmetic result that is not a number (``inf - inf``,
``0 * inf``, ``inf / inf``) or a division by zero is missing in the same way. ``a crosses_above b`` is true when ``a > b`` now and
``a <= b`` at the previous evaluation (the previous exec bar); it is false on the first bar and
whenever a value is missing. Every sub-expression is evaluated on every bar (``and``/``or`` do not
short-circuit) so that the previous values a crossing needs are always those of the previous bar.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from .._twin import load
from ..errors import ConfigError

__all__ = ["Node", "Program", "parse_rule", "rule_paths", "compile_rules", "compile_rule"]

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
    """The grammar above as an explicit stack of frames, one per open nonterminal.

    Each frame is ``[rule, stage, node, op]``; a finished frame leaves its tree in ``result``
    for the frame below. Checks and errors come in the order of a recursive-descent parser
    (left operand checked before the right one is parsed).
    """

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

    def _bool(self, node: Node, op: str) -> Node:
        if not node.is_bool:
            raise ConfigError(f"bad rule {self.text!r}: '{op}' needs conditions on both sides, got a number")
        return node

    def _number(self, node: Node, op: str) -> Node:
        if node.is_bool:
            raise ConfigError(f"bad rule {self.text!r}: '{op}' needs numbers on both sides, got a condition")
        return node

    def parse(self) -> Node:
        if not self.tokens:
            raise ConfigError("empty rule; write a condition such as 'indicator.rsi < 30'")
        node = self._run()
        if self._peek() is not None:
            raise self._fail("'and', 'or' or the end of the rule")
        if not node.is_bool:
            raise ConfigError(f"rule {self.text!r} is a number, not a condition; compare it with <, >, ...")
        return node

    def _run(self) -> Node:
        # binary levels: rule -> (operand rule, operators, check of both operands)
        chain = {"or": ("and", ("or",), self._bool), "and": ("not", ("and",), self._bool),
                 "sum": ("product", ("+", "-"), self._number), "product": ("unary", ("*", "/"), self._number)}
        stack: list[list[Any]] = [["or", 0, None, None]]
        result: Any = None
        while stack:
            f = stack[-1]
            rule, stage = f[0], f[1]
            if rule in chain:  # operand (op operand)*, left-associative
                sub, ops, check = chain[rule]
                if stage == 0:
                    f[1] = 1
                    stack.append([sub, 0, None, None])
                    continue
                if stage == 1:
                    f[2] = result
                else:
                    kind = "arith" if check == self._number else f[3]
                    f[2] = Node(kind, f[3] if kind == "arith" else None, (f[2], check(result, f[3])))
                op = self._accept(*ops)
                if op is None:
                    stack.pop()
                    result = f[2]
                    continue
                check(f[2], op)
                f[1], f[3] = 2, op
                stack.append([sub, 0, None, None])
            elif rule == "not":  # "not" not | comparison
                if stage == 0:
                    f[1] = 1 if self._accept("not") else 2
                    stack.append(["not" if f[1] == 1 else "comparison", 0, None, None])
                    continue
                if stage == 1:
                    result = Node("not", args=(self._bool(result, "not"),))
                stack.pop()
            elif rule == "comparison":  # sum [cmp sum]
                if stage == 0:
                    f[1] = 1
                    stack.append(["sum", 0, None, None])
                    continue
                if stage == 1:
                    op = self._accept(*_COMPARE)
                    if op is None:
                        stack.pop()
                        continue
                    f[1], f[2], f[3] = 2, result, op
                    stack.append(["sum", 0, None, None])
                    continue
                result = Node("cmp", f[3], (self._number(f[2], f[3]), self._number(result, f[3])))
                stack.pop()
            elif rule == "unary":  # "-" unary | atom
                if stage == 0:
                    f[1] = 1 if self._accept("-") else 2
                    stack.append(["unary" if f[1] == 1 else "atom", 0, None, None])
                    continue
                if stage == 1:
                    result = Node("neg", args=(self._number(result, "-"),))
                stack.pop()
            else:  # atom: NUMBER | PATH | true | false | "(" expr ")"
                if stage == 1:
                    if not self._accept(")"):
                        raise self._fail("')'")
                    stack.pop()
                    continue
                tok = self._peek()
                if tok is None:
                    raise self._fail("a number, a path or '('")
                kind, word, _ = tok
                if kind in ("num", "path") or (kind == "kw" and word in ("true", "false")):
                    self.i += 1
                    result = (Node("num", float(word)) if kind == "num" else Node("path", word) if kind == "path"
                              else Node("bool", word == "true"))
                    stack.pop()
                    continue
                if not self._accept("("):
                    raise self._fail("a number, a path or '('")
                f[1] = 1
                stack.append(["or", 0, None, None])
        node: Node = result
        return node


def parse_rule(text: str) -> Node:
    """Parse a rule into a :class:`Node` tree.

    Raises
    ------
    ConfigError
        Naming the rule and the position of the first token that does not fit the grammar.
    """
    if not isinstance(text, str):
        raise ConfigError(f"a rule must be a string, got {text!r}")
    return _parse(text)


@lru_cache(maxsize=256)
def _parse(text: str) -> Node:
    # Trees are immutable, so one parse serves every RunConfig of a sweep holding this rule.
    return _Parser(text).parse()


def _walk(node: Node) -> list[Node]:
    """The nodes of a tree in pre-order (left to right), without recursion."""
    out: list[Node] = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.args))
    return out


def rule_paths(node: Node) -> list[str]:
    """The distinct view paths a rule reads, in order of first use."""
    return list(dict.fromkeys(n.value for n in _walk(node) if n.kind == "path"))


rp = load("rules")  # the opcodes (the same numbers in both twins)
_ARITH_OPS = {"+": rp.OP_ADD, "-": rp.OP_SUB, "*": rp.OP_MUL, "/": rp.OP_DIV}
_CMP_OPS = {"<": rp.OP_LT, "<=": rp.OP_LE, ">": rp.OP_GT, ">=": rp.OP_GE, "==": rp.OP_EQ, "!=": rp.OP_NE,
            "crosses_above": rp.OP_CROSS_ABOVE, "crosses_below": rp.OP_CROSS_BELOW}
_PLAIN_OPS = {"neg": rp.OP_NEG, "not": rp.OP_NOT, "and": rp.OP_AND, "or": rp.OP_OR}


@dataclass(frozen=True)
class Program:
    """Rules compiled to register code (the arguments of ``RuleProgram``) and its path slots."""

    code: tuple[int, ...]
    consts: tuple[float, ...]
    paths: tuple[str, ...]
    n_outputs: int


def _compile(trees: list[tuple[int, Node]]) -> Program:
    """Register code of ``(output, tree)`` pairs, emitted without recursion (children, then the op).

    Slots come first in the register file, then the constants, then temporaries allocated like a
    stack (an operation frees its operands' temporaries, so the file stays as small as the deepest
    expression).
    """
    slots: dict[str, int] = {}
    consts: dict[float, int] = {}
    for _, tree in trees:
        for n in _walk(tree):
            if n.kind == "path":
                slots.setdefault(n.value, len(slots))
            elif n.kind in ("num", "bool"):
                consts.setdefault(float(n.value), len(consts))
    first_temp = len(slots) + len(consts)
    code: list[int] = []
    for out, tree in trees:
        regs: list[int] = []  # operand registers of the nodes done so far
        temp = first_temp  # next free temporary
        stack: list[tuple[Node, bool]] = [(tree, False)]
        while stack:
            n, ready = stack.pop()
            if n.args and not ready:
                stack.append((n, True))
                stack.extend((a, False) for a in reversed(n.args))
                continue
            if n.kind == "path":
                regs.append(slots[n.value])
                continue
            if n.kind in ("num", "bool"):
                regs.append(len(slots) + consts[float(n.value)])
                continue
            operands = [regs.pop() for _ in n.args][::-1]
            temp -= sum(1 for r in operands if r >= first_temp)
            op = _ARITH_OPS[n.value] if n.kind == "arith" else _CMP_OPS[n.value] if n.kind == "cmp" else _PLAIN_OPS[n.kind]
            code += (op, temp, operands[0], operands[1] if len(operands) > 1 else 0)
            regs.append(temp)
            temp += 1
        code += (rp.OP_OUT, out, regs.pop(), 0)
    return Program(tuple(code), tuple(consts), tuple(slots), max((o for o, _ in trees), default=-1) + 1)


def compile_rules(rules: Mapping[str, str]) -> Program:
    """Parse ``long_entry`` / ``long_exit`` / ``short_entry`` / ``short_exit`` rule text (empty or
    missing: never true) into one program with those four outputs.

    Raises
    ------
    ConfigError
        A rule that does not parse, or a key that is not one of the four.
    """
    trees = []
    for key, text in rules.items():
        if key not in rp.RULE_OUTPUTS:
            raise ConfigError(f"unknown rule {key!r}; rules are {', '.join(rp.RULE_OUTPUTS)}")
        if text:
            trees.append((rp.RULE_OUTPUTS.index(key), parse_rule(text)))
    prog = _compile(trees)
    return Program(prog.code, prog.consts, prog.paths, len(rp.RULE_OUTPUTS))


def compile_rule(node: Node, handles: Mapping[str, Any]) -> Callable[[], bool]:
    """Turn a parsed rule into a no-argument function returning its truth value.

    ``handles`` maps every path of the rule to an object with ``get() -> Optional[float]`` (a
    ``view.compile(path)`` handle); each call reads them and runs the rule's program once (one
    evaluation: a crossing compares with the previous call).
    """
    prog = _compile([(0, node)])
    program = rp.RuleProgram(prog.code, prog.consts, len(prog.paths), 1)
    getters = [handles[p].get for p in prog.paths]

    def evaluate() -> bool:
        return bool(program.evaluate([g() for g in getters])[0])

    return evaluate
