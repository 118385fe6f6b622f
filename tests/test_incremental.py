"""Parallel and incremental rendering (issue 15 §1, §2): the output never depends on how it was made.

* a page rendered on two processes is byte for byte the page rendered in one, and both are
  what a plain ``mkdocs build`` of the same docs tree gives;
* after random sequences of editor actions — edit, add, delete, withhold and move items,
  rename a column, change the theme — the incrementally rebuilt site equals a clean full
  build byte for byte (except Pagefind's known nondeterministic files, Pagefind/pagefind#638),
  and a deleted or withheld item is gone from every page, list, feed, sitemap and search shard.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys

import pytest

from pipeline import build as build_mod
from pipeline import audit_cache, mkdocs_build, mkdocs_pages
from pipeline.config import load_config
from helpers import ROOT
from incremental_portal import Portal, all_text, comparable, digest


def test_parallel_render_equals_one_process_and_plain_mkdocs(tmp_path):
    options = build_mod.BuildOptions(
        content=ROOT / "content",
        out=tmp_path / "site",
        work=tmp_path / "work",
        mkdocs_file=ROOT / "mkdocs.yml",
        search=False,
    )
    result = build_mod.build(options, load_config(ROOT / "site_config"))
    one = mkdocs_build.render_pages(result.engine_config, None, site_dir=tmp_path / "one", jobs=1)
    two = mkdocs_build.render_pages(result.engine_config, None, site_dir=tmp_path / "two", jobs=2)
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(result.engine_config), "-d", str(tmp_path / "plain")],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    a, b, c = digest(tmp_path / "one"), digest(tmp_path / "two"), digest(tmp_path / "plain")
    assert len(a) > 300 and len(one.rendered) > 250
    assert a == b, sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))[:10]
    assert a == c, sorted(k for k in set(a) | set(c) if a.get(k) != c.get(k))[:10]
    assert one.warnings == two.warnings


ACTIONS = ("edit", "edit", "add", "delete", "withhold", "move", "rename_column", "change_theme")


@pytest.mark.parametrize("seed", [int(os.environ.get("PORTAL_SEED", "15"))])
def test_incremental_rebuilds_equal_clean_builds(tmp_path, seed):
    rng = random.Random(seed)
    portal = Portal(tmp_path, rng)
    portal.build("inc", incremental=True)
    steps = ["first build"]
    kinds = sorted(set(ACTIONS))
    rng.shuffle(kinds)  # every kind of action at least once, in a random order, some paired with a random other
    for step, kind in enumerate(kinds):
        actions = [getattr(portal, kind)()] + [getattr(portal, rng.choice(ACTIONS))() for _ in range(rng.randint(0, 1))]
        steps.append("; ".join(actions))
        inc, result = portal.build("inc", incremental=True)
        assert not result.unchanged, f"seed {seed}, steps {steps}: a change was taken for no change"
        clean, _ = portal.build(f"clean{step}", incremental=False)
        a, b = comparable(inc), comparable(clean)
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        assert not diff, f"seed {seed}, steps {steps}: incremental ≠ clean in {diff[:10]}"
        if "change theme" in actions or "rename column" in actions:
            assert result.timings["pages_reused"] == 0, steps
        else:
            assert result.timings["pages_reused"] > result.timings["pages_rendered"], (steps, result.timings)
        if all(a.startswith("edit ") for a in actions):  # one or two shards indexed again, the others taken over
            assert result.timings["search_bundles_reused"] >= 1, (steps, result.timings)
        assert len(list(inc.glob("pagefind-*"))) >= 2
        text = all_text(inc)
        for token, slug in portal.gone:
            if token:
                assert token not in text, f"seed {seed}, steps {steps}: {token} still published"
            assert slug not in text, f"seed {seed}, steps {steps}: {slug} still published"
        _, again = portal.build("inc", incremental=True)  # nothing changed since: the build stops early
        assert again.unchanged and comparable(inc) == a, (steps, again.timings)
        shutil.rmtree(clean)
        shutil.rmtree(tmp_path / f"work-clean{step}")


def test_record_of_another_site_is_not_trusted(tmp_path):
    """A page record that does not match the live site (a build killed after the swap, a site
    restored by hand) renders everything again."""
    rng = random.Random(1)
    portal = Portal(tmp_path, rng)
    out, first = portal.build("inc", incremental=True)
    assert first.timings["pages_reused"] == 0
    (tmp_path / "work-inc" / "last-build.json").unlink()  # else the build stops early (tests/test_unchanged.py)
    _, second = portal.build("inc", incremental=True)
    assert second.timings["pages_rendered"] == 0 and second.timings["pages_reused"] > 250
    assert second.timings["search_bundles_reused"] >= 1  # nothing changed: no Pagefind run at all
    manifest = out / "portal-manifest.json"
    manifest.write_bytes(manifest.read_bytes() + b" ")
    _, third = portal.build("inc", incremental=True)
    assert third.timings["pages_reused"] == 0
    record = tmp_path / "work-inc" / build_mod.PAGE_RECORD
    mac, _, payload = record.read_bytes().partition(b"\n")  # an HMAC line, then msgpack
    assert len(mac) == 64 and mkdocs_pages.record_data(payload)["version"] == mkdocs_pages.RECORD_VERSION
    record.write_text("not msgpack", encoding="utf-8")
    _, fourth = portal.build("inc", incremental=True)
    assert fourth.timings["pages_reused"] == 0


def test_recorded_sources_are_the_docs_files_as_mkdocs_reads_them(tmp_path):
    """The docs tree stage tells mkdocs the digest of each docs file it read back, instead of a
    stat each: what the page record says a page was made from is the file's very bytes, also for
    a docs file changed by hand since (same size, same modification time) and for one just edited."""
    portal = Portal(tmp_path, random.Random(5))
    portal.build("inc", incremental=True)
    portal.edit()
    work = tmp_path / "work-inc"
    docs = work / "docs"
    pages = sorted(p for p in docs.rglob("*.md") if "/20" in p.as_posix())
    forged = pages[len(pages) // 2]
    st = forged.stat()
    forged.write_bytes(forged.read_bytes().replace("发布".encode(), "公布".encode(), 1))
    os.utime(forged, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert forged.stat().st_size == st.st_size
    site, result = portal.build("inc", incremental=True)
    assert result.timings["pages_reused"] > result.timings["pages_rendered"] >= 1
    record = mkdocs_pages.PageRecord.load(work / build_mod.PAGE_RECORD, audit_cache.work_key(work))
    assert record is not None and len(record.pages) > 250
    for src, entry in record.pages.items():
        assert entry.source == hashlib.sha256((docs / src).read_bytes()).hexdigest(), src
    clean, _ = portal.build("clean", incremental=False)
    assert comparable(site) == comparable(clean)
    assert forged.read_bytes() == (tmp_path / "work-clean" / "docs" / forged.relative_to(docs)).read_bytes()


def test_checkout_moved_keeps_pages_but_a_changed_theme_renders_all(tmp_path):
    """Where the checkout (mkdocs.yml and theme/) lies is no input of a page: the same theme at
    another path keeps every page, while a changed theme file there still renders every page."""
    rng = random.Random(2)
    portal = Portal(tmp_path, rng)
    portal.build("inc", incremental=True)
    moved = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(tmp_path / "theme", moved / "theme")
    shutil.copy(tmp_path / "mkdocs.yml", moved / "mkdocs.yml")
    config = load_config(portal.config_dir)
    second = build_mod.build(portal.options("inc", mkdocs_file=moved / "mkdocs.yml"), config)
    assert second.timings["pages_rendered"] == 0 and second.timings["pages_reused"] > 250
    main_html = moved / "theme" / "main.html"
    main_html.write_text(main_html.read_text(encoding="utf-8") + "\n{#- 改过 -#}\n", encoding="utf-8")
    third = build_mod.build(portal.options("inc", mkdocs_file=moved / "mkdocs.yml"), config)
    assert third.timings["pages_reused"] == 0 and third.timings["pages_rendered"] > 250
