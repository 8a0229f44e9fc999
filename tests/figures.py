"""Figures the reliability tests measured in this run, printed at the end of the session.

A test adds to a figure only after its assertions held, so a printed figure is one that was
checked: "400 updates held with zero loss" means a test stored 400 and found all 400.
"""

import threading

_lock = threading.Lock()
_figures = {}


def add(name, amount=1):
    """Add `amount` to the figure called `name` (a sentence fragment read by people)."""
    with _lock:
        _figures[name] = _figures.get(name, 0) + amount


def maximum(name, value):
    """Keep the largest `value` seen for `name` (for sizes such as concurrent clients)."""
    with _lock:
        _figures[name] = max(_figures.get(name, 0), value)


def collected():
    with _lock:
        return dict(_figures)
