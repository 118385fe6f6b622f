"""A rebuild with nothing changed stops early (pipeline/unchanged.py, issue 15) — and only then.

Every kind of input changes the inputs' digest; any change to the live site, its manifest,
review.json or the record itself makes the build run; a build that fails or is killed leaves
no record that could match.  The randomised tests/test_incremental.py checks, after every kind
of edit, that the build ran and that the build after it stopped early with the same site.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from pipeline import build as build_mod
from pipeline import mkdocs_pages, unchanged
from pipeline.cli import main
from pipeline.config import load_config
from incremental_portal import Portal, comparable


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unchanged")
    portal = Portal(tmp, random.Random(3))
    out, first = portal.build("inc", incremental=True)
    assert not first.unchanged
    # the first build made the upstream store, which counts as missing before it: one more build runs
    _, second = portal.build("inc", incremental=True)
    assert not second.unchanged and second.timings["pages_rendered"] == 0
    return portal, out


def options_of(portal: Portal, **changes) -> build_mod.BuildOptions:
    return portal.options(**changes)


def test_nothing_changed_stops_early_with_the_same_site_and_summary(built):
    portal, out = built
    before = comparable(out)
    _, again = portal.build("inc", incremental=True)
    assert again.unchanged and again.publication is None and again.swap == "unchanged"
    assert comparable(out) == before
    summary = again.report()
    assert summary.published > 100 and summary.files > summary.published
    assert summary.withheld, "the withheld items are still reported"
    assert any("不公开" in text or "涉密" in text or "[" in text for text in summary.findings)


def test_every_kind_of_input_changes_the_digest(built, tmp_path):
    portal, _ = built
    config = load_config(portal.config_dir)
    options = options_of(portal, work=tmp_path / "work", upstream_db=tmp_path / "upstream.sqlite")
    seen = {unchanged.inputs_digest(options, config, today="2026-12-01")}

    def differs(why: str, opts=None, today="2026-12-01") -> None:
        digest = unchanged.inputs_digest(opts or options, config, today=today)
        assert digest not in seen, f"{why} did not change the inputs' digest"
        seen.add(digest)

    assert unchanged.inputs_digest(options, config, today="2026-12-01") in seen  # deterministic
    item = sorted((portal.content / "items").rglob("*.md"))[0]
    original = item.read_bytes()
    item.write_bytes(original.replace("。".encode(), "，".encode(), 1))  # one comma, same size class
    differs("an edited item")
    item.write_bytes(original)
    assert unchanged.inputs_digest(options, config, today="2026-12-01") in seen  # back as it was: same digest
    data_file = portal.content / "website-report" / "2025.yaml"
    data_file.write_text(data_file.read_text(encoding="utf-8") + "\n# x\n", encoding="utf-8")
    differs("a data file")
    upstream_source = portal.content / "upstream" / "mofcom.xml"
    upstream_source.write_bytes(upstream_source.read_bytes() + b"\n")
    differs("an upstream source file")
    attachment = portal.content / "files" / "notice.pdf"
    attachment.parent.mkdir(exist_ok=True)
    attachment.write_bytes(b"%PDF-1.4 one")
    differs("a new attachment")
    attachment.write_bytes(b"%PDF-1.4 two")
    differs("an attachment's bytes")
    (portal.content / "items" / "empty-new-file.md").write_text("", encoding="utf-8")
    differs("a new (empty) file in the content")
    os.rename(item, item.with_name("renamed-" + item.name))
    differs("a renamed item")
    (portal.config_dir / "portal.yaml").write_text(
        (portal.config_dir / "portal.yaml").read_text(encoding="utf-8") + "\n# comment\n", encoding="utf-8"
    )
    differs("a changed configuration file")
    theme_file = portal.tmp / "theme" / "partials" / "copyright.html"
    theme_file.write_text(theme_file.read_text(encoding="utf-8") + "<!-- x -->", encoding="utf-8")
    differs("a changed theme file")
    (portal.tmp / "mkdocs.yml").write_text(
        (portal.tmp / "mkdocs.yml").read_text(encoding="utf-8") + "\n# x\n", encoding="utf-8"
    )
    differs("a changed mkdocs.yml")
    with sqlite3.connect(tmp_path / "upstream.sqlite") as db:
        db.execute("create table t (x)")
    differs("the upstream database")
    (tmp_path / "work").mkdir(exist_ok=True)
    with sqlite3.connect(tmp_path / "work" / "traffic.sqlite") as db:
        db.execute("create table t (x)")
    differs("the traffic database")
    differs("another day (no --as-of: the date bound follows the clock)", today="2026-12-02")
    differs("--as-of", replace(options, as_of=date(2026, 11, 28)))
    differs("--strict", replace(options, strict=True))
    differs("no search", replace(options, search=False))
    differs("another output folder", replace(options, out=tmp_path / "elsewhere"))
    differs("a manifest copy", replace(options, manifest_copy=tmp_path / "copy"))
    key = tmp_path / "deploy-key"
    key.write_bytes(b"one")
    differs("a signing key", replace(options, sign_key=key))
    key.write_bytes(b"two")
    differs("another signing key's bytes", replace(options, sign_key=key))


def _rebuild(portal: Portal) -> None:
    """Make the record describe the live site again (after a test changed it)."""
    portal.build("inc", incremental=True)
    _, again = portal.build("inc", incremental=True)
    assert again.unchanged


def _same_size_change(path) -> None:
    data = bytearray(path.read_bytes())
    at = data.index(b"<body")
    data[at + 1 : at + 5] = b"BODY"
    stat = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # time set back: it must not matter


@pytest.mark.parametrize(
    "tamper",
    [
        "page-same-size",
        "page-removed",
        "page-replaced",
        "bundle-same-size",
        "file-added",
        "manifest",
        "signature-added",
        "review",
        "record",
        "record-mac",
        "page-record-forged",
    ],
)
def test_any_change_to_the_site_or_the_record_runs_the_build(built, tamper):
    portal, out = built
    _rebuild(portal)
    options = options_of(portal)
    config = load_config(portal.config_dir)
    inputs = unchanged.inputs_digest(options, config)
    assert unchanged.current(options, config, inputs) is not None
    work = portal.tmp / "work-inc"
    page = out / "bureau" / "index.html"
    if tamper == "page-same-size":
        _same_size_change(page)
    elif tamper == "page-removed":
        page.unlink()
    elif tamper == "page-replaced":  # a new file (new inode) with the same bytes but one, times copied
        data = bytearray(page.read_bytes())
        data[data.index(b"<body") + 1 : data.index(b"<body") + 5] = b"BODY"
        stat = page.stat()
        page.unlink()
        page.write_bytes(bytes(data))
        os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif tamper == "bundle-same-size":  # not a page: a search bundle file the build hashed itself
        chunk = sorted(out.glob("pagefind*/fragment/*.pf_fragment"))[0]
        data = bytearray(chunk.read_bytes())
        data[-1] ^= 0xFF
        stat = chunk.stat()
        chunk.write_bytes(bytes(data))
        os.utime(chunk, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif tamper == "page-record-forged":  # the page's new status written into a record without the key
        _same_size_change(page)
        record = work / unchanged.PAGE_RECORD
        mac, _, payload = record.read_bytes().partition(b"\n")
        body = mkdocs_pages.record_data(payload)
        st = page.stat()
        for entry in body["pages"].values():
            if entry[1] == "bureau/index.html":
                entry[5] = [st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        record.write_bytes(mac + b"\n" + mkdocs_pages.record_payload(body))
    elif tamper == "file-added":
        (out / "bureau" / "shell.php").write_text("<?php system($_GET['c']); ?>", encoding="utf-8")
    elif tamper == "manifest":
        manifest = out / "portal-manifest.json"
        manifest.write_bytes(manifest.read_bytes() + b" ")
    elif tamper == "signature-added":
        (out / "portal-manifest.json.sig").write_text("forged", encoding="utf-8")
    elif tamper == "review":
        (work / "review.json").unlink()
    elif tamper == "record":  # a planted record: right shape, no valid MAC
        mac, payload = (work / unchanged.RECORD).read_text(encoding="utf-8").split("\n", 1)
        body = json.loads(payload)
        body["inputs"] = "0" * 64
        (work / unchanged.RECORD).write_text(mac + "\n" + json.dumps(body), encoding="utf-8")
    elif tamper == "record-mac":  # sealed with a key that is not this work folder's
        payload = (work / unchanged.RECORD).read_text(encoding="utf-8").split("\n", 1)[1]
        import hmac

        forged = hmac.new(b"k" * 32, payload.encode(), "sha256").hexdigest()
        (work / unchanged.RECORD).write_text(forged + "\n" + payload, encoding="utf-8")
    assert unchanged.current(options, config, inputs) is None, tamper
    _, result = portal.build("inc", incremental=True)
    assert not result.unchanged
    if tamper.startswith("page") or tamper == "file-added":
        assert b"BODY" not in page.read_bytes() and not (out / "bureau" / "shell.php").exists()
    for tampered in ("signature-added",):
        if tamper == tampered:
            assert not (out / "portal-manifest.json.sig").exists()


def test_an_untouched_site_is_checked_on_its_recorded_statuses(built, monkeypatch):
    """Nothing changed: the live files are taken on the status the last build recorded for them
    (the page record), not read again — but the check is still made file by file: the one file
    given a new status (same bytes, rewritten) is read, and found to be the same."""
    portal, out = built
    _rebuild(portal)
    options = options_of(portal)
    config = load_config(portal.config_dir)
    inputs = unchanged.inputs_digest(options, config)
    from pipeline import manifest

    reads: list[str] = []
    real = manifest._digest
    monkeypatch.setattr(manifest, "_digest", lambda path: reads.append(str(path)) or real(path))
    assert unchanged.current(options, config, inputs) is not None
    total = len(manifest.listing(out))
    # at demo size the whole check-and-record takes well under a second, so the files the build
    # wrote or linked last (its search bundles, 404.html) changed status within RACY_NS (0.2 s) of
    # the snapshot and are read again; at 10k items that window holds few of 24,000 files
    assert total > 300 and len(reads) < total // 2, (len(reads), total)
    from pipeline import mkdocs_pages

    monkeypatch.setattr(mkdocs_pages, "RACY_NS", 1_000_000)  # a clock tick (file times are coarse)
    reads.clear()
    assert unchanged.current(options, config, inputs) is not None
    assert len(reads) <= total // 20, (len(reads), total)
    page = out / "bureau" / "index.html"
    page.write_bytes(page.read_bytes())  # the same bytes, a new status-change time
    reads.clear()
    assert unchanged.current(options, config, inputs) is not None
    assert str(page) in reads


def test_a_failed_or_killed_build_leaves_no_record_that_matches(built, monkeypatch):
    portal, _ = built
    _rebuild(portal)
    work = portal.tmp / "work-inc"
    portal.edit()  # one published item edited

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_mod, "_build", killed)
    with pytest.raises(KeyboardInterrupt):
        portal.build("inc", incremental=True)
    assert not (work / unchanged.RECORD).exists()
    monkeypatch.undo()
    _, result = portal.build("inc", incremental=True)
    assert not result.unchanged and result.timings["pages_rendered"] >= 1


def test_cli_says_nothing_changed_and_no_incremental_builds(built):
    portal, out = built
    _rebuild(portal)
    args = [
        "build",
        "--content",
        str(portal.content),
        "--config",
        str(portal.config_dir),
        "--out",
        str(out),
        "--work",
        str(portal.tmp / "work-inc"),
        "--mkdocs",
        str(portal.tmp / "mkdocs.yml"),
    ]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert "无需重新生成" in done.output and "逐个文件核对无误" in done.output, done.output.splitlines()[-4:]
    assert "未发布的条目" in done.output  # the last build's findings are still shown
    before = comparable(out)
    done = CliRunner().invoke(main, args + ["--no-incremental"])
    assert done.exit_code == 0, done.output
    assert "无需重新生成" not in done.output and "渲染" in done.output
    assert comparable(out) == before  # the same site (Pagefind's nondeterministic files aside)


def test_a_record_that_cannot_be_written_after_the_swap_is_no_error(built, monkeypatch):
    """A full disk after the swap: the build has published and says so; the next build runs."""
    portal, _ = built
    portal.edit()

    def full(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(unchanged.publish, "write_atomic", full)
    _, result = portal.build("inc", incremental=True)
    assert not result.unchanged and result.swap
    monkeypatch.undo()
    assert not (portal.tmp / "work-inc" / unchanged.RECORD).exists()
    _, again = portal.build("inc", incremental=True)
    assert not again.unchanged
