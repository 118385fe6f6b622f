"""The load cache (.portal/cache/): reused for unchanged files, never for changed ones."""

from __future__ import annotations

import shutil

from conftest import ROOT

from pipeline import load
from pipeline.config import load_config
from pipeline.load_cache import LoadCache


def test_rebuild_reparses_only_the_changed_file(content_copy, tmp_path):
    config = load_config(ROOT / "site_config")
    cache_file = tmp_path / "work" / "cache" / "load.msgpack"
    first = load.load_items(content_copy, config, cache_file)
    assert first == load.load_items(content_copy, config)  # same result as without a cache

    target = next(i for i in first.items if i.site == "bureau")
    file = content_copy / target.path
    file.write_text(
        file.read_text(encoding="utf-8").replace(f"title: {target.title}", "title: 改过的标题", 1), encoding="utf-8"
    )
    broken = sorted((content_copy / "items").rglob("*.md"))[-1]
    broken.write_text("no front matter\n", encoding="utf-8")

    import pipeline.load_cache as lc

    hits = []
    original_get = lc.LoadCache.get

    def counting_get(self, key):
        found = original_get(self, key)
        hits.append(found is not None)
        return found

    lc.LoadCache.get = counting_get
    try:
        second = load.load_items(content_copy, config, cache_file)
    finally:
        lc.LoadCache.get = original_get
    assert hits.count(False) == 2 and hits.count(True) == first.files - 2
    assert any(i.title == "改过的标题" for i in second.items)
    assert all(i.title != target.title or i.path != target.path for i in second.items)
    assert any(f.path == broken.relative_to(content_copy).as_posix() and f.rule == "schema" for f in second.findings)
    assert second == load.load_items(content_copy, config)


def test_config_change_drops_the_cache(content_copy, tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    cache_file = tmp_path / "cache.msgpack"
    load.load_items(content_copy, load_config(config_dir), cache_file)
    assert LoadCache(cache_file, load_config(config_dir)).old
    sites = config_dir / "sites.yaml"
    sites.write_text(sites.read_text(encoding="utf-8").replace("name: 办公室", "name: 局办公室"), encoding="utf-8")
    assert LoadCache(cache_file, load_config(config_dir)).old == {}
