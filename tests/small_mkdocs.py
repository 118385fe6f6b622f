"""A small mkdocs project (no portal pipeline) and one build as pipeline.build runs it — recycle or a
fresh staging folder, render, snapshot, swap, keep the previous site as the spare — shared by the
page-reuse and recycled-staging tests."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from pipeline import mkdocs_build, mkdocs_pages, publish


def project(tmp: Path) -> Path:
    docs = tmp / "docs"
    (docs / "sec").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页标题\n\n[其他](other.md)\n", encoding="utf-8")
    (docs / "sec" / "index.md").write_text("---\ntitle: 栏目\n---\n\n正文\n", encoding="utf-8")
    (docs / "other.md").write_text("# 其他\n\n[回首页](index.md)\n", encoding="utf-8")
    (docs / "loose.md").write_text("# 不在导航\n", encoding="utf-8")
    config = {
        "site_name": "测试",
        "site_url": "https://example.org/",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "language": "zh", "features": ["navigation.indexes", "navigation.footer"]},
        "nav": ["index.md", {"栏目": ["sec/index.md"]}, {"其他": "other.md"}],
        "not_in_nav": "/loose.md\n",
        "plugins": [],
    }
    engine = tmp / "mkdocs.yml"
    engine.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return engine


def tree(site: Path) -> dict:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and not p.name.startswith("sitemap.xml.gz")
    }


def build(engine: Path, out: Path, previous, settle: float = 0.3):
    """One build as pipeline.build runs it; ``settle``: seconds between writing and the snapshot
    (pages written within mkdocs_pages.RACY_NS of it are read again by the next build)."""
    live = publish.live_dir(out)
    staging = publish.recycle(out) if previous is not None else None
    recycled = staging is not None
    staging = staging or publish.staging_dir(out)
    outcome = mkdocs_build.render_pages(
        engine,
        0,
        site_dir=staging,
        jobs=1,
        previous=previous,
        previous_site=live if previous is not None else None,
        recycled=recycled,
    )
    time.sleep(settle)
    record = mkdocs_pages.snapshot(outcome.record, staging)
    _how, aside = publish.swap_keep(staging, out)
    if aside is not None:
        publish.keep_spare(aside, out)
    return record, outcome, recycled


def clean(engine: Path, site: Path) -> dict:
    mkdocs_build.render_pages(engine, 0, site_dir=site, jobs=1)
    return tree(site)


def three_builds(tmp_path: Path):
    """Build, build again (the first site becomes the spare), edit one page: the third build recycles."""
    engine = project(tmp_path)
    out = tmp_path / "site"
    record, _, recycled = build(engine, out, None)
    assert not recycled and not publish.spare_dir(out).exists()
    record, _, recycled = build(engine, out, record)
    assert not recycled and publish.spare_dir(out).is_dir()
    return engine, out, record
