"""The files of a site that are not pages (search bundles, assets, feeds, attachments …) keep the
digest the last build recorded when they are exactly the file it hashed — same inode, size,
modification and status-change time (issue 15): ``manifest.hash_site`` with a
``manifest.Recorded``, and a reused search bundle taken back from the recycled staging folder
(``search_index._take_recorded``).  The attacks: a file changed in place with its times set
back, a planted file, a symlink, a FIFO, a file replaced, a status too close to the snapshot, a
file changed after it was hashed, a damaged record."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from pipeline import manifest, publish, search_index
from helpers import plant as plant_in


def site_of(tmp: Path) -> Path:
    site = tmp / "site"
    (site / "pagefind-1" / "fragment").mkdir(parents=True)
    (site / "pagefind-1" / "fragment" / "a.pf_fragment").write_bytes(b"fragment a" * 50)
    (site / "pagefind-1" / "pagefind-entry.json").write_text('{"version": "1"}', encoding="utf-8")
    (site / "files").mkdir()
    (site / "files" / "report.pdf").write_bytes(b"%PDF-1.4 attachment" * 20)
    (site / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    return site


def record(site: Path, pages=("index.html",)) -> tuple[manifest.SiteHashes, manifest.Recorded]:
    """What a build records of ``site`` just before its swap (statuses taken after its check)."""
    hashed = manifest.hash_site(site)
    time.sleep(0.3)  # the files' statuses are older than the snapshot by more than RACY_NS (0.2 s)
    snapped = time.time_ns()
    now = publish.inventory(site)[0]
    files = manifest.recorded_statuses(hashed, now, set(pages))
    back = manifest.Recorded.from_json(manifest.Recorded(files).to_json(), snapped - 200_000_000)
    assert back is not None
    return hashed, back


def reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = manifest._digest_status
    monkeypatch.setattr(manifest, "_digest_status", lambda path: seen.append(str(path)) or real(path))
    return seen


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_with_its_recorded_status_is_not_read_again(tmp_path, monkeypatch):
    site = site_of(tmp_path)
    first, recorded = record(site)
    assert "index.html" not in recorded.files  # pages are the page record's
    assert all(entry[2] for entry in recorded.files.values())
    seen = reads(monkeypatch)
    again = manifest.hash_site(site, recorded=recorded)
    assert again.files == first.files and seen == [str(site / "index.html")]
    assert again.reused == len(first.files) - 1


@pytest.mark.parametrize("rel", ["pagefind-1/fragment/a.pf_fragment", "files/report.pdf"])
def test_a_file_changed_in_place_with_its_times_set_back_is_read(tmp_path, monkeypatch, rel):
    site = site_of(tmp_path)
    _, recorded = record(site)
    path = site / rel
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[:4] = b"EVIL"
    with open(path, "r+b") as handle:  # in place: the same inode, every hard link sees it
        handle.write(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_ino == st.st_ino and path.stat().st_size == st.st_size
    seen = reads(monkeypatch)
    again = manifest.hash_site(site, recorded=recorded)
    assert str(path) in seen and again.files[rel][0] == sha(path)


@pytest.mark.parametrize("plant", ["file", "replaced", "symlink", "fifo"])
def test_what_is_not_the_recorded_file_is_read(tmp_path, monkeypatch, plant):
    site = site_of(tmp_path)
    _, recorded = record(site)
    secret = tmp_path / "secret.txt"
    secret.write_text("涉密内容", encoding="utf-8")
    rel = "files/report.pdf"
    if plant == "file":
        rel = "pagefind-1/fragment/planted.js"
        (site / rel).write_text("alert(1)", encoding="utf-8")
    elif plant == "replaced":  # another file at the recorded path, the recorded bytes but a new inode
        data = (site / rel).read_bytes()
        (site / rel).unlink()
        (site / rel).write_bytes(data)
    elif plant == "symlink":
        (site / rel).unlink()
        (site / rel).symlink_to(secret)
    else:
        (site / rel).unlink()
        os.mkfifo(site / rel)
        with pytest.raises(manifest.ManifestError):
            manifest.hash_site(site, recorded=recorded)
        return
    seen = reads(monkeypatch)
    again = manifest.hash_site(site, recorded=recorded)
    assert any(path.endswith(rel) for path in seen)
    assert again.files[rel][0] == sha(site / rel)


def test_a_status_changed_close_to_the_snapshot_or_after_the_check_is_not_trusted(tmp_path, monkeypatch):
    site = site_of(tmp_path)
    hashed = manifest.hash_site(site)
    snapped = time.time_ns()  # no pause: every status is within RACY_NS of the snapshot
    files = manifest.recorded_statuses(hashed, publish.inventory(site)[0], {"index.html"})
    seen = reads(monkeypatch)
    manifest.hash_site(site, recorded=manifest.Recorded(files, snapped - 200_000_000))
    assert len(seen) == len(hashed.files)
    # changed after it was hashed (before the snapshot): its status is not recorded at all
    path = site / "files" / "report.pdf"
    path.write_bytes(b"%PDF-1.4 changed after the check")
    later = manifest.recorded_statuses(hashed, publish.inventory(site)[0], {"index.html"})
    assert later["files/report.pdf"][2] == () and later["pagefind-1/pagefind-entry.json"][2]


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        {"a": ["0" * 64, 1]},
        {"a": ["0" * 63, 1, []]},
        {"a": ["0" * 64, "1", []]},
        {"a": ["0" * 64, 1, [1, 2, 3]]},
        {"a": ["0" * 64, 1, [1, 2, 3, 4, 5.0]]},
    ],
)
def test_a_damaged_record_trusts_nothing(value):
    assert manifest.Recorded.from_json(value, 10**19) is None


def bundles(tmp: Path) -> tuple[Path, Path, manifest.Recorded]:
    """A live site with a bundle, the spare sharing its files by hard link (held out of the
    recycled staging folder), and the live site's record."""
    live = site_of(tmp)
    held = tmp / "held"
    (held / "pagefind-1" / "fragment").mkdir(parents=True)
    for rel in ("pagefind-1/fragment/a.pf_fragment", "pagefind-1/pagefind-entry.json"):
        os.link(live / rel, held / rel)  # linked by an earlier build, before the live site's record
    _, recorded = record(live)
    return live, held, recorded


def take(live: Path, held: Path | None, recorded: manifest.Recorded, staging: Path) -> tuple[bool, dict]:
    staging.mkdir(exist_ok=True)
    digests: dict = {}
    expected = search_index._recorded_bundles(recorded)["pagefind-1"]
    done = search_index._take_recorded(held, "pagefind-1", expected, recorded, live, staging / "pagefind-1", digests)
    return done, digests


def files_of(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if not p.is_dir()}


def test_a_held_bundle_is_taken_back_without_linking_its_files_again(tmp_path):
    live, held, recorded = bundles(tmp_path)
    ctimes = {rel: os.lstat(held / rel).st_ctime_ns for rel in files_of(held)}
    done, digests = take(live, held, recorded, tmp_path / "staging")
    assert done and digests == {}
    taken = tmp_path / "staging" / "pagefind-1"
    assert files_of(taken) == files_of(live / "pagefind-1")
    assert {f"pagefind-1/{rel}": os.lstat(taken / rel).st_ctime_ns for rel in files_of(taken)} == ctimes
    assert not (held / "pagefind-1").exists()


@pytest.mark.parametrize("plant", ["file", "symlink", "fifo", "folder", "replaced", "missing", "no-held"])
def test_a_held_bundle_loses_what_was_planted_and_links_what_it_lacks(tmp_path, plant):
    live, held, recorded = bundles(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("涉密内容", encoding="utf-8")
    bundle = held / "pagefind-1"
    if plant_in(plant, bundle, "fragment", ".pf_fragment", secret):
        pass
    elif plant == "replaced":  # the spare's copy is another file now (the live one is intact)
        target = bundle / "pagefind-entry.json"
        target.unlink()
        target.write_text('{"version": "X"}', encoding="utf-8")
    elif plant == "missing":
        (bundle / "fragment" / "a.pf_fragment").unlink()
    done, digests = take(live, held if plant != "no-held" else None, recorded, tmp_path / "staging")
    assert done
    taken = tmp_path / "staging" / "pagefind-1"
    assert files_of(taken) == files_of(live / "pagefind-1")
    assert {p.relative_to(taken).as_posix() for p in taken.rglob("*")} == {
        "fragment",
        "fragment/a.pf_fragment",
        "pagefind-entry.json",
    }
    for rel, (digest, _size, status) in digests.items():  # what was linked again was read and checked
        assert digest == sha(tmp_path / "staging" / rel) and status
    assert (plant in ("replaced", "missing", "no-held")) == bool(digests)


def test_a_live_bundle_file_changed_in_place_with_its_time_set_back_is_never_taken(tmp_path):
    live, held, recorded = bundles(tmp_path)
    path = live / "pagefind-1" / "fragment" / "a.pf_fragment"  # shared with the held copy
    st = path.stat()
    with open(path, "r+b") as handle:
        handle.write(b"EVIL")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    done, _ = take(live, held, recorded, tmp_path / "staging")
    assert not done and not (tmp_path / "staging" / "pagefind-1").exists()  # the shard is indexed again
    done, _ = take(live, None, recorded, tmp_path / "staging")
    assert not done and not (tmp_path / "staging" / "pagefind-1").exists()


def test_the_bundles_are_held_out_of_the_recycled_folder_by_one_rename_each(tmp_path):
    site = site_of(tmp_path)
    (site / "pagefind").mkdir()
    (site / "pagefind" / "x.js").write_text("x", encoding="utf-8")
    (site / "pagefind-2").symlink_to(tmp_path)  # never followed, never moved
    before = os.lstat(site / "pagefind" / "x.js")
    holder = tmp_path / "site.gone-1-held"
    assert search_index.hold_bundles(site, holder) == holder
    assert sorted(p.name for p in holder.iterdir()) == ["pagefind", "pagefind-1"]
    assert (site / "pagefind-2").is_symlink() and not (site / "pagefind").exists()
    after = os.lstat(holder / "pagefind" / "x.js")
    assert (after.st_ino, after.st_ctime_ns) == (before.st_ino, before.st_ctime_ns)
    assert search_index.hold_bundles(site, tmp_path / "other") is None
