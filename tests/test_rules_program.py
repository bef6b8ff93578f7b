"""The rule program: compiled and pure evaluators against an independent oracle, any depth.

The oracle walks the parsed tree (``Node``) with Python floats and None, written here from the
documented semantics; the program evaluators (``btcore._core.rules`` in C, ``btcore._pure.rules``
in Python) must give the same truth values on every bar, including the crossings' memory, and
agree with each other. Rules of any length and nesting depth parse and evaluate: neither the
parser nor the evaluators recurse.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import _dist_env
from btcore.backtest.rules import Node, compile_rule, compile_rules, parse_rule, rule_paths
from btcore.errors import ConfigError

INF = math.inf
_VALUES = st.sampled_from([None, 0.0, -0.0, 1.0, -2.5, 3.0, INF, -INF, 1e308, 5e-324])
_fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def _program(impl, text: str):
    prog = compile_rules({"long_entry": text})
    return impl.RuleProgram(prog.code, prog.consts, len(prog.paths), 4), prog.paths


def _oracle(node: Node, values: dict, prev: dict) -> object:
    """The documented semantics on the tree, recursively (fine for the small generated trees)."""
    k = node.kind
    if k in ("num", "bool"):
        return node.value
    if k == "path":
        return values[node.value]
    args = [_oracle(a, values, prev) for a in node.args]
    if k == "neg":
        return None if args[0] is None else -args[0]
    if k == "not":
        return not args[0]
    if k == "and":
        return bool(args[0]) and bool(args[1])
    if k == "or":
        return bool(args[0]) or bool(args[1])
    a, b = args
    if k == "arith":
        if a is None or b is None or (node.value == "/" and b == 0):
            return None
        r = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[node.value]()
        return None if r != r else r
    if node.value in ("crosses_above", "crosses_below"):
        pa, pb = prev.get(id(node), (None, None))
        prev[id(node)] = (a, b)
        if None in (a, b, pa, pb):
            return False
        return a > b and pa <= pb if node.value == "crosses_above" else a < b and pa >= pb
    if a is None or b is None:
        return False
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[node.value]


_atom = st.sampled_from(["p.a", "p.b", "p.c", "0", "2.5", "1e3"])


def _num(children):
    return st.one_of(st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(" ".join).map("({})".format),
                     children.map("-{}".format))


_number = st.recursive(_atom, _num, max_leaves=6)
_cmp = st.tuples(_number, st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "crosses_above", "crosses_below"]),
                 _number).map(" ".join)
_rule = st.recursive(
    st.one_of(_cmp, st.sampled_from(["true", "false"])),
    lambda c: st.one_of(st.tuples(c, st.sampled_from(["and", "or"]), c).map(" ".join).map("({})".format),
                        c.map("not ({})".format)),
    max_leaves=5,
)


@_fixture_ok
@given(text=_rule, bars=st.lists(st.fixed_dictionaries({"p.a": _VALUES, "p.b": _VALUES, "p.c": _VALUES}),
                                 min_size=1, max_size=6))
def test_both_evaluators_match_the_oracle_bar_after_bar(both, text, bars):
    tree = parse_rule(text)
    evaluators = [_program(impl, text) for impl in both("rules")]
    prev: dict = {}
    for values in bars:
        expected = bool(_oracle(tree, values, prev))
        for program, paths in evaluators:
            got = program.evaluate([values[p] for p in paths])
            assert got == (expected, False, False, False), text


def test_a_500_term_chain_parses_and_evaluates(both):
    text = " and ".join(f"p.x{k % 7} + {k} > {k} - 1" for k in range(500))
    tree = parse_rule(text)
    assert len(rule_paths(tree)) == 7
    for impl in both("rules"):
        program, paths = _program(impl, text)
        assert program.evaluate([0.0] * 7)[0] is True
        assert program.evaluate([0.0] * 6 + [None])[0] is False
    fn = compile_rule(tree, {f"p.x{k}": type("H", (), {"get": staticmethod(lambda: 1.0)})() for k in range(7)})
    assert fn() is True
    ors = " or ".join(f"p.x crosses_above {k}" for k in range(500))
    for impl in both("rules"):
        program, _ = _program(impl, ors)
        assert [program.evaluate([v])[0] for v in (-1.0, 250.5, 250.0, 1000.0)] == [False, True, False, True]


@pytest.mark.parametrize("depth", [1000, 5000])
def test_any_nesting_depth_parses_and_evaluates(both, depth):
    cases = [("(" * depth + "p.x > 1" + ")" * depth, [(2.0, True), (0.0, False)]),
             ("not " * depth + "p.x > 1", [(2.0, depth % 2 == 0), (0.0, depth % 2 == 1)]),
             ("- " * depth + "p.x > 0", [(1.0, depth % 2 == 0), (-1.0, depth % 2 == 1)]),
             ("p.x" + " + (1" * depth + ")" * depth + f" == {depth + 1}", [(1.0, True), (None, False)])]
    for text, expected in cases:
        parse_rule(text)
        for impl in both("rules"):
            program, _ = _program(impl, text)
            assert [program.evaluate([v])[0] for v, _ in expected] == [e for _, e in expected], text[:40]


@pytest.mark.parametrize("code, consts, n_slots, fragment", [
    ((99, 0, 0, 0), (), 0, "unknown op"),
    ((1, 1, 0, 5), (), 1, "operand register out of range"),
    ((1, 0, 0, 0), (1.0,), 0, "destination register 0 out of range"),  # would overwrite a constant
    ((1, 0, 0, 0), (), 1, "destination register 0 out of range"),  # would overwrite a slot
    ((16, 7, 0, 0), (1.0,), 0, "output 7 out of range"),
    ((0, 1, 0, 3), (1.0,), 0, "operand register"),  # a unary op with a second operand
    ((16, 0, 0), (1.0,), 0, "instructions, got 3 ints"),
    (("x", 0, 0, 0), (), 0, "sequence of int"),
    ((1, 1 << 25, 0, 0), (1.0,), 0, "at most"),
])
def test_malformed_programs_are_refused_alike(both, code, consts, n_slots, fragment):
    messages = []
    for impl in both("rules"):
        with pytest.raises(ConfigError, match=fragment) as info:
            impl.RuleProgram(code, consts, n_slots, 4)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_rule_strategy_refuses_a_bad_program_or_paths(both):
    for impl in both("rules"):
        program = impl.RuleProgram((16, 0, 0, 0), (1.0,), 0, 4)
        with pytest.raises(ConfigError, match="one per slot"):
            impl.RuleStrategy(program, ["p.x"], None)
        with pytest.raises(ConfigError, match="4 outputs"):
            impl.RuleStrategy(impl.RuleProgram((16, 0, 0, 0), (1.0,), 0, 1), [], None)


def test_unknown_rule_keys_are_refused():
    with pytest.raises(ConfigError, match="unknown rule 'long_entri'"):
        compile_rules({"long_entri": "p.x > 1"})


def test_half_built_compiled_objects_never_crash(both, tmp_path):
    # __new__ without __init__ and misuse of every entry point, in a subprocess: a crash there
    # is a failed test, not a dead test run.
    code = r"""
import numpy as np
from btcore._core import exchange, rules, simloop
from btcore.errors import ConfigError
for obj, calls in [
    (rules.RuleProgram.__new__(rules.RuleProgram), [lambda o: o.evaluate([]), lambda o: o.reset(), lambda o: o.n_slots]),
    (rules.RuleStrategy.__new__(rules.RuleStrategy), [lambda o: o.decide(0), lambda o: o.prepare(None), lambda o: o(None)]),
    (exchange.SimExchange.__new__(exchange.SimExchange), [lambda o: o.on_bar(0), lambda o: o.on_signal(0, 1),
        lambda o: o.finish(), lambda o: o.trades, lambda o: o.exposure_pct, lambda o: o.account,
        lambda o: o.orders_rejected]),
    (exchange.Account.__new__(exchange.Account), [lambda o: o.equity_usdt, lambda o: o.snapshot()]),
]:
    for call in calls:
        try:
            call(obj)
        except (ConfigError, TypeError, AttributeError, ValueError):
            pass
try:
    simloop.replay_tracker(None, exchange.SimExchange.__new__(exchange.SimExchange), np.zeros(0, np.int8), 0, 0, 0)
except (ConfigError, TypeError, AttributeError, ValueError):
    pass
print("alive")
"""
    both("rules")  # skips (or fails under BTCORE_REQUIRE_EXTENSIONS=1) without the compiled core
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=_dist_env.subprocess_env(keep_btcore_switches=False))
    assert proc.returncode == 0 and proc.stdout.strip() == "alive", proc.stderr[-2000:]
