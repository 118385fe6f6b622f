"""A published item may not repeat a withheld item's words (涉密信息不公开, issue 12; red-team
findings: verbatim, traditional, re-punctuated, dotted and quoted copies, a reused title)."""

from __future__ import annotations

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
