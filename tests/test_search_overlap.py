"""Pagefind writes the search bundles on a thread while the build hashes and checks the rest of
the new site (``pipeline/build.py``; issue 15: a one-edit rebuild waits for the longer of the
two, not their sum).  What must still hold: every file the public receives — the bundles too —
is judged by the output audit and listed in the manifest; a check that fails while Pagefind runs
leaves nothing writing into a discarded folder and the live site as it was; a check that does not
take the build's context sees the whole finished site.
"""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

import pytest

from incremental_portal import Portal, build_checked, clone, digest, leftovers
from pipeline import build as build_mod
from pipeline import search_index
from pipeline.findings import ERROR, Finding

MARKER = "【机密】"  # a 密级 marking the output audit refuses (site_config/confidentiality.yaml)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("overlap")
    Portal(tmp, random.Random(11)).build("inc", incremental=True)
    return tmp


@pytest.mark.parametrize("where", ["newest", "older"])
def test_what_pagefind_writes_is_audited_and_the_live_site_stays(base, tmp_path, monkeypatch, where):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    original = search_index.index_site

    def planting(site_dir, *args, **kwargs):
        made = original(site_dir, *args, **kwargs)
        bundles = sorted(p for p in site_dir.iterdir() if search_index.is_bundle_name(p.name))
        assert len(bundles) > 1  # the portal has several shards: one of each kind is tried
        bundle = bundles[0] if where == "newest" else bundles[-1]
        (bundle / "planted.json").write_text(
            json.dumps({"note": MARKER + "内部资料"}, ensure_ascii=False), encoding="utf-8"
        )
        return made

    monkeypatch.setattr(search_index, "index_site", planting)
    portal.edit()
    with pytest.raises(build_mod.BuildFailed) as failed:
        build_checked(portal)
    assert any(f.path.endswith("/planted.json") for f in failed.value.findings)
    assert digest(site) == before
    assert leftovers(portal) == []


def test_a_check_failing_while_pagefind_runs_waits_for_it_and_leaves_nothing(base, tmp_path, monkeypatch):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    original = search_index.index_site
    started, done = threading.Event(), []

    def slow(site_dir, *args, **kwargs):
        started.set()
        time.sleep(1.5)  # still writing when the check below has failed
        try:  # told to stop by then (the next test): it ends early, but it ends before the build returns
            return original(site_dir, *args, **kwargs)
        finally:
            done.append(site_dir)

    def failing(site, pub, config, context=None):
        assert started.wait(30)
        assert not context.final and not any(search_index.is_bundle_name(rel.split("/")[0]) for rel in context.hashes)
        return [Finding("index.html", "test-check", ERROR, "测试：检查不通过")]

    failing.takes_context = True
    monkeypatch.setattr(search_index, "index_site", slow)
    portal.edit()
    with pytest.raises(build_mod.BuildFailed):
        build_checked(portal, checks=(failing,))
    assert done, "the build returned while Pagefind was still writing into its staging folder"
    assert not done[0].exists()  # then the staging folder was discarded
    assert digest(site) == before
    assert leftovers(portal) == []


def test_a_check_failing_while_pagefind_runs_ends_it(base, tmp_path, monkeypatch):
    """The failed build's index is thrown away: the running Pagefind is ended and no other shard is
    started, instead of the build waiting for the whole run (minutes on a cold 50k build).  The
    Pagefind here is a stand-in that says when it started and would say when it finished."""
    import os
    import sys

    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    log = tmp_path / "pagefind.log"
    fake = tmp_path / "fake-pagefind"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        f"log = open({str(log)!r}, 'a')\n"
        "log.write(f'started {os.getpid()}\\n'); log.flush()\n"
        "time.sleep(60)\n"
        "log.write('finished\\n')\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    monkeypatch.setattr(search_index, "executable", lambda: fake)

    def failing(site, pub, config, context=None):
        for _ in range(600):  # until the stand-in runs (no timing asserted: it waits as long as needed)
            if log.exists() and log.read_text(encoding="utf-8").startswith("started"):
                break
            time.sleep(0.1)
        return [Finding("index.html", "test-check", ERROR, "测试：检查不通过")]

    failing.takes_context = True
    portal.edit()
    with pytest.raises(build_mod.BuildFailed):
        build_checked(portal, checks=(failing,))
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].startswith("started"), lines  # one run, never finished, none after
    pid = int(lines[0].split()[1])
    with pytest.raises(ProcessLookupError):  # ended and reaped before the build returned
        os.kill(pid, 0)
    assert digest(site) == before
    assert leftovers(portal) == []


def test_checks_are_given_the_whole_site_in_parts(base, tmp_path):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    parts, whole = [], []

    def with_context(site_dir, pub, config, context=None):
        context.state.setdefault("calls", []).append(context.final)
        parts.append((dict(context.hashes), context.final))
        return []

    def without_context(site_dir, pub, config):
        whole.append(sorted(p.name for p in site_dir.iterdir() if search_index.is_bundle_name(p.name)))
        return []

    with_context.takes_context = True
    portal.edit()
    result = build_checked(portal, checks=(with_context, without_context))
    assert result.swap and len(parts) >= 2
    assert [final for _, final in parts] == [False] * (len(parts) - 1) + [True]
    # the pages first (while Pagefind runs), then bundle folders: each file once, the parts disjoint
    tops = [{rel.split("/")[0] for rel in files} for files, _ in parts]
    assert not any(search_index.is_bundle_name(top) for top in tops[0])
    assert all(search_index.is_bundle_name(top) for later in tops[1:] for top in later)
    assert all(a.isdisjoint(b) for i, a in enumerate(tops[1:]) for b in tops[i + 2 :])
    assert "pagefind" in tops[-1]  # the newest bundle gets the list of bundles last
    every = {rel: got for files, _ in parts for rel, got in files.items()}
    assert sum(len(files) for files, _ in parts) == len(every)
    listed = json.loads((site / "portal-manifest.json").read_text(encoding="utf-8"))["files"]
    assert {rel: (entry["sha256"], entry["size"]) for rel, entry in listed.items()} == every
    assert len(whole) == 1 and len(whole[0]) > 1  # called once, with every bundle written


def test_bundle_names(tmp_path):
    assert search_index.is_bundle_name("pagefind") and search_index.is_bundle_name("pagefind-12")
    for name in ("pagefind-", "pagefind-x", "pagefind2", "pagefinder", "assets", "pagefind-1a"):
        assert not search_index.is_bundle_name(name)
