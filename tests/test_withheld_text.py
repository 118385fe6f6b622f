"""A published item may not repeat a withheld item's words (涉密信息不公开, issue 12; red-team
findings: verbatim, traditional, re-punctuated, dotted and quoted copies, a reused title)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pipeline import withheld_text
from pipeline.confidentiality import Withheld
from pipeline.findings import error
from pipeline.model import Item
from helpers import ROOT, build_site

SECRET = (
    "经研究，拟将二期项目选址调整至青山湖北侧地块，用地面积约三百二十亩，"
    "征地补偿标准按每亩四十二万元执行，相关方案暂不对外公布。"
)
OTHER = "本局组织召开全市外贸企业座谈会，听取企业对稳外贸政策的意见建议，协调解决企业反映的困难和问题。" * 3


def item(slug: str, body: str, title: str = "全市外贸企业座谈会召开") -> Item:
    return Item(
        path=f"items/bureau/2026/{slug}.md",
        slug=slug,
        title=title,
        date=datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        site="bureau",
        column="news",
        author="周雅琴",
        body=body,
        reviewer="陈立新",
    )


def withheld(rule: str = "classified", body: str = SECRET, title: str = "关于二期项目选址调整方案的请示") -> Withheld:
    secret = item("secret", body, title)
    return Withheld(secret, (error(secret.path, rule, "x"),))


@pytest.mark.parametrize(
    "name, body",
    [
        ("verbatim", OTHER + SECRET),
        ("traditional", OTHER + "經研究，擬將二期項目選址調整至青山湖北側地塊，用地面積約三百二十畝。"),
        ("punctuation changed", OTHER + "经研究 拟将二期项目选址调整至青山湖北侧地块 用地面积约三百二十亩"),
        ("dot every few characters", OTHER + "经研究·拟将二期·项目选址调·整至青山湖·北侧地块·用地面积约"),
        ("one sentence quoted", OTHER + "据悉，征地补偿标准按每亩四十二万元执行，相关方案暂不对外公布。"),
        ("full-width and zero-width", OTHER + "征地补偿标准按每亩\u200b四十二万元执行，相关方案暂不对外公布"),
    ],
)
@pytest.mark.parametrize("rule", ["classified", "not-public", "marker"])
def test_a_copy_of_a_withheld_items_words_is_withheld(name, body, rule):
    blocked, findings = withheld_text.check([item("copy", body)], [withheld(rule)])
    assert blocked == {"items/bureau/2026/copy.md"}, name
    assert findings[0].rule == "withheld-text" and "items/bureau/2026/secret.md" in findings[0].message


def test_a_reused_title_is_withheld():
    blocked, _ = withheld_text.check([item("copy", OTHER, title="关于二期项目选址调整方案的请示")], [withheld()])
    assert blocked == {"items/bureau/2026/copy.md"}


def test_near_misses_publish():
    pubs = [item("other", OTHER), item("short", OTHER + "二期项目选址。")]  # a 6-character phrase is not a copy
    assert withheld_text.check(pubs, [withheld()]) == (frozenset(), ())
    # text of an item withheld only for want of 审签 (or as an upstream repost) is not secret
    assert withheld_text.check([item("copy", OTHER + SECRET)], [withheld("unreviewed")]) == (frozenset(), ())
    assert withheld_text.check([item("copy", OTHER + SECRET)], [withheld("upstream-duplicate")]) == (frozenset(), ())
    # nor of one withheld for a phone number: the same news without it may publish (the number is the scanners')
    assert withheld_text.check([item("copy", OTHER + SECRET)], [withheld("pii")]) == (frozenset(), ())


def test_common_language_shared_by_many_published_items_does_not_count():
    slogan = "深入贯彻落实党中央国务院关于稳外贸稳外资的决策部署"
    secret = withheld(body=slogan + SECRET)
    many = [item(f"n{k}", f"第{k}期。" + slogan + OTHER) for k in range(withheld_text.COMMON)]
    assert withheld_text.check(many, [secret]) == (frozenset(), ())
    blocked, _ = withheld_text.check(many[:2], [secret])
    assert len(blocked) == 2  # two items are not yet common language
    # withheld items count too: a standard paragraph of many withheld notices is common language
    notices = [withheld(body=slogan + f"第{k}号通知。") for k in range(withheld_text.COMMON)]
    assert withheld_text.check(many[:1], notices) == (frozenset(), ())


def test_in_the_pipeline_the_copy_is_withheld_and_absent_from_the_site(tmp_path):
    import shutil

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    secret_body = (
        (content / "items")
        .rglob("2026-10-28-phase-two-site-options.md")
        .__next__()
        .read_text(encoding="utf-8")
        .split("---", 2)[2]
    )
    sentence = max((s for s in secret_body.replace("\n", "").split("。") if len(s) > 30), key=len)
    copy = content / "items" / "bureau" / "2026" / "2026-11-27-copy.md"
    copy.write_text(
        "---\ntitle: 关于近期招商工作的情况通报\ndate: 2026-11-27 10:00\nsite: bureau\ncolumn: news\nauthor: "
        "周雅琴\nreviewer: 陈立新\n---\n" + OTHER + "\n\n" + sentence + "。\n",
        encoding="utf-8",
    )
    built = build_site(tmp_path, content=content)
    withheld_rules = {w.item.path: {f.rule for f in w.findings} for w in built.result.publication.withheld}
    assert "withheld-text" in withheld_rules["items/bureau/2026/2026-11-27-copy.md"]
    assert not (built.out / "bureau" / "2026" / "2026-11-27-copy").exists()
    probe = sentence.strip()[:20]
    assert not [p for p in built.out.rglob("*.html") if probe in p.read_text(encoding="utf-8", errors="ignore")]


def _seen_memo(tmp_path):
    from pipeline import memo, stage_memos

    spec = stage_memos.MEMOS["seen"]
    return memo.Memo(tmp_path / "seen.msgpack", spec, None, key=bytes(range(32)))


def _remembered(remembered):
    from functools import partial

    from pipeline import publication

    return partial(publication._seen, remembered=remembered, jobs=1)


def test_remembered_seen_gives_the_same_result_and_a_damaged_entry_is_worked_out_again(tmp_path):
    slogan = "深入贯彻落实党中央国务院关于稳外贸稳外资的决策部署"
    pubs = [item(f"n{k}", f"第{k}期。" + slogan + OTHER) for k in range(3)] + [item("copy", OTHER + SECRET)]
    pubs = [replace(p, content_hash=f"{k:064x}") for k, p in enumerate(pubs)]  # items from files: remembered
    held = [withheld(body=slogan + SECRET), withheld("unreviewed", body=OTHER)]
    plain = withheld_text.check(pubs, held)
    assert plain[0] == {"items/bureau/2026/copy.md", *(p.path for p in pubs[:3])}
    first = _seen_memo(tmp_path)
    assert withheld_text.check(pubs, held, _remembered(first)) == plain
    first.save()
    again = _seen_memo(tmp_path)
    assert len(again.old) == len(pubs)
    calls = []
    original = withheld_text.seen

    def counted(item, index):
        calls.append(item.path)
        return original(item, index)

    import pipeline.withheld_text as module

    module.seen, saved = counted, module.seen
    try:
        assert withheld_text.check(pubs, held, _remembered(again)) == plain
        assert calls == []  # every item's windows came from the memo
        # a damaged entry (numbers out of order, beyond the index, not whole values) is worked out again
        damaged = _seen_memo(tmp_path)
        keys = sorted(damaged.old)
        damaged.old[keys[0]] = (damaged.old[keys[0]][0], b"\xff\xff\xff\x7f")
        damaged.old[keys[1]] = (damaged.old[keys[1]][0], b"\x01\x00")
        damaged.old[keys[2]] = ("", b"\x02\x00\x00\x00\x01\x00\x00\x00")
        assert withheld_text.check(pubs, held, _remembered(damaged)) == plain
        assert sorted(calls) == sorted(k[0] for k in keys[:3] if damaged.old[k][1] != b"")
    finally:
        module.seen = saved
    # another withheld set is another index: nothing of the old one is used
    other = [withheld(body=OTHER)]
    expected = withheld_text.check(pubs, other)
    calls_before = len(calls)
    module.seen = counted
    try:
        assert withheld_text.check(pubs, other, _remembered(_seen_memo(tmp_path))) == expected
    finally:
        module.seen = saved
    assert len(calls) - calls_before == len(pubs)
