"""mkdocs_pages' reuse of the live site on a small mkdocs project (no portal pipeline): nav pages
read from the record are not read again, a changed nav title reaches every page, and a live page
that is a symlink is never taken over.  Each rebuild is compared with a clean render."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


from pipeline import mkdocs_build, mkdocs_pages
from small_mkdocs import project, tree


def render(engine: Path, site: Path, previous=None, live=None):
    return mkdocs_build.render_pages(engine, 0, site_dir=site, jobs=1, previous=previous, previous_site=live)


def test_nav_pages_are_taken_from_the_record_and_a_new_title_reaches_every_page(tmp_path, monkeypatch):
    engine = project(tmp_path)
    first = render(engine, tmp_path / "live")
    assert first.record.nav["pages"]["index.md"][1] == "首页标题"

    read: list[str] = []
    populate = mkdocs_pages._populate

    def counting(page, *args):
        read.append(page.file.src_uri)
        return populate(page, *args)

    monkeypatch.setattr(mkdocs_pages, "_populate", counting)
    again = render(engine, tmp_path / "again", first.record, tmp_path / "live")
    assert again.rendered == () and read == []  # nothing changed: no page read, none rendered
    assert tree(tmp_path / "again") == tree(tmp_path / "live")

    (tmp_path / "docs" / "index.md").write_text("# 首页标题\n\n新的正文\n", encoding="utf-8")
    read.clear()
    body = render(engine, tmp_path / "body", again.record, tmp_path / "again")
    assert read == ["index.md"] and body.rendered == ("index.md",)  # the other nav page is not read
    render(engine, tmp_path / "clean-body")
    assert tree(tmp_path / "body") == tree(tmp_path / "clean-body")

    (tmp_path / "docs" / "index.md").write_text("# 新的首页标题\n\n[其他](other.md)\n", encoding="utf-8")
    edited = render(engine, tmp_path / "edited", body.record, tmp_path / "body")
    assert len(edited.rendered) == 4  # a nav title is in every page's menu
    clean = render(engine, tmp_path / "clean")
    assert tree(tmp_path / "edited") == tree(tmp_path / "clean")
    assert "新的首页标题" in (tmp_path / "edited" / "other" / "index.html").read_text(encoding="utf-8")
    assert edited.record.nav == clean.record.nav


def test_a_live_page_replaced_by_a_symlink_is_rendered_again(tmp_path):
    engine = project(tmp_path)
    first = render(engine, tmp_path / "live")
    page = tmp_path / "live" / "other" / "index.html"
    elsewhere = tmp_path / "elsewhere.html"
    shutil.copy(page, elsewhere)  # the very bytes that were published, but outside the site
    page.unlink()
    page.symlink_to(elsewhere)
    again = render(engine, tmp_path / "again", first.record, tmp_path / "live")
    assert again.rendered == ("other.md",)
    out = tmp_path / "again" / "other" / "index.html"
    assert not out.is_symlink() and os.stat(out).st_ino != os.stat(elsewhere).st_ino
    assert out.read_bytes() == elsewhere.read_bytes()


def test_a_taken_over_page_is_a_hard_link_and_a_defaced_one_is_not(tmp_path):
    engine = project(tmp_path)
    first = render(engine, tmp_path / "live")
    defaced = tmp_path / "live" / "sec" / "index.html"
    with open(defaced, "r+b") as handle:  # in place: same inode, same size
        data = handle.read()
        handle.seek(0)
        handle.write(data.replace("正文".encode(), "被黑".encode()))
    again = render(engine, tmp_path / "again", first.record, tmp_path / "live")
    assert again.rendered == ("sec/index.md",)
    assert (
        os.stat(tmp_path / "again" / "other" / "index.html").st_ino
        == os.stat(tmp_path / "live" / "other" / "index.html").st_ino
    )
    assert os.stat(tmp_path / "again" / "sec" / "index.html").st_ino != os.stat(defaced).st_ino
    assert "被黑".encode() not in (tmp_path / "again" / "sec" / "index.html").read_bytes()
    rendered = (tmp_path / "again" / "sec" / "index.html").read_bytes()
    assert (
        again.digests["sec/index.html"][0]
        == hashlib.sha256(rendered).hexdigest()
        == first.record.pages["sec/index.md"].output
    )


def test_a_link_target_taken_as_it_is_is_one_mkdocs_would_look_up_as_it_is():
    """mkdocs_pages._normal: a target it passes is its own PurePosixPath form (else the lookup differs)."""
    import itertools
    from pathlib import PurePosixPath

    from pipeline.mkdocs_pages import _normal

    passed = 0
    for size in range(1, 7):
        for parts in itertools.product(["a", ".", "/", "页"], repeat=size):
            uri = "".join(parts)
            if _normal(uri):
                assert PurePosixPath(uri).as_posix() == uri, uri
                passed += 1
    assert passed > 1000 and _normal("bureau/2023/x.md") and not _normal("./x.md")


def _plain_mkdocs(engine: Path, site: Path) -> None:
    """``mkdocs build`` itself, at the build date :func:`render` gives (``SOURCE_DATE_EPOCH`` 0)."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(engine), "-d", str(site)],
        check=True,
        cwd=engine.parent,
        capture_output=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
    )


def test_pages_left_out_of_the_nav_build_the_same_site_as_plain_mkdocs(tmp_path):
    """The nav is built without the not-in-nav pages (mkdocs would make a Page for each, ~0.4 s at
    10k items); a nav that names one of them anyway, as a page or as an absolute path, still gets
    it as a page, and a rebuild of one changed not-in-nav page makes the site plain mkdocs makes."""
    import yaml

    for nav_extra in ([], [{"散页": "loose.md"}], [{"散页": "/loose.md"}]):
        case = tmp_path / str(len(list(tmp_path.iterdir())))
        case.mkdir()
        engine = project(case)
        config = yaml.safe_load(engine.read_text(encoding="utf-8"))
        config["nav"] = config["nav"] + nav_extra
        config["validation"] = {"nav": {"absolute_links": "relative_to_docs"}}
        engine.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        first = render(engine, case / "live")
        _plain_mkdocs(engine, case / "plain")
        assert tree(case / "live") == tree(case / "plain"), nav_extra
        (case / "docs" / "loose.md").write_text("# 不在导航\n\n改过的正文\n", encoding="utf-8")
        again = render(engine, case / "again", first.record, case / "live")
        assert again.rendered == ("loose.md",), (nav_extra, again.rendered)
        _plain_mkdocs(engine, case / "plain-again")
        assert tree(case / "again") == tree(case / "plain-again"), nav_extra
        assert first.warnings == again.warnings == (), (nav_extra, first.warnings, again.warnings)
        in_menu = "散页" in (case / "again" / "other" / "index.html").read_text(encoding="utf-8")
        assert in_menu == bool(nav_extra)


def test_a_nav_link_to_a_page_left_out_builds_the_nav_again_without_its_warnings(tmp_path, monkeypatch):
    """The safety net of mkdocs_pages._navigation: were a nav entry to name a not-in-nav page in a
    way the nav paths do not catch, the first attempt makes it a link with a "not found" warning;
    the nav is then built from every file and that warning is not reported."""
    import yaml

    engine = project(tmp_path)
    config = yaml.safe_load(engine.read_text(encoding="utf-8"))
    config["nav"] = config["nav"] + [{"散页": "loose.md"}]
    engine.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(mkdocs_pages, "_nav_paths", lambda nav: set())  # the nav's paths not caught
    first = render(engine, tmp_path / "live")
    _plain_mkdocs(engine, tmp_path / "plain")
    assert tree(tmp_path / "live") == tree(tmp_path / "plain")
    assert first.warnings == ()
    assert "散页" in (tmp_path / "live" / "other" / "index.html").read_text(encoding="utf-8")
