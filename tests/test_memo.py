"""pipeline.memo: the one memo mechanism, applied around the stages in publication.run only."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

from pipeline import cache_codec, memo
from pipeline.findings import Finding, error

# the pipeline stages: pure functions of items and config, which know nothing of caches or processes
STAGES = (
    "load",
    "confidentiality",
    "dedup",
    "dedup_stage",
    "numbering",
    "provenance",
    "withheld_text",
    "scoring",
    "attachments",
)
PLUMBING = {"memo", "stage_memos", "parallel", "cache_codec", "stage_cache", "load_cache"}


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / "pipeline" / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):  # late imports inside functions too
        if isinstance(node, ast.Import):
            names |= {a.name.removeprefix("pipeline.") for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pipeline":
                names |= {a.name for a in node.names}
            names.add(node.module.removeprefix("pipeline."))
    return names


def test_no_stage_imports_a_cache_or_a_pool():
    for stage in STAGES:
        assert not _imports(stage) & PLUMBING, stage


SPEC = memo.Spec(
    "test",
    ("memo.py",),
    records=(Finding,),
    check=lambda key, found: found if type(found) is Finding and found.path == key else memo_refuse(),
    uses_config=False,
)


def memo_refuse():
    raise ValueError("not ours")


def work(calls):
    def find(path: str) -> Finding:
        calls.append(path)
        return error(path, "x", f"found in {path}")

    return find


def test_map_equals_the_plain_map_and_remembers_each_key_once(tmp_path):
    tasks = ["a.md", "b.md", "a.md", "c.md"]
    calls: list[str] = []
    first = memo.Memo(tmp_path / "test.msgpack", SPEC)
    assert first.map(work(calls), tasks, lambda t: t) == [work([])(t) for t in tasks]
    assert sorted(calls) == ["a.md", "b.md", "c.md"]  # a repeated key is computed once
    first.save()
    calls.clear()
    again = memo.Memo(tmp_path / "test.msgpack", SPEC)
    assert again.map(work(calls), tasks + ["d.md"], lambda t: t) == [work([])(t) for t in tasks + ["d.md"]]
    assert calls == ["d.md"] and again.hits == 4


def test_a_refused_or_unreadable_entry_is_done_again(tmp_path):
    path = tmp_path / "test.msgpack"
    one = memo.Memo(path, SPEC)
    one.map(work([]), ["a.md", "b.md"], lambda t: t)
    one.save()
    data = cache_codec.loads(path.read_bytes(), (Finding,))
    data["entries"]["a.md"] = data["entries"]["b.md"]  # another file's result under a's key
    path.write_bytes(cache_codec.dumps(data, (Finding,)))
    calls: list[str] = []
    assert memo.Memo(path, SPEC).map(work(calls), ["a.md", "b.md"], lambda t: t) == [
        work([])("a.md"),
        work([])("b.md"),
    ]
    assert calls == ["a.md"]
    for damage in (b"\x80\x04 pickle", path.read_bytes()[:20], b""):
        path.write_bytes(damage)
        calls.clear()
        memo.Memo(path, SPEC).map(work(calls), ["a.md"], lambda t: t)
        assert calls == ["a.md"]


def test_off_remembers_nothing_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    off = memo.Memo.off()
    calls: list[str] = []
    assert off.map(work(calls), ["a.md", "a.md"], lambda t: pytest_fail()) == [work([])("a.md")] * 2
    off.save()
    assert calls == ["a.md", "a.md"] and list(Path(tmp_path).iterdir()) == []


def pytest_fail():
    raise AssertionError("no key is asked for when nothing is remembered")


def test_a_stamp_follows_the_code_of_a_package(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(memo, "HERE", tmp_path)
    before = memo.stamp("k", ("pkg",), (), None)
    (package / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert memo.stamp("k", ("pkg",), (), None) != before
