"""The renderers' memo (pipeline.render_memo): a docs tree made with it equals one made without.

- What each memoised renderer reads of an item is within the view its key is made of (items
  that record every attribute read are given to the renderers).
- After random edits of the demo publication (body, title, date, 索引号, adoption, channels,
  kind, topic, attachments, a removed item, a repeat counted or no longer counted, and the
  as-of date moving with them), the docs tree made with a memo kept between them equals, file for file
  and in the same order, the one made without; and a one-item body edit renders only that page.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

import pytest

from helpers import ROOT
from pipeline import audit_cache, build, cache_codec, docs_tree, publication, render_memo, stats, website_report
from pipeline.config import load_config
from pipeline.findings import Finding
from pipeline.model import Attachment
from pipeline.render import disclosure as disclosure_pages
from pipeline.render import feeds, lists
from pipeline.render import stats as stats_pages
from pipeline.render import website_report as website_pages

CONTENT = ROOT / "content"

# what a view's fields let a renderer read (properties of Item computed from those fields)
DERIVED = {
    "docs_path": {"site", "date", "slug"},
    "url": {"site", "date", "slug"},
    "year": {"date"},
    "day": {"date"},
    "day_in": {"date"},
    "updated": {"changes"},
    "text_length": {"body"},
}
VIEW_FIELDS = {
    "list": {"title", "date", "site", "column", "slug"},
    "stats": {"path", "site", "date", "kind", "adopted", "channels", "body"},  # body: its length rules only
    "catalog": {"index_number", "title", "date", "site", "slug", "doc_number", "topic", "genre"},
    "report": {"date", "channels"},
    "website": {"date", "site", "column", "genre", "tags", "channels"},
}


@pytest.fixture(scope="module")
def demo():
    config = load_config(ROOT / "site_config")
    return publication.run(CONTENT, config, upstream_db=None), config


class Recorder:
    """An item that notes the name of every attribute read from it."""

    def __init__(self, item, seen: set):
        self._item, self._seen = item, seen

    def __getattr__(self, name):
        self._seen.add(name)
        return getattr(self._item, name)


def _read(items, seen):
    return tuple(Recorder(i, seen) for i in items)


def _within(seen: set, view: str) -> set:
    """The attributes read that the view does not cover."""
    fields = VIEW_FIELDS[view]
    return {name for name in seen if name not in fields and not DERIVED.get(name, {name}) <= fields}


def test_renderers_read_only_their_views(demo):
    pub, config = demo
    as_of = stats.default_as_of(pub, config)
    seen: set = set()
    lists.render(_read(pub.published, seen), config, "")
    assert seen and not _within(seen, "list")
    seen = set()
    stats_pages.render(_read(pub.counted, seen), config, as_of)
    assert seen and not _within(seen, "stats")
    catalog, report = set(), set()
    disclosure_pages.render(
        _read(pub.published, catalog), _read(pub.counted, report), pub.report_data, config, pub.pages
    )
    assert catalog and not _within(catalog, "catalog")
    assert report and not _within(report, "report")
    seen = set()
    traffic = website_report.read_traffic_years(None, pub.report_data.website_years)
    website_pages.render(_read(pub.counted, seen), pub.report_data, config, traffic)
    assert seen and not _within(seen, "website")


def test_feed_items_are_what_the_feeds_show(demo, monkeypatch):
    pub, config = demo
    monkeypatch.setattr(feeds, "FEED_LENGTH", 3)  # the demo's feeds show every item
    monkeypatch.setattr(render_memo, "FEED_LENGTH", 3)
    shown = render_memo.feed_items(pub.published)
    assert len(shown) < len(pub.published) / 2
    assert feeds.render(shown, config, pub.as_of).files == feeds.render(pub.published, config, pub.as_of).files


def _edit(pub, rng: random.Random):
    """One random change of the publication, as a save or a new build would make it."""
    published = list(pub.published)
    n = rng.randrange(len(published))
    item = published[n]
    kind = rng.choice(
        ["body", "body", "title", "date", "index", "adopted", "channels", "kind", "topic", "attach", "remove", "repeat"]
    )
    if kind == "body":
        item = replace(item, body=item.body + rng.choice(["\n\n补充一句。", "\n\n" + "字" * 3100]))
    elif kind == "title":
        item = replace(item, title=item.title + "（更正）")
    elif kind == "date":
        item = replace(item, date=item.date - timedelta(days=rng.choice([1, 40, 400])))
    elif kind == "index":
        item = replace(item, index_number=(item.index_number or "X") + "-1")
    elif kind == "adopted":
        item = replace(item, adopted=item.adopted + (rng.choice(["省级", "国家级", "市级"]),))
    elif kind == "channels":
        item = replace(item, channels=item.channels + ("微信",))
    elif kind == "kind":
        item = replace(item, kind=rng.choice(["简讯", "信息", "调研"]))
    elif kind == "topic":
        item = replace(item, topic=rng.choice([None, "商贸流通", "对外贸易"]), genre=rng.choice([None, "通知"]))
    elif kind == "attach":
        item = replace(item, attachments=item.attachments + (Attachment("说明.pdf", "https://example.org/a.pdf"),))
    if kind == "remove" and len(published) > 5:
        del published[n]
    elif kind == "repeat":
        other = published[(n + 1) % len(published)]
        duplicate_of = {p: c for p, c in pub.duplicate_of}
        if item.path in duplicate_of:
            del duplicate_of[item.path]
        else:
            duplicate_of[item.path] = other.path
        return replace(pub, duplicate_of=tuple(duplicate_of.items()))
    else:
        published[n] = item
    published.sort(key=lambda i: i.date, reverse=True)
    return replace(pub, published=tuple(published), as_of=max(i.date for i in published))


@pytest.mark.parametrize("seed", range(3))
def test_memo_docs_tree_equals_a_fresh_one(demo, seed):
    pub, config = demo
    rng = random.Random(seed)
    memo = render_memo.RenderMemo()
    for step in range(12):
        pub = _edit(pub, rng)
        with_memo = build.docs_tree_files(pub, config, CONTENT, None, memo)
        fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))
        assert list(with_memo[0].items()) == list(fresh[0].items()), step
        assert with_memo[1:] == fresh[1:], step


def test_one_body_edit_renders_one_page(demo):
    pub, config = demo
    memo = render_memo.RenderMemo()
    first = build.docs_tree_files(pub, config, CONTENT, None, memo)[0]
    n = len(pub.published) // 2
    item = pub.published[n]
    edited = replace(
        pub, published=pub.published[:n] + (replace(item, body=item.body + "\n\n补充。"),) + pub.published[n + 1 :]
    )
    memo.hits = memo.misses = 0
    second = build.docs_tree_files(edited, config, CONTENT, None, memo)[0]
    assert memo.misses <= 2  # the item page, and the feeds when the item is one of their latest
    assert [k for k in second if second[k] != first[k]] == [item.docs_path]
    others = [i.docs_path for i in edited.published if i.docs_path != item.docs_path]
    assert all(second[k] is first[k] for k in others)  # taken from the memo, not rendered again


def test_another_configuration_empties_the_memo(demo):
    pub, config = demo
    memo = render_memo.RenderMemo()
    build.docs_tree_files(pub, config, CONTENT, None, memo)
    other = replace(config, portal=replace(config.portal, name=config.portal.name + "（测试）"))
    files = build.docs_tree_files(pub, other, CONTENT, None, memo)[0]
    assert files == build.docs_tree_files(pub, other, CONTENT, None, render_memo.RenderMemo(on=False))[0]


# -- the build's memo, kept in the work folder between processes (RenderMemo.stored) --


def _stored_tree(pub, config, work, reuse=True):
    """A build's docs tree: made with the stored memo, then written to <work>/docs as a build does."""
    memo = render_memo.RenderMemo.stored(work, reuse=reuse)
    made = build.docs_tree_files(pub, config, CONTENT, None, memo)
    docs_tree.sync(work / "docs", made[0], memo.on_disk)
    return made, memo


def _same_as_fresh(made, pub, config):
    fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))
    assert list(made[0].items()) == list(fresh[0].items())
    assert made[1:] == fresh[1:]


def _on_disk(work):
    root = work / "docs"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_stored_memo_is_reused_by_the_next_build(demo, tmp_path):
    pub, config = demo
    work = tmp_path / "work"
    first, memo = _stored_tree(pub, config, work)
    assert memo.stored_hits == 0 and (work / "cache" / render_memo.MEMO_FILE).is_file()
    written = _on_disk(work)
    again, memo = _stored_tree(pub, config, work)  # a new memo, read from the work folder
    assert memo.stored_hits == len(pub.published) + 5 and memo.misses == 0  # every item page, every output
    _same_as_fresh(again, pub, config)
    assert _on_disk(work) == written
    # one body edit: that page is rendered (and the feeds when it is one of their items), the rest read back
    n = len(pub.published) // 2
    item = pub.published[n]
    edited = replace(
        pub, published=pub.published[:n] + (replace(item, body=item.body + "\n\n补充。"),) + pub.published[n + 1 :]
    )
    made, memo = _stored_tree(edited, config, work)
    assert memo.misses <= 2 and memo.stored_hits >= len(pub.published) - 1 + 4
    _same_as_fresh(made, edited, config)
    _, memo = _stored_tree(edited, config, work, reuse=False)  # --no-incremental: everything rendered
    assert memo.stored_hits == 0


@pytest.mark.parametrize("seed", range(2))
def test_stored_memo_follows_random_edits(demo, tmp_path, seed):
    pub, config = demo
    rng = random.Random(seed)
    work = tmp_path / "work"
    for _ in range(8):
        pub = _edit(pub, rng)
        made, _memo = _stored_tree(pub, config, work)
        _same_as_fresh(made, pub, config)


def test_stored_memo_is_reused_by_another_process(demo, tmp_path):
    pub, config = demo
    work = tmp_path / "work"
    _stored_tree(pub, config, work)
    script = (
        "import sys; from pathlib import Path\n"
        "from pipeline import build, docs_tree, publication, render_memo\n"
        "from pipeline.config import load_config\n"
        "root, work = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "config = load_config(root / 'site_config')\n"
        "pub = publication.run(root / 'content', config, upstream_db=None)\n"
        "memo = render_memo.RenderMemo.stored(work)\n"
        "files = build.docs_tree_files(pub, config, root / 'content', None, memo)[0]\n"
        "docs_tree.sync(work / 'docs', files, memo.on_disk)\n"
        "print(memo.stored_hits, memo.misses)\n"
    )
    written = _on_disk(work)
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(work)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    hits, misses = map(int, done.stdout.split())
    assert hits == len(pub.published) + 5 and misses == 0
    assert _on_disk(work) == written


def _damage(path, how):
    data = path.read_bytes()
    if how == "flip":
        path.write_bytes(data[:-40] + bytes([data[-40] ^ 1]) + data[-39:])
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"\x80\x04\x95" + bytes(range(256)) * 10)  # a pickle's opening, then noise
    elif how == "foreign-key":  # a well-formed memo sealed under another key
        mac, _, payload = data.partition(b"\n")
        path.write_bytes(audit_cache.seal(b"k" * 32, payload))
    elif how == "unsealed":
        path.write_bytes(data.partition(b"\n")[2])
    elif how == "other-stamp":  # sealed with the right key, but made by other code or configuration
        key = audit_cache.work_key(path.parent.parent)
        payload = audit_cache.unseal(key, data)
        old = cache_codec.loads(payload, (Finding,))
        path.write_bytes(audit_cache.seal(key, cache_codec.dumps((b"\0" * 32, *old[1:]), (Finding,))))
    elif how == "folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize(
    "how", ["flip", "truncate", "empty", "garbage", "foreign-key", "unsealed", "other-stamp", "folder"]
)
def test_a_damaged_or_foreign_memo_is_ignored(demo, tmp_path, how):
    pub, config = demo
    work = tmp_path / "work"
    _stored_tree(pub, config, work)
    (work / "docs" / pub.published[0].docs_path).write_text("被篡改的页面", encoding="utf-8")
    _damage(work / "cache" / render_memo.MEMO_FILE, how)
    made, memo = _stored_tree(pub, config, work)  # no traceback
    assert memo.stored_hits == 0  # nothing trusted: every renderer ran
    _same_as_fresh(made, pub, config)
    fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))[0]
    assert _on_disk(work) == {k: v.encode() if isinstance(v, str) else v for k, v in fresh.items()}


def test_a_changed_docs_file_is_rendered_again(demo, tmp_path):
    """The memo holds digests; a docs file that is not what the last build wrote is not taken."""
    pub, config = demo
    work = tmp_path / "work"
    _stored_tree(pub, config, work)
    docs = work / "docs"
    item = pub.published[1]
    page = docs / item.docs_path
    page.write_bytes(page.read_bytes().replace("发布日期".encode(), "发布日子".encode()))  # same size, other bytes
    lists_page = docs / "index.md"
    lists_page.unlink()
    other = docs / pub.published[2].docs_path
    other.unlink()
    other.symlink_to(docs / pub.published[3].docs_path)
    made, memo = _stored_tree(pub, config, work)
    assert 2 <= memo.misses <= 3 and memo.stored_hits >= len(pub.published) - 2
    _same_as_fresh(made, pub, config)
    fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))[0]
    assert _on_disk(work) == {k: v.encode() if isinstance(v, str) else v for k, v in fresh.items()}
    assert not other.is_symlink()


def test_memo_stamp_follows_config_and_code(demo, tmp_path, monkeypatch):
    pub, config = demo
    other = replace(config, portal=replace(config.portal, name=config.portal.name + "（测试）"))
    assert render_memo.stamp(config) == render_memo.stamp(config)
    assert render_memo.stamp(other) != render_memo.stamp(config)
    code = tmp_path / "pipeline"
    shutil.copytree(render_memo.HERE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(render_memo, "HERE", code)
    same = render_memo.stamp(config)
    items_py = code / "render" / "items.py"
    items_py.write_text(items_py.read_text(encoding="utf-8").replace("首次发布", "首次发布。"), encoding="utf-8")
    assert render_memo.stamp(config) != same  # a renderer's code changed: nothing stored is used
    # a stored memo under another configuration is not used, and the output is the other one's
    work = tmp_path / "work"
    monkeypatch.undo()
    _stored_tree(pub, config, work)
    made, memo = _stored_tree(pub, other, work)
    assert memo.stored_hits == 0
    _same_as_fresh(made, pub, other)


def test_sync_skips_only_the_very_contents_read_from_disk(tmp_path):
    root = tmp_path / "docs"
    docs_tree.sync(root, {"a.md": "甲", "b.md": "乙"})
    (root / "b.md").write_text("丙", encoding="utf-8")
    kept = "甲"
    report = docs_tree.sync(root, {"a.md": kept, "b.md": "乙"}, {"a.md": kept, "b.md": "乙乙"})
    assert (report.written, report.unchanged) == (1, 1)  # b.md: another object than the one read, compared
    assert (root / "b.md").read_text(encoding="utf-8") == "乙"


# -- the build's memo with keep_on_disk: a docs file unchanged by its status is not read --


def _kept_tree(pub, config, work):
    """As the build makes it: a Kept for each docs file the memo trusted by its status."""
    memo = render_memo.RenderMemo.stored(work, keep_on_disk=True)
    made = build.docs_tree_files(pub, config, CONTENT, None, memo)
    docs_tree.sync(work / "docs", made[0], memo.on_disk)
    kept = {rel for rel, content in made[0].items() if type(content) is docs_tree.Kept}
    return made, memo, kept


def _fresh_on_disk(pub, config):
    fresh = build.docs_tree_files(pub, config, CONTENT, None, render_memo.RenderMemo(on=False))[0]
    return {k: v.encode() if isinstance(v, str) else v for k, v in fresh.items()}


def _settled(pub, config, work):
    """Written, then read and checked by a build more than RACY_NS later: every status recorded."""
    _kept_tree(pub, config, work)
    time.sleep(render_memo.RACY_NS / 1e9 + 0.05)
    _, memo, kept = _kept_tree(pub, config, work)
    assert not kept and memo.stored_hits == len(pub.published) + 5  # read and checked, statuses taken now


def test_kept_by_status_after_a_settled_read(demo, tmp_path):
    pub, config = demo
    work = tmp_path / "work"
    _settled(pub, config, work)
    made, memo, kept = _kept_tree(pub, config, work)
    assert memo.stored_hits == len(pub.published) + 5 and memo.misses == 0
    assert {i.docs_path for i in pub.published} <= kept  # not read again
    assert _on_disk(work) == _fresh_on_disk(pub, config)
    # the statuses are kept for the next build too
    _, _, again = _kept_tree(pub, config, work)
    assert again == kept


def test_a_file_read_right_after_it_was_written_is_read_again(demo, tmp_path, monkeypatch):
    """A status taken within RACY_NS of the file's last change is not recorded: a change in the
    same clock tick would leave it as it was."""
    pub, config = demo
    work = tmp_path / "work"
    _kept_tree(pub, config, work)
    monkeypatch.setattr(render_memo, "RACY_NS", 10**15)  # every file changed "just now" (a loaded machine is slow)
    _kept_tree(pub, config, work)
    monkeypatch.undo()
    _, memo, kept = _kept_tree(pub, config, work)
    assert not kept and memo.stored_hits == len(pub.published) + 5


@pytest.mark.parametrize("how", ["same-size-and-mtime", "replaced", "symlink", "removed"])
def test_a_docs_file_changed_behind_its_status_is_rendered_again(demo, tmp_path, how):
    pub, config = demo
    work = tmp_path / "work"
    _settled(pub, config, work)
    docs = work / "docs"
    page = docs / pub.published[1].docs_path
    st = page.stat()
    data = page.read_bytes()
    forged = data.replace("发布日期".encode(), "发布日子".encode())
    assert forged != data and len(forged) == len(data)
    if how == "same-size-and-mtime":  # edited in place, its modification time set back
        page.write_bytes(forged)
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif how == "replaced":  # another file with the same size and times moved over it
        other = docs / "planted.tmp"
        other.write_bytes(forged)
        os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(other, page)
    elif how == "symlink":
        other = docs / "planted.md"
        other.write_bytes(forged)
        page.unlink()
        page.symlink_to(other)
    else:
        page.unlink()
    made, memo, kept = _kept_tree(pub, config, work)
    assert pub.published[1].docs_path not in kept
    assert memo.misses >= 1
    assert {i.docs_path for i in pub.published[2:]} <= kept
    assert _on_disk(work) == _fresh_on_disk(pub, config)
    assert not page.is_symlink()


def test_a_moved_item_is_written_where_it_now_is(demo, tmp_path):
    pub, config = demo
    work = tmp_path / "work"
    _settled(pub, config, work)
    n = len(pub.published) // 2
    item = pub.published[n]
    moved = replace(item, slug=item.slug + "-moved")
    edited = replace(pub, published=pub.published[:n] + (moved,) + pub.published[n + 1 :])
    _, memo, kept = _kept_tree(edited, config, work)
    assert moved.docs_path not in kept and item.docs_path not in _on_disk(work)
    assert _on_disk(work) == _fresh_on_disk(edited, config)


def test_kept_files_follow_another_configuration(demo, tmp_path):
    pub, config = demo
    other = replace(config, portal=replace(config.portal, name=config.portal.name + "（测试）"))
    work = tmp_path / "work"
    _settled(pub, config, work)
    _, memo, kept = _kept_tree(pub, other, work)
    assert not kept and memo.stored_hits == 0
    assert _on_disk(work) == _fresh_on_disk(pub, other)


def test_a_forged_status_in_the_memo_is_ignored(demo, tmp_path):
    """Statuses are inside the sealed memo: one changed without the key makes the memo empty."""
    pub, config = demo
    work = tmp_path / "work"
    _settled(pub, config, work)
    (work / "docs" / pub.published[0].docs_path).write_text("被篡改的页面", encoding="utf-8")
    path = work / "cache" / render_memo.MEMO_FILE
    mac, _, payload = path.read_bytes().partition(b"\n")
    data = cache_codec.loads(payload, (Finding,))
    st = os.lstat(work / "docs" / pub.published[0].docs_path)
    pages = tuple(
        (*e[:5], (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        if e[1] == pub.published[0].docs_path
        else e
        for e in data[1]
    )
    path.write_bytes(mac + b"\n" + cache_codec.dumps((data[0], pages, data[2]), (Finding,)))
    _, memo, kept = _kept_tree(pub, config, work)
    assert not kept and memo.stored_hits == 0
    assert _on_disk(work) == _fresh_on_disk(pub, config)


def test_sync_refuses_a_kept_file_it_was_not_told_is_on_disk(tmp_path):
    kept = docs_tree.Kept("a.md")
    with pytest.raises(ValueError):
        docs_tree.sync(tmp_path / "docs", {"a.md": kept}, {"a.md": docs_tree.Kept("a.md")})
    report = docs_tree.sync(tmp_path / "docs", {"b.md": "乙", "a.md": kept}, {"a.md": kept})
    assert (report.written, report.unchanged) == (1, 1)


def test_a_build_takes_unchanged_items_views_from_the_memo(demo, tmp_path, monkeypatch):
    """Each item's view digests are kept with its whole record's digest: the next build makes a
    view only of an item it has not seen (and a changed one is a new item), and sees the change."""
    pub, config = demo
    work = tmp_path / "work"
    _stored_tree(pub, config, work)
    n = len(pub.published) // 2
    item = pub.published[n]
    renamed = replace(item, column=next(i.column for i in pub.published if i.column != item.column))
    edited = replace(pub, published=pub.published[:n] + (renamed,) + pub.published[n + 1 :])
    made_views = []
    for view in render_memo.STORED_VIEWS:
        real = render_memo.VIEWS[view]

        def counted(i, config, view=view, real=real):
            made_views.append((view, i))
            return real(i, config)

        monkeypatch.setitem(render_memo.VIEWS, view, counted)
    made, memo = _stored_tree(edited, config, work)
    assert made_views and {i for _, i in made_views} == {renamed}  # only the item not seen before
    assert memo.misses >= 2  # its page and the lists (another column) at least
    monkeypatch.undo()
    _same_as_fresh(made, edited, config)
    assert _on_disk(work) == {k: v.encode() if isinstance(v, str) else v for k, v in made[0].items()}
    # and back: the item as it was is known again, the outputs follow it
    made, memo = _stored_tree(pub, config, work)
    _same_as_fresh(made, pub, config)
