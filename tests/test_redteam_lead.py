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
