"""Differential tests: the compiled view and the pure twin return identical values and errors."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _view_data as vd  # noqa: E402

from _view_data import observe, outcome  # noqa: E402

KEYS = vd.KEYS
ROLES = vd.ROLES


feed_params = st.fixed_dictionaries({
    "n_exec": st.integers(0, 30),
    "mtf": st.sampled_from([None, "5m", "15m"]),
    "htf": st.sampled_from([None, "30m", "1h"]),
    "quote": st.booleans(),
    "nan_frac": st.sampled_from([0.0, 0.2, 1.0]),
    "seed": st.integers(0, 10_000),
    "htf_delay": st.integers(0, 3),
    "gap_every": st.sampled_from([0, 3]),
})
call_args = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(ROLES), st.integers(-2, 40),
                               st.integers(-1, 40), st.integers(-1, 50)), min_size=1, max_size=4)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # `both` only returns modules
@given(params=feed_params, picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=4), args=call_args,
       idx_mode=st.sampled_from(["oracle", "none", "random"]), rollups=st.booleans())
def test_compiled_and_pure_agree(both, params, picks, args, idx_mode, rollups):
    # the reference-style view: the view with every member, the hard-coded accessors too
    classes = [m.CompatSnapshotView for m in both("view")]
    feeds = vd.make_feeds(**params)
    n = len(feeds.exec_feed)
    rng = np.random.default_rng(params["seed"])
    mat = rng.normal(size=(6, n))
    mat[:, rng.random(n) < 0.3] = np.nan
    mat[2] = rng.integers(0, 5, n)
    views = []
    for pick in picks:
        i = pick % n if n else 0
        h, m, q = vd.indices(feeds, i) if n else (-1, -1, -1)
        if idx_mode == "none":
            h = m = None
        elif idx_mode == "random":
            h = pick % (len(feeds.htf_feed) + 2) - 1 if feeds.htf_feed is not None else -1
            m = pick % (len(feeds.mtf_feed) + 1) - 1 if feeds.mtf_feed is not None else -1
        roll = {"px.rollup.min_1m": float(pick % 7), "px.rollup.bars_1m": pick % 3} if pick % 2 else None
        made = [outcome(lambda cls=cls: cls(feeds, i, h, m, None, pick * 0.5, "c", rollups=roll)) for cls in classes]
        assert [r[0] for r in made] == [r[0] for r in made[:1]] * 2
        if made[0][0] == "err":
            assert made[0] == made[1]
            continue
        cv, pv = made[0][1], made[1][1]
        assert observe(cv, args) == observe(pv, args)
        views.append((cv, pv, i, h, m, q))
    for cv, pv, i, h, m, q in views:
        if rollups:
            assert outcome(lambda: cv._attach_rollups(mat)) == outcome(lambda: pv._attach_rollups(mat))
        j = (i * 7 + 3) % n
        h2, m2, q2 = vd.indices(feeds, j)
        for move in ((j, h2, m2, q2), (j,), (j, h2 + 1, m2, q2), (n, -1), (j, -1, -1, -7)):
            assert outcome(lambda: cv._move(*move)) == outcome(lambda: pv._move(*move))
        assert observe(cv, args) == observe(pv, args)


TOKENS = ["indicator", "price", "px", "structure", "mark", "last", "rollup", "zones", "swing", "demand",
          "high_level", "upper", "rsi", "close", "open", "min_1m", "bars_1m", "exec", "ltf", "htf", "mtf",
          "weekly", "", "x", "ema_fast", "volume"]
FUZZ_FEEDS = vd.make_feeds(n_exec=12, seed=9, nan_frac=0.2)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), min_size=1, max_size=6),
       i=st.integers(0, 11))
def test_any_path_is_a_value_or_a_path_error(both, segments, i):
    from btcore.errors import PathError

    path = ".".join(segments)
    results = []
    for mod in both("view"):
        h, m, _ = vd.indices(FUZZ_FEEDS, i)
        v = mod.RuntimeSnapshotView(FUZZ_FEEDS, i, h, m, None, 2.0, "c")
        try:
            value = v.get(path)
        except PathError as exc:
            assert str(exc)  # names what is valid
            results.append(("PathError", v.is_valid_path(path)))
            continue
        assert value is None or isinstance(value, float)
        assert v.is_valid_path(path) and v.compile(path).get() == value
        results.append(("ok", value))
    assert results[0] == results[1]
