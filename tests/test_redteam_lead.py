"""Red-team tests of the lead's issue-15 shortcuts (mkdocs stage and the nothing-changed check).

Each builds what a hostile or careless user, a crashed process or a damaged disk could leave and
compares what the public receives with a clean build.
"""

from __future__ import annotations

import random

from incremental_portal import Portal, comparable

from pipeline import build as build_mod
from pipeline import mkdocs_pages

FORGED = "FORGEDzq7"


def test_a_docs_file_changed_after_the_docs_tree_is_rendered_again_by_the_next_build(tmp_path, monkeypatch):
    """The docs tree stage reads a docs file back and hands mkdocs its digest (RenderMemo.digests_on_disk).
    If the file changes before mkdocs renders it, the page shows the changed bytes: the page record
    must not say it was made from the bytes the docs tree read, or the next build (the docs file put
    right again, the same digest) keeps the forged page online for good."""
    portal = Portal(tmp_path, random.Random(7))
    portal.build("inc", incremental=True)
    work = tmp_path / "work-inc"
    docs = work / "docs"
    victim = sorted(p for p in docs.rglob("*.md") if "/20" in p.as_posix())[3]
    original = victim.read_bytes()
    (work / build_mod.PAGE_RECORD).unlink()  # every page is rendered next time, its docs file read back
    real = mkdocs_pages.build

    def tampering(*args, **kwargs):  # between the docs tree stage and mkdocs
        victim.write_bytes(original + f"\n\n{FORGED}\n".encode())
        return real(*args, **kwargs)

    monkeypatch.setattr(mkdocs_pages, "build", tampering)
    portal.add()
    site, result = portal.build("inc", incremental=True)
    monkeypatch.setattr(mkdocs_pages, "build", real)
    assert result.timings["pages_rendered"] > 250
    portal.add()  # a later build, the docs tree puts the docs file right
    site, result = portal.build("inc", incremental=True)
    assert victim.read_bytes() == original
    assert FORGED not in "".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*.html"))
    clean, _ = portal.build("clean", incremental=False)
    assert comparable(site) == comparable(clean)


def test_remembered_files_follow_odd_names_folders_links_and_exclusions(tmp_path):
    """Held (824ca9a): names a memo keyed by path could confuse (NFC beside NFD, a backslash, a
    docs file that became a folder of that name, a link to a folder: a link loop hangs mkdocs' own
    walk alike) and a changed exclude_docs give, build after build, what mkdocs' get_files and
    set_exclusions give (test_mkdocs_files covers adds, removals, use_directory_urls, not_in_nav,
    forged memos and README beside index.md)."""
    import os
    import unicodedata

    from files_probe import config_for, described, mkdocs_described, write_docs

    from pipeline import mkdocs_files

    work = tmp_path / "work"
    work.mkdir()
    docs = tmp_path / "docs"
    nfc = unicodedata.normalize("NFC", "café.md")
    nfd = unicodedata.normalize("NFD", "café.md")
    assert nfc != nfd
    write_docs(docs, ["index.md", f"a/{nfc}", f"a/{nfd}", "a/back\\slash.md", "b.md", "c/index.md"])
    os.symlink("../c", docs / "a" / "to-c")
    config = config_for(tmp_path)
    for step in range(4):
        if step == 1:  # b.md becomes a folder b.md/ holding a page
            (docs / "b.md").unlink()
            write_docs(docs, ["b.md/index.md", "b.md/x.md"])
        if step == 2:
            (tmp_path / "mkdocs.yml").write_text(
                (tmp_path / "mkdocs.yml").read_text(encoding="utf-8").replace("  drafts/\n", "  drafts/\n  a/\n"),
                encoding="utf-8",
            )
            from mkdocs.config import load_config

            config = load_config(str(tmp_path / "mkdocs.yml"))
        ours = described(mkdocs_files.get_files(config, work))
        assert ours == mkdocs_described(config), step


def test_a_spare_page_linked_to_another_or_changed_with_its_time_set_back_is_not_kept(tmp_path):
    """Held (f1ffc26): the recycled spare keeps a page whose file has the very status the snapshot
    recorded, without looking at the live site.  A spare page replaced by a hard link to another
    page's file (that file's inode, not the one recorded), and a spare page changed in place with its
    size and modification time put back (its ctime moves on), are rendered again: the build puts out
    what a clean build does."""
    import os

    from small_mkdocs import build, clean, three_builds, tree

    from pipeline import publish

    engine, out, record = three_builds(tmp_path)
    spare = publish.spare_dir(out)
    loose, other, home = spare / "loose" / "index.html", spare / "other" / "index.html", spare / "index.html"
    loose.unlink()
    os.link(other, loose)
    st = home.stat()
    home.write_bytes(home.read_bytes().replace("首页标题".encode(), "篡改标题".encode()))
    os.utime(home, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert home.stat().st_size == st.st_size and home.stat().st_mtime_ns == st.st_mtime_ns
    (tmp_path / "docs" / "sec" / "index.md").write_text("---\ntitle: 栏目\n---\n\n新正文\n", encoding="utf-8")
    record, outcome, recycled = build(engine, out, record)
    assert recycled and "index.md" in outcome.rendered  # loose.md: taken over from the live site
    assert tree(out) == clean(engine, tmp_path / "clean")
