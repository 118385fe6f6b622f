"""Markdown that would keep the renderer busy for hours (Python-Markdown is quadratic or worse on
runs of ``[[``, ``![``, ``<a `` …) or nest past Python's recursion limit costs a bounded amount
of CPU time and ends as the editor's error ``too-complex`` on that one file: the item or page is
withheld, everything else is published, and the build does not fail (no ``gate-failure``)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from pipeline import confidentiality, cpu_limit, findings, publication
from pipeline.config import load_config

ROOT = Path(__file__).resolve().parents[1]
ITEM = "items/bureau/2026/2026-03-15-slow.md"
FRONT = "title: 测试信息\ndate: 2026-03-15 09:30\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: 王建国\n"
BODY = "江临市商务局召开外贸企业座谈会，听取企业对稳外贸政策的意见建议，研究部署下一步工作。" * 4


def _spin(seconds: float) -> str:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    return "done"


def test_work_over_budget_is_broken_off_in_any_thread():
    started = time.monotonic()
    with pytest.raises(cpu_limit.LimitExceeded):
        cpu_limit.run(_spin, 60, seconds=0.3)
    assert time.monotonic() - started < 10
    caught = []

    def worker():
        try:
            cpu_limit.run(_spin, 60, seconds=0.3)
        except cpu_limit.LimitExceeded as exc:
            caught.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    t.join(20)
    assert not t.is_alive() and len(caught) == 1


def test_work_within_budget_is_untouched_and_leaves_nothing_behind():
    for _ in range(200):
        assert cpu_limit.run(_spin, 0.001, seconds=0.5) == "done"
    assert cpu_limit.run(_spin, 0.2, seconds=2) == "done"
    _spin(0.5)  # no exception injected after the limited work returned
    assert not cpu_limit._state["watched"]


def test_sleeping_costs_no_budget():
    """The budget is the thread's CPU time, not wall time: a loaded machine does not trip it."""
    assert cpu_limit.run(time.sleep, 0.6, seconds=0.3) is None


def _in_child(queue):
    try:
        cpu_limit.run(_spin, 60, seconds=0.3)
        queue.put("not limited")
    except cpu_limit.LimitExceeded:
        queue.put("limited")


def test_a_forked_worker_has_its_own_watchdog():
    cpu_limit.run(_spin, 0.01, seconds=1)  # the parent's watchdog thread exists before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) == "limited"


@pytest.fixture()
def small_budget(monkeypatch):
    monkeypatch.setattr(cpu_limit, "BUDGET", 1.0)


@pytest.mark.parametrize(
    "body",
    [
        "[[" * 20_000,  # quadratic: about a minute at full size
        "![" * 15_000,
        "[a](" * 12_000,
        '<a href="' * 10_000,
        "正文开头。\n\n" + "  - " * 3_000 + "嵌套",  # a list nested past the recursion limit
        "> " * 3_000 + "引用",
    ],
    ids=["brackets", "images", "links", "tags", "nested-list", "nested-quote"],
)
def test_hostile_markdown_is_the_editors_error_not_a_hang(content_copy, small_budget, body):
    path = content_copy / ITEM
    path.write_text(f"---\n{FRONT}---\n\n{BODY}\n\n{body}\n", encoding="utf-8")
    config = load_config(ROOT / "site_config")
    started = time.monotonic()
    pub = publication.run(content_copy, config, upstream_db=None, reference=date(2026, 11, 28), jobs=1)
    assert time.monotonic() - started < 120
    mine = {f.rule for f in pub.findings if f.path == ITEM}
    published = {i.path for i in pub.published}
    if "too-complex" in mine:
        assert ITEM not in published
        message = next(f.message for f in pub.findings if f.rule == "too-complex")
        assert "暂不发布" in message and "嵌套" in message
    elif mine:  # withheld by another of the editor's rules (unsafe-html when the nesting cannot be rendered)
        assert ITEM not in published and any(f.severity == findings.ERROR for f in pub.findings if f.path == ITEM)
    else:  # rendered within the budget after all (a fast machine): then it is simply published
        assert ITEM in published
    assert "gate-failure" not in mine
    assert not {f.rule for f in pub.findings} & set(findings.INFRASTRUCTURE_RULES)
    assert len(published) > 100  # the rest of the demo is published


def test_the_brackets_item_is_withheld_at_the_default_budget_too(content_copy, monkeypatch):
    """With the real budget (30 s) the quadratic item is still bounded: the check stops at the
    budget instead of running for the hour the full text would take."""
    monkeypatch.setattr(cpu_limit, "BUDGET", 3.0)  # scaled down, the same mechanism
    (content_copy / ITEM).write_text(f"---\n{FRONT}---\n\n{BODY}\n\n" + "[[" * 200_000 + "\n", encoding="utf-8")
    pub = publication.run(
        content_copy, load_config(ROOT / "site_config"), upstream_db=None, reference=date(2026, 11, 28), jobs=1
    )
    assert [f.rule for f in pub.findings if f.path == ITEM] == ["too-complex"]


def test_a_hostile_static_page_is_left_out(content_copy, small_budget):
    page = content_copy / "pages" / "contact.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\n" + "[[" * 20_000 + "\n", encoding="utf-8")
    pub = publication.run(
        content_copy, load_config(ROOT / "site_config"), upstream_db=None, reference=date(2026, 11, 28), jobs=1
    )
    assert "too-complex" in {f.rule for f in pub.findings if f.path == "pages/contact.md"}
    assert "contact" not in {p.name for p in pub.pages}


def test_the_finding_names_the_cause():
    deep = confidentiality.too_complex("x.md", RecursionError())
    slow = confidentiality.too_complex("x.md", cpu_limit.LimitExceeded(30))
    assert deep.rule == slow.rule == "too-complex" and deep.severity == findings.ERROR
    assert "嵌套层次太深" in deep.message and "30 秒" in slow.message
