"""pipeline.memo: the one memo mechanism, applied around the stages in publication.run only."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

from pipeline import audit_cache, cache_codec, memo
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


KEY = bytes(range(32))  # the work folder's key (pipeline.audit_cache.cache_key) in these tests


def sealed(payload: dict) -> bytes:
    """A memo file as one written with :data:`KEY` (an insider who has the key)."""
    return audit_cache.seal(KEY, cache_codec.dumps(payload, (Finding,)))


def unsealed(data: bytes) -> dict:
    return cache_codec.loads(audit_cache.unseal(KEY, data), (Finding,))


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
    first = memo.Memo(tmp_path / "test.msgpack", SPEC, key=KEY)
    assert first.map(work(calls), tasks, lambda t: t) == [work([])(t) for t in tasks]
    assert sorted(calls) == ["a.md", "b.md", "c.md"]  # a repeated key is computed once
    first.save()
    calls.clear()
    again = memo.Memo(tmp_path / "test.msgpack", SPEC, key=KEY)
    assert again.map(work(calls), tasks + ["d.md"], lambda t: t) == [work([])(t) for t in tasks + ["d.md"]]
    assert calls == ["d.md"] and again.hits == 4


def test_a_refused_or_unreadable_entry_is_done_again(tmp_path):
    path = tmp_path / "test.msgpack"
    one = memo.Memo(path, SPEC, key=KEY)
    one.map(work([]), ["a.md", "b.md"], lambda t: t)
    one.save()
    data = unsealed(path.read_bytes())
    data["entries"]["a.md"] = data["entries"]["b.md"]  # another file's result under a's key
    path.write_bytes(sealed(data))
    calls: list[str] = []
    assert memo.Memo(path, SPEC, key=KEY).map(work(calls), ["a.md", "b.md"], lambda t: t) == [
        work([])("a.md"),
        work([])("b.md"),
    ]
    assert calls == ["a.md"]
    for damage in (b"\x80\x04 pickle", path.read_bytes()[:20], b""):
        path.write_bytes(damage)
        calls.clear()
        memo.Memo(path, SPEC, key=KEY).map(work(calls), ["a.md"], lambda t: t)
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


def _deltas(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".delta-" in p.name)


def _remembered(path: Path, tasks: list[str], save: bool = True) -> list[str]:
    """The tasks a fresh memo at ``path`` computes again (then saved, when ``save``)."""
    calls: list[str] = []
    again = memo.Memo(path, SPEC, key=KEY)
    assert again.map(work(calls), tasks, lambda t: t) == [work([])(t) for t in tasks]
    if save:
        again.save()
    return calls


def test_a_few_changes_go_to_a_delta_and_many_rewrite_the_memo(tmp_path):
    path = tmp_path / "test.msgpack"
    tasks = [f"{n}.md" for n in range(40)]
    first = memo.Memo(path, SPEC, key=KEY)
    first.map(work([]), tasks, lambda t: t)
    first.save()
    base = path.read_bytes()
    assert _deltas(tmp_path) == []
    changed = tasks[1:] + ["new.md"]  # one added, one gone: the base file is not rewritten
    step = memo.Memo(path, SPEC, key=KEY)
    step.map(work([]), changed, lambda t: t)
    step.save()
    assert path.read_bytes() == base and _deltas(tmp_path) == ["test.delta-1.msgpack"]
    assert _remembered(path, changed) == []
    assert _remembered(path, ["0.md"]) == ["0.md"]  # dropped by the delta
    # the last run kept only 0.md: a large change, so the base file is written whole and the deltas go
    assert _deltas(tmp_path) == [] and path.read_bytes() != base
    assert _remembered(path, ["0.md", "1.md"]) == ["1.md"]


def test_a_damaged_or_foreign_delta_is_skipped_and_a_stale_one_is_sound(tmp_path):
    path = tmp_path / "test.msgpack"
    tasks = [f"{n}.md" for n in range(40)]
    first = memo.Memo(path, SPEC, key=KEY)
    first.map(work([]), tasks, lambda t: t)
    first.save()
    step = memo.Memo(path, SPEC, key=KEY)
    step.map(work([]), tasks + ["new.md"], lambda t: t)
    step.save()
    delta = tmp_path / "test.delta-1.msgpack"
    good = delta.read_bytes()
    data = unsealed(good)
    for damage in (
        good[: len(good) // 2],  # a build killed while writing it (write_atomic makes this unlikely)
        b"\x80\x04 pickle",
        b"",
        good.partition(b"\n")[2],  # the right stamp and entries, without the MAC
        sealed({**data, "stamp": "another"}),
        sealed({**data, "dropped": "0.md"}),
        sealed({**data, "entries": {"new.md": work([])("0.md")}}),  # another file's result
    ):
        delta.write_bytes(damage)
        assert _remembered(path, tasks + ["new.md"], save=False) == ["new.md"]
        delta.write_bytes(good)
    # a delta left beside a base file written again (a build killed before removing it): its entries
    # are still right for their keys, and the keys it drops are only computed again
    (tmp_path / "test.delta-7.msgpack").write_bytes(
        sealed({"stamp": data["stamp"], "entries": {}, "dropped": ("3.md",)})
    )
    assert _remembered(path, tasks + ["new.md"], save=False) == ["3.md"]
    path.write_bytes(b"damaged")  # no base file of this stamp: no delta is read, all are removed
    assert sorted(_remembered(path, ["new.md", "0.md"])) == ["0.md", "new.md"]
    assert _deltas(tmp_path) == [] and _remembered(path, ["new.md", "0.md"]) == []


def test_decoded_entries_are_frozen_until_the_outermost_run_ends(tmp_path):
    import gc

    path = tmp_path / "test.msgpack"
    one = memo.Memo(path, SPEC, key=KEY)
    one.map(work([]), ["a.md", "b.md"], lambda t: t)
    one.save()
    gc.unfreeze()
    with memo.collector_thawed():
        with memo.collector_thawed():  # publication.run inside a build
            again = memo.Memo(path, SPEC, key=KEY)
            assert gc.get_freeze_count() > 0  # the collector no longer walks the decoded entries
            assert again.map(work([]), ["a.md"], lambda t: t) == [work([])("a.md")]
        assert gc.get_freeze_count() > 0  # still the build's
    assert gc.get_freeze_count() == 0  # nothing stays frozen: no cycle of garbage kept for good
    assert gc.isenabled()
