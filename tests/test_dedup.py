"""Upstream deduplication (查重): normalisation, similarity, the gate, ingest over HTTP."""

from __future__ import annotations

import hashlib

import http.server
import json
import random
import shutil
import threading
import unicodedata
from functools import partial
from pathlib import Path

import feedparser
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import dedup, publication, upstream
from pipeline.config import ConfigError, load_config

from helpers import ROOT, run_portal

MOFCOM = ROOT / "content" / "upstream" / "mofcom.xml"


# -- normalisation and similarity ----------------------------------------------------------


def test_normalize_width_punctuation_whitespace_and_boilerplate():
    a = "来源：商务部网站\n江临市１—１０月外贸进出口增长８．６％，\n  势头良好。\n责任编辑：张三\n（审核：李四）"
    b = "江临市1-10月外贸进出口增长8.6%, 势头良好."
    assert dedup.normalize(a) == dedup.normalize(b) == "江临市110月外贸进出口增长86势头良好"


def test_normalize_keeps_text_that_only_mentions_an_editor():
    # only lines that *start* with 编辑/作者 … are boilerplate
    assert "编辑部" in dedup.normalize("省商务厅编辑部召开会议")


def test_jaccard_identical_edited_and_unrelated():
    text = "今年以来，全市商务系统坚持稳中求进工作总基调，外贸进出口保持较快增长，社会消费品零售总额稳步回升。"
    s = lambda t: dedup.shingles(dedup.normalize(t), 3)  # noqa: E731
    assert dedup.jaccard(s(text), s(text)) == 1.0
    assert dedup.jaccard(s(text), s("来源：江临日报\n" + text.replace("，", ","))) == 1.0
    assert dedup.jaccard(s(text), s("市场监管部门开展节前食品安全检查，重点检查冷链食品和进口水果。")) < 0.1
    assert dedup.jaccard(s(""), s(text)) == 0.0
    assert dedup.shingles("ab", 3).size == 1  # shorter than a shingle: one shingle


def test_minhash_estimate_and_lsh_find_the_near_duplicate():
    rng = random.Random(7)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
    docs = ["".join(rng.choice(pool) for _ in range(300)) for _ in range(300)]
    near = docs[42][:270] + "江临市商务局"  # 10 % cut, a few characters added
    hasher = dedup.MinHasher(128, 1)
    sets = [dedup.shingles(d, 3) for d in docs]
    sigs = hasher.signatures(sets)
    q = dedup.shingles(near, 3)
    qsig = hasher.signature(q)
    exact = dedup.jaccard(sets[42], q)
    assert abs(float((sigs[42] == qsig).mean()) - exact) < 0.12
    bands, rows = dedup.lsh_params(0.3, 128)
    assert bands * rows <= 128
    index = dedup.LSHIndex(sigs, bands, rows)
    (found,) = dedup.screen(sigs, qsig[None, :], index, 0.25)
    assert found.tolist() == [42]


def test_signature_batches_agree():
    hasher = dedup.MinHasher(64, 3)
    sets = [
        dedup.shingles(dedup.normalize(f"第{i}条信息：江临市商务局召开专题会议研究部署第{i}项工作"), 3)
        for i in range(50)
    ]
    assert np.array_equal(hasher.signatures(sets, batch_rows=1), hasher.signatures(sets))


def test_upstream_config_errors_name_file_and_key(tmp_path):
    cfg = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", cfg)
    (cfg / "upstream.yaml").write_text("threshold: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    assert "upstream.yaml" in str(exc.value) and "threshold" in str(exc.value)
    (cfg / "upstream.yaml").write_text("sources:\n  - {id: a, name: 商务部, level: 商务部}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="url"):
        load_config(cfg)


# -- the gate, end to end on the demo ---------------------------------------------------------


def test_demo_upstream_copies_are_withheld_and_absent_from_site(demo_site):
    pub = demo_site.result.publication
    blocked = [f for f in demo_site.result.findings if f.rule == "upstream-duplicate" and f.severity == "error"]
    assert len(blocked) >= 2
    withheld = {w.item.path: w for w in pub.withheld}
    for f in blocked:
        extra = dict(f.extra)
        assert extra["upstream_url"].startswith("https://") and 0.4 <= extra["similarity"] <= 1
        item = withheld[f.path].item
        assert item not in pub.published
        assert not (demo_site.out / item.url / "index.html").exists()


def test_demo_original_item_is_a_warning_and_published(demo_site):
    warned = [f for f in demo_site.result.findings if f.rule == "upstream-duplicate" and f.severity == "warning"]
    assert warned, "the demo has an original: true item similar to a 省厅 article"
    published = {i.path: i for i in demo_site.result.publication.published}
    for f in warned:
        assert published[f.path].original
        assert (demo_site.out / published[f.path].url / "index.html").exists()


def test_demo_same_news_in_two_subsites_counted_once(demo_site):
    pub = demo_site.result.publication
    pairs = dict(pub.duplicate_of)
    repeat = "items/bonded-zone/2026/2026-11-16-ciie-9th-matchmaking.md"
    assert pairs[repeat] == "items/bureau/2026/2026-11-14-ciie-9th.md"
    assert repeat in {i.path for i in pub.published}
    assert repeat not in {i.path for i in pub.counted}
    assert len(pub.counted) == len(pub.published) - len(pub.duplicate_of)
    finding = next(f for f in demo_site.result.findings if f.rule == "duplicate" and f.path == repeat)
    assert finding.severity == "warning"


def _item(title: str, body: str, slug: str, extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: 2026-09-28 10:00\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: "
        f"王建国\n{extra}---\n{body}\n"
    )


ORIGINAL_BODY = (
    "国庆假期，江临市商务局组织全市重点商贸企业开展“金秋惠民购物月”活动。滨江路步行街、"
    "东湖夜市等重点商圈客流同比增长12%，全市30家重点监测零售企业销售额4.6亿元。"
    "市商务局会同市场监管部门加强节日市场巡查，督促企业落实明码标价，保障粮油、肉蛋、果蔬等生活必需品供应充足、"
    "价格稳定。下一步将继续推动汽车、家电以旧换新，办好冬季消费季系列活动，支持县市区发展夜间经济和社区便民商业，"
    "进一步激发本地消费活力。"
)


@pytest.fixture(scope="module")
def copied_entry():
    entry = feedparser.parse(MOFCOM.read_bytes()).entries[0]
    from pipeline.feeds import strip_html

    text = strip_html(entry.content[0].value)
    return entry, text


def test_check_reports_a_light_copy_with_the_upstream_url(content_copy, tmp_path, copied_entry):
    entry, text = copied_entry
    paragraphs = text.splitlines()
    light = (
        "来源：商务部网站\n\n" + "\n\n".join(paragraphs[:-1]).replace("，", ",") + "\n\n" + paragraphs[-1][:-20] + "。"
    )
    light = light.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    items = content_copy / "items" / "bureau" / "2026"
    (items / "2026-09-28-consumption-copy.md").write_text(
        _item("商务部：消费市场总体平稳", light, "copy"), encoding="utf-8"
    )
    (items / "2026-09-28-golden-autumn.md").write_text(
        _item("江临市国庆假期消费市场活跃", ORIGINAL_BODY, "own"), encoding="utf-8"
    )
    db = tmp_path / "upstream.sqlite"
    done = run_portal("check", "--content", str(content_copy), "--db", str(db), "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    mine = [
        f
        for f in findings
        if f["rule"] == "upstream-duplicate" and f["path"] == "items/bureau/2026/2026-09-28-consumption-copy.md"
    ]
    assert len(mine) == 1
    assert mine[0]["severity"] == "error"
    assert mine[0]["upstream_url"] == entry.link
    assert mine[0]["upstream_source"] == "商务部网站"
    assert mine[0]["similarity"] >= 0.6
    assert not [
        f
        for f in findings
        if f["path"].endswith("2026-09-28-golden-autumn.md") and f["rule"] in ("upstream-duplicate", "duplicate")
    ]
    assert not db.exists()  # check is read-only: the local snapshot is compared in memory (build creates the file)

    # original: true with a reason → a warning, and the item is published
    (items / "2026-09-28-consumption-copy.md").write_text(
        _item("商务部：消费市场总体平稳", light, "copy", "original: true\noriginal_reason: 本局撰写，商务部采用在后\n"),
        encoding="utf-8",
    )
    pub = publication.run(content_copy, load_config(ROOT / "site_config"), upstream_db=db)
    f = next(f for f in pub.findings if f.rule == "upstream-duplicate" and f.path.endswith("consumption-copy.md"))
    assert f.severity == "warning"
    assert "items/bureau/2026/2026-09-28-consumption-copy.md" in {i.path for i in pub.published}


# -- ingest: HTTP, malformed feeds, no-op re-ingest ----------------------------------------------

GOOD_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>测试省厅</title><link>http://127.0.0.1/</link><description>t</description>
<item><title>全省外贸稳中向好</title><link>http://127.0.0.1/a.html</link>
<pubDate>Fri, 23 Oct 2026 11:30:00 +0800</pubDate>
<description><![CDATA[<p>前三季度全省货物贸易进出口总值同比增长，<b>民营企业</b>占比提升。</p>]]></description></item>
<item><title>省厅部署外资企业服务月</title><link>http://127.0.0.1/b.html</link>
<description>&lt;p&gt;省商务厅部署开展外资企业服务月活动，走访重点外资企业。&lt;/p&gt;</description></item>
</channel></rss>"""


@pytest.fixture()
def feed_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "feed.xml").write_text(GOOD_RSS, encoding="utf-8")
    (root / "broken.xml").write_text("<html><body>502 Bad Gateway</body>", encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _config_with_sources(tmp_path: Path, sources: str) -> Path:
    cfg = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", cfg)
    (cfg / "upstream.yaml").write_text(f"sources:\n{sources}", encoding="utf-8")
    return cfg


def test_ingest_over_http_is_idempotent_and_survives_a_broken_source(tmp_path, feed_server):
    cfg = _config_with_sources(
        tmp_path,
        (
            f"  - {{id: prov, name: 测试省厅, level: 省商务厅, url: '{feed_server}/feed.xml'}}\n"
            f"  - {{id: broken, name: 坏信息源, level: 商务部, url: '{feed_server}/broken.xml'}}\n"
            f"  - {{id: gone, name: 不存在的信息源, level: 商务部, url: '{feed_server}/missing.xml'}}\n"
        ),
    )
    db = tmp_path / "up.sqlite"
    first = run_portal("upstream", "ingest", "prov", "--config", str(cfg), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "测试省厅（prov）：新增 2 条" in first.stdout

    again = run_portal("upstream", "ingest", "--config", str(cfg), "--db", str(db))
    assert again.returncode == 1
    assert "测试省厅（prov）：新增 0 条，已有 2 条" in again.stdout
    assert "坏信息源（broken）：读取失败" in again.stderr
    assert "不存在的信息源（gone）：读取失败" in again.stderr and "404" in again.stderr
    assert "Traceback" not in again.stderr

    stats = run_portal("upstream", "stats", "--config", str(cfg), "--db", str(db))
    assert stats.returncode == 0
    assert "测试省厅（prov，省商务厅）\t2 条" in stats.stdout

    # the stored text is plain text (HTML stripped) and matches the feed
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT link, text FROM entries").fetchall())
    assert rows["http://127.0.0.1/a.html"] == "前三季度全省货物贸易进出口总值同比增长，民营企业占比提升。"


def test_build_ingests_the_local_snapshot_when_the_database_is_missing(tmp_path):
    config = load_config(ROOT / "site_config")
    db = tmp_path / "work" / "upstream.sqlite"
    pub = publication.run(ROOT / "content", config, upstream_db=db)
    in_memory = publication.run(ROOT / "content", config)
    assert db.exists()
    assert {f.path for f in pub.findings if f.rule == "upstream-duplicate"} == {
        f.path for f in in_memory.findings if f.rule == "upstream-duplicate"
    }
    stats = run_portal("upstream", "stats", "--db", str(db))
    assert "商务部网站（mofcom，商务部）" in stats.stdout


def test_a_corrupt_database_is_reported_not_a_traceback(tmp_path):
    db = tmp_path / "upstream.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    done = run_portal("check", "--db", str(db), "--format", "json")
    assert "Traceback" not in done.stderr
    findings = json.loads(done.stdout)
    assert any(
        f["rule"] == "upstream-unavailable" and f["path"] == str(db) and f["severity"] == "error" for f in findings
    )


# The fast paths must give exactly what the slow, obvious code gives: NFKC of any text
# (Chinese prose with full-width punctuation, compatibility characters, combining marks),
# and the one-permutation signatures of sets of any size (densification of short texts).
_PROSE = st.text(
    alphabet=st.sampled_from(list("中文商务局，；（）：！？％＠﹪\u3000\xa0ＡＢａ１２㎏①ﬁe\u0301ＱA\u200bｶﾞ 12ab\n")),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_PROSE, st.text(max_size=40)))
def test_fast_nfkc_is_nfkc(text):
    assert dedup.nfkc(text) == unicodedata.normalize("NFKC", text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=300))
def test_signature_positions_hold_range_minima_or_copies(values):
    hasher = dedup.MinHasher(32, 5)
    hashes = np.unique(np.array(values, dtype=np.uint32))
    sig = hasher.signature(hashes)
    if hashes.size == 0:
        assert (sig == np.iinfo(np.uint32).max).all()
        return
    ranges = (hashes.astype(np.uint64) * 32) >> np.uint64(32)
    minima = {int(r): int(hashes[ranges == r].min()) for r in np.unique(ranges)}
    for position, value in enumerate(sig.tolist()):
        if position in minima:
            assert value == minima[position]  # its own range's smallest hash
        else:
            assert value in minima.values()  # densified: a copy of a non-empty range


def test_blockwise_self_screen_equals_the_full_one():
    rng = random.Random(11)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 60)]  # a small alphabet: many similar texts
    base = ["".join(rng.choice(pool) for _ in range(200)) for _ in range(8)]
    docs = [b[: rng.randint(120, 200)] + "".join(rng.choice(pool) for _ in range(40)) for b in base for _ in range(30)]
    hasher = dedup.MinHasher(128, 1)
    sigs = hasher.signatures([dedup.shingles(d, 3) for d in docs])
    index = dedup.LSHIndex(sigs, *dedup.lsh_params(0.3, 128))
    full = dedup.screen(sigs, sigs, index, 0.25)
    later = dedup.screen(sigs, sigs, index, 0.25, own_from=0, limit=50)  # many small runs
    assert sum(r.size for r in later) > 100  # the texts do pair up
    assert [r.tolist() for r in later] == [[j for j in r.tolist() if j > i] for i, r in enumerate(full)]


@settings(max_examples=300, deadline=None)
@given(st.sets(st.integers(0, 400)), st.sets(st.integers(0, 400)))
def test_jaccard_is_the_set_formula(a, b):
    arr = lambda s: np.array(sorted(s), dtype=np.uint32)  # noqa: E731
    expected = len(a & b) / len(a | b) if a and b else 0.0
    assert dedup.jaccard(arr(a), arr(b)) == pytest.approx(expected)
    assert dedup.containment(arr(a), arr(b)) == pytest.approx(len(a & b) / len(a) if a else 0.0)


# ---------------------------------------------------------------- groups near-linear (issue 15 §5)


def _segments(seed: int, count: int, length: int = 120) -> list[str]:
    import random

    rnd = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    return ["".join(rnd.choice(chars) for _ in range(length)) for _ in range(count)]


def _all_pairs_components(prints, settings) -> list[int]:
    """The method portal_groups replaced: every screened candidate pair compared exactly."""
    import numpy as np

    sigs = np.stack([p.signature for p in prints])
    index = dedup.LSHIndex(sigs, *dedup.lsh_params(settings.lsh_threshold, settings.num_perm))
    parent = list(range(len(prints)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    rows_of = dedup.screen(sigs, sigs, index, settings.threshold - dedup.ESTIMATE_MARGIN, own_from=0)
    for i, rows in enumerate(rows_of):
        for j in rows.tolist():
            if dedup.jaccard(prints[i].shingles, prints[j].shingles) >= settings.threshold:
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(prints))]


def _same(labels) -> set:
    groups: dict = {}
    for i, g in enumerate(labels):
        groups.setdefault(g, []).append(i)
    return {frozenset(m) for m in groups.values()}


@pytest.mark.parametrize("big_bucket", [1, 32, 10**9])  # every bucket settled alone / the default / all listed together
def test_groups_equal_the_components_of_every_candidate_pair_for_template_texts(big_bucket, monkeypatch):
    monkeypatch.setattr(dedup, "BIG_BUCKET", big_bucket)
    settings = load_config(ROOT / "site_config").upstream
    base = _segments(1, 6)
    import random

    rnd = random.Random(5)
    texts = []
    for n in range(400):  # one skeleton, figures and a varying share of sentences changed
        parts = [seg if rnd.random() < 0.55 else _segments(100 + n * 7 + k, 1)[0] for k, seg in enumerate(base)]
        texts.append(f"{n}月份" + "".join(parts) + f"{rnd.randint(10, 999)}亿元")
    prints = dedup.fingerprint_texts(texts, settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed))
    labels, joined = dedup.portal_groups(prints, settings)
    assert _same(labels) == _same(_all_pairs_components(prints, settings))
    assert len(_same(labels)) > 1  # not everything one group: the check has something to tell apart
    assert len(joined) == len(prints) - len(_same(labels))  # a spanning forest: one confirmed pair per join
    assert all(dedup.jaccard(prints[i].shingles, prints[j].shingles) >= settings.threshold for i, j, _ in joined)


def _template_texts(count: int) -> list[str]:
    import random

    base = _segments(1, 6)
    rnd = random.Random(5)
    texts = []
    for n in range(count):  # one skeleton, figures and a varying share of sentences changed
        parts = [seg if rnd.random() < 0.55 else _segments(100 + n * 7 + k, 1)[0] for k, seg in enumerate(base)]
        texts.append(f"{n}月份" + "".join(parts) + f"{rnd.randint(10, 999)}亿元")
    return texts


@pytest.mark.parametrize("big_bucket", [1, 32, 10**9])
def test_a_few_fresh_texts_group_as_the_index_groups_them(big_bucket, monkeypatch):
    """A rebuild after a few edits finds the fresh texts' bucket mates by band key, without an
    index (dedup.FEW_FRESH): the same groups as through the index, whichever texts are fresh —
    one in a big template bucket, a copy of a known text, a text alike to none, several."""
    import random

    monkeypatch.setattr(dedup, "BIG_BUCKET", big_bucket)
    settings = load_config(ROOT / "site_config").upstream
    texts = _template_texts(300) + _segments(77, 20)
    texts.append(texts[3])  # the same text twice
    prints = dedup.fingerprint_texts(texts, settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed))
    full, joined = dedup.portal_groups(prints, settings)
    rnd = random.Random(11)
    for fresh in ([3], [len(texts) - 1], [305], [0, 150, 299, 310], sorted(rnd.sample(range(len(texts)), 40))):
        stale = {full[i] for i in fresh}  # as pipeline.memo.groups does: a fresh text's group is compared again
        fresh = [i for i in range(len(texts)) if full[i] in stale]
        known = [(i, j, s) for i, j, s in joined if full[i] not in stale]
        monkeypatch.setattr(dedup, "FEW_FRESH", 10**9)
        few, _ = dedup.portal_groups(prints, settings, fresh, known)
        monkeypatch.setattr(dedup, "FEW_FRESH", -1)
        indexed, _ = dedup.portal_groups(prints, settings, fresh, known)
        assert few == indexed == full, fresh


def test_one_fresh_text_needs_no_index_of_every_band(monkeypatch):
    settings = load_config(ROOT / "site_config").upstream
    texts = _template_texts(60)
    prints = dedup.fingerprint_texts(texts, settings.shingle, dedup.MinHasher(settings.num_perm, settings.seed))
    full, joined = dedup.portal_groups(prints, settings)
    stale = full[7]
    known = [(i, j, s) for i, j, s in joined if full[i] != stale]

    def no_index(*args):
        raise AssertionError("an index of every band for one fresh text")

    monkeypatch.setattr(dedup, "LSHIndex", no_index)
    assert dedup.portal_groups(prints, settings, [i for i in range(60) if full[i] == stale], known)[0] == full


def test_the_pair_cache_regroups_a_group_that_lost_the_text_holding_it_together(tmp_path):
    from pipeline import memo, stage_memos
    from pipeline.rendered import MarkdownSettings

    config = load_config(ROOT / "site_config")
    settings = config.upstream
    a1, a2, a3, b1, c1 = _segments(9, 5)
    chain = {"A": a1 + a2 + a3, "B": a2 + a3 + b1, "C": a3 + b1 + c1}  # A~B, B~C, but A and C are not alike
    others = _segments(12, 3)
    hasher = dedup.MinHasher(settings.num_perm, settings.seed)

    def groups(texts, remembered):
        prints = dedup.fingerprint_texts(texts, settings.shingle, hasher)
        keys = [hashlib.sha256(t.encode()).digest() for t in texts]
        if not remembered:
            return _same(dedup.portal_groups(prints, settings)[0])
        memos = stage_memos.Memos.open(tmp_path, config, MarkdownSettings())
        labels = memo.groups(
            memos.pairs, keys, lambda fresh, known: dedup.portal_groups(prints, settings, fresh, known)
        )
        memos.save()
        return _same(labels)

    full = [chain["A"], chain["B"], chain["C"], *others]
    assert (
        groups(full, True)
        == groups(full, False)
        == {frozenset({0, 1, 2}), frozenset({3}), frozenset({4}), frozenset({5})}
    )
    without_b = [chain["A"], chain["C"], *others]
    assert groups(without_b, True) == groups(without_b, False) == {frozenset({i}) for i in range(5)}
    edited_b = [chain["A"], chain["B"] + "（更正）", chain["C"], *others]
    assert groups(edited_b, True) == groups(edited_b, False)


def _db_state(db):
    folder = db.parent
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("kind", ["complete", "empty", "read-only"])
def test_check_never_writes_the_upstream_database(content_copy, tmp_path, kind):
    """portal check opens the database read-only: its bytes, its mtime and its folder stay as
    they were — with every local entry stored, with none (compared in a copy in memory), and
    with the file and its folder read-only."""
    config = load_config(ROOT / "site_config")
    db = tmp_path / "work" / "upstream.sqlite"
    if kind == "empty":
        db.parent.mkdir(parents=True)
        upstream.Store(db).close()
    else:
        publication.run(content_copy, config, upstream_db=db)  # a build ingests the local snapshot
    if kind == "read-only":
        db.chmod(0o444)
        db.parent.chmod(0o555)
    before = _db_state(db)
    try:
        done = run_portal("check", "--content", str(content_copy), "--db", str(db), "--format", "json")
        after = _db_state(db)
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert after == before
    findings = json.loads(done.stdout)
    assert not [f for f in findings if f["rule"] == "upstream-unavailable"]
    reposts = {f["path"] for f in findings if f["rule"] == "upstream-duplicate"}
    assert reposts and reposts == {
        f.path for f in publication.run(content_copy, config).findings if f.rule == "upstream-duplicate"
    }
