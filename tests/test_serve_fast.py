"""The fast path of ``portal serve`` (pipeline/preview.py, issue 15 §4): after a save, the preview's
pages are those a clean build of the same content gives, byte for byte; a deleted or withheld item
is gone from its page and every list; a bad edit keeps the last good preview and names the finding."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline import build as build_mod
from pipeline import mkdocs_pages, preview
from pipeline.config import load_config
from pipeline.publish import live_dir
from helpers import ROOT
from provenance_repo import ITEM as REPO_ITEM
from provenance_repo import Repo, item_text
from serve_preview import ITEM, preview_build, quick_save

OTHER = "items/bureau/2026/2026-11-24-winter-safety-inspection.md"
# not compared: the search bundles (indexed when the editor stops saving) and the manifest naming them
DEFERRED = ("pagefind", "portal-manifest.json")


def _tree(site: Path) -> dict[str, bytes]:
    out = {}
    for folder, _dirs, names in os.walk(site):
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), site).replace(os.sep, "/")
            if not rel.startswith(DEFERRED):
                out[rel] = Path(folder, name).read_bytes()
    return out


def _same_as_clean(content: Path, preview_dir: Path, scratch: Path) -> None:
    preview_build(content, scratch / "clean-site", scratch / "clean-work")
    clean, shown = _tree(scratch / "clean-site"), _tree(preview_dir)
    assert sorted(clean) == sorted(shown)
    differ = [rel for rel in clean if clean[rel] != shown[rel]]
    assert differ == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_fast_path_gives_the_clean_build_pages_and_drops_deleted_and_withheld_items(content_copy, tmp_path):
    content, work = content_copy, tmp_path / "work"
    out = work / "preview"
    result = preview_build(content, out, work)
    state = preview.make_state(
        result.publication, load_config(ROOT / "site_config"), content, work, live_dir(out), result.engine_config
    )
    site = live_dir(out)
    url = "bureau/2026/2026-05-12-scrapped-vehicle-recycling/index.html"

    # an edit: the page and only the pages showing the item change, as a clean build has them
    item = content / ITEM
    good = item.read_text(encoding="utf-8")
    item.write_text(good.replace("title: 1—4月", "title: FASTMARK 1—4月", 1) + "\n补充：FASTBODY。\n", encoding="utf-8")
    quick = quick_save(state, content, {ITEM}, work)
    assert quick.kind == preview.FAST, quick.reason
    assert url in quick.changed and len(quick.changed) < 40, quick.changed
    page = (site / url).read_text(encoding="utf-8")
    assert "FASTMARK" in page and "FASTBODY" in page
    assert "FASTMARK" in (site / "bureau/index.html").read_text(encoding="utf-8")
    _same_as_clean(content, site, tmp_path / "c1")

    # a bad edit (broken YAML, then a date of 9999): the finding, and the preview as it was
    before = _tree(site)
    item.write_text(good.replace("title: ", "title: [坏的", 1), encoding="utf-8")
    bad = quick_save(state, content, {ITEM}, work)
    assert bad.kind == preview.BAD and any(f.rule == "bad-yaml" and f.path == ITEM for f in bad.findings)
    item.write_text(good.replace("date: 2026-05-12", "date: 9999-05-12", 1), encoding="utf-8")
    bad = quick_save(state, content, {ITEM}, work)
    assert bad.kind == preview.BAD and any(f.rule == "bad-date" and "9999" in f.message for f in bad.findings)
    assert _tree(site) == before

    # withheld (declared 依申请公开): whether another item repeats its words is decided over all items,
    # so serve builds in full (as it does on a FULL answer); deleted: the fast path.  Both are then
    # gone from the item page, every list and feed
    item.write_text(good.replace("kind: 信息", "kind: 信息\ndisclosure: 依申请公开", 1), encoding="utf-8")
    withheld = quick_save(state, content, {ITEM}, work)
    assert withheld.kind == preview.FULL and "不公开" in withheld.reason, withheld
    result = preview_build(content, out, work)
    state = preview.make_state(
        result.publication, load_config(ROOT / "site_config"), content, work, live_dir(out), result.engine_config
    )
    site = live_dir(out)
    assert not (site / url).exists()
    other = content / OTHER
    title = next(line[7:] for line in other.read_text(encoding="utf-8").splitlines() if line.startswith("title: "))
    other.unlink()
    deleted = quick_save(state, content, {OTHER}, work)
    assert deleted.kind == preview.FAST, deleted.reason
    for rel, data in _tree(site).items():
        text = data.decode("utf-8", "replace")
        assert "FASTMARK" not in text and "报废机动车回收量" not in text and title not in text, rel
    _same_as_clean(content, site, tmp_path / "c2")


def test_what_the_fast_path_leaves_to_a_full_build(content_copy, tmp_path):
    content, work = content_copy, tmp_path / "work"
    out = work / "preview"
    result = preview_build(content, out, work)
    state = preview.make_state(
        result.publication, load_config(ROOT / "site_config"), content, work, live_dir(out), result.engine_config
    )
    new = content / "items/bureau/2026/2026-11-30-brand-new.md"
    new.write_text((content / ITEM).read_text(encoding="utf-8"), encoding="utf-8")
    assert quick_save(state, content, {"items/bureau/2026/2026-11-30-brand-new.md"}, work).kind == preview.FULL
    assert quick_save(state, content, {"pages/about.md"}, work).kind == preview.FULL
    item = content / ITEM
    item.write_text(item.read_text(encoding="utf-8") + "\n[附件](../../../files/x.pdf)\n", encoding="utf-8")
    slow = quick_save(state, content, {ITEM}, work)
    assert slow.kind == preview.FULL and "附件" in slow.reason


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_while_a_complete_build_holds_the_lock_the_fast_path_writes_only_its_overlay(content_copy, tmp_path):
    """A save while ``portal serve``'s complete build runs: its pages go into the overlay folder (served
    in front of the preview) and neither the preview, the docs tree nor the page record is written;
    put in place afterwards (flush), the preview is the clean build's.  The page record is kept in
    memory: the one on disk lags until it is written, and a build over a lagging record still gives
    the clean build's site (a page is taken over only when it has the recorded digest)."""
    content, work = content_copy, tmp_path / "work"
    out = work / "preview"
    result = preview_build(content, out, work)
    config = load_config(ROOT / "site_config")
    state = preview.make_state(result.publication, config, content, work, live_dir(out), result.engine_config)
    site, overlay = live_dir(out), work / "preview-overlay"
    url = "bureau/2026/2026-05-12-scrapped-vehicle-recycling/index.html"
    site_before, docs_before = _files(site), _files(work / "docs")
    record_before = (work / mkdocs_pages.RECORD_FILE).read_bytes()

    item = content / ITEM
    good = item.read_text(encoding="utf-8")
    item.write_text(good.replace("title: 1—4月", "title: OVERLAYMARK 1—4月", 1), encoding="utf-8")
    quick = quick_save(state, content, {ITEM}, work, overlay=overlay)
    assert quick.kind == preview.FAST, quick.reason
    assert url in quick.changed and url in state.deferred.files and "bureau/index.html" in state.deferred.files
    assert "OVERLAYMARK" in (overlay / url).read_text(encoding="utf-8")
    assert _files(site) == site_before and _files(work / "docs") == docs_before
    assert (work / mkdocs_pages.RECORD_FILE).read_bytes() == record_before and not state.record_dirty

    # a second save on top of the first, still in the overlay
    item.write_text(good.replace("title: 1—4月", "title: OVERLAYMARK2 1—4月", 1), encoding="utf-8")
    assert quick_save(state, content, {ITEM}, work, overlay=overlay).kind == preview.FAST
    assert "OVERLAYMARK2" in (overlay / url).read_text(encoding="utf-8")
    assert _files(site) == site_before

    # the lock is free again: the overlay goes into the preview, which is then the clean build's
    moved = preview.flush(state, overlay)
    assert url in moved and not state.deferred and state.record_dirty
    assert not [p for p in overlay.rglob("*") if p.is_file()]
    _same_as_clean(content, site, tmp_path / "c1")
    assert (work / mkdocs_pages.RECORD_FILE).read_bytes() == record_before  # not written yet: it lags the preview

    # a build over the lagging record: the changed pages are rendered again, the site is the clean build's
    lagging = preview_build(content, out, work)
    assert lagging.timings["pages_rendered"] >= 2
    _same_as_clean(content, live_dir(out), tmp_path / "c2")

    # with the kept record written (as serve does before a complete build) the edited pages are taken over
    state = preview.make_state(lagging.publication, config, content, work, live_dir(out), lagging.engine_config)
    item.write_text(good.replace("title: 1—4月", "title: LIVEMARK 1—4月", 1), encoding="utf-8")
    assert quick_save(state, content, {ITEM}, work).kind == preview.FAST
    assert "LIVEMARK" in (live_dir(out) / url).read_text(encoding="utf-8") and state.record_dirty
    preview.save_record(state)
    trusted = preview_build(content, out, work)
    assert trusted.timings["pages_rendered"] == 0, trusted.timings
    _same_as_clean(content, live_dir(out), tmp_path / "c3")


@pytest.mark.skipif(shutil.which("ssh-keygen") is None or shutil.which("git") is None, reason="需要 git 与 ssh-keygen")
def test_the_fast_path_never_shows_as_approved_an_item_whose_attachment_changed_after_signing(tmp_path):
    """With ``review.require_signature`` a signed 审签 covers the item and every file it refers to
    (provenance: ``review-outdated``).  The attachment replaced after the approval, then the item
    saved (its own text still the signed one) while the complete build had not yet run: the fast
    path checked the item's signature without its files and kept it in the preview as approved —
    what the build withholds.  The editor is told why instead, and the preview keeps it out."""
    repo = Repo(tmp_path / "repo")
    files = repo.content / "files"
    files.mkdir()
    (files / "report.csv").write_text("企业,订单\n甲公司,12\n", encoding="utf-8")
    item = repo.write(REPO_ITEM, item_text(extra="attachments:\n  - {name: 企业名单, file: files/report.csv}\n"))
    repo.commit("新信息", signer="wang")
    work = tmp_path / "work"
    out = work / "preview"
    config = load_config(repo.config_dir)
    options = build_mod.BuildOptions(
        content=repo.content, config_dir=repo.config_dir, out=out, work=work, mkdocs_file=ROOT / "mkdocs.yml", jobs=1
    )
    result = build_mod.build(options, config)
    rel = f"items/{REPO_ITEM}"
    assert [i.path for i in result.publication.published] == [rel]  # signed: in the preview
    state = preview.make_state(result.publication, config, repo.content, work, live_dir(out), result.engine_config)

    (files / "report.csv").write_text("企业,订单\n乙公司,990\n", encoding="utf-8")  # never seen by the reviewer
    item.write_text(item.read_text(encoding="utf-8"), encoding="utf-8")  # saved again, as signed
    quick = preview.quick_edit(
        state,
        {rel},
        repo.content,
        config,
        build_mod.markdown_settings(ROOT / "mkdocs.yml"),
        None,
        work / "upstream.sqlite",
    )
    said = [f for f in quick.findings if f.path == rel and f.severity == "error"]
    assert [f.rule for f in said] == ["review-outdated"], quick
    assert "files/report.csv" in said[0].message and "portal approve" in said[0].message
    assert quick.kind != preview.FAST or rel not in [i.path for i in state.pub.published]
    # the complete build that follows says the same
    rebuilt = build_mod.build(options, config)
    assert rel not in [i.path for i in rebuilt.publication.published]
    assert any(f.rule == "review-outdated" and f.path == rel for f in rebuilt.publication.findings)
