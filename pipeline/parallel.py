"""Per-file work of a stage spread over the machine's cores (fork-based process pool).

A stage hands :func:`map_ordered` a function and its tasks (files to parse, items to scan,
texts to fingerprint) and gets the results back in task order — the same list a plain
``[func(t) for t in tasks]`` gives, so the stages stay functions over records and their
output does not depend on the number of processes.  The tasks are not sent to the workers:
the pool is forked after they are set aside, so each worker inherits them and only the
chunk bounds travel there and the results back.  ``jobs`` processes means ``jobs - 1``
forked workers and this one, which takes the chunks no worker has started yet, last first
(one fork fewer, and no results to copy back for its share); the objects that exist at the fork are
frozen for the garbage collector (``gc.freeze``), so a worker's collections do not copy the
whole inherited heap page by page.  Below :data:`MIN_TASKS` tasks, with one
core, or off Linux (Windows has no ``fork``; macOS' system libraries may not survive one)
everything runs in this process.  A pool that breaks (a worker killed, out of memory) is
not trusted: the whole map is redone here.  :func:`map_fresh` is the same map for work that must
not weigh with this process's memory (the output audit, run by a build holding the whole
publication): its workers come from a fresh fork server and hold only what they are sent.
The functions must not print and must catch what they expect to fail (a broken file, a
scanner error) themselves, as the stages already do.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence

# Fewer tasks than this are not worth forking for (a fork and the result transfer cost
# some tens of milliseconds; a task costs 50–300 µs).
MIN_TASKS = 1500
CHUNKS_PER_WORKER = 4  # several chunks per worker even out uneven tasks

# fork is safe on Linux; macOS has it but system libraries may not survive it, Windows lacks it
FORK_SAFE = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()

_job: tuple[Callable, Sequence, bool] | None = None  # (func, tasks, batched): read by the forked workers
_in_worker = False  # a worker never forks again: work inside a task stays in that worker


def release_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``), before a fork: a
    forked worker's resident set (``ps``, VmHWM) counts every resident page of this process, the
    freed ones too — the pipeline leaves ~110 MB of them at 10k items (285 → 173 MB).  The same
    objects stay where they are; off glibc it does nothing."""
    global _trim
    if _trim is None:
        try:
            import ctypes

            _trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc
            _trim = False
    if _trim:
        _trim(0)


_trim = None  # glibc's malloc_trim, once looked up (False: there is none)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(tasks: int, jobs: int | None, min_tasks: int | None = None) -> int:
    """How many processes ``tasks`` tasks get: 1 (this process) or ``jobs`` (default: the
    cores); ``min_tasks`` (default :data:`MIN_TASKS`) for tasks much larger than one file's."""
    wanted = available_cores() if jobs is None else jobs
    if wanted < 2 or tasks < (MIN_TASKS if min_tasks is None else min_tasks) or not FORK_SAFE or _in_worker:
        return 1
    return min(wanted, tasks)


def map_ordered(
    func: Callable, tasks: Sequence, jobs: int | None = None, *, batched: bool = False, min_tasks: int | None = None
) -> list:
    """``[func(t) for t in tasks]`` — or, ``batched``, ``func(tasks)`` for a function that
    takes a list and returns one result per task — computed by up to ``jobs`` processes."""
    workers = workers_for(len(tasks), jobs, min_tasks)
    if workers == 1:
        return _serial(func, tasks, batched)
    global _job
    size = -(-len(tasks) // (workers * CHUNKS_PER_WORKER))
    bounds = [(lo, min(lo + size, len(tasks))) for lo in range(0, len(tasks), size)]
    _job = (func, tasks, batched)
    release_freed_memory()
    gc.freeze()  # the workers' garbage collections leave the inherited objects alone (no copy of the whole heap)
    try:
        with ProcessPoolExecutor(
            workers - 1, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker
        ) as pool:
            futures = [pool.submit(_run_chunk, b) for b in bounds]
            parts: list = [None] * len(bounds)
            for k in reversed(range(len(bounds))):  # this process takes the chunks no worker has started
                if not futures[k].cancel():
                    break
                parts[k] = _here(bounds[k])
            parts = [part if part is not None else future.result() for part, future in zip(parts, futures)]
    except Exception:  # noqa: BLE001 - a broken pool: do it all here (same results, only slower)
        return _serial(func, tasks, batched)
    finally:
        _job = None
        gc.unfreeze()
    return [result for part in parts for result in part]


def map_fresh(
    func: Callable,
    tasks: Sequence,
    jobs: int | None = None,
    *,
    setup: Callable,
    setup_args: tuple = (),
    here=None,
    batched: bool = False,
    min_tasks: int | None = None,
) -> list:
    """``[func(state, t) for t in tasks]`` (``batched``: ``func(state, tasks)``), ``state`` being
    ``setup(*setup_args)``, computed by up to ``jobs`` processes that do not inherit this one's
    memory: the workers are forked from a server process started afresh (multiprocessing's
    ``forkserver``, with only the modules of ``func`` and ``setup`` imported), each makes its
    own ``state`` once, and the tasks go there and the results come back pickled.  This process
    only waits, so neither the inherited heap (a worker forked from a build holding the whole
    publication counts its pages) nor what the work keeps (a scanner's caches) weighs on any
    process as the site grows.  ``func`` and ``setup`` must be module-level functions and
    ``setup_args`` picklable.  With one process (:func:`workers_for`) or a broken pool the work
    is done here with ``here`` (or ``setup(*setup_args)``) as its state."""
    workers = workers_for(len(tasks), jobs, min_tasks)
    if workers > 1 and "forkserver" in multiprocessing.get_all_start_methods():
        size = -(-len(tasks) // (workers * CHUNKS_PER_WORKER))
        chunks = [list(tasks[lo : lo + size]) for lo in range(0, len(tasks), size)]
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(sorted({func.__module__, setup.__module__, __name__}))
        try:
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_start_fresh, initargs=(setup, setup_args)
            ) as pool:
                parts = list(pool.map(_fresh_chunk, [(func, batched, chunk) for chunk in chunks]))
            return [result for part in parts for result in part]
        except Exception:  # noqa: BLE001 - a broken pool: do it all here (same results, only slower)
            pass
    state = here if here is not None else setup(*setup_args)
    return list(func(state, list(tasks))) if batched else [func(state, t) for t in tasks]


_fresh_state = None  # in a worker of map_fresh: what its setup made


def _start_fresh(setup: Callable, setup_args: tuple) -> None:
    global _fresh_state
    _start_worker()
    _fresh_state = setup(*setup_args)


def _fresh_chunk(job: tuple[Callable, bool, list]) -> list:
    func, batched, chunk = job
    return list(func(_fresh_state, chunk)) if batched else [func(_fresh_state, t) for t in chunk]


def _here(bounds: tuple[int, int]) -> list:
    """:func:`_run_chunk` in this process, which meanwhile forks no other pool (as a worker)."""
    global _in_worker
    was, _in_worker = _in_worker, True
    try:
        return _run_chunk(bounds)
    finally:
        _in_worker = was


def _serial(func: Callable, tasks: Sequence, batched: bool) -> list:
    return list(func(list(tasks))) if batched else [func(t) for t in tasks]


def _start_worker() -> None:
    """In a new worker: mark it as one (it never forks again), and give it its own
    stdout/stderr — the inherited ones may have been locked by another thread of the parent
    (the progress bar) at the moment of the fork, and a worker flushes them when it exits;
    the work itself never prints."""
    global _in_worker
    _in_worker = True
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the worker
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def _run_chunk(bounds: tuple[int, int]) -> list:
    """In a worker: the results of tasks ``lo`` … ``hi - 1`` of the inherited job."""
    func, tasks, batched = _job
    lo, hi = bounds
    return _serial(func, tasks[lo:hi], batched)
