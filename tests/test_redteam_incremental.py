"""Red-team attacks on the incremental machinery of issue 15 (a hostile or careless insider).

The guarantees under attack: the output audit judges what the public receives; the incremental
output equals a clean build; a forged or damaged cache is never trusted (fail closed).  Each
attack that succeeded was first landed as an ``xfail(strict=True)`` test naming the defect; the
three it found (a live page changed in place with its time set back, or defaced, carried into the
next build; a forged page record trusted) are fixed, and every attack here is now a plain test.

One portal (the demo content, several search bundles) is built once per module; every test
works on its own copy of that portal (content, config, theme, site and work folder), so the
attacks do not see each other.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import audit_cache, mkdocs_pages
from pipeline import build as build_mod
from helpers import ROOT
from incremental_portal import Portal, all_text, clone, comparable

MARKER = "【机密】"  # a 密级 marking the output audit refuses (site_config/confidentiality.yaml)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("redteam")
    portal = Portal(tmp, random.Random(7))
    portal.build("inc", incremental=True)
    return tmp


def tamper(page: Path, text: str, keep_mtime: bool) -> None:
    """Overwrite four CJK characters of the page's article with ``text`` (same byte length), in
    place (same inode, so every hard link to the file sees it), optionally setting the
    modification time back."""
    before = os.stat(page)
    data = page.read_bytes()
    start = data.index(b"<article")
    article = data[start:].decode("utf-8")
    found = re.search(r"[\u4e00-\u9fff]{4}", article)
    assert found is not None and len(text.encode()) == len(found.group().encode())
    new = data[:start] + (article[: found.start()] + text + article[found.end() :]).encode("utf-8")
    assert len(new) == len(data)
    with open(page, "r+b") as handle:
        handle.write(new)
    if keep_mtime:
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(page).st_ino == before.st_ino


def manifest_digest(site: Path, rel: str) -> str:
    return json.loads((site / "portal-manifest.json").read_text(encoding="utf-8"))["files"][rel]["sha256"]


# --- tampering with the live site in place ------------------------------------------------------


def test_live_page_tampered_with_mtime_set_back_is_audited(base, tmp_path):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    page = site / "bureau" / "index.html"
    tamper(page, MARKER, keep_mtime=True)
    try:
        portal.build("inc", incremental=True)  # nothing changed in the content
    except build_mod.BuildFailed:
        return  # the audit read the page and refused the marking: defeated
    served = page.read_bytes()
    assert MARKER.encode() not in served, "the 密级 marking is online and the build passed the audit"
    assert manifest_digest(site, "bureau/index.html") == hashlib.sha256(served).hexdigest()


def test_live_page_defaced_in_place_is_rendered_again(base, tmp_path):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    page = site / "about" / "about" / "index.html"
    tamper(page, "网站被黑", keep_mtime=False)
    portal.build("inc", incremental=True)  # nothing changed in the content
    assert "网站被黑".encode() not in page.read_bytes(), "the defaced page survived the rebuild"


def test_live_page_tampered_with_a_marking_is_rendered_again(base, tmp_path):
    """Changed in place without setting the time back: the page no longer has the digest it was
    written with, so it is rendered again and the marking is gone (the audit would refuse it)."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    page = site / "about" / "contact" / "index.html"
    tamper(page, MARKER, keep_mtime=False)
    portal.build("inc", incremental=True)
    served = page.read_bytes()
    assert MARKER.encode() not in served
    assert manifest_digest(site, "about/contact/index.html") == hashlib.sha256(served).hexdigest()


# --- the site's other files, kept on the status the last build recorded ---------------------------


def _inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def _bundle_files(site: Path) -> list[Path]:
    return sorted(p for p in site.glob("pagefind*/**/*") if p.is_file() and not p.is_symlink())


def test_reused_search_bundles_are_kept_as_they_are_and_not_read_again(base, tmp_path, monkeypatch):
    """After an edit, the bundles of the shards it did not touch are the very files of the live
    site (kept in the recycled staging folder, not linked again) and hash_site does not read them:
    their status is the one recorded; the manifest still lists their true digests."""
    from pipeline import manifest

    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    portal.edit()
    portal.build("inc", incremental=True)  # the first recycled build: what the spare holds is recorded
    before = _inodes(site)
    portal.edit()
    read: list[str] = []
    real = manifest._digest_status
    monkeypatch.setattr(manifest, "_digest_status", lambda path: read.append(str(path)) or real(path))
    _, result = portal.build("inc", incremental=True)
    assert result.timings["recycled"] == 1 and result.timings["search_bundles_reused"] >= 1
    now = _inodes(site)
    kept = [p for p in _bundle_files(site) if before.get(rel := p.relative_to(site).as_posix()) == now[rel]]
    assert kept, "no bundle file of the live site was kept"
    assert not {str(p) for p in kept} & {str(Path(r)) for r in read}
    for path in kept[:50]:
        assert manifest_digest(site, path.relative_to(site).as_posix()) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_live_search_bundle_file_changed_in_place_with_its_time_set_back_is_not_carried_over(base, tmp_path):
    """A live bundle file (shared by hard link with the spare the next build recycles) changed in
    place, its modification time set back: its status is not the recorded one, so it is neither
    kept nor linked again — its shard is indexed again and the site has the bytes a build makes."""
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    spare = tmp_path / "site-inc.spare"
    portal.edit()
    portal.build("inc", incremental=True)  # (the clone's build indexed every shard again: a new path)

    def shared(path: Path) -> bool:  # a file of a bundle the last build reused: shared with the spare
        other = spare / path.relative_to(site)
        return other.is_file() and other.stat().st_ino == path.stat().st_ino

    path = next(p for p in _bundle_files(site) if p.suffix == ".pf_fragment" and shared(p))
    rel = path.relative_to(site).as_posix()
    original = path.read_bytes()
    st = path.stat()
    tampered = bytearray(original)
    tampered[len(tampered) // 2 :] = bytes(b ^ 0x5A for b in tampered[len(tampered) // 2 :])
    with open(path, "r+b") as handle:
        handle.write(bytes(tampered))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_ino == st.st_ino and path.stat().st_mtime_ns == st.st_mtime_ns
    _, result = portal.build("inc", incremental=True)  # nothing changed in the content
    assert result.timings["recycled"] == 1
    served = (site / rel).read_bytes()
    assert served == original, "the changed bundle file is online"
    assert manifest_digest(site, rel) == hashlib.sha256(served).hexdigest()


@pytest.mark.parametrize("plant", ["file", "symlink"])
def test_what_is_planted_in_a_bundle_of_the_spare_never_reaches_the_site(base, tmp_path, plant):
    portal = clone(base, tmp_path)
    site, spare = tmp_path / "site-inc", tmp_path / "site-inc.spare"
    bundle = sorted(p for p in spare.glob("pagefind-*") if p.is_dir())[0]
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER + "内部资料", encoding="utf-8")
    if plant == "file":
        (bundle / "fragment" / "planted.pf_fragment").write_bytes(b"planted")
    else:
        (bundle / "leak.js").symlink_to(secret)
    portal.edit()
    _, result = portal.build("inc", incremental=True)
    assert result.timings["recycled"] == 1
    names = set(json.loads((site / "portal-manifest.json").read_text(encoding="utf-8"))["files"])
    planted = f"{bundle.name}/fragment/planted.pf_fragment" if plant == "file" else f"{bundle.name}/leak.js"
    assert planted not in names and not (site / planted).exists() and not (site / planted).is_symlink()


# --- forged and damaged caches ------------------------------------------------------------------


def test_forged_page_record_is_not_trusted(base, tmp_path):
    portal = clone(base, tmp_path)
    site, record = tmp_path / "site-inc", tmp_path / "work-inc" / build_mod.PAGE_RECORD
    mac_before, _, payload = record.read_bytes().partition(b"\n")  # <HMAC>\n<msgpack>
    before = mkdocs_pages.record_data(payload)
    item = portal.items()[0]
    text = item.read_text(encoding="utf-8")
    item.write_text(text + "\n补充说明：STALETOKENQ。\n", encoding="utf-8")
    portal.build("inc", incremental=True)
    assert "staletokenq" in all_text(site)
    item.write_text(text, encoding="utf-8")  # the editor takes the sentence back …
    after = mkdocs_pages.record_data(record.read_bytes().partition(b"\n")[2])
    # … and an insider puts the earlier record back, bound to the live site by its public digest
    before["site"] = hashlib.sha256((site / "portal-manifest.json").read_bytes()).hexdigest()
    before["extra"] = after["extra"]
    assert before["site"] == after["site"]
    # without the work folder's key the insider can only keep a MAC of another payload
    record.write_bytes(mac_before + b"\n" + mkdocs_pages.record_payload(before))
    portal.build("inc", incremental=True)
    assert "staletokenq" not in all_text(site), "a page of the item's withdrawn text is still online"


@pytest.mark.parametrize("damage", ["truncated", "garbage", "foreign-key"])
def test_damaged_or_foreign_audit_cache_is_not_trusted(base, tmp_path, damage):
    """The audit cache is void when damaged or not written with this work folder's key, and the
    page record with it: a marking written in place with the mtime set back never stays online."""
    portal = clone(base, tmp_path)
    work = tmp_path / "work-inc"
    cache = work / "cache" / audit_cache.CACHE_FILE
    blob = cache.read_bytes()
    if damage == "truncated":
        cache.write_bytes(blob[: len(blob) // 2])
    elif damage == "garbage":
        cache.write_bytes(blob[: len(audit_cache._MAGIC)] + secrets.token_bytes(len(blob)))
    else:  # a cache copied from another work folder, or planted by someone without the key
        (work / audit_cache.KEY_FILE).write_bytes(secrets.token_bytes(32))
    page = tmp_path / "site-inc" / "bureau" / "index.html"
    tamper(page, MARKER, keep_mtime=True)
    try:
        portal.build("inc", incremental=True)
    except build_mod.BuildFailed:
        pass  # the audit read the page and refused the marking; the live site is left as it was
    else:
        assert MARKER.encode() not in page.read_bytes()  # or the page was rendered again


def test_audit_cache_key_is_private_and_outside_the_cache_folder(base):
    key = base / "work-inc" / audit_cache.KEY_FILE
    assert len(key.read_bytes()) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not list((base / "work-inc" / "cache").glob("*.key"))


def test_truncated_page_record_renders_everything(base, tmp_path):
    portal = clone(base, tmp_path)
    record = tmp_path / "work-inc" / build_mod.PAGE_RECORD
    record.write_bytes(record.read_bytes()[:1000])
    _, result = portal.build("inc", incremental=True)
    assert result.timings["pages_reused"] == 0


# --- withholding together with a column rename and a theme change -------------------------------


def test_withheld_item_is_gone_everywhere_with_column_and_theme_change(base, tmp_path):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    item = sorted(p for p in portal.items() if "added" in p.name)[0]
    token = re.search(r"tokq\w+", item.read_text(encoding="utf-8")).group()
    assert token in all_text(site)
    text = item.read_text(encoding="utf-8")
    item.write_text(text.replace("\n---\n", "\nclassified: true\n---\n", 1), encoding="utf-8")
    portal.rename_column()
    portal.change_theme()
    portal.build("inc", incremental=True)
    published = all_text(site)  # pages, feeds, gzipped sitemap, every search bundle decompressed
    assert token not in published
    assert item.stem + "/" not in published


# --- a build killed (SIGKILL) at different points -----------------------------------------------

KILLED_BUILD = """
import os, signal, sys
from pathlib import Path

from pipeline import build as build_mod
from pipeline import mkdocs_pages, publish
from incremental_portal import Portal


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


point = sys.argv[2]
if point == "render":
    mkdocs_pages._render_all = die
elif point == "audit":
    build_mod._run_checks = die
else:  # right after the swap, before the page record is saved and the old site removed
    swap_keep = publish.swap_keep

    def swap_then_die(*args, **kwargs):
        swap_keep(*args, **kwargs)
        die()

    publish.swap_keep = swap_then_die
portal = Portal.__new__(Portal)
portal.tmp = Path(sys.argv[1])
portal.content, portal.config_dir = portal.tmp / "content", portal.tmp / "site_config"
portal.build("inc", incremental=True)
"""


def _delete_added_item(portal: Portal) -> str:
    item = sorted(p for p in portal.items() if "added" in p.name)[0]
    token = re.search(r"tokq\w+", item.read_text(encoding="utf-8")).group()
    item.unlink()
    return token


@pytest.fixture(scope="module")
def clean_after_delete(base, tmp_path_factory) -> dict:
    """A clean full build of the module's portal with its first added item deleted."""
    tmp = tmp_path_factory.mktemp("clean")
    for name in ("content", "site_config", "theme"):
        shutil.copytree(base / name, tmp / name)
    shutil.copy(base / "mkdocs.yml", tmp / "mkdocs.yml")
    portal = Portal.__new__(Portal)
    portal.tmp, portal.content, portal.config_dir = tmp, tmp / "content", tmp / "site_config"
    _delete_added_item(portal)
    out, _ = portal.build("clean", incremental=False)
    return comparable(out)


@pytest.mark.parametrize("point", ["render", "audit", "after-swap"])
def test_killed_build_leaves_live_site_and_next_build_is_clean(base, tmp_path, point, clean_after_delete):
    portal = clone(base, tmp_path)
    site = tmp_path / "site-inc"
    before = (site / "portal-manifest.json").read_bytes()
    token = _delete_added_item(portal)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, str(tmp_path), point], env=env, cwd=ROOT, capture_output=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    if point == "after-swap":
        assert token not in all_text(site)  # the new site is complete and live
    else:
        assert (site / "portal-manifest.json").read_bytes() == before  # the live site untouched
        assert token in all_text(site)
    _, result = portal.build("inc", incremental=True)
    if point == "after-swap":
        assert result.timings["pages_reused"] == 0  # the record names the site before: not trusted
    assert token not in all_text(site)
    a = comparable(site)
    diff = sorted(k for k in set(a) | set(clean_after_delete) if a.get(k) != clean_after_delete.get(k))
    assert not diff, diff[:10]
    deadline = time.monotonic() + 60  # the set-aside and staging folders go (the detached removal)

    def left() -> list[str]:  # all but the spare, the site before the live one (pipeline.publish.keep_spare)
        return [p.name for p in tmp_path.iterdir() if p.name.startswith("site-inc.") and p.name != "site-inc.spare"]

    while time.monotonic() < deadline and left():
        time.sleep(0.5)
    assert not left()
    spare = tmp_path / "site-inc.spare"
    assert not spare.exists() or token not in all_text(spare)  # nothing withdrawn is kept beside the web root


def test_forged_page_record_cannot_keep_a_withheld_item_online(base, tmp_path):
    """The forgery above, when the item is withheld: the record of a build where it was already
    withheld, bound to the live site (where it is still published), would make the lists and
    search bundles naming it be taken over from the live site — but without the work folder's key
    the record is not trusted, every page is rendered and the item is gone."""
    portal = clone(base, tmp_path)
    site, record = tmp_path / "site-inc", tmp_path / "work-inc" / build_mod.PAGE_RECORD
    item = sorted(p for p in portal.items() if "added" in p.name)[-1]
    token = re.search(r"tokq\w+", item.read_text(encoding="utf-8")).group()
    published = item.read_text(encoding="utf-8")
    withheld = published.replace("\n---\n", "\nclassified: true\n---\n", 1)
    item.write_text(withheld, encoding="utf-8")
    portal.build("inc", incremental=True)
    assert token not in all_text(site)
    mac, _, payload = record.read_bytes().partition(b"\n")
    forged = mkdocs_pages.record_data(payload)  # the docs hashes with the item withheld
    item.write_text(published, encoding="utf-8")
    portal.build("inc", incremental=True)
    assert token in all_text(site)
    item.write_text(withheld, encoding="utf-8")
    live = mkdocs_pages.record_data(record.read_bytes().partition(b"\n")[2])
    forged["site"], forged["extra"] = live["site"], live["extra"]
    record.write_bytes(mac + b"\n" + mkdocs_pages.record_payload(forged))
    _, result = portal.build("inc", incremental=True)
    assert result.timings["pages_reused"] == 0  # the forged record was not used
    assert token not in all_text(site)


# --- the serve fast path (pipeline/preview.py) --------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_fast_path_never_shows_a_saved_marking(content_copy, tmp_path):
    """An editor saves an item with a 密级 marking in its body, then one in its title: whatever the
    fast path answers, the marked text is on no page, list, feed or search bundle of the preview."""

    from pipeline import preview
    from pipeline.config import load_config
    from pipeline.publish import live_dir
    from serve_preview import ITEM, preview_build, quick_save

    content, work = content_copy, tmp_path / "work"
    out = work / "preview"
    result = preview_build(content, out, work)
    state = preview.make_state(
        result.publication, load_config(ROOT / "site_config"), content, work, live_dir(out), result.engine_config
    )
    site = live_dir(out)
    item = content / ITEM
    good = item.read_text(encoding="utf-8")
    for n, text in enumerate(
        (
            good + "\n【机密】FASTSECRETQ1 内部讨论稿。\n",
            good.replace("title: ", "title: 机密：FASTSECRETQ2 ", 1),
        ),
        1,
    ):
        item.write_text(text, encoding="utf-8")
        quick = quick_save(state, content, {ITEM}, work)
        assert f"fastsecretq{n}" not in all_text(site), quick
        if quick.kind == preview.FULL:  # serve builds in full then: the gate decides
            try:
                preview_build(content, out, work)
            except build_mod.BuildFailed:
                pass
            assert f"fastsecretq{n}" not in all_text(site)
