"""Per-file work in several processes (pipeline.parallel): the same publication as in one
process — items, withheld items, findings, duplicates, in the same order — and a pool that
breaks is replaced by doing the work here."""

from __future__ import annotations

import os
import sys

import pytest
from helpers import ROOT, run_portal

from pipeline import dedup, load, parallel, publication, scanners
from pipeline.config import load_config


@pytest.fixture()
def always_parallel(monkeypatch):
    """Fork even for the demo's 138 files (normally only from parallel.MIN_TASKS on)."""
    monkeypatch.setattr(parallel, "MIN_TASKS", 1)


def record_pids(monkeypatch, folder, module, name):
    """Leave a file named after the process wherever ``module.name`` runs."""
    original = getattr(module, name)

    def recording(*args, **kwargs):
        (folder / str(os.getpid())).touch()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)


@pytest.mark.skipif(not parallel.FORK_SAFE, reason="one process only off Linux")
def test_two_processes_publish_exactly_what_one_does(content_copy, tmp_path, always_parallel, monkeypatch):
    config = load_config(ROOT / "site_config")
    # (the in-portal grouping runs in one process: it follows the groups as they form, see dedup.portal_groups)
    pids = {stage: tmp_path / stage for stage in ("load", "scan", "fingerprint")}
    for folder in pids.values():
        folder.mkdir()
    record_pids(monkeypatch, pids["load"], load, "load_item")
    record_pids(monkeypatch, pids["scan"], scanners.Scanners, "scan")  # the content scans, wherever the gate runs them
    record_pids(monkeypatch, pids["fingerprint"], dedup, "fingerprint_normalized")
    leaky = sorted((content_copy / "items" / "bureau").rglob("*.md"))[5]
    leaky.write_text(leaky.read_text(encoding="utf-8") + "\n联系人手机：13907301234。\n", encoding="utf-8")
    one = publication.run(content_copy, config, upstream_db=tmp_path / "a.sqlite", jobs=1)
    assert {p.name for folder in pids.values() for p in folder.iterdir()} == {str(os.getpid())}  # jobs=1: all here
    for folder in pids.values():
        for p in folder.iterdir():
            p.unlink()
    two = publication.run(content_copy, config, upstream_db=tmp_path / "b.sqlite", jobs=2)
    for stage, folder in pids.items():
        names = {p.name for p in folder.iterdir()}
        assert len(names - {str(os.getpid())}) == 1, stage  # one worker forked …
        assert str(os.getpid()) in names, stage  # … and this process worked too (the chunks no worker had started)
    assert one.withheld and one.duplicate_of and any(f.rule == "pii" for f in one.findings)  # every gate had work
    assert two.published == one.published and two.withheld == one.withheld
    assert two.findings == one.findings and two.duplicate_of == one.duplicate_of
    cached = publication.run(
        content_copy, config, upstream_db=tmp_path / "b.sqlite", cache_dir=tmp_path / "cache", jobs=2
    )
    assert cached.published == one.published and cached.findings == one.findings


def test_map_keeps_task_order_in_every_mode(always_parallel):
    tasks = list(range(37))
    assert parallel.map_ordered(lambda t: t * t, tasks, 1) == [t * t for t in tasks]
    assert parallel.map_ordered(lambda chunk: [-t for t in chunk], tasks, 3, batched=True) == [-t for t in tasks]
    assert parallel.map_ordered(lambda t: os.getpid(), tasks, 2) != [os.getpid()] * len(tasks)  # really elsewhere


def test_a_broken_pool_is_redone_here(always_parallel):
    parent = os.getpid()

    def dies_in_a_worker(task):
        if os.getpid() != parent:
            os._exit(3)  # a worker killed (out of memory, a signal …)
        return task + 1

    assert parallel.map_ordered(dies_in_a_worker, list(range(10)), 2) == list(range(1, 11))


def test_an_error_in_the_work_is_still_raised(always_parallel):
    def broken(task):
        raise ValueError(f"task {task}")

    with pytest.raises(ValueError):
        parallel.map_ordered(broken, list(range(5)), 2)


def test_work_inside_a_worker_does_not_fork_again(always_parallel):
    outer = os.getpid()
    inner = parallel.map_ordered(
        lambda t: (os.getpid(), {p for p in parallel.map_ordered(lambda u: os.getpid(), list(range(4)), 2)}),
        list(range(8)),
        2,
    )
    for worker, inner_pids in inner:
        assert inner_pids == {worker}  # in the worker and in this process, while it works on a chunk too
    assert any(worker != outer for worker, _ in inner)


@pytest.mark.parametrize("value", ["0", "abc", "999"])
def test_a_bad_jobs_value_is_refused_in_chinese(value):
    out = run_portal("check", "--jobs", value)
    assert out.returncode == 2 and "不是进程数" in out.stderr and "Traceback" not in out.stderr


_HELD_HERE = None  # set in this process by a test: a worker forked from it would see it


def _fresh_setup(tag):
    return tag, os.getpid()


def _fresh_work(state, task):
    tag, made_in = state
    return task * task, tag, made_in == os.getpid(), os.getppid(), _HELD_HERE is None


def _setup_that_dies(_tag):
    os._exit(3)  # a worker killed while it starts


@pytest.mark.skipif(not parallel.FORK_SAFE, reason="one process only off Linux")
def test_fresh_workers_inherit_nothing_and_keep_task_order(always_parallel, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "_HELD_HERE", "x" * 1_000_000)
    tasks = list(range(37))
    out = parallel.map_fresh(_fresh_work, tasks, 2, setup=_fresh_setup, setup_args=("made there",))
    assert [r[0] for r in out] == [t * t for t in tasks]
    assert all(tag == "made there" and own for _square, tag, own, _ppid, _fresh in out)  # each made its own state
    assert all(ppid != os.getpid() for *_rest, ppid, _fresh in out)  # not forked from this process …
    assert all(fresh for *_rest, fresh in out)  # … so they do not hold what it holds
    batched = parallel.map_fresh(_negate, tasks, 2, setup=_fresh_setup, setup_args=("b",), batched=True)
    assert batched == [-t for t in tasks]
    # one process: the work is done here, with ``here`` as the state
    here = parallel.map_fresh(_fresh_work, tasks, 1, setup=_setup_that_dies, setup_args=("x",), here=("here", 0))
    assert here == [(t * t, "here", False, os.getppid(), False) for t in tasks]


def _negate(_state, chunk):
    return [-t for t in chunk]


@pytest.mark.skipif(not parallel.FORK_SAFE, reason="one process only off Linux")
def test_a_broken_fresh_pool_is_redone_here(always_parallel):
    out = parallel.map_fresh(
        _fresh_work, list(range(10)), 2, setup=_setup_that_dies, setup_args=("x",), here=("here", 0)
    )
    assert [(square, tag) for square, tag, *_ in out] == [(t * t, "here") for t in range(10)]


def _resident_kb() -> int:
    with open("/proc/self/status", encoding="utf-8") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, /proc")
def test_freed_memory_is_given_back_before_a_fork():
    held = [b"x" * 5000 + bytes([n % 256]) for n in range(20_000)]  # ~100 MB from malloc, written
    kept = held[::50]  # a few stay, so free() alone cannot shrink the heap from its top
    del held
    before = _resident_kb()
    parallel.release_freed_memory()
    after = _resident_kb()
    assert before - after > 50_000, (before, after)  # most of the ~100 MB freed went back
    assert all(len(k) == 5001 for k in kept)
