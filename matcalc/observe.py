"""Observers of finished derivations: every result the pipeline returns (a gradient
derivation, a Jacobian, a Hessian) is handed to each registered observer first.

The test suite registers one that verifies every derivation a test makes; a notebook or a
tool can register its own (logging, timing). Registration is explicit, so it does not
depend on which module was imported first.
"""

from __future__ import annotations

from collections.abc import Callable

_OBSERVERS: list[Callable[[object], None]] = []


def add_observer(observer: Callable[[object], None]) -> None:
    """Call ``observer(result)`` for every derivation made from now on."""
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


def remove_observer(observer: Callable[[object], None]) -> None:
    if observer in _OBSERVERS:
        _OBSERVERS.remove(observer)


def notify(result: object) -> object:
    """Hand a finished result to every observer; returns it."""
    for observer in list(_OBSERVERS):
        observer(result)
    return result
