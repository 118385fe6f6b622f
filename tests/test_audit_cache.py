"""The output audit's verdicts kept across builds (issue 15, pipeline/audit_cache.py).

A rebuild reads again only the files whose bytes changed; the cache is fail-closed: a forged,
damaged or foreign cache is ignored, a changed file is read again, and a newly withheld item's
strings are searched for in every file — also the unchanged ones.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline import audit, audit_cache, cache_codec, manifest
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
