"""Red team of this session's speed changes: the page record as msgpack (pages.msgpack) and the nav
built without the not-in-nav pages (mkdocs_pages._navigation).  What an attacker or an odd config
could try: a sealed record of another kind or version, a nav naming a not-in-nav page in every form
mkdocs accepts, under each ``validation.nav.absolute_links`` value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgpack
import pytest
import yaml

from pipeline import audit_cache, cache_codec, mkdocs_build, mkdocs_pages
from small_mkdocs import project, tree


def _sealed(work: Path, payload: bytes) -> Path:
    path = work / mkdocs_pages.RECORD_FILE
    path.write_bytes(audit_cache.seal(audit_cache.work_key(work), payload))
    return path


def test_a_sealed_record_of_another_kind_or_shape_is_no_record(tmp_path):
    """Only the record as :func:`mkdocs_pages.record_payload` writes it is read; anything else sealed
    with the work folder's own key — the old JSON record, a cache memo, an extension type, a map with
    int keys, nesting past msgpack's limit, text where a map is expected — means a full render."""
    key = audit_cache.work_key(tmp_path)
    good = mkdocs_pages.PageRecord("s", {"a.md": mkdocs_pages.PageEntry("x", "a/index.html", {})}, site="m")
    good.save(tmp_path / mkdocs_pages.RECORD_FILE, key)
    assert mkdocs_pages.PageRecord.load(tmp_path / mkdocs_pages.RECORD_FILE, key) == good  # the test can pass
    data = good.to_data()
    old = json.dumps({**data, "version": 3}).encode()
    memo = cache_codec.dumps({"stamp": "s", "entries": {"a": 1}})
    cases = {
        "old JSON": old,
        "cache memo": memo,
        "ext": msgpack.packb({**data, "stamp": msgpack.ExtType(5, b"x")}, use_bin_type=True),
        "int keys": msgpack.packb({**data, "pages": {1: ["x", "a/index.html", {}, [], "", [], []]}}),
        "deep": b"\x82" + msgpack.packb("version") + b"\x04" + msgpack.packb("extra") + b"\x91" * 3000 + b"\x90",
        "pages as text": msgpack.packb({**data, "pages": "a.md"}, use_bin_type=True),
        "entry short": msgpack.packb({**data, "pages": {"a.md": ["x"]}}, use_bin_type=True),
        "truncated": mkdocs_pages.record_payload(data)[:-3],
    }
    for name, payload in cases.items():
        try:
            got = mkdocs_pages.PageRecord.load(_sealed(tmp_path, payload), key)
        except Exception as exc:  # noqa: BLE001 - any exception is the defect
            pytest.fail(f"{name}: {exc!r}")
        assert got is None, name


def _plain_mkdocs(engine: Path, site: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(engine), "-d", str(site)],
        check=True,
        cwd=engine.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "0"},
    )
    return sorted(line.split("-", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("WARNING"))


@pytest.mark.parametrize("absolute", ["warn", "info", "relative_to_docs"])
def test_a_nav_naming_not_in_nav_pages_in_every_form_builds_what_plain_mkdocs_builds(tmp_path, absolute):
    """``./x.md``, ``x.md#anchor``, ``/x.md``, ``//x.md``, ``sec/../x.md``, a non-ASCII and a
    URL-encoded name, and a section index page that is not in the nav: the pages and the warnings
    are plain mkdocs' under each ``absolute_links`` value."""
    engine = project(tmp_path)
    (tmp_path / "docs" / "散.md").write_text("# 散\n", encoding="utf-8")
    config = yaml.safe_load(engine.read_text(encoding="utf-8"))
    config["not_in_nav"] = "/loose.md\n/散.md\n/sec/index.md\n"
    config["nav"] += [
        {"甲": "./loose.md"},
        {"乙": "loose.md#a"},
        {"丙": "/loose.md"},
        {"丁": "//loose.md"},
        {"戊": "sec/../loose.md"},
        {"己": "散.md"},
        {"庚": "%E6%95%A3.md"},
    ]
    config["validation"] = {"nav": {"absolute_links": absolute}}
    engine.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    ours = mkdocs_build.render_pages(engine, 0, site_dir=tmp_path / "ours", jobs=1)
    warnings = _plain_mkdocs(engine, tmp_path / "plain")
    assert tree(tmp_path / "ours") == tree(tmp_path / "plain")
    assert sorted(w.strip() for w in ours.warnings) == warnings


def test_a_file_time_msgpack_cannot_hold_is_recorded_as_unknown_not_a_failed_build(tmp_path):
    """tmpfs and btrfs keep modification times past the year 2554, beyond msgpack's 64-bit integers
    (JSON wrote them): a live page, a docs file or a kept file with such a time made the record's
    save — after the swap — fail the build.  Such a status is recorded as unknown (the file is read
    and hashed again next time); the others are kept as they were."""
    from pipeline.manifest import Recorded

    far = 32503680000 * 10**9  # 3000-01-01 in ns
    stat = (1, 2, 3, far, 5)
    plain = (6, 7, 8, 9, 10)
    files = {"files/a.pdf": ("a" * 64, 3, stat), "files/b.pdf": ("b" * 64, 8, plain)}
    record = mkdocs_pages.PageRecord(
        "s",
        {
            "a.md": mkdocs_pages.PageEntry("x", "a/index.html", {}, output="o", stat=stat, source_stat=plain),
            "b.md": mkdocs_pages.PageEntry("y", "b/index.html", {}, output="p", stat=plain, source_stat=stat),
        },
        site="m",
        extra={"files": Recorded(files).to_json()},
        snapped=10**18,
    )
    key = audit_cache.work_key(tmp_path)
    record.save(tmp_path / mkdocs_pages.RECORD_FILE, key)
    got = mkdocs_pages.PageRecord.load(tmp_path / mkdocs_pages.RECORD_FILE, key)
    assert got is not None
    assert (got.pages["a.md"].stat, got.pages["a.md"].source_stat) == ((), plain)
    assert (got.pages["b.md"].stat, got.pages["b.md"].source_stat) == (plain, ())
    kept = Recorded.from_json(got.extra["files"], 0)
    assert kept is not None and kept.files == {"files/a.pdf": ("a" * 64, 3, ()), "files/b.pdf": ("b" * 64, 8, plain)}
    assert got.recorded(with_pages=True).files["b/index.html"] == ("p", 8, plain)
    assert "a/index.html" not in got.recorded(with_pages=True).files  # read again, never trusted
