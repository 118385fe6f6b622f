"""The spare site recycled as the next staging folder (issue 15): a rebuild keeps the unchanged
pages of the site before the live one — the very files of the live site, shared by hard link —
instead of making every folder and linking every page again, and removes everything else of it
before writing anything.  On a small mkdocs project, each build is what pipeline.build does
(recycle or a fresh staging folder, render, snapshot, swap, keep the previous site as the spare)
and is compared with a clean render; the attacks change the live site or plant files in the spare."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import mkdocs_pages, publish
from helpers import plant as plant_in
from small_mkdocs import build, clean, three_builds, tree


def inodes(site: Path) -> dict:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def reads(monkeypatch) -> list:
    seen: list = []
    original = mkdocs_pages._read_regular

    def counting(path):
        seen.append(path)
        return original(path)

    monkeypatch.setattr(mkdocs_pages, "_read_regular", counting)
    return seen


def test_a_recycled_rebuild_keeps_the_shared_pages_without_reading_them_and_equals_a_clean_build(tmp_path, monkeypatch):
    engine, out, record = three_builds(tmp_path)
    (tmp_path / "docs" / "other.md").write_text("# 其他\n\n改过的正文\n", encoding="utf-8")
    before_live = tree(out)
    live_inodes = inodes(out)
    seen = reads(monkeypatch)
    record, outcome, recycled = build(engine, out, record)
    assert recycled
    assert outcome.rendered == ("other.md",)
    # nothing read but the theme's templates, kept unrendered (their status is not in the snapshot,
    # so their bytes are checked): every kept page is the live file the snapshot saw
    assert sorted(os.path.basename(p) for p in seen) == ["404.html", "sitemap.xml", "sitemap.xml.gz"]
    assert sorted(outcome.record.templates) == ["404.html", "sitemap.xml"]
    now = inodes(out)
    for kept in ("404.html", "sitemap.xml", "sitemap.xml.gz"):  # the live files, not rendered again
        assert now[kept] == live_inodes[kept]
    assert now["loose/index.html"] == live_inodes["loose/index.html"]  # kept, not linked or copied again
    assert now["other/index.html"] != live_inodes["other/index.html"]  # rendered into a file of its own
    assert tree(out) == clean(engine, tmp_path / "clean")
    # the site before (now the spare) was never written through: what it keeps is the previous live
    # site, byte for byte — only the files still shared with the new one; the changed page is gone
    spare = tree(publish.spare_dir(out))
    assert spare and all(before_live[k] == v for k, v in spare.items())
    assert "other/index.html" not in spare and "loose/index.html" in spare


def test_a_live_page_changed_in_place_with_its_time_set_back_is_rendered_again(tmp_path):
    engine, out, record = three_builds(tmp_path)
    page = out / "loose" / "index.html"
    st = page.stat()
    data = page.read_bytes()
    page.write_bytes(data.replace("不在导航".encode(), "被篡改了".encode()))  # same size
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_mtime_ns == st.st_mtime_ns and page.stat().st_size == st.st_size
    record, outcome, recycled = build(engine, out, record)
    assert recycled and "loose.md" in outcome.rendered
    assert tree(out) == clean(engine, tmp_path / "clean")


def test_a_page_whose_status_changed_close_to_the_snapshot_is_read_again(tmp_path, monkeypatch):
    """File times come from a coarse clock: a page whose status changed within RACY_NS of the
    snapshot is not taken on its status (here every page is that close: the window is widened)."""
    engine, out, record = three_builds(tmp_path)
    monkeypatch.setattr(mkdocs_pages, "RACY_NS", 10**18)
    seen = reads(monkeypatch)
    record, outcome, recycled = build(engine, out, record)
    assert recycled and outcome.rendered == ()
    # not trusted by their status: read and hashed, all the same (and the theme's three outputs, always)
    assert len(seen) == len(record.pages) + 3
    assert tree(out) == clean(engine, tmp_path / "clean")


@pytest.mark.parametrize("plant", ["file", "symlink", "fifo", "folder", "replaced"])
def test_what_is_planted_in_the_spare_never_reaches_the_site(tmp_path, plant):
    engine, out, record = three_builds(tmp_path)
    spare = publish.spare_dir(out)
    secret = tmp_path / "secret.txt"
    secret.write_text("涉密内容", encoding="utf-8")
    if not plant_in(plant, spare, "loose", ".html", secret):  # a spare page replaced by another file
        # of the same name (no longer the live file)
        target = spare / "loose" / "index.html"
        data = target.read_bytes()
        target.unlink()
        target.write_bytes(data.replace("不在导航".encode(), "被篡改了".encode()))
    record, outcome, recycled = build(engine, out, record)
    assert recycled
    assert tree(out) == clean(engine, tmp_path / "clean")
    names = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert not names & {"loose/evil.html", "loose/leak.html", "etc", "loose/pipe.html", "empty", "empty/deeper"}


def test_a_deleted_page_leaves_no_file_and_no_folder(tmp_path):
    engine, out, record = three_builds(tmp_path)
    (tmp_path / "docs" / "loose.md").unlink()
    record, _, recycled = build(engine, out, record)
    assert recycled
    assert not (out / "loose").exists()
    assert not (publish.spare_dir(out) / "loose").exists()  # nor beside the web root
    assert tree(out) == clean(engine, tmp_path / "clean")
    record, _, recycled = build(engine, out, record)  # and the spare that still had it
    assert recycled and not (out / "loose").exists()


def test_a_spare_that_is_not_a_folder_is_never_used(tmp_path):
    engine, out, record = three_builds(tmp_path)
    spare = publish.spare_dir(out)
    publish._remove(spare)
    spare.symlink_to(out)  # would make the live site the staging folder
    record, _, recycled = build(engine, out, record)
    assert not recycled
    assert tree(out) == clean(engine, tmp_path / "clean")
    assert spare.is_dir() and not spare.is_symlink()


def test_docs_files_are_hashed_again_only_when_their_status_changed(tmp_path, monkeypatch):
    engine, out, record = three_builds(tmp_path)
    record, _, _ = build(engine, out, record)
    hashed: list[int] = []
    real = mkdocs_pages.hashlib

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def sha256(data=b""):
            hashed.append(len(data))
            return real.sha256(data)

    monkeypatch.setattr(mkdocs_pages, "hashlib", Counting())
    record, outcome, _ = build(engine, out, record)
    # no docs file and no page read: only the theme's outputs kept unrendered (their status is not
    # recorded) and the key of what they show (a digest of the 64-character stamp)
    theirs = sorted([64] + [(out / name).stat().st_size for name in ("404.html", "sitemap.xml", "sitemap.xml.gz")])
    assert outcome.rendered == () and sorted(n for n in hashed if n) == theirs
    docs = tmp_path / "docs" / "loose.md"  # changed in place, same size, its time set back
    st = docs.stat()
    docs.write_text(docs.read_text(encoding="utf-8").replace("不在导航", "改了标题"), encoding="utf-8")
    os.utime(docs, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert docs.stat().st_size == st.st_size
    record, outcome, _ = build(engine, out, record)
    assert outcome.rendered == ("loose.md",)
    assert tree(out) == clean(engine, tmp_path / "clean")


def test_the_spare_loses_the_stale_files_it_is_told_and_nothing_outside(tmp_path):
    site = tmp_path / "spare"
    (site / "items" / "gone").mkdir(parents=True)
    (site / "items" / "kept").mkdir(parents=True)
    (site / "items" / "gone" / "index.html").write_text("撤下的信息", encoding="utf-8")
    (site / "items" / "kept" / "index.html").write_text("仍在的信息", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("不能删", encoding="utf-8")
    publish.remove_files(site, ["items/gone/index.html", "missing.html"])
    assert not (site / "items" / "gone").exists() and (site / "items" / "kept" / "index.html").exists()
    for bad in ["../outside.txt", str(outside), "items/../../outside.txt"]:
        with pytest.raises(OSError):
            publish.remove_files(site, [bad])
    assert outside.exists()
    (site / "linked").symlink_to(tmp_path)  # a folder of the spare swapped for a link out of it
    with pytest.raises(OSError):
        publish.remove_files(site, ["linked/outside.txt"])
    assert outside.exists()
