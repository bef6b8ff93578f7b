"""Pieces that stand alone: the rule language and the indicators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from btcore.backtest.indicators import compute_indicator, parse_indicator_specs
from btcore.backtest.rules import compile_rule, parse_rule, rule_paths
from btcore.backtest.strategies import signal_code
from btcore.errors import ConfigError


class _Handle:
    def __init__(self, value):
        self.value = value

    def get(self):
        return self.value


def _rule(text: str, **values):
    node = parse_rule(text)
    handles = {p: _Handle(values[p.replace(".", "_")]) for p in rule_paths(node)}
    return compile_rule(node, handles), handles


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a.x > 1 and a.y < 1 or a.z == 3", True),  # (F and T) or T
        ("a.x > 1 and (a.y < 1 or a.z == 3)", False),
        ("not a.x > 1", True),
        ("a.x + a.y * 2 >= 2.5", False),  # 1 + 0.5 * 2 = 2
        ("(a.x + a.y) * 2 >= 2.5", True),  # (1 + 0.5) * 2 = 3
        ("-a.x < 0", True),
        ("a.x / 0 > 0 or true", True),  # division by zero is None -> comparison false
        ("a.x != 1", False),
        ("A.X >= 1 AND NOT a.y > 1", True),
    ],
)
def test_rule_precedence_and_values(text, expected):
    fn, _ = _rule(text, a_x=1.0, a_y=0.5, a_z=3.0, A_X=1.0)
    assert fn() is expected


def test_missing_value_makes_comparisons_false():
    fn, _ = _rule("a.x > 1 or a.x <= 1", a_x=None)
    assert fn() is False
    fn, _ = _rule("not a.x > 1", a_x=None)
    assert fn() is True


@pytest.mark.parametrize("text", ["a.x - a.y > 0", "a.x - a.y <= 0", "a.x * 0 == 0", "a.x / a.y != 1",
                                  "-(a.x - a.y) < 1", "a.x - a.y crosses_above 0"])
def test_arithmetic_that_is_not_a_number_is_missing(text):
    inf = float("inf")
    fn, _ = _rule(text, a_x=inf, a_y=inf)  # inf - inf, 0 * inf, inf / inf are NaN
    assert fn() is False
    fn, _ = _rule(f"not ({text})", a_x=inf, a_y=inf)
    assert fn() is True  # the comparison is false, so its negation is true: missing, not an error


@given(st.lists(st.sampled_from([float("inf"), float("-inf"), 0.0, 1.0, -2.5, None]), min_size=2, max_size=2),
       st.sampled_from(["+", "-", "*", "/"]), st.sampled_from(["<", ">", "<=", ">=", "==", "!="]))
def test_every_operand_combination_gives_a_truth_value_never_nan(values, op, cmp):
    fn, _ = _rule(f"a.x {op} a.y {cmp} 0", a_x=values[0], a_y=values[1])
    a, b = values
    if a is None or b is None or (op == "/" and b == 0):
        expected = False
    else:
        r = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()
        expected = r == r and {"<": r < 0, ">": r > 0, "<=": r <= 0, ">=": r >= 0, "==": r == 0, "!=": r != 0}[cmp]
    assert fn() is expected


def test_crosses_above_uses_the_previous_evaluation():
    fn, h = _rule("a.f crosses_above a.s", a_f=1.0, a_s=2.0)
    seq = [(1.0, 2.0), (3.0, 2.0), (4.0, 2.0), (1.0, 2.0), (2.0, 2.0), (2.5, 2.0), (None, 2.0), (3.0, 2.0)]
    got = []
    for f, s in seq:
        h["a.f"].value, h["a.s"].value = f, s
        got.append(fn())
    # crossing: previous f <= s and now f > s; missing values never cross
    assert got == [False, True, False, False, False, True, False, False]


def test_crossing_state_advances_even_when_the_other_side_of_and_is_false():
    fn, h = _rule("a.g > 0 and a.f crosses_below a.s", a_g=0.0, a_f=3.0, a_s=2.0)
    h["a.f"].value = 1.0  # crossed below while the gate was closed
    assert fn() is False
    h["a.g"].value = 1.0
    assert fn() is False  # still below: no new crossing


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a >", "at the end"),
        ("a > b c", "'c'"),
        ("1 + 2", "not a condition"),
        ("a > 1 and 3", "needs conditions"),
        ("(a > b", "')'"),
        ("a > b;", "';'"),
        ("", "empty rule"),
        ("(a > 1) + 2 > 1", "needs numbers"),
    ],
)
def test_bad_rules_name_the_problem(text, fragment):
    with pytest.raises(ConfigError) as info:
        parse_rule(text)
    assert fragment in str(info.value)


@given(st.lists(st.sampled_from(["a.x", "1", "2.5", "a.y"]), min_size=2, max_size=6),
       st.lists(st.sampled_from(["<", ">", "<=", ">=", "==", "!="]), min_size=1, max_size=5))
def test_generated_comparisons_parse_and_evaluate_like_python(atoms, ops):
    parts = [f"{atoms[0]} {ops[0]} {atoms[1]}"]
    text = " and ".join(parts + [f"{atoms[k]} {ops[k % len(ops)]} 0" for k in range(2, len(atoms))])
    values = {"a.x": 1.5, "a.y": -2.0}
    fn, _ = _rule(text, a_x=values["a.x"], a_y=values["a.y"])
    py = text
    for name, v in values.items():
        py = py.replace(name, repr(v))
    assert fn() is bool(eval(py))  # the test's own oracle; the parser never uses eval


def test_signal_codes_follow_the_loop():
    class Sig:
        direction = "SHORT"

    assert [signal_code(x) for x in (None, 0, 1, -1, 2, "LONG", "FLAT", Sig())] == [0, 0, 1, -1, 2, 1, 2, -1]
    for bad in ("BUY", 3, True):
        with pytest.raises(ValueError, match="strategy returned"):
            signal_code(bad)


# --------------------------------------------------------------------------- indicators


def _frame(close):
    close = np.asarray(close, dtype=np.float64)
    return pd.DataFrame({"open": close, "high": close + 1.0, "low": close - 1.0, "close": close, "volume": 1.0})


def _spec(kind, length, **kw):
    return parse_indicator_specs([{"name": "x", "type": kind, "length": length, **kw}])[0]


def test_ema_is_sma_seeded_recursion():
    close = [1.0, 2.0, 3.0, 4.0, 5.0, 4.0]
    got = compute_indicator(_frame(close), _spec("ema", 3))
    a = 2.0 / 4.0
    e2 = (1 + 2 + 3) / 3
    e3 = a * 4 + (1 - a) * e2
    e4 = a * 5 + (1 - a) * e3
    e5 = a * 4 + (1 - a) * e4
    assert np.isnan(got[:2]).all()
    assert got[2:] == pytest.approx([e2, e3, e4, e5])


def test_rsi_wilder_by_hand():
    close = [10.0, 11.0, 12.0, 13.0, 11.0, 11.5]
    got = compute_indicator(_frame(close), _spec("rsi", 3))
    # changes: +1 +1 +1 -2 +0.5; seed over the first three changes: gain 1, loss 0 -> 100
    g4, l4 = (1.0 * 2 + 0.0) / 3, (0.0 * 2 + 2.0) / 3
    g5, l5 = (g4 * 2 + 0.5) / 3, (l4 * 2 + 0.0) / 3
    assert np.isnan(got[:3]).all()
    assert got[3] == 100.0
    assert got[4] == pytest.approx(100 - 100 / (1 + g4 / l4))
    assert got[5] == pytest.approx(100 - 100 / (1 + g5 / l5))


def test_atr_wilder_by_hand():
    df = pd.DataFrame({"open": [10, 11, 12, 12.0], "high": [11, 13, 12.5, 14.0], "low": [9, 10.5, 11, 12.0],
                       "close": [10.5, 12.5, 11.5, 13.5], "volume": 1.0})
    got = compute_indicator(df, _spec("atr", 2))
    tr = [2.0, max(2.5, 2.5, 0.0), max(1.5, 0.0, 1.5), max(2.0, 2.5, 0.5)]
    a1 = (tr[0] + tr[1]) / 2
    a2 = (a1 * 1 + tr[2]) / 2
    a3 = (a2 * 1 + tr[3]) / 2
    assert np.isnan(got[0]) and got[1:] == pytest.approx([a1, a2, a3])


def test_sma_roc_highest_lowest():
    df = _frame([1.0, 3.0, 2.0, 6.0])
    assert compute_indicator(df, _spec("sma", 2))[1:] == pytest.approx([2.0, 2.5, 4.0])
    assert compute_indicator(df, _spec("roc", 1))[1:] == pytest.approx([200.0, -100 / 3, 200.0])
    assert compute_indicator(df, _spec("highest", 2))[1:] == pytest.approx([4.0, 4.0, 7.0])
    assert compute_indicator(df, _spec("lowest", 3))[2:] == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize(
    "entry, fragment",
    [
        ({"name": "x", "type": "macd"}, "unknown indicator type"),
        ({"name": "x", "type": "ema", "length": 0}, "length must be"),
        ({"name": "x", "type": "ema", "source": "vwap"}, "unknown source"),
        ({"name": "x", "type": "ema", "roles": ["ltf2"]}, "roles must be"),
        ({"name": "x y", "type": "ema"}, "identifier"),
        ({"name": "x", "type": "ema", "period": 3}, "unknown key"),
    ],
)
def test_bad_indicator_specs(entry, fragment):
    with pytest.raises(ConfigError) as info:
        parse_indicator_specs([entry])
    assert fragment in str(info.value)
