"""``simulate_range``: one loop, any exec range — the run of a loop built for that range, bit for bit.

On the random feeds of test_exchange_twins (bad prices, missing minutes, stops, targets) and with
rules, a replayed signal sequence and a Python strategy reading the account, running one
``BarLoop(feeds)`` over ``[lo, hi)`` must give what ``simulate`` gives on ``BarLoop(feeds,
start=lo, end=hi)`` — in each implementation, several ranges one after another on the same loop
(as a sweep does), and the compiled and pure twins must agree with each other.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_exchange_twins import _bits, _feeds, _minutes, _settings, _strategy, assert_same_exchange


def _run(loop_m, ex_m, rules_m, sim_m, feeds, ex, quote, kw, kind, signals, lo, hi, loop=None):
    if loop is None:
        loop = loop_m.BarLoop(feeds, start=lo, end=hi)
        go = lambda s, x: sim_m.simulate(loop, s, x)  # noqa: E731
    else:
        go = lambda s, x: sim_m.simulate_range(loop, s, x, lo, hi)  # noqa: E731
    al = loop.alignment
    x = ex_m.SimExchange(ex, quote, al.m1_start, al.m1_end, initial_equity=1000.0, end=hi, **kw)
    res = go(_strategy(kind, rules_m, x, signals), x)
    x.finish()
    return res, x


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=_minutes, kw=_settings, signals=st.lists(st.sampled_from([0, 1, -1, 2]), min_size=5, max_size=5),
       kind=st.sampled_from(["rules", "replay", "account"]),
       cuts=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=3))
def test_range_runs_on_one_loop_equal_runs_of_loops_built_for_the_range(both, minutes, kw, signals, kind, cuts):
    ex, quote, feeds = _feeds(minutes)
    n = len(ex)
    per_impl = []
    for loop_m, ex_m, rules_m, sim_m in zip(both("loop"), both("exchange"), both("rules"), both("simloop")):
        shared = loop_m.BarLoop(feeds)
        runs = []
        for a, b in cuts:
            lo, hi = sorted((min(a, n), min(b, n)))
            ranged = _run(loop_m, ex_m, rules_m, sim_m, feeds, ex, quote, kw, kind, signals, lo, hi, loop=shared)
            built = _run(loop_m, ex_m, rules_m, sim_m, feeds, ex, quote, kw, kind, signals, lo, hi)
            for (r1, x1), (r2, x2) in ((ranged, built),):
                assert _bits(r1.signals) == _bits(r2.signals)
                assert (r1.start, r1.end, r1.first_eval, r1.evaluated) == (r2.start, r2.end, r2.first_eval,
                                                                           r2.evaluated)
                assert_same_exchange(x1, x2)
            runs.append(ranged)
        per_impl.append(runs)
    if len(per_impl) == 2:  # compiled and pure
        for (r1, x1), (r2, x2) in zip(*per_impl):
            assert _bits(r1.signals) == _bits(r2.signals)
            assert_same_exchange(x1, x2)


def test_simulate_range_checks_its_arguments(both):
    minutes = [(100.0, 0.01, 0.01, 100.0, True)] * 40
    ex, quote, feeds = _feeds(minutes)
    other, _, _ = _feeds(minutes)
    for loop_m, ex_m, sim_m in zip(both("loop"), both("exchange"), both("simloop")):
        loop = loop_m.BarLoop(feeds, end=5)
        al = loop.alignment
        x = ex_m.SimExchange(ex, quote, al.m1_start, al.m1_end, end=4)
        with pytest.raises(Exception, match="end=3 but the exchange was built with end=4"):
            sim_m.simulate_range(loop, lambda v: 0, x, 0, 3)
        with pytest.raises(Exception, match="end must be an int in \\[2, 5\\]"):
            sim_m.simulate_range(loop, lambda v: 0, x, 2, 7)
        with pytest.raises(Exception, match="start must be an int in \\[0, 5\\]"):
            sim_m.simulate_range(loop, lambda v: 0, x, -1, 4)
        with pytest.raises(Exception, match="start must be an int"):
            sim_m.simulate_range(loop, lambda v: 0, x, True, 4)
        with pytest.raises(Exception, match="another exec feed"):
            sim_m.simulate_range(loop, lambda v: 0, ex_m.SimExchange(other, None, None, None, end=4), 0, 4)
        with pytest.raises(Exception, match="loop must be a .*BarLoop"):
            sim_m.simulate_range(object(), lambda v: 0, x, 0, 4)
        with pytest.raises(Exception, match="SimExchange"):
            sim_m.simulate_range(loop, lambda v: 0, object(), 0, 4)
        with pytest.raises(Exception, match="strategy must be callable"):
            sim_m.simulate_range(loop, 42, x, 0, 4)
