"""Every public member of every class, on objects whose ``__init__`` never ran (child process).

Objects are made with ``cls.__new__(cls)`` and through a subclass whose ``__init__`` skips
``super().__init__``. Each member is read and, if callable, called with plausible arguments. For
the stateful classes (view, context, handle, loop, tracker) and the 1-minute quote (whose
defaults would be an invalid quote) everything but the plain data attributes must raise
NotInitializedError; the value objects (states, the rollup bucket) read as their defaults. With
``kind="both"`` the outcome of every member must also be the same in the two twins. A second
``__init__`` on an initialised object must raise TypeError.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import _view_data as vd
from _adversarial import counted, impls, outcome, report

ARGS: dict[str, tuple] = {
    **{m: ("indicator.rsi",) for m in ("get", "get_strict", "has_path", "is_valid_path", "compile")},
    **{m: ("rsi",) for m in ("get_feature", "has_feature", "indicator", "htf_indicator", "mtf_indicator",
                             "has_indicator", "indicator_strict", "prev_indicator", "indicator_col",
                             "get_indicator", "get_indicator_strict")},
    "get_rollup": ("max_1m",), "get_structure": ("swing.high",), "bars_exec_low": (3,), "bars_exec_high": (3,), "_move": (0,), "_attach_rollups": (None,),
    "on_bar_start": (0,), "on_signal_evaluated": (1,), "on_warmup_check": (True, 0), "on_history_check": (True, 0),
    "on_risk_check": (True,), "on_position_check": (0,), "on_sizing_computed": (1.0,), "get_block_at": (0,),
    "run": (lambda v: 0,), "on_bar": (None,), "prepare": (None,), "can_transition_to": (1,),
    "bars_since_detected": (3,), "bars_since_confirmed": (3,), "fail_": (1,), "__eq__": (None,),
    "accumulate_ohlcv": (1.0, 2.0, 0.5, 1.5, 3.0),
    "accumulate": (SimpleNamespace(open_1m=1.0, high_1m=2.0, low_1m=0.5, last=1.5, volume_1m=3.0),),
}
STATEFUL = {("view", "RuntimeSnapshotView"), ("view", "TFContext"), ("view", "PathHandle"), ("loop", "BarLoop"),
            ("tracker", "StateTracker"), ("rollup", "QuoteState")}
VALUES = {("states", n) for n in ("GateResult", "SignalState", "ActionState", "BlockState", "GateContext")}
VALUES |= {("rollup", "ExecRollupBucket")}
DATA = {"exchange": "None", "mark_price": "('nan',)", "mark_price_source": "None", "history_ready": "False",
        "not_ready_reason": "None"}
DUNDERS = ("__repr__", "__reduce__", "__len__", "__iter__", "__call__", "__eq__", "__hash__")


def _members(cls: type) -> list[str]:
    private = ("_move", "_attach_rollups") if cls.__name__ == "RuntimeSnapshotView" else ()
    names = [n for n in dir(cls) if not n.startswith("_") or n in private]
    return sorted(names) + [d for d in DUNDERS if d in vars(cls) or any(d in vars(b) for b in cls.__mro__[:-1])]


def _use(obj: Any, name: str) -> Any:
    args = () if type(obj).__name__.endswith("PathHandle") else ARGS.get(name, ())
    if name == "__iter__":
        return next(iter(obj))
    if name in ("__len__", "__repr__", "__hash__"):
        return {"__len__": len, "__repr__": repr, "__hash__": hash}[name](obj)
    attr = getattr(obj, name)
    return attr(*args) if callable(attr) and not isinstance(attr, type) else attr


def _skipping(cls: type) -> Any:
    try:
        sub = type("Skipping" + cls.__name__, (cls,), {"__init__": lambda self, *a, **k: None})
    except TypeError:  # a final class (BarLoop) cannot be subclassed, in either twin
        return None
    return sub()


def _table(kind: str) -> dict[tuple, Any]:
    out: dict[tuple, Any] = {}
    for module, cls_name in sorted(STATEFUL | VALUES):
        cls = getattr(impls(kind, module)[0], cls_name)
        for how, obj in (("new", cls.__new__(cls)), ("subclass", _skipping(cls))):
            if obj is None:
                continue
            for name in _members(cls):
                counted()
                out[(module, cls_name, how, name)] = outcome(lambda: _use(obj, name))
    return out


def _check_one(kind: str, table: dict[tuple, Any]) -> None:
    for (module, cls_name, how, name), got in table.items():
        if (module, cls_name) in STATEFUL:
            want = ("ok", eval(DATA[name])) if name in DATA else ("raise", "NotInitializedError")  # noqa: S307
            if name == "__iter__" and cls_name == "BarLoop":
                want = ("raise", "NotInitializedError")
            assert got == want, (kind, cls_name, how, name, got)
        else:
            assert got[0] == "ok" or name in ("fail_",), (kind, cls_name, how, name, got)


def _reinit(kind: str) -> list[Any]:
    view, loop, tracker = impls(kind, "view")[0], impls(kind, "loop")[0], impls(kind, "tracker")[0]
    rollup = impls(kind, "rollup")[0]
    feeds = vd.make_feeds(12)
    v = view.RuntimeSnapshotView(feeds, 0, None, None, None, 1.0, "c")
    quote = (5, 2.0, 2.0, 3.0, 1.0, 2.0, "mark_1m")
    objs = [(v, (feeds, 1, None, None, None, 1.0, "c")), (v.htf_ctx, (feeds.htf_feed, 0)),
            (v.compile("indicator.rsi"), (v, "indicator.atr")), (loop.BarLoop(feeds), (feeds,)),
            (tracker.StateTracker(), ()), (rollup.QuoteState(*quote), quote)]
    return [outcome(lambda o=o, a=a: o.__init__(*a)) for o, a in objs]


def uninitialised(kind: str) -> None:
    if kind == "both":
        tables = [_table("compiled"), _table("pure")]
        assert tables[0].keys() == tables[1].keys(), tables[0].keys() ^ tables[1].keys()
        diff = {k: (tables[0][k], tables[1][k]) for k in tables[0] if tables[0][k] != tables[1][k]}
        assert not diff, diff
        for k, t in zip(("compiled", "pure"), tables):
            _check_one(k, t)
    else:
        _check_one(kind, _table(kind))
    for k in (("compiled", "pure") if kind == "both" else (kind,)):
        assert _reinit(k) == [("raise", "TypeError")] * 6, _reinit(k)
    if kind in ("compiled", "both"):
        from btcore._core import feedtables as ft, loop as cl

        for cls, use in ((cl._BarIter, lambda o: next(o)), (ft.FeedSetTables, repr), (ft.FeedPointers, repr),
                         (ft.ResolvedPath, repr)):
            counted()
            got = outcome(lambda cls=cls, use=use: use(cls.__new__(cls)))
            assert got[0] == "ok" or got == ("raise", "NotInitializedError"), (cls, got)
    report()
