"""The output audit's verdicts kept across builds (issue 15, pipeline/audit_cache.py).

A rebuild reads again only the files whose bytes changed; the cache is fail-closed: a forged,
damaged or foreign cache is ignored, a changed file is read again, and a newly withheld item's
strings are searched for in every file — also the unchanged ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline import audit, audit_cache, cache_codec, manifest
from pipeline import build as build_mod
from pipeline.config import load_config

MARKING = "<p>机<b>密</b>★1年</p>"


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "site_config")


@pytest.fixture()
def site(demo_site, tmp_path) -> Path:
    target = tmp_path / "site"
    shutil.copytree(demo_site.out, target)
    return target


def _audit(site: Path, work: Path, pub, config, withheld: audit.Withheld | None = None) -> audit.AuditReport:
    """What the build runs: digests taken once (manifest.hash_site), verdicts from <work>."""
    cache = audit_cache.VerdictCache(work, config)
    hashes = manifest.hash_site(site).files
    if withheld is None:
        return audit.run_audit(site, pub, config, cache=cache, hashes=hashes)
    return audit.audit_site(site, config, withheld, cache=cache, hashes=hashes)


def _plant(site: Path, rel: str, snippet: str = MARKING) -> None:
    page = site / rel
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", snippet + "</article>", 1), encoding="utf-8")


def _hits(report) -> set[tuple[str, str]]:
    return {(h.file, h.rule) for h in report.hits}


def _payload(work: Path) -> tuple[bytes, dict]:
    blob = (work / "cache" / audit_cache.CACHE_FILE).read_bytes()
    payload = blob[len(audit_cache._MAGIC) + audit_cache._MAC :]
    return payload, cache_codec.loads(payload)


def _write(work: Path, data: dict, key: bytes) -> None:
    payload = cache_codec.dumps(data)
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    (work / "cache" / audit_cache.CACHE_FILE).write_bytes(audit_cache._MAGIC + mac + payload)


def test_a_second_audit_reads_nothing_and_reports_the_same(demo_site, site, config, tmp_path):
    pub = demo_site.result.publication
    _plant(site, "bureau/index.html")
    first = _audit(site, tmp_path / "work", pub, config)
    second = _audit(site, tmp_path / "work", pub, config)
    plain = audit.run_audit(site, pub, config)  # no cache at all
    assert ("bureau/index.html", "marker") in _hits(first)
    assert first.hits == second.hits == plain.hits
    assert first.reused == 0 and second.reused == second.files > 400  # every file judged before, none read


def test_a_changed_file_is_read_again(demo_site, site, config, tmp_path):
    pub = demo_site.result.publication
    clean = _audit(site, tmp_path / "work", pub, config)
    assert clean.hits == ()
    _plant(site, "etdz/index.html")
    again = _audit(site, tmp_path / "work", pub, config)
    assert _hits(again) == {("etdz/index.html", "marker")}
    assert again.reused == again.files - 1


def test_a_forged_clean_verdict_does_not_let_a_marking_through(demo_site, site, config, tmp_path):
    pub, work = demo_site.result.publication, tmp_path / "work"
    _plant(site, "bureau/index.html")
    assert ("bureau/index.html", "marker") in _hits(_audit(site, work, pub, config))
    _payload_bytes, data = _payload(work)
    sha, needles, _hits_then, unscanned = data["entries"]["bureau/index.html"]
    data["entries"]["bureau/index.html"] = (sha, needles, (), unscanned)  # "clean"
    # planted without the work folder's key (a restored CI cache, a hand edit): ignored whole
    _write(work, data, b"x" * 32)
    forged = _audit(site, work, pub, config)
    assert ("bureau/index.html", "marker") in _hits(forged) and forged.reused == 0
    # the same entry with the key would be believed: the key is what keeps it out
    _write(work, data, (work / audit_cache.KEY_FILE).read_bytes())
    assert ("bureau/index.html", "marker") not in _hits(_audit(site, work, pub, config))


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: b"",
        lambda blob: blob[: len(blob) // 2],
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),
        lambda blob: b"\x93\xa1x" + blob,
    ],
    ids=["empty", "truncated", "one-bit", "foreign"],
)
def test_a_damaged_cache_is_an_empty_one(demo_site, site, config, tmp_path, damage):
    pub, work = demo_site.result.publication, tmp_path / "work"
    _plant(site, "bureau/index.html")
    _audit(site, work, pub, config)
    path = work / "cache" / audit_cache.CACHE_FILE
    path.write_bytes(damage(path.read_bytes()))
    report = _audit(site, work, pub, config)
    assert report.reused == 0 and ("bureau/index.html", "marker") in _hits(report)


def test_a_lost_key_voids_the_cache(demo_site, site, config, tmp_path):
    pub, work = demo_site.result.publication, tmp_path / "work"
    _audit(site, work, pub, config)
    (work / audit_cache.KEY_FILE).unlink()
    assert _audit(site, work, pub, config).reused == 0
    assert len((work / audit_cache.KEY_FILE).read_bytes()) == 32


def test_a_newly_withheld_items_strings_are_found_in_unchanged_pages(demo_site, site, config, tmp_path):
    """The needle set grew: every file is searched for the new needles, not only changed ones."""
    pub, work = demo_site.result.publication, tmp_path / "work"
    before = audit.prepare_withheld(pub, config)
    assert _audit(site, work, pub, config, before).hits == ()
    # an item that was published (its page, the lists and feeds show its title) is now withheld
    item = next(i for i in pub.published if len(i.title) >= 12 and i.site == "bureau")
    needle = audit.Needle(audit.loose(item.title), item.path, "标题")
    grown = audit.Withheld(before.needles + (needle,), before.files, before.urls, before.without_needles)
    report = _audit(site, work, pub, config, grown)
    found = {h.file for h in report.hits if h.rule == "withheld-text" and h.match == needle.text}
    assert item.url.strip("/") + "/index.html" in found and len(found) >= 2  # its page and a list or feed
    assert report.reused == 0
    # published again: the needle set shrank, old verdicts stay valid without that needle's hits
    again = _audit(site, work, pub, config, before)
    assert again.hits == () and again.reused == again.files


def test_the_build_hashes_each_file_once_and_takes_only_digests_it_was_given(demo_site, tmp_path):
    """The digests the manifest lists are the files' real digests: read, or given by the
    renderer for the pages it wrote or checked; nothing is taken from the live manifest or from
    file times (a live file changed in place with its time set back is read like any other)."""
    site = tmp_path / "live"
    shutil.copytree(demo_site.out, site)
    first = manifest.hash_site(site)
    assert first.reused == 0
    assert first.files == {
        rel: (hashlib.sha256((site / rel).read_bytes()).hexdigest(), (site / rel).stat().st_size) for rel in first.files
    }
    page = "index.html"
    given = {page: first.files[page]}
    again = manifest.hash_site(site, given)
    assert again.reused == 1 and again.files == first.files
    (site / page).write_text("changed", encoding="utf-8")  # another size: a given digest no longer fits
    third = manifest.hash_site(site, given)
    assert third.reused == 0 and third.files[page][0] == hashlib.sha256(b"changed").hexdigest()


# --- the withheld needles' inputs (audit._cached_strings) -------------------------------------------


def _needles(pub, config, work: Path, monkeypatch) -> tuple[audit.Withheld, int]:
    """prepare_withheld with the cache in ``work`` (saved as the build saves it), and how many
    public texts it read (the costly part: every published item's sentences)."""
    read = []
    real = audit.public_sentences
    monkeypatch.setattr(audit, "public_sentences", lambda text: read.append(1) or real(text))
    cache = audit_cache.VerdictCache(work, config)
    withheld = audit.prepare_withheld(pub, config, cache=cache)
    rows = audit_cache.needle_rows(withheld.needles)
    cache.save(audit_cache.needle_stamp(rows), rows)
    monkeypatch.setattr(audit, "public_sentences", real)
    return withheld, len(read)


def _edit_published(pub, text: str):
    items = list(pub.published)
    items[3] = dataclasses.replace(items[3], body=items[3].body + "\n\n" + text)
    return dataclasses.replace(pub, published=tuple(items))


def test_the_needles_are_reused_and_an_edit_reads_only_the_edited_text(demo_site, config, tmp_path, monkeypatch):
    pub, work = demo_site.result.publication, tmp_path / "work"
    plain = audit.prepare_withheld(pub, config)
    public = len(audit.public_texts(pub.published, pub.pages, config))
    first, read = _needles(pub, config, work, monkeypatch)
    assert first == plain and read == public
    again, read = _needles(pub, config, work, monkeypatch)
    assert again == plain and read == 0
    # a published item now shows a withheld item's body span: that span is no needle any more
    span = next(n for n in plain.needles if n.what == "正文片段")
    edited = _edit_published(pub, f"据悉，{span.text}。")
    after, read = _needles(edited, config, work, monkeypatch)
    assert after == audit.prepare_withheld(edited, config) and span not in after.needles and read == 1
    back, read = _needles(pub, config, work, monkeypatch)
    assert back == plain and read == 1


def test_a_changed_or_newly_withheld_item_is_searched_for_in_every_text(demo_site, config, tmp_path, monkeypatch):
    pub, work = demo_site.result.publication, tmp_path / "work"
    public = len(audit.public_texts(pub.published, pub.pages, config))
    _needles(pub, config, work, monkeypatch)
    # a withheld item edited: its new body's span is a new candidate (the first span is always kept)
    first = pub.withheld[0]
    changed_item = dataclasses.replace(first.item, body="新增的内部讨论意见尚未形成最终结论请勿外传。")
    changed = dataclasses.replace(pub, withheld=(dataclasses.replace(first, item=changed_item), *pub.withheld[1:]))
    found, read = _needles(changed, config, work, monkeypatch)
    assert found == audit.prepare_withheld(changed, config) and read == public
    assert any(n.text.startswith("新增的内部讨论意见") for n in found.needles)
    # a published item withheld now: its title is a needle (and found on the pages that show it)
    item = next(i for i in pub.published if len(i.title) >= 12)
    grown = dataclasses.replace(
        pub,
        withheld=(*pub.withheld, dataclasses.replace(first, item=item)),
        published=tuple(i for i in pub.published if i.path != item.path),
    )
    found, read = _needles(grown, config, work, monkeypatch)
    assert found == audit.prepare_withheld(grown, config) and read == public - 1
    assert set(audit._runs(item.title, audit.MIN_TITLE)) <= {n.text for n in found.needles if n.item == item.path}
    # published again: the candidates shrank, the texts' old hits stay valid, only its text is read
    found, read = _needles(pub, config, work, monkeypatch)
    assert found == audit.prepare_withheld(pub, config) and read == 1


def test_a_tampered_needle_cache_is_ignored(demo_site, config, tmp_path, monkeypatch):
    pub, work = demo_site.result.publication, tmp_path / "work"
    plain = audit.prepare_withheld(pub, config)
    public = len(audit.public_texts(pub.published, pub.pages, config))
    _needles(pub, config, work, monkeypatch)
    _payload_bytes, data = _payload(work)
    candidates, searched, empty, found = data["withheld"]
    # forged: every public text "contains" every candidate (no needles would be left)
    everything = b"".join(k.to_bytes(4, "little") for k in range(len(searched)))
    digests = [empty[i : i + 32] for i in range(0, len(empty), 32)] + list(found)
    forged = dict(data, withheld=(candidates, searched, b"", dict.fromkeys(digests, everything)))
    _write(work, forged, b"x" * 32)  # without the key: the whole cache is ignored
    again, read = _needles(pub, config, work, monkeypatch)
    assert again == plain and read == public
    # damaged shapes and out-of-range numbers, even under the key: no traceback, the same needles
    key = (work / audit_cache.KEY_FILE).read_bytes()
    for withheld in (
        (candidates, searched, b"\0" * 31, found),
        (candidates, searched, b"", {d: b"\xff\xff\xff\x7f" for d in digests}),
        ({"x": (("标题",),)}, searched, empty, found),
        "nonsense",
    ):
        _write(work, dict(data, withheld=withheld), key)
        assert _needles(pub, config, work, monkeypatch)[0] == plain


def test_the_manifest_is_written_as_json_writes_it(tmp_path):
    files = {
        "index.html": {"sha256": "a" * 64, "size": 10},
        '新闻/页 面"\\\u2028.html': {"sha256": "b" * 64, "size": 0},
        "a\x01b": {"sha256": "c" * 64, "size": 12345678901},
    }
    for value in (
        {"format": 1, "files": files},
        {"format": 1, "files": {}},
        {"format": 1, "files": {"x": {"size": True, "sha256": "d"}}},
    ):
        assert (
            manifest.dumps(value) == (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
        )


def test_a_file_added_during_the_checks_fails_the_build(demo_site, tmp_path):
    """The audit judges the files the build hashed; a file that comes or goes during the checks
    is in no verdict, so the build stops before the manifest and the swap."""
    site = tmp_path / "site"
    shutil.copytree(demo_site.out, site)
    hashed = manifest.hash_site(site).files
    assert build_mod._listing_as_checked(site, hashed) == list(hashed)
    (site / "planted.html").write_text("<p>机密</p>", encoding="utf-8")
    with pytest.raises(build_mod.BuildFailed, match="planted.html"):
        build_mod._listing_as_checked(site, hashed)
    (site / "planted.html").unlink()
    (site / "index.html").unlink()
    with pytest.raises(build_mod.BuildFailed, match="index.html"):
        build_mod._listing_as_checked(site, hashed)
