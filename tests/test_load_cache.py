"""The load memo (<work>/cache/load.msgpack): reused for unchanged files, never for changed ones."""

from __future__ import annotations

import shutil

from helpers import ROOT

from pipeline import audit_cache, load, publication, stage_memos
from pipeline.config import load_config
from pipeline.memo import Memo


def test_rebuild_reparses_only_the_changed_file(content_copy, tmp_path, monkeypatch):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "work" / "cache"
    first = publication.run(content_copy, config, cache_dir=cache, jobs=1)
    assert first == publication.run(content_copy, config, jobs=1)  # same result as without a cache

    target = next(i for i in first.published if i.site == "bureau")
    file = content_copy / target.path
    file.write_text(
        file.read_text(encoding="utf-8").replace(f"title: {target.title}", "title: 改过的标题", 1), encoding="utf-8"
    )
    broken = sorted((content_copy / "items").rglob("*.md"))[-1]
    broken.write_text("no front matter\n", encoding="utf-8")

    parsed = []
    original = load.parse
    monkeypatch.setattr(load, "parse", lambda source, config: parsed.append(source.rel) or original(source, config))
    second = publication.run(content_copy, config, cache_dir=cache, jobs=1)
    assert sorted(parsed) == sorted([target.path, broken.relative_to(content_copy).as_posix()])
    assert any(i.title == "改过的标题" for i in second.published)
    assert all(i.title != target.title or i.path != target.path for i in second.published)
    assert any(f.path == broken.relative_to(content_copy).as_posix() and f.rule == "schema" for f in second.findings)
    monkeypatch.undo()
    assert second == publication.run(content_copy, config, jobs=1)


def test_config_change_drops_the_cache(content_copy, tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    cache = tmp_path / "cache"
    publication.run(content_copy, load_config(config_dir), cache_dir=cache, jobs=1)
    spec = stage_memos.MEMOS["load"]
    key = audit_cache.cache_key(cache)
    assert Memo(cache / "load.msgpack", spec, load_config(config_dir), key=key).old
    sites = config_dir / "sites.yaml"
    sites.write_text(sites.read_text(encoding="utf-8").replace("name: 办公室", "name: 局办公室"), encoding="utf-8")
    assert Memo(cache / "load.msgpack", spec, load_config(config_dir), key=key).old == {}
