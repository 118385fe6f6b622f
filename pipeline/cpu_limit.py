"""A CPU-time limit for work on one editor's file, so hostile input costs seconds, not hours.

Python-Markdown (and so mkdocs) is quadratic or worse on some inputs a few kilobytes long —
runs of ``[[``, ``![``, ``[a](``, ``<a ``, thousands of ``***`` lines — and a 2 MB body of
them would keep a build busy for hours; deeply nested lists end in ``RecursionError``.  The
gate (:mod:`pipeline.confidentiality`) runs each check of an item under :func:`run`: when the
check has used more than its budget of the thread's own CPU time (not wall time, so the
outcome does not depend on how loaded the machine is), it is broken off with
:class:`LimitExceeded`, and the item is withheld with an error the editor can act on
(``too-complex``), instead of a hang or a failed build.

How: one watchdog thread per process (restarted after ``fork``, so the gate's worker processes
have their own) reads the CPU clock of every thread that is inside :func:`run` every
:data:`POLL` seconds and raises :class:`_Overdue` in an overdue thread
(``PyThreadState_SetAsyncExc``), again on every poll until the thread leaves, in case the
interrupted code swallows it.  ``_Overdue`` derives from ``BaseException`` so that no
``except Exception`` inside Markdown extensions keeps it; :func:`run` turns it into
:class:`LimitExceeded`.  Work in C (one long regular-expression match) is interrupted when it
returns to Python.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

T = TypeVar("T")

POLL = 0.1  # seconds between the watchdog's looks at the clocks
# CPU seconds one piece of work on one editor's file may use: one check of an item or page, one
# rendering of a withheld item's text (2 MB of ordinary Markdown renders in a few seconds)
BUDGET = 30.0


class LimitExceeded(Exception):
    """The work used more CPU time than its budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"超过 {seconds:g} 秒 CPU 时间上限")
        self.seconds = seconds


class _Overdue(BaseException):
    """Raised inside the overdue thread by the watchdog; never escapes :func:`run`."""


@dataclass
class _Watch:
    ident: int
    clock: int
    start: float
    seconds: float


_state: dict = {}


def _reset() -> None:
    _state.clear()
    _state.update(lock=threading.Lock(), watched={}, thread=None)


_reset()
os.register_at_fork(after_in_child=_reset)  # a forked worker has no watchdog thread and must not inherit a held lock


def _inject(ident: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc) if exc else None)


def _watchdog() -> None:
    while True:
        time.sleep(POLL)
        with _state["lock"]:
            for token, w in list(_state["watched"].items()):
                try:
                    used = time.clock_gettime(w.clock) - w.start
                except OSError:  # the thread is gone
                    _state["watched"].pop(token, None)
                    continue
                if used > w.seconds:
                    _inject(w.ident, _Overdue)


def _arm(seconds: float) -> object | None:
    ident = threading.get_ident()
    with _state["lock"]:
        if any(w.ident == ident for w in _state["watched"].values()):
            return None  # already limited by an outer run(): that budget applies
        clock = time.pthread_getcpuclockid(ident)
        token = object()
        _state["watched"][token] = _Watch(ident, clock, time.clock_gettime(clock), seconds)
        if _state["thread"] is None:
            _state["thread"] = threading.Thread(target=_watchdog, name="cpu-limit", daemon=True)
            _state["thread"].start()
        return token


def _disarm(token: object | None) -> None:
    if token is None:
        return
    with _state["lock"]:
        w = _state["watched"].pop(token, None)
        if w is not None:
            _inject(w.ident, None)  # clear an exception injected but not yet raised


def run(func: Callable[..., T], *args, seconds: float | None) -> T:
    """``func(*args)``, broken off with :class:`LimitExceeded` after ``seconds`` of this
    thread's CPU time (``None``: no limit; also none where the platform has no per-thread
    CPU clocks)."""
    if not seconds or not hasattr(time, "pthread_getcpuclockid"):
        return func(*args)
    token = None
    try:
        token = _arm(seconds)
        try:
            return func(*args)
        finally:
            _disarm(token)
    except _Overdue:
        while True:  # the watchdog fires until the token is gone: make sure it is
            try:
                _disarm(token)
                break
            except _Overdue:
                continue
        raise LimitExceeded(seconds) from None
