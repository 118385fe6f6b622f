"""Red team of the recycled spare (issue 15): attacks on the page stats the record keeps."""

from __future__ import annotations

import os
import time

from pipeline import mkdocs_build, mkdocs_pages, publish
from small_mkdocs import build, clean, three_builds, tree


def test_a_page_changed_during_a_build_is_not_trusted_by_the_next_one(tmp_path):
    """A live page changed in place (same size, time set back) while a build runs — after its
    page was checked, before the snapshot — is in that build's site (it is the same file); the
    snapshot must not record its changed status as the page that was written, or every later
    build keeps it without reading it."""
    engine, out, record = three_builds(tmp_path)
    (tmp_path / "docs" / "other.md").write_text("# 其他\n\n改过的正文\n", encoding="utf-8")
    staging = publish.recycle(out)
    assert staging is not None
    outcome = mkdocs_build.render_pages(
        engine, 0, site_dir=staging, jobs=1, previous=record, previous_site=publish.live_dir(out), recycled=True
    )
    page = out / "loose" / "index.html"  # kept from the spare: the very live file
    st = page.stat()
    page.write_bytes(page.read_bytes().replace("不在导航".encode(), "被篡改了".encode()))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    time.sleep(0.3)
    record = mkdocs_pages.snapshot(outcome.record, staging)
    _how, aside = publish.swap_keep(staging, out)
    publish.keep_spare(aside, out)
    record, outcome, recycled = build(engine, out, record)
    assert recycled and "loose.md" in outcome.rendered
    assert "被篡改了" not in (out / "loose" / "index.html").read_text(encoding="utf-8")
    assert tree(out) == clean(engine, tmp_path / "clean")


def test_a_static_file_at_a_kept_page_path_never_writes_through_to_the_live_site(tmp_path):
    """A docs file copied as is (``loose/index.html``) whose path is that of a page kept from the
    spare (``loose.md`` → ``loose/index.html``, a file shared with the live site): mkdocs' copy
    writes into the existing file — through the hard link, into the live site before the swap."""
    engine, out, record = three_builds(tmp_path)
    (tmp_path / "docs" / "loose").mkdir()
    (tmp_path / "docs" / "loose" / "index.html").write_text("<p>静态文件</p>", encoding="utf-8")
    before = tree(out)
    staging = publish.recycle(out)
    assert staging is not None
    outcome = mkdocs_build.render_pages(
        engine, 0, site_dir=staging, jobs=1, previous=record, previous_site=publish.live_dir(out), recycled=True
    )
    assert tree(out) == before  # the live site is untouched until the swap
    assert tree(staging) == clean(engine, tmp_path / "clean")
    assert outcome.record.pages["loose.md"].dest == "loose/index.html"


def test_the_theme_templates_are_kept_only_as_written_and_rendered_when_what_they_show_changed(tmp_path):
    """404.html and the sitemap are kept like pages while the files, nav, config and build date are
    the same: a defaced live 404.html (same size, time set back) or a sitemap.xml.gz replaced in
    the spare is rendered again; a new page or another build date renders them again."""
    engine, out, record = three_builds(tmp_path)
    page = out / "404.html"
    st = page.stat()
    data = page.read_bytes()
    page.write_bytes(data.replace(b"404", b"4O4", 1))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    spare_gz = publish.spare_dir(out) / "sitemap.xml.gz"
    if spare_gz.exists():
        spare_gz.unlink()
    spare_gz.write_bytes(b"planted")
    record, outcome, recycled = build(engine, out, record)
    assert recycled and outcome.rendered == ()
    assert (out / "404.html").read_bytes() == data and (out / "sitemap.xml.gz").read_bytes() != b"planted"
    assert tree(out) == clean(engine, tmp_path / "clean")
    assert (out / "sitemap.xml.gz").read_bytes() == (tmp_path / "clean" / "sitemap.xml.gz").read_bytes()
    (tmp_path / "docs" / "new.md").write_text("# 新页\n", encoding="utf-8")
    before = (out / "sitemap.xml").stat().st_ino
    record, outcome, _ = build(engine, out, record)
    assert "new/" in (out / "sitemap.xml").read_text(encoding="utf-8") and (out / "sitemap.xml").stat().st_ino != before
    assert tree(out) == clean(engine, tmp_path / "clean2")
    staging = publish.recycle(out)
    outcome = mkdocs_build.render_pages(
        engine, 86400 * 400, site_dir=staging, jobs=1, previous=record, previous_site=out, recycled=True
    )
    assert outcome.rendered == () and (staging / "sitemap.xml").stat().st_ino != (out / "sitemap.xml").stat().st_ino
    mkdocs_build.render_pages(engine, 86400 * 400, site_dir=tmp_path / "clean3", jobs=1)
    assert tree(staging) == tree(tmp_path / "clean3")
    publish.discard(staging)
