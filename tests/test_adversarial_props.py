"""Generated adversarial cases over the public API, each property in a child interpreter.

The properties live in tests/_adversarial_*.py (their docstrings say what they generate). A child
runs one property on one implementation (or on both, differentially) with faulthandler on, so a
crash is a failing test naming the property. ``BTCORE_ADVERSARIAL_EXAMPLES`` sets the number of
cases per property (default 100, 60 under CI).
"""

from __future__ import annotations

import pytest

from _isolated import examples_run, run_function

SINGLE = [("_adversarial_feeds", "feed_inputs"), ("_adversarial_feeds", "sabotage"),
          ("_adversarial_objects", "uninitialised")]
DIFFERENTIAL = [("_adversarial_twins", "view_calls"), ("_adversarial_twins", "tracker_calls"),
                ("_adversarial_twins", "state_objects"), ("_adversarial_twins", "loop_runs"),
                ("_adversarial_objects", "uninitialised"), ("_adversarial_compat", "quote_calls"),
                ("_adversarial_compat", "incremental_calls")]


@pytest.mark.parametrize("module, function", SINGLE, ids=[f for _, f in SINGLE])
def test_property(impl_kind, module, function):
    assert examples_run(run_function(module, function, impl_kind)) > 0


@pytest.mark.parametrize("module, function", DIFFERENTIAL, ids=[f for _, f in DIFFERENTIAL])
def test_twins_agree(both, module, function):
    both("view")  # the compiled core is imported directly, so this runs in both CI passes
    assert examples_run(run_function(module, function, "both")) > 0
