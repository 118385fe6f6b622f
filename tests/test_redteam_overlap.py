"""Red-team attacks on Pagefind running beside the build's hashing and checks (commits 1d19bfd,
555e870: ``pipeline/build.py`` judges the site outside the search bundle folders while Pagefind
writes them, each bundle folder Pagefind reports finished, then the rest).

Guarantees under attack: every published file is judged as the bytes that are published and
listed with its digest; a failure leaves the live site as it was and nothing writing into a
discarded folder.  Each test works on its own copy of one portal (several search bundles).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from pathlib import Path

import pytest

from incremental_portal import Portal, build_checked, clone, digest, leftovers
from pipeline import audit
from pipeline import build as build_mod
from pipeline import mkdocs_build, search_index

MARKER = "【机密】"  # a 密级 marking the output audit refuses (site_config/confidentiality.yaml)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("overlap-red")
    Portal(tmp, random.Random(11)).build("inc", incremental=True)
    return tmp


def _manifest_matches(site: Path) -> None:
    """Every file of the live site is listed with the digest of its bytes, and nothing else."""
    listed = json.loads((site / "portal-manifest.json").read_text(encoding="utf-8"))["files"]
    on_disk = {
        p.relative_to(site).as_posix(): p
        for p in site.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name not in ("portal-manifest.json", "portal-manifest.json.sig")
    }
    assert sorted(listed) == sorted(on_disk)
    for rel, path in on_disk.items():
        data = path.read_bytes()
        assert listed[rel] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}, rel


def _plant_after_render(monkeypatch, plant) -> None:
    original = mkdocs_build.render_pages

    def rendering(*args, **kwargs):
        made = original(*args, **kwargs)
        plant(Path(kwargs["site_dir"]))
        return made

    monkeypatch.setattr(mkdocs_build, "render_pages", rendering)


@pytest.mark.parametrize("name", ["pagefind-٣", "pagefind-²", "pagefind-３", "pagefind-03"])
def test_a_bundle_like_file_is_audited(base, tmp_path, monkeypatch, name):
    """A top-level file whose name passes is_bundle_name (unicode digits): skipped while Pagefind
    runs, never removed by index_site (not a folder) — it must be judged in the last part."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    _plant_after_render(monkeypatch, lambda staging: (staging / name).write_text(MARKER + "内部资料", encoding="utf-8"))
    portal.edit()
    with pytest.raises(build_mod.BuildFailed) as failed:
        build_checked(portal)
    assert any(f.path == name for f in failed.value.findings), failed.value
    assert digest(site) == before
    assert leftovers(portal) == []


@pytest.mark.parametrize("name", ["pagefind-٣", "pagefind-²", "pagefind-7"])
def test_a_bundle_like_folder_is_removed_or_audited(base, tmp_path, monkeypatch, name):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"

    def plant(staging: Path) -> None:
        (staging / name).mkdir()
        (staging / name / "leak.html").write_text(f"<p>{MARKER}内部资料</p>", encoding="utf-8")

    _plant_after_render(monkeypatch, plant)
    portal.edit()
    try:
        build_checked(portal)
    except build_mod.BuildFailed as failed:
        assert any(f.path == f"{name}/leak.html" for f in failed.findings), failed
    else:
        assert not (site / name).exists()
        _manifest_matches(site)
    assert leftovers(portal) == []


def test_a_symlink_named_like_a_bundle_never_reaches_the_live_site(base, tmp_path, monkeypatch):
    """``pagefind-9`` → the live site: index_site's stale-bundle removal must not follow it."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    _plant_after_render(monkeypatch, lambda staging: os.symlink(site, staging / "pagefind-9"))
    portal.edit()
    with pytest.raises(build_mod.BuildFailed):
        build_checked(portal)
    assert digest(site) == before
    assert leftovers(portal) == []


def _spy(seen_done: threading.Event, parts: list, fail_on_done: bool = False, reported=None):
    def spy(site_dir, pub, config, context=None):
        tops = {rel.split("/")[0] for rel in context.hashes}
        parts.append((sorted(tops), context.final))
        if reported is not None and not parts[1:]:  # the first part: until Pagefind reported a bundle done
            assert reported.wait(60)
        if not context.final and tops and all(search_index.is_bundle_name(t) for t in tops):
            seen_done.set()
            if fail_on_done:
                from pipeline.findings import ERROR, Finding

                return [Finding(sorted(context.hashes)[0], "test-check", ERROR, "测试：检查不通过")]
        return []

    spy.takes_context = True
    return spy


class _Held:
    """``index_site`` watched: ``before(name)`` runs as the bundle folder ``name`` is begun (taken
    over or indexed); ``reported`` is set once a finished folder was reported; ``ended`` and ``dirs``
    record when index_site returned and which staging folder it wrote."""

    def __init__(self, monkeypatch, before) -> None:
        self.reported, self.ended, self.dirs = threading.Event(), [], []
        take, run, index = search_index._take_recorded, search_index._run_pagefind, search_index.index_site

        def taking(held, old, expected, recorded, live, target, digests):
            before(target.name)
            return take(held, old, expected, recorded, live, target, digests)

        def running(site_dir, shard, *rest):
            before(shard.output_subdir)
            return run(site_dir, shard, *rest)

        def indexing(site_dir, *args, done=None, **kwargs):
            def forward(name, digests):
                done(name, digests)
                self.reported.set()

            self.dirs.append(site_dir)
            try:
                return index(site_dir, *args, done=forward, **kwargs)
            finally:
                self.ended.append(time.monotonic())

        monkeypatch.setattr(search_index, "_take_recorded", taking)
        monkeypatch.setattr(search_index, "_run_pagefind", running)
        monkeypatch.setattr(search_index, "index_site", indexing)


def test_pagefind_failing_after_earlier_bundles_were_judged(base, tmp_path, monkeypatch):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    seen_done, parts = threading.Event(), []

    def breaking(name):
        if name == "pagefind-1":  # the last shard indexed
            seen_done.wait(60)
            time.sleep(0.5)
            raise search_index.SearchIndexError("测试：Pagefind 失败")

    held = _Held(monkeypatch, breaking)
    portal.edit()
    with pytest.raises((build_mod.BuildFailed, search_index.SearchIndexError)):
        build_checked(portal, checks=(audit.publish_check, _spy(seen_done, parts, reported=held.reported)))
    returned = time.monotonic()
    assert seen_done.is_set(), parts  # a bundle folder was judged before Pagefind failed
    assert held.ended and held.ended[0] <= returned
    assert digest(site) == before
    assert leftovers(portal) == []


def test_a_check_failing_on_a_finished_bundle_waits_for_pagefind(base, tmp_path, monkeypatch):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    seen_done, parts = threading.Event(), []

    def slow(name):
        if name == "pagefind-1":
            seen_done.wait(60)
            time.sleep(1.0)  # still writing when the check has failed

    held = _Held(monkeypatch, slow)
    portal.edit()
    spy = _spy(seen_done, parts, fail_on_done=True, reported=held.reported)
    with pytest.raises(build_mod.BuildFailed):
        build_checked(portal, checks=(audit.publish_check, spy))
    returned = time.monotonic()
    assert held.ended and held.ended[0] <= returned, "the build returned while Pagefind still wrote"
    assert not held.dirs[0].exists()
    assert digest(site) == before
    assert leftovers(portal) == []


def test_the_done_callback_raising_fails_the_build(base, tmp_path, monkeypatch):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = digest(site)
    original_index = search_index.index_site

    def index(*args, done=None, **kwargs):
        def raising(name, digests):
            done(name, digests)
            raise RuntimeError("测试：回调出错")

        return original_index(*args, done=raising, **kwargs)

    monkeypatch.setattr(search_index, "index_site", index)
    portal.edit()
    with pytest.raises(build_mod.BuildFailed):
        build_checked(portal)
    assert digest(site) == before
    assert leftovers(portal) == []


def test_a_new_shard_renumbering_the_newest_is_judged_and_listed(base, tmp_path):
    """Items of a later month open a new shard: the old newest bundle becomes pagefind-N (taken
    over by fingerprint, reported done at once); every file judged once and listed as its bytes."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    bundles_before = sorted(p.name for p in site.iterdir() if search_index.is_bundle_name(p.name))
    folder = portal.content / "items" / "bureau" / "2026"
    for n in range(45):
        (folder / f"2026-09-{n % 28 + 1:02d}-later-{n}.md").write_text(
            "---\ntitle: 九月测试条目{n}号\ndate: 2026-09-{d:02d}\nsite: bureau\ncolumn: news\n"
            "author: 张三\nreviewer: 李四\n---\n本条用于分片测试，编号 {n}。江临市商务局召开外贸企业座谈会。\n".format(
                n=n, d=n % 28 + 1
            ),
            encoding="utf-8",
        )
    parts: list = []

    def spy(site_dir, pub, config, context=None):
        parts.append((dict(context.hashes), context.final))
        return []

    spy.takes_context = True
    result = build_checked(portal, checks=(audit.publish_check, spy))
    assert result.swap
    bundles_after = sorted(p.name for p in site.iterdir() if search_index.is_bundle_name(p.name))
    assert len(bundles_after) > len(bundles_before), (bundles_before, bundles_after)
    every = {}
    for files, _ in parts:
        assert every.keys().isdisjoint(files)
        every.update(files)
    listed = json.loads((site / "portal-manifest.json").read_text(encoding="utf-8"))["files"]
    assert {rel: (e["sha256"], e["size"]) for rel, e in listed.items()} == every
    _manifest_matches(site)
    # and again (the renumbered bundle is now recorded under its new name)
    portal.edit()
    assert build_checked(portal).swap
    _manifest_matches(site)


def _changed_after_judgement(monkeypatch, change) -> tuple:
    """Break index_site's promise: once the build has judged the first bundle folder index_site
    reported finished, ``change(folder)`` writes into it.  Returns the check that tells when that
    judgement happened (to be given to the build) and the names of the folders reported."""
    judged, reported = threading.Event(), threading.Event()
    original_index = search_index.index_site
    names: list[str] = []

    def index(site_dir, *args, done=None, **kwargs):
        def forward(name, digests):
            names.append(name)
            done(name, digests)
            reported.set()

        made = original_index(site_dir, *args, done=forward, **kwargs)
        assert judged.wait(60)
        change(site_dir / names[0])
        return made

    def spy(site_dir, pub, config, context=None):
        tops = {rel.split("/")[0] for rel in context.hashes}
        if not any(search_index.is_bundle_name(t) for t in tops):
            assert reported.wait(60)  # the first part ends after a bundle was reported done
        elif not context.final:
            judged.set()
        return []

    spy.takes_context = True
    monkeypatch.setattr(search_index, "index_site", index)
    return spy, names


def test_a_finished_bundle_rewritten_in_place_after_its_judgement_is_noticed(base, tmp_path, monkeypatch):
    """index_site promises that nothing writes into a folder it reported done; the build does
    not check it.  Before 1d19bfd/555e870 every bundle byte was hashed and audited after index_site
    returned, so whatever it wrote was judged.  Here a file of a finished bundle is rewritten in
    place (same name: the listing check sees nothing) after the build judged it."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"

    def rewrite(folder: Path) -> None:
        entry = folder / "pagefind-entry.json"
        data = json.loads(entry.read_text(encoding="utf-8"))
        data["note"] = MARKER + "内部资料"
        with open(entry, "r+", encoding="utf-8") as handle:  # in place: the same inode, the same name
            handle.write(json.dumps(data, ensure_ascii=False))
            handle.truncate()

    spy, names = _changed_after_judgement(monkeypatch, rewrite)
    portal.edit()
    try:
        build_checked(portal, checks=(audit.publish_check, spy))
    except build_mod.BuildFailed:
        return  # noticed: the new site was not published
    assert MARKER not in (site / names[0] / "pagefind-entry.json").read_text(encoding="utf-8"), "published unjudged"
    _manifest_matches(site)


def test_a_finished_bundle_that_loses_and_gains_files_after_its_judgement_is_judged_again(base, tmp_path, monkeypatch):
    """The same broken promise, with files removed from and added to a finished bundle: the folder
    is hashed and checked again, so the manifest lists exactly what is published, each file with
    the digest of its bytes (no entry left from the first judgement)."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"

    def reshape(folder: Path) -> None:
        sorted(folder.glob("fragment/*"))[0].unlink()
        (folder / "added-later.json").write_text('{"note": "公开内容"}', encoding="utf-8")

    spy, names = _changed_after_judgement(monkeypatch, reshape)
    portal.edit()
    assert build_checked(portal, checks=(audit.publish_check, spy)).swap
    assert (site / names[0] / "added-later.json").is_file()
    _manifest_matches(site)
