"""The signal and action tables: every edge, every illegal pair, the C copies, and the doc."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from btcore.errors import IllegalTransitionError

DOC = Path(__file__).resolve().parents[1] / "docs" / "STATE_MACHINES.md"

# The expected edges, written out by hand from the design (not read from the code under test).
SIGNAL_EDGES = {
    ("NONE", "DETECT"): "CANDIDATE",
    ("CANDIDATE", "PERSIST"): "CONFIRMING",
    ("CANDIDATE", "CONFIRM"): "CONFIRMED",
    ("CANDIDATE", "DROP"): "NONE",
    ("CONFIRMING", "PERSIST"): "CONFIRMING",
    ("CONFIRMING", "CONFIRM"): "CONFIRMED",
    ("CONFIRMING", "DROP"): "NONE",
    ("CONFIRMED", "CONSUME"): "CONSUMED",
    ("CONFIRMED", "EXPIRE"): "EXPIRED",
    ("EXPIRED", "DETECT"): "CANDIDATE",
    ("EXPIRED", "CLEAR"): "NONE",
    ("CONSUMED", "DETECT"): "CANDIDATE",
    ("CONSUMED", "CLEAR"): "NONE",
}
ACTION_EDGES = {
    ("IDLE", "ARM"): "ACTIONABLE",
    ("ACTIONABLE", "DISARM"): "IDLE",
    ("ACTIONABLE", "SIZE"): "SIZING",
    ("SIZING", "SUBMIT"): "SUBMITTED",
    ("SIZING", "REJECT"): "REJECTED",
    ("SIZING", "ABANDON"): "IDLE",
    ("SUBMITTED", "FILL"): "FILLED",
    ("SUBMITTED", "REJECT"): "REJECTED",
    ("SUBMITTED", "CANCEL"): "CANCELED",
    ("FILLED", "RESET"): "IDLE",
    ("REJECTED", "RESET"): "IDLE",
    ("CANCELED", "RESET"): "IDLE",
}


def _named(table):
    return {(s.name, t.name): n.name for (s, t), n in table.items()}


def test_enum_values_match_the_reference(twin):
    st = twin("states")
    assert [(m.name, int(m)) for m in st.SignalStateValue] == [
        ("NONE", 0), ("CANDIDATE", 1), ("CONFIRMING", 2), ("CONFIRMED", 3), ("EXPIRED", 4),
        ("CONSUMED", 5)]
    assert [(m.name, int(m)) for m in st.ActionStateValue] == [
        ("IDLE", 0), ("ACTIONABLE", 1), ("SIZING", 2), ("SUBMITTED", 3), ("FILLED", 4),
        ("REJECTED", 5), ("CANCELED", 6)]
    assert [int(m) for m in st.GateCode] == list(range(10))
    assert st.GateCode.G_MAX_DRAWDOWN.description == "Maximum drawdown limit reached"
    assert st.GateCode.get_description(8) == "Maximum open positions reached"
    assert st.GateCode.get_description(42) == "Gate failed: 42"
    assert st.GATE_CODE_DESCRIPTIONS[st.GateCode.G_PASS] == "All gates passed"


def test_tables_are_the_designed_machines(twin):
    st = twin("states")
    assert _named(st.SIGNAL_TABLE) == SIGNAL_EDGES
    assert _named(st.ACTION_TABLE) == ACTION_EDGES


@pytest.mark.parametrize("edge", sorted(SIGNAL_EDGES))
def test_every_signal_edge(twin, edge):
    st = twin("states")
    state, trigger = edge
    got = st.next_signal_value(st.SignalStateValue[state], st.SignalTrigger[trigger])
    assert got is st.SignalStateValue[SIGNAL_EDGES[edge]]
    assert st.SignalState(st.SignalStateValue[state]).can_transition_to(got)


@pytest.mark.parametrize("edge", sorted(ACTION_EDGES))
def test_every_action_edge(twin, edge):
    st = twin("states")
    state, trigger = edge
    got = st.next_action_value(st.ActionStateValue[state], st.ActionTrigger[trigger])
    assert got is st.ActionStateValue[ACTION_EDGES[edge]]
    assert st.ActionState(st.ActionStateValue[state]).can_transition_to(got)


def test_every_missing_pair_is_illegal_and_named(twin):
    st = twin("states")
    for states, triggers, table, step in (
        (st.SignalStateValue, st.SignalTrigger, st.SIGNAL_TABLE, st.next_signal_value),
        (st.ActionStateValue, st.ActionTrigger, st.ACTION_TABLE, st.next_action_value),
    ):
        for s in states:
            allowed = sorted(t.name for (src, t) in table if src == s)
            for t in triggers:
                if (s, t) in table:
                    continue
                with pytest.raises(IllegalTransitionError) as exc:
                    step(s, t)
                msg = str(exc.value)
                assert s.name in msg and t.name in msg and str(allowed) in msg
                assert isinstance(exc.value, ValueError)


def test_unknown_state_or_trigger_is_illegal(twin):
    st = twin("states")
    with pytest.raises(IllegalTransitionError, match="unknown state"):
        st.next_signal_value(9, 1)
    with pytest.raises(IllegalTransitionError, match="trigger"):
        st.next_action_value(0, 0)


def test_successor_sets_are_derived_from_the_tables(twin):
    st = twin("states")
    for succ, table in ((st.SIGNAL_TRANSITIONS, st.SIGNAL_TABLE),
                        (st.ACTION_TRANSITIONS, st.ACTION_TABLE)):
        for s, nxt in succ.items():
            assert nxt == frozenset(n for (src, _), n in table.items() if src == s)


def test_compiled_c_constants_match_the_enums(both):
    compiled, pure = both("states")
    checked = compiled._check_c_constants()
    assert {e.__name__ for e in checked} == {"SignalStateValue", "ActionStateValue", "GateCode",
                                             "SignalTrigger", "ActionTrigger"}
    assert compiled.SignalStateValue is pure.SignalStateValue  # one enum for both twins


def _doc_edges(section: str) -> dict[tuple[str, str], str]:
    # mermaid lines "SRC --> DST : TRIGGER" between the <!-- section --> markers
    block = DOC.read_text(encoding="utf-8").split(f"<!-- {section} -->")[1]
    return {(a, t): b for a, b, t in re.findall(r"^\s*(\w+) --> (\w+) : (\w+)\s*$", block, re.M)}


def test_doc_diagrams_equal_the_tables(twin):
    st = twin("states")
    assert _doc_edges("signal-machine") == _named(st.SIGNAL_TABLE)
    assert _doc_edges("action-machine") == _named(st.ACTION_TABLE)
