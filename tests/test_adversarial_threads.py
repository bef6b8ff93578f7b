"""Thread safety of the shared structures: one feed set, one view, one loop's feeds, many threads.

The worker and what it checks are in tests/_adversarial_threads.py; it runs in a child so a race
that corrupts memory fails the test instead of the run.
"""

from __future__ import annotations

from _isolated import examples_run, run_function


def test_many_threads_read_one_feed_set(impl_kind):
    assert examples_run(run_function("_adversarial_threads", "hammer", impl_kind)) > 1000
