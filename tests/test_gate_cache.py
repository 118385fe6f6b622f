"""The memos of a run (<work>/cache/*.msgpack, pipeline.memo): a warm run gives exactly what a
cold run gives, rechecks what changed, and ignores a cache it cannot trust."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest
from helpers import ROOT

from pipeline import audit_cache, cache_codec, confidentiality, memo, publication, scanners, stage_memos
from pipeline.config import load_config


@pytest.fixture()
def counted_scans(monkeypatch):
    """How many texts the confidentiality scanners looked at."""
    calls = []
    original = scanners.Scanners.scan

    def counting(self, text, *args, **kwargs):
        calls.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(scanners.Scanners, "scan", counting)
    return calls


def run(content, config, cache_dir=None, reference=None):
    return publication.run(content, config, upstream_db=None, reference=reference, cache_dir=cache_dir)


def test_warm_run_equals_cold_run_and_skips_the_scanners(content_copy, tmp_path, counted_scans):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "work" / "cache"
    plain = run(content_copy, config)
    assert plain.withheld and plain.duplicate_of  # the demo exercises both gates
    scanned_cold = len(counted_scans)
    cold = run(content_copy, config, cache)
    assert {p.name for p in cache.iterdir()} >= {"load.msgpack", "gate.msgpack", "dedup.msgpack", "pairs.msgpack"}
    counted_scans.clear()
    from pipeline.render import pages as pages_mod

    confidentiality.screen_pages(pages_mod.load_pages(content_copy)[0], config)  # what the static pages alone cost
    page_texts = set(counted_scans)
    counted_scans.clear()
    warm = run(content_copy, config, cache)
    assert (
        page_texts and set(counted_scans) <= page_texts
    )  # no item scanned again (the few static pages are, every run)
    assert scanned_cold > 0
    for pub in (cold, warm):
        assert pub == plain
        assert pub.published == plain.published and pub.withheld == plain.withheld
        assert pub.findings == plain.findings and pub.duplicate_of == plain.duplicate_of
        assert [i.key_lines for i in pub.published] == [i.key_lines for i in plain.published]


def test_edited_item_is_rechecked(content_copy, tmp_path, counted_scans):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    cold = run(content_copy, config, cache)
    target = next(i for i in cold.published if i.path not in {p for p, _ in cold.duplicate_of} and i.site == "bureau")
    file = content_copy / target.path
    file.write_text(file.read_text(encoding="utf-8").rstrip("\n") + "\n\n联系人手机：13907301234。\n", encoding="utf-8")
    counted_scans.clear()
    warm = run(content_copy, config, cache)
    assert counted_scans and all(t != "13907301234" for t in counted_scans)
    assert any("13907301234" in t for t in counted_scans)
    withheld = {w.item.path: w for w in warm.withheld}
    assert target.path in withheld
    assert [f.rule for f in withheld[target.path].findings if f.severity == "error"] == ["pii"]
    assert target.path not in {i.path for i in warm.published}
    assert warm == run(content_copy, config)


def test_edit_that_repeats_another_item_is_found_as_duplicate(content_copy, tmp_path):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    cold = run(content_copy, config, cache)
    repeats = {p for p, _ in cold.duplicate_of} | {c for _, c in cold.duplicate_of}
    a, b = [i for i in cold.published if i.path not in repeats and i.text_length > 200][:2]
    file = content_copy / b.path
    head, _, _ = file.read_text(encoding="utf-8").partition("\n---\n")  # keep b's front matter
    file.write_text(head + "\n---\n" + a.body + "\n", encoding="utf-8")
    warm = run(content_copy, config, cache)
    assert any(set(pair) == {a.path, b.path} for pair in warm.duplicate_of)
    assert warm == run(content_copy, config)


def test_changed_sensitive_words_invalidate(content_copy, tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    cache = tmp_path / "cache"
    cold = run(content_copy, load_config(config_dir), cache)
    target = next(i for i in cold.published if i.site == "bureau")
    word = target.title[:6]
    with (config_dir / "sensitive_words.txt").open("a", encoding="utf-8") as fh:
        fh.write(f"\n{word}\n")
    config = load_config(config_dir)
    warm = run(content_copy, config, cache)
    hits = [f for w in warm.withheld if w.item.path == target.path for f in w.findings if f.rule == "sensitive-word"]
    assert hits and hits[0].to_dict()["match"] == word
    assert warm == run(content_copy, config)


def test_future_date_follows_the_reference_not_the_cache(content_copy, tmp_path):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    late = run(content_copy, config, cache, reference=date(2100, 1, 1))
    assert not [f for f in late.findings if f.rule == "future-date"]
    early = run(content_copy, config, cache, reference=date(2025, 12, 1))  # within a year: a warning, not bad-date
    assert [f for f in early.findings if f.rule == "future-date"]
    assert early == run(content_copy, config, reference=date(2025, 12, 1))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-entries", "foreign-findings", "another-scan"])
def test_a_damaged_cache_is_ignored(content_copy, tmp_path, damage):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    leaky = sorted((content_copy / "items" / "bureau").rglob("*.md"))[3]  # an item the scans withhold
    leaky.write_text(leaky.read_text(encoding="utf-8") + "\n联系人手机：13907301234。\n", encoding="utf-8")
    plain = run(content_copy, config)
    assert leaky.relative_to(content_copy).as_posix() in {w.item.path for w in plain.withheld}
    run(content_copy, config, cache)
    names = ("gate.msgpack", "dedup.msgpack", "load.msgpack", "pairs.msgpack", "ledger.msgpack", "dedup-text.msgpack")
    gate_file = cache / names[0]
    records = stage_memos.MEMOS["gate"].records
    if damage == "garbage":
        for f in (cache / n for n in names):
            f.write_bytes(b"\x80\x04not a cache at all")
    elif damage == "truncated":
        for f in (cache / n for n in names):
            f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    else:
        mac_key = audit_cache.cache_key(cache)  # an insider with the key: the entries' own checks hold
        data = cache_codec.loads(audit_cache.unseal(mac_key, gate_file.read_bytes()), records)
        entries = data["entries"]
        found = next(k for k, v in entries.items() if any(v.findings))  # the leaky item
        if damage == "wrong-entries":
            data["entries"] = tuple(sorted(entries))  # right stamp, wrong shape
        elif damage == "foreign-findings":  # every item "scanned clean" with the findings of another file
            for key, scan in entries.items():
                if key != found:
                    entries[key] = replace(scan, findings=entries[found].findings)
            entries[found] = replace(entries[found], findings=((), ()))  # … and the findings taken away
            entries[found] = replace(entries[found], path="items/other.md")
        else:  # the withheld item's entry is the clean scan of another item
            entries[found] = next(v for k, v in entries.items() if not any(v.findings))
        gate_file.write_bytes(audit_cache.seal(mac_key, cache_codec.dumps(data, records)))
    assert run(content_copy, config, cache) == plain
    assert run(content_copy, config, cache) == plain  # and the rewritten cache is sound


@pytest.mark.parametrize("forgery", ["unsealed", "another-key", "copied-work-folder"])
def test_a_planted_memo_that_passes_every_entry_check_is_not_read(content_copy, tmp_path, forgery):
    """The stamp is worked out from public code and configuration, and an entry can pass its own
    check while it lies: a gate scan "clean" for this very file, an item record with the 公开方式
    changed.  Planted into the cache folder (a restored CI cache) with the right stamp, such
    memos would publish an item the gate withholds: only files sealed with this work folder's
    key are read."""
    config = load_config(ROOT / "site_config")
    leaky = sorted((content_copy / "items" / "bureau").rglob("*.md"))[3]
    leaky.write_text(leaky.read_text(encoding="utf-8") + "\n联系人手机：13907301234。\n", encoding="utf-8")
    rel = leaky.relative_to(content_copy).as_posix()
    plain = run(content_copy, config)
    assert rel in {w.item.path for w in plain.withheld}
    attacker = tmp_path / "attacker" / "cache"  # the attacker's own run: the right stamps, its own key
    run(content_copy, config, attacker)
    own = audit_cache.cache_key(attacker)
    records = stage_memos.MEMOS["gate"].records
    data = cache_codec.loads(audit_cache.unseal(own, (attacker / "gate.msgpack").read_bytes()), records)
    key = next(k for k in data["entries"] if k[0] == rel)
    clean = replace(data["entries"][key], findings=tuple(() for _ in confidentiality.SCANS))
    data["entries"][key] = clean
    assert stage_memos.MEMOS["gate"].check(key, clean) is clean  # the entry's own check lets it through
    payload = cache_codec.dumps(data, records)
    cache = tmp_path / "work" / "cache"
    cache.mkdir(parents=True)
    if forgery == "unsealed":
        planted = payload
    elif forgery == "another-key":
        planted = audit_cache.seal(bytes(32), payload)
    else:  # the attacker's whole cache folder, sealed with its key: this work folder has another one
        audit_cache.cache_key(cache)
        planted = audit_cache.seal(own, payload)
    (cache / "gate.msgpack").write_bytes(planted)
    assert run(content_copy, config, cache) == plain
    assert run(content_copy, config, cache) == plain  # and what it wrote instead is sound
    # the forgery works when the attacker has the key: what the seal keeps out
    (cache.parent / audit_cache.KEY_FILE).write_bytes(own)
    (cache / "gate.msgpack").write_bytes(audit_cache.seal(own, payload))
    assert rel not in {w.item.path for w in run(content_copy, config, cache).withheld}


def test_fingerprint_memo_rejects_a_wrong_shape(tmp_path):
    import numpy as np

    from pipeline import dedup
    from pipeline.rendered import MarkdownSettings

    config = load_config(ROOT / "site_config")
    settings = config.upstream
    texts = ["商务局召开外贸企业座谈会", "第二条"]
    keys = [memo.sha256(t).encode() for t in texts]

    cache = tmp_path / "cache"
    key = audit_cache.cache_key(cache)

    def fingerprints(compute):
        memos = stage_memos.Memos.open(cache, config, MarkdownSettings())
        made = memos.prints.map(compute, texts, lambda t: keys[texts.index(t)], batched=True)
        memos.save()
        return made, memos.prints

    hasher = dedup.MinHasher(settings.num_perm, settings.seed)
    first, _ = fingerprints(lambda chunk: dedup.fingerprint_texts(chunk, settings.shingle, hasher))
    second, again = fingerprints(lambda chunk: pytest.fail("should be remembered"))
    assert again.hits == 2
    for a, b in zip(first, second):
        assert np.array_equal(a.shingles, b.shingles) and np.array_equal(a.signature, b.signature)
    path = cache / "dedup.msgpack"
    data = cache_codec.loads(audit_cache.unseal(key, path.read_bytes()))
    shingles, signature = data["entries"][keys[0]]
    for forged in (
        (np.frombuffer(shingles, dtype="<u4")[::-1].tobytes(), signature),  # not sorted
        (shingles[:-1], signature),  # not whole values
        (shingles, signature[:-4]),  # a signature of another length
        ("text", signature),
    ):
        data["entries"][keys[0]] = forged
        path.write_bytes(audit_cache.seal(key, cache_codec.dumps(data)))
        made, memos = fingerprints(lambda chunk: dedup.fingerprint_texts(chunk, settings.shingle, hasher))
        assert memos.hits == 1 and np.array_equal(made[0].shingles, first[0].shingles)


def test_text_digests_are_remembered_by_file_and_follow_a_same_size_same_time_edit(content_copy, tmp_path, monkeypatch):
    """dedup-text.msgpack: an unchanged file's compared text is not hashed again; a file whose
    text became another item's — same size, same modification time — is known by its new bytes
    and found as a repeat; a digest of the wrong shape (an insider with the key) is a miss."""
    import os

    from pipeline import dedup_stage

    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    cold = run(content_copy, config, cache)
    hashed = []
    original = dedup_stage.item_text
    monkeypatch.setattr(dedup_stage, "item_text", lambda item: hashed.append(item.path) or original(item))
    assert run(content_copy, config, cache) == cold and hashed == []
    repeats = {p for p, _ in cold.duplicate_of} | {c for _, c in cold.duplicate_of}
    alone = [i for i in cold.published if i.path not in repeats and i.text_length > 200]
    b = max(alone, key=lambda i: (content_copy / i.path).stat().st_size)  # the longest file takes a's text
    file = content_copy / b.path
    before = file.read_bytes()
    head = before.decode("utf-8").partition("\n---\n")[0] + "\n---\n"
    a = next(i for i in alone if i is not b and len((head + i.body + "\n").encode("utf-8")) <= len(before))
    data = (head + a.body + "\n").encode("utf-8")
    data += b"\n" * (len(before) - len(data))  # the same size
    stat = file.stat()
    file.write_bytes(data)
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same modification time
    assert file.stat().st_size == stat.st_size and file.stat().st_mtime_ns == stat.st_mtime_ns
    warm = run(content_copy, config, cache)
    assert set(hashed) == {b.path}  # the edited file alone (its digest, then its fingerprint)
    assert any(set(pair) == {a.path, b.path} for pair in warm.duplicate_of)
    hashed.clear()
    assert warm == run(content_copy, config)
    every = set(hashed)  # what a run without memos hashes
    path = cache / "dedup-text.msgpack"
    mac_key = audit_cache.cache_key(cache)
    stored = cache_codec.loads(audit_cache.unseal(mac_key, path.read_bytes()))
    for forged in (b"\0" * 31, "0" * 64, None):  # the shapes a digest is not
        stored["entries"] = {k: forged for k in stored["entries"]}
        path.write_bytes(audit_cache.seal(mac_key, cache_codec.dumps(stored)))
        for delta in cache.glob("dedup-text.delta-*"):
            delta.unlink()
        hashed.clear()
        assert run(content_copy, config, cache) == warm
        assert set(hashed) == every  # not one taken from the forged memo


def test_pair_cache_follows_edits_new_copies_and_removals(content_copy, tmp_path):
    """pairs.msgpack: a warm run looks up only pairs with a changed text, and still finds what a cold run finds."""
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    cold = run(content_copy, config, cache)
    assert (cache / "pairs.msgpack").is_file() and cold.duplicate_of
    repeat, canonical = cold.duplicate_of[0]
    # 1. the repeat is rewritten: the pair goes away
    file = content_copy / repeat
    head, _, _ = file.read_text(encoding="utf-8").partition("\n---\n")
    file.write_text(
        head + "\n---\n" + "本条改写为另一则消息：全市外贸企业培训会在会展中心举办，近百家企业参加。" * 3 + "\n",
        encoding="utf-8",
    )
    warm = run(content_copy, config, cache)
    assert (repeat, canonical) not in warm.duplicate_of
    assert warm == run(content_copy, config)
    # 2. a new file with exactly the text of an unchanged item: found, though that text is known
    source = next(
        i
        for i in warm.published
        if i.path not in {p for pair in warm.duplicate_of for p in pair} and i.text_length > 200
    )
    copy = content_copy / source.path.replace(".md", "-copy.md")
    copy.write_text((content_copy / source.path).read_text(encoding="utf-8"), encoding="utf-8")
    warm = run(content_copy, config, cache)
    assert any({copy.relative_to(content_copy).as_posix(), source.path} == set(pair) for pair in warm.duplicate_of)
    assert warm == run(content_copy, config)
    # 3. the copy removed again: back to the state of step 1
    copy.unlink()
    assert run(content_copy, config, cache) == run(content_copy, config)


def test_pair_cache_skips_known_pairs(content_copy, tmp_path, monkeypatch):
    from pipeline import dedup

    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    run(content_copy, config, cache)
    asked = []
    original = dedup.portal_groups
    monkeypatch.setattr(
        dedup,
        "portal_groups",
        lambda prints, settings, fresh=None, known=(): (asked.append(fresh), original(prints, settings, fresh, known))[
            1
        ],
    )
    run(content_copy, config, cache)
    assert asked == [[]]  # nothing changed: no lookup at all


def test_ledger_cache_follows_the_ledger_text(content_copy, tmp_path):
    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    cold = run(content_copy, config, cache)
    assert (cache / "ledger.msgpack").is_file() and not [f for f in cold.findings if f.rule == "index-ledger"]
    assert run(content_copy, config, cache) == cold
    ledger = content_copy / "index_numbers.yaml"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    numbers = [n for n, line in enumerate(lines) if line.strip().startswith("number:")]
    lines[numbers[1]] = lines[numbers[0]]  # two items with one 索引号
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    warm = run(content_copy, config, cache)
    assert [f for f in warm.findings if f.rule == "index-ledger"]
    assert warm == run(content_copy, config)


def test_the_fold_table_is_remembered_sealed_and_is_the_one_worked_out(tmp_path):
    """The scanners' fold table (every character → what the gate reads it as) is kept in a sealed
    memo so that a build need not work it out again (~0.13 s): what comes back is the table made
    from nothing, in the same order, and a planted table that would read 密 as something else is
    not read — without the key, nor when the table the process has is already there."""
    from pipeline.rendered import MarkdownSettings

    config = load_config(ROOT / "site_config")
    cache = tmp_path / "cache"
    audit_cache.cache_key(cache)
    memos = stage_memos.Memos.open(cache, config, MarkdownSettings())
    made = memos.fold.map(publication._fold_table, ["table"], str, jobs=1)[0]
    memos.save()
    again = stage_memos.Memos.open(cache, config, MarkdownSettings())
    kept = again.fold.get("table")
    assert kept is not None and list(kept.items()) == list(made.items()) == list(scanners.make_fold_table().items())
    assert kept["祕"] == "秘" and scanners.fold("★绝密") == "★绝密"
    blind = dict(made, 密="x")
    payload = cache_codec.dumps({"stamp": again.fold.stamp, "entries": {"table": blind}})
    (cache / "fold.msgpack").write_bytes(payload)  # unsealed
    assert stage_memos.Memos.open(cache, config, MarkdownSettings()).fold.get("table") is None
    (cache / "fold.msgpack").write_bytes(audit_cache.seal(bytes(32), payload))  # another key
    assert stage_memos.Memos.open(cache, config, MarkdownSettings()).fold.get("table") is None
    scanners.use_fold_table(blind)  # a process that has its table keeps it
    assert scanners.fold_table().get("密", "密") == "密"
