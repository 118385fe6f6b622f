"""The confidentiality gate (保密审查): 涉密信息不公开，公开信息不涉密 — and the proof that nothing leaks.

Table-driven true positives and near misses per rule, the fail-closed behaviour, static pages,
``--strict`` through the real CLI, ``review.json``, a canary build of the demo plus withheld
items whose every field carries a unique string that must appear nowhere under ``site/``,
and a hypothesis property test over random front matter and bodies.
"""

from __future__ import annotations

import gzip
import html
import json
import shutil
import tempfile
import time
import zlib
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import confidentiality, load
from pipeline.config import ConfigError, load_config
from pipeline.model import Attachment, Item
from pipeline.scanners import Scanners, id_number_valid, luhn_valid
import gate_probe
from helpers import ROOT, build_site, run_portal

CONFIG = load_config(ROOT / "site_config")
SCANNERS = Scanners(CONFIG.confidentiality, CONFIG.portal.public_phones)
TZ, FILLER = gate_probe.TZ, gate_probe.FILLER

VALID_ID = "430602199001011235"  # check digit 5 is right for these 17 digits
VALID_ID_X = "11010519491231002X"
VALID_CARD = "6222021234567894"  # passes Luhn
VALID_CARD_19 = "6217001234567890122"


def rules_of(text: str) -> list[str]:
    return [h.rule for h in SCANNERS.scan(text)]


# --- table-driven: each rule, true positives and near misses ------------------------------------

POSITIVES = {
    "marker": [
        "秘密★1年",
        "机密★",
        "绝密★启用前",
        "机密 ★ 6个月",
        "密级：机密",
        "【机密】关于华拓项目的报告",
        "〔绝密〕",
        "秘密\n正文第一段",
        "## 机密",
        "机密：关于华拓项目投资协议谈判情况",
        "内部资料 注意保存",
        "内部资料，注意保存",
        "本材料不得外传。",
        "严禁外传",
        "此为内部文件，请妥善保管",
        "秘\u200b密★1年",
        "机密\uff0a",
    ],
    "pii": [
        f"申请人身份证号{VALID_ID}，",
        VALID_ID_X,
        VALID_ID_X.lower(),
        "联系人：王先生 13812345678",
        "手机 138-1234-5678",
        "电话 +86 13912345678",
        "１３８１２３４５６７８",
        f"开户账号 {VALID_CARD}",
        "6222 0212 3456 7894",
        VALID_CARD_19,
    ],
    "sensitive-word": ["可代开发票，价格优惠", "XXX公司：此处填写", "xxx公司", "ＸＸＸ公司", "六合彩开奖"],
    "unsafe-html": [
        "<script>alert(1)</script>",
        "<SCRIPT src=//x.example/a.js></SCRIPT>",
        '<iframe src="https://x.example"></iframe>',
        "<img src=x onerror=alert(1)>",
        '<div onclick="go()">点我</div>',
        "<svg/onload=alert(1)>",
        "[点击](javascript:alert(1))",
        "[点击](&#106;avascript:alert(1))",
        "<a href='&#x6a;avascript:void(0)'>x</a>",
        '<a href="java\tscript:x">x</a>',
        "<style>body{display:none}</style>",
        '[办理](https://x.example){ onclick="steal()" }',
        "[r]: javascript:alert(1)",
        "<object data=x></object>",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    ],
}

NEAR_MISSES = [
    "加强保密工作，严格落实保密制度",
    "依法做好商业秘密保护工作",
    "涉及国家秘密的信息不予公开",
    "数据的机密性和完整性",
    "涉密人员管理",
    "秘密投票",
    "文中“机密”二字",
    "保密★工作",
    "★★★ 五星级商场",
    "内部资料性出版物管理规定",
    "企业内部管理",
    "联系电话：0730-8888123",
    "服务热线 12345",
    "本局电话 0730-8888100",
    "统一社会信用代码 11430600MB1234567X",
    "索引号 11430600MB1234567X/2026-00001",
    "430602199001011234",  # bad check digit
    "6222021234567893",  # fails Luhn
    "销售额 15312345.67 万元",
    "编号 138123456789012",
    "2026年1—10月增长5.7%",
    "代开",
    "XX县",
    "<br>",
    '<div class="note">提示</div>',
    "<table><tr><td>1</td></tr></table>",
    "学习 JavaScript 编程",
    "onion=3",
    "[政策解读](https://www.mofcom.gov.cn/a.html)",
    "`code`",
    "<!-- 注释 -->",
    "a < b and c > d",
]


@pytest.mark.parametrize("rule,text", [(r, t) for r, ts in POSITIVES.items() for t in ts])
def test_true_positive(rule, text):
    assert rule in rules_of(text), f"{rule} not found in {text!r}: {SCANNERS.scan(text)}"


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_is_not_flagged(text):
    assert SCANNERS.scan(text) == []


def test_checksums():
    assert id_number_valid(VALID_ID) and id_number_valid(VALID_ID_X)
    assert not id_number_valid("430602199001011234")
    assert luhn_valid(VALID_CARD) and not luhn_valid("6222021234567893")


def test_hits_report_the_text_as_written():
    [hit] = SCANNERS.scan("前言\n秘\u200b密★1年")
    assert hit.match == "秘\u200b密★1年" and hit.offset == 3
    [hit] = SCANNERS.scan("电话１３８１２３４５６７８。")
    assert hit.match == "１３８１２３４５６７８"


def test_public_phone_allow_list_comes_from_portal_yaml():
    assert rules_of("值班手机 13900001111") == ["pii"]
    scanners = Scanners(CONFIG.confidentiality, CONFIG.portal.public_phones + ("139-0000-1111",))
    assert scanners.scan("值班手机 13900001111") == []


def test_marker_list_is_configurable():
    rules = replace(CONFIG.confidentiality, marker_phrases=("仅供参阅",), marker_levels=("核心商密",))
    scanners = Scanners(rules, ())
    assert [h.rule for h in scanners.scan("仅供参阅")] == ["marker"]
    assert [h.rule for h in scanners.scan("核心商密★")] == ["marker"]
    assert scanners.scan("不得外传") == []  # no longer in the list
    assert scanners.scan("秘密★1年") == []


# --- the gate on items --------------------------------------------------------------------------


def make_item(**kw) -> Item:
    """gate_probe's item, with the filler as its whole body unless ``body`` is given, and an
    ``attachments`` key on line 9."""
    kw.setdefault("key_lines", gate_probe.KEY_LINES + (("attachments", 9),))
    return gate_probe.make_item(kw.pop("body", FILLER), raw=True, **kw)


def gate_one(item: Item, config=CONFIG, reference=None):
    gated = confidentiality.gate([item], config, reference)
    return gated, [(f.rule, f.severity) for f in gated.findings]


def errors_of(item: Item, config=CONFIG) -> set[str]:
    gated, found = gate_one(item, config)
    blocked = bool(gated.withheld)
    rules = {r for r, s in found if s == "error"}
    assert blocked == bool(rules)
    return rules


@pytest.mark.parametrize(
    "field,value,rule",
    [
        ("title", "【机密】二期扩区选址方案", "marker"),
        ("body", FILLER + "\n\n秘密★1年\n", "marker"),
        ("summary", "内部资料 注意保存", "marker"),
        ("tags", ("外贸", "不得外传"), "marker"),
        ("title", f"关于{VALID_ID}的公示", "pii"),
        ("summary", "联系人 13812345678", "pii"),
        ("tags", ("13812345678",), "pii"),
        ("attachments", (Attachment("张三身份证" + VALID_ID + ".pdf", "files/a.pdf"),), "pii"),
        ("attachments", (Attachment("申报表.xlsx", "javascript:alert(1)"),), "unsafe-html"),
        ("body", FILLER + "\n<script>alert(1)</script>\n", "unsafe-html"),
        ("summary", '"><script>alert(1)</script>', "unsafe-html"),
        ("doc_number", "江商发〔2026〕12号 代开发票", "sensitive-word"),
        ("body", FILLER + "六合彩", "sensitive-word"),
    ],
)
def test_every_published_field_is_scanned(field, value, rule):
    assert errors_of(make_item(**{field: value})) == {rule}


def test_clean_item_passes():
    gated, found = gate_one(make_item())
    assert gated.published and not gated.withheld and found == []


@pytest.mark.parametrize(
    "kw,rule",
    [
        (dict(classified=True), "classified"),
        (dict(disclosure="依申请公开"), "not-public"),
        (dict(disclosure="不予公开"), "not-public"),
        (dict(reviewer=None), "unreviewed"),
        (dict(reviewer="张三"), "unreviewed"),  # 本人审签
        (dict(reviewer=" 张 三 "), "unreviewed"),
    ],
)
def test_declared_status_and_review(kw, rule):
    assert errors_of(make_item(**kw)) == {rule}


def test_self_review_allowed_when_configured():
    config = replace(CONFIG, confidentiality=replace(CONFIG.confidentiality, allow_self_review=True))
    assert errors_of(make_item(reviewer="张三"), config) == set()
    assert errors_of(make_item(reviewer=None), config) == {"unreviewed"}


def test_findings_carry_file_line_and_match():
    body = "第一段。\n\n第二段。\n<iframe src=x></iframe>\n" + FILLER + "\n联系人 王先生 13812345678"
    gated, _ = gate_one(make_item(body=body, body_line=12, title="机密：测试"))
    by_rule = {f.rule: f for f in gated.findings}
    assert by_rule["unsafe-html"].line == 15 and dict(by_rule["unsafe-html"].extra)["match"] == "<iframe"
    assert by_rule["pii"].line == 17 and dict(by_rule["pii"].extra)["match"] == "13812345678"
    assert by_rule["marker"].line == 2 and dict(by_rule["marker"].extra)["field"] == "标题"
    assert "13812345678" in by_rule["pii"].message


def test_body_line_counts_blank_lines_after_front_matter(tmp_path):
    file = tmp_path / "2026-03-15-x.md"
    file.write_text(
        "---\ntitle: 测试\ndate: 2026-03-15\nsite: bureau\ncolumn: news\nauthor: 张三\nreviewer: 李四\n---\n\n\n"
        + FILLER
        + "\n秘密★1年\n",
        encoding="utf-8",
    )
    item = load.load_item(file, "items/x.md", CONFIG)
    [finding] = confidentiality.gate([item], CONFIG).findings
    assert finding.rule == "marker" and finding.line == 12  # the line the editor sees in the file


def test_warnings_do_not_block():
    short = make_item(body="简讯正文。")
    gated, found = gate_one(short)
    assert gated.published == (short,) and found == [("too-short", "warning")]
    future = make_item(date=datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    gated, found = gate_one(future, reference=date(2026, 11, 28))
    assert gated.published == (future,) and found == [("future-date", "warning")]
    assert gate_one(future, reference=date(2026, 12, 1))[1] == []  # same day is not the future
    assert gate_one(future, reference=None)[1] == []  # no reference given: not checked


def test_future_date_uses_the_portal_time_zone():
    # 2026-11-28 20:00 UTC is already 2026-11-29 in Beijing
    item = make_item(date=datetime(2026, 11, 28, 20, 0, tzinfo=ZoneInfo("UTC")))
    assert gate_one(item, reference=date(2026, 11, 28))[1] == [("future-date", "warning")]


def test_a_check_that_raises_blocks_the_item(monkeypatch):
    def broken(item, review):
        raise ValueError("boom")

    monkeypatch.setattr(confidentiality, "CHECKS", confidentiality.CHECKS + (broken,))
    gated, found = gate_one(make_item())
    assert not gated.published and ("gate-failure", "error") in found
    assert "boom" in gated.withheld[0].findings[-1].message


def test_the_cheap_checks_arm_one_cpu_limit_for_all_items_and_still_judge_each(monkeypatch):
    """The cheap checks of every item run under one CPU limit (arming it per item cost ten
    times the checks); a check that breaks on one item still blocks that item alone."""
    from pipeline import cpu_limit

    items = [make_item(slug=f"2026-03-0{n}-x{n}") for n in range(1, 7)] + [make_item(slug="2026-03-09-bad")]
    review = confidentiality.review_of(CONFIG)
    scanned = [confidentiality.scan(i, review) for i in items]
    armed = []
    original = cpu_limit._arm
    monkeypatch.setattr(cpu_limit, "_arm", lambda seconds: armed.append(seconds) or original(seconds))
    gated = confidentiality.decide(items, review, scanned)
    assert len(armed) == 1 and len(gated.published) == len(items)

    def broken(item, review):
        if item.slug.endswith("bad"):
            raise ValueError("boom")
        return []

    monkeypatch.setattr(confidentiality, "CHECKS", confidentiality.CHECKS + (broken,))
    gated = confidentiality.decide(items, review, scanned)
    assert [w.item.slug for w in gated.withheld] == ["2026-03-09-bad"]
    assert [(f.rule, f.path) for f in gated.findings] == [("gate-failure", items[-1].path)]
    assert gated.published == tuple(items[:-1])


def test_a_cheap_check_over_its_cpu_budget_blocks_only_its_item(monkeypatch):
    """The shared limit of the cheap checks reached: each item is judged again under its own
    budget, and only the slow one is withheld (too-complex)."""
    from pipeline import cpu_limit

    monkeypatch.setattr(cpu_limit, "BUDGET", 0.3)

    def slow(item, review):
        end = time.thread_time() + (60 if item.slug.endswith("slow") else 0)
        while time.thread_time() < end:
            pass
        return []

    monkeypatch.setattr(confidentiality, "CHECKS", confidentiality.CHECKS + (slow,))
    items = [make_item(slug="2026-03-01-a"), make_item(slug="2026-03-02-slow"), make_item(slug="2026-03-03-b")]
    started = time.monotonic()
    gated = confidentiality.decide(items, confidentiality.review_of(CONFIG))
    assert time.monotonic() - started < 20
    assert [w.item.slug for w in gated.withheld] == ["2026-03-02-slow"]
    assert [f.rule for f in gated.findings] == ["too-complex"]
    assert gated.published == (items[0], items[2])


def test_scanners_that_cannot_be_built_block_everything(monkeypatch):
    def fail(*a, **k):
        raise MemoryError("no automaton")

    monkeypatch.setattr(confidentiality, "Scanners", fail)
    gated, found = gate_one(make_item())
    assert not gated.published and ("gate-failure", "error") in found
    from pipeline.render.pages import StaticPage

    kept, findings = confidentiality.screen_pages(
        [StaticPage("contact", "联系我们", 1, (("title", "联系我们"),), "电话 0730-8888123")], CONFIG
    )
    assert kept == () and [f.rule for f in findings] == ["gate-failure"]


def test_declared_withholding_is_not_a_strict_failure():
    gated = confidentiality.gate(
        [make_item(classified=True), make_item(disclosure="不予公开", reviewer="张三")], CONFIG
    )
    assert [w.declared for w in gated.withheld] == [True, False]


# --- configuration ----------------------------------------------------------------------------


def _config_with(tmp_path: Path, text: str | None, words: str | None = None) -> Path:
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "site_config", config_dir)
    if text is not None:
        (config_dir / "confidentiality.yaml").write_text(text, encoding="utf-8")
    if words is not None:
        (config_dir / "sensitive_words.txt").write_text(words, encoding="utf-8")
    return config_dir


@pytest.mark.parametrize(
    "text,key",
    [
        ("allow_self_review: maybe\n", "allow_self_review"),
        ("marker_levels: 秘密\n", "marker_levels"),
        ("min_chars: -1\n", "min_chars"),
        ("sensitive_words_file: nope.txt\n", "nope.txt"),
        ("marker_phrase: [x]\n", "marker_phrase"),
    ],
)
def test_bad_confidentiality_config_names_file_and_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as exc:
        load_config(_config_with(tmp_path, text))
    assert "confidentiality.yaml" in str(exc.value) and key in str(exc.value)


def test_sensitive_word_file_comments_and_case(tmp_path):
    config = load_config(_config_with(tmp_path, None, "# 注释\n\n恶意词 # 行尾注释\nBadWord\n"))
    assert config.confidentiality.sensitive_words == ("恶意词", "BadWord")
    scanners = Scanners(config.confidentiality, ())
    assert [h.match for h in scanners.scan("含有ＢＡＤword和恶意词")] == ["ＢＡＤword", "恶意词"]


def test_confidentiality_yaml_is_optional(tmp_path):
    config_dir = _config_with(tmp_path, None)
    (config_dir / "confidentiality.yaml").unlink()
    (config_dir / "sensitive_words.txt").unlink()
    rules = load_config(config_dir).confidentiality
    assert rules.allow_self_review is False and rules.sensitive_words == () and "秘密" in rules.marker_levels


# --- the demo stays publishable -------------------------------------------------------------------


def test_demo_content_has_no_scanner_findings():
    from pipeline.render.pages import load_pages

    loaded = load.load_items(ROOT / "content", CONFIG)
    gated = confidentiality.gate(loaded.items, CONFIG)
    content_rules = {"marker", "pii", "sensitive-word", "unsafe-html", "gate-failure"}
    assert [f.text() for f in gated.findings if f.rule in content_rules] == []
    pages, _ = load_pages(ROOT / "content")
    assert confidentiality.screen_pages(pages, CONFIG)[1] == ()


# --- the CLI: --strict, review.json, check ------------------------------------------------------

GOOD = """---
title: {title}
date: 2026-03-15
site: bureau
column: news
author: 张三
reviewer: 李四
{extra}---
{filler}
{body}
"""
# a classified item's own words: published items may not repeat them (withheld-text)
SECRET_FILLER = "二期项目选址调整方案涉及尚未公开的用地和补偿安排，仅供内部研究，暂不对外发布。" * 4


def _content(tmp_path: Path, **items: tuple[str, str, str]) -> Path:
    content = tmp_path / "content"
    folder = content / "items" / "bureau" / "2026"
    folder.mkdir(parents=True)
    for slug, (title, extra, body) in items.items():
        filler = SECRET_FILLER if "classified: true" in extra else FILLER
        (folder / f"2026-03-15-{slug}.md").write_text(
            GOOD.format(title=title, extra=extra, body=body, filler=filler), encoding="utf-8"
        )
    return content


def test_strict_build_fails_on_content_findings_and_writes_review(tmp_path):
    content = _content(
        tmp_path,
        good=("外贸企业座谈会", "", ""),
        secret=("涉密条目", "classified: true\n", ""),
        leak=("企业座谈会纪要", "", "联系人手机 13812345678"),
    )
    args = (
        "build",
        "--content",
        str(content),
        "--out",
        str(tmp_path / "site"),
        "--work",
        str(tmp_path / "work"),
        "--as-of",
        "2026-11-28",
    )
    lenient = run_portal(*args)
    assert lenient.returncode == 0, lenient.stderr
    assert "未发布的条目（2 条）" in lenient.stderr and "2026-03-15-leak.md [pii]" in lenient.stderr
    assert "2026-03-15-secret.md [classified]（按声明不发布）" in lenient.stderr
    strict = run_portal(*args, "--strict")
    assert strict.returncode == 1 and "严格模式" in strict.stderr and "Traceback" not in strict.stderr
    report = json.loads((tmp_path / "work" / "review.json").read_text(encoding="utf-8"))
    assert report["reference_date"] == "2026-11-28"
    leak = next(w for w in report["withheld_items"] if w["file"].endswith("leak.md"))
    assert leak["declared"] is False
    [finding] = leak["findings"]
    assert finding["rule"] == "pii" and finding["match"] == "13812345678" and finding["line"] == 10
    assert not list((tmp_path / "site").rglob("review.json"))
    # declared withholding alone does not fail --strict
    (content / "items" / "bureau" / "2026" / "2026-03-15-leak.md").unlink()
    assert run_portal(*args, "--strict").returncode == 0


def test_check_prints_rule_line_and_match_per_file(tmp_path):
    content = _content(
        tmp_path, marked=("【机密】选址方案", "", ""), html=("通知", "", '<a href="#" onclick="x()">下载</a>')
    )
    result = run_portal("check", "--content", str(content), "--as-of", "2026-11-28")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    out = result.stdout
    assert "items/bureau/2026/2026-03-15-marked.md\n  第 2 行：错误 [marker]" in out and "“【机密】”" in out
    assert "items/bureau/2026/2026-03-15-html.md\n  第 10 行：错误 [unsafe-html]" in out and "onclick=" in out
    assert "参照日：2026-11-28（--as-of）" in result.stderr
    bad = run_portal("check", "--content", str(content), "--as-of", "明天")
    assert bad.returncode == 1 and "--as-of" in bad.stderr and "Traceback" not in bad.stderr


def test_future_date_reference_is_explicit(tmp_path):
    content = _content(tmp_path, ahead=("外贸企业座谈会", "", ""))
    early = run_portal("check", "--content", str(content), "--format", "json", "--as-of", "2026-03-01")
    assert [f["rule"] for f in json.loads(early.stdout)] == ["future-date"] and early.returncode == 0
    on_time = run_portal("check", "--content", str(content), "--format", "json", "--as-of", "2026-03-15")
    assert json.loads(on_time.stdout) == []


def test_reference_date_is_never_the_clock_unless_asked(monkeypatch):
    from pipeline import cli_common as cli

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert cli._reference_date(None, CONFIG) == (None, "")  # no reference: future-date not checked
    assert cli._reference_date("2026-11-28", CONFIG) == (date(2026, 11, 28), "--as-of")
    assert cli._reference_date("today", CONFIG)[0] == datetime.now(TZ).date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")  # 2026-11-18 19:06 in Beijing
    assert cli._reference_date(None, CONFIG) == (date(2026, 11, 18), "SOURCE_DATE_EPOCH")


def test_work_folder_inside_site_is_refused(tmp_path):
    content = _content(tmp_path, good=("外贸企业座谈会", "", ""))
    result = run_portal(
        "build", "--content", str(content), "--out", str(tmp_path / "site"), "--work", str(tmp_path / "site" / "w")
    )
    assert result.returncode == 1 and "--work" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "w" / "review.json").exists()


# --- static pages ------------------------------------------------------------------------------


def test_failing_static_page_is_left_out(tmp_path):
    content = _content(tmp_path, good=("外贸企业座谈会", "", ""))
    pages = content / "pages"
    pages.mkdir()
    (pages / "contact.md").write_text(
        "---\ntitle: 联系我们\norder: 1\n---\n\n办公电话：0730-8888123\n", encoding="utf-8"
    )
    (pages / "duty.md").write_text(
        "---\ntitle: 值班安排\norder: 2\n---\n\n值班表\n\n值班领导手机 13812345678\n", encoding="utf-8"
    )
    (pages / "widget.md").write_text(
        '---\ntitle: 互动\norder: 3\n---\n\n<script src="//x.example/w.js"></script>\n', encoding="utf-8"
    )
    built = build_site(tmp_path, content=content, search=False, as_of=date(2026, 11, 28))
    assert (built.out / "about" / "contact" / "index.html").is_file()
    assert not (built.out / "about" / "duty").exists() and not (built.out / "about" / "widget").exists()
    assert "值班安排" not in built.html("about/contact/")  # not in the nav either
    rules = {(f.path, f.rule, f.line) for f in built.result.findings}
    assert ("pages/duty.md", "pii", 8) in rules and ("pages/widget.md", "unsafe-html", 6) in rules
    assert {f.rule for f in built.result.blocking_errors} == {"pii", "unsafe-html"}
    report = json.loads((built.work / "review.json").read_text(encoding="utf-8"))
    assert [p["file"] for p in report["withheld_pages"]] == ["pages/duty.md", "pages/widget.md"]


# --- the canary: nothing of a withheld item reaches site/ ----------------------------------------

CANARY_CASES = {
    "classified": ("classified: true\n", ""),
    "notpublic": ("disclosure: 依申请公开\n", ""),
    "unreviewed": ("", ""),  # reviewer removed below
    "selfreview": ("", ""),  # reviewer = author below
    "marker": ("", "秘密★1年"),
    "pii": ("", f"身份证号 {VALID_ID}"),
    "html": ("", '<iframe src="https://x.example/"></iframe>'),
    "word": ("", "此处填写"),
}


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer, buf = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(buf)
    return buf.getvalue()


def _canary_item(case: str, extra: str, body: str) -> tuple[str, str, list[str]]:
    tokens = [f"zqcanary{case}{part}" for part in ("title", "body", "summary", "tag", "attname", "attfile", "docno")]
    title, body_token, summary, tag, attname, attfile, docno = tokens
    reviewer = {"unreviewed": "", "selfreview": "reviewer: 许可欣\n"}.get(case, "reviewer: 汤卫东\n")
    text = (
        f"---\ntitle: 江临经开区{title}项目情况\ndate: 2026-11-26 10:00\nsite: etdz\ncolumn: local\nauthor: "
        f"许可欣\n{reviewer}{extra}doc_number: 江经开发〔2026〕{docno}号\nsummary: 概述{summary}\ntags: [招商,"
        f" {tag}]\nattachments:\n  - {{name: {attname}.pdf, file: files/2026/{attfile}."
        f"pdf}}\n---\n{FILLER}\n\n{body_token}：{body}\n"
    )
    return f"2026-11-26-zqcanary-{case}", text, tokens


def _forms(token: str) -> list[bytes]:
    variants = {token, token.upper(), html.escape(token), quote(token), json.dumps(token)[1:-1]}
    return [v.encode("utf-8") for v in variants] + [token.encode("utf-16-le")]


def _payloads(file: Path) -> list[bytes]:
    """The bytes of a site file, and decompressed too when it is gzip/zlib (Pagefind, sitemap.xml.gz)."""
    data = file.read_bytes()
    out = [data]
    if data[:2] == b"\x1f\x8b":
        out.append(gzip.decompress(data))
    else:
        try:
            out.append(zlib.decompress(data))
        except zlib.error:
            pass
    return out


def test_canary_nothing_of_a_withheld_item_reaches_the_site(content_copy, tmp_path):
    folder = content_copy / "items" / "etdz" / "2026"
    files = content_copy / "files" / "2026"
    files.mkdir(parents=True, exist_ok=True)
    canaries: list[str] = []
    slugs: list[str] = []
    for case, (extra, body) in CANARY_CASES.items():
        slug, text, tokens = _canary_item(case, extra, body)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
        (files / f"{tokens[5]}.pdf").write_bytes(b"%PDF-1.4 " + tokens[1].encode() + b" secret attachment")
        canaries += tokens
        slugs.append(slug)
    # a published control item with its own canaries: proves the search below can find things
    control_slug, control_text, control_tokens = _canary_item("published", "", "")
    (folder / f"{control_slug}.md").write_text(control_text, encoding="utf-8")
    (files / f"{control_tokens[5]}.pdf").write_bytes(
        _blank_pdf()
    )  # a real PDF: an unreadable one would withhold the control
    # a stray file nobody links is not published either
    (files / "zqcanarystray.pdf").write_bytes(b"%PDF-1.4 stray")
    canaries.append("zqcanarystray")

    built = build_site(tmp_path, content=content_copy, as_of=date(2026, 11, 28))
    withheld = {w.item.slug: {f.rule for f in w.findings} for w in built.result.publication.withheld}
    expected = {
        "classified": "classified",
        "notpublic": "not-public",
        "unreviewed": "unreviewed",
        "selfreview": "unreviewed",
        "marker": "marker",
        "pii": "pii",
        "html": "unsafe-html",
        "word": "sensitive-word",
    }
    for case, rule in expected.items():
        assert rule in withheld[f"2026-11-26-zqcanary-{case}"], case
    assert control_slug not in withheld

    site_files = [p for p in built.out.rglob("*") if p.is_file()]
    assert len(site_files) > 100 and any("pagefind" in p.parts for p in site_files)
    blobs = [(p, payload) for p in site_files for payload in _payloads(p)]
    # positive control: the published item's canaries are found (HTML, feeds, search index …)
    for token in control_tokens:
        assert any(form in blob for _, blob in blobs for form in _forms(token)), (
            f"control canary {token} not found: search is blind"
        )
    leaks = [
        (p.relative_to(built.out).as_posix(), needle)
        for needle in canaries + slugs
        for p, blob in blobs
        for form in _forms(needle)
        if form in blob
    ]
    leaks += [
        (p.relative_to(built.out).as_posix(), "file name")
        for p in site_files
        if "zqcanary" in p.name and "published" not in p.name
    ]
    assert leaks == []
    # …while the editors' private report names them all, with rule, line and matched text
    report = (built.work / "review.json").read_text(encoding="utf-8")
    for case in expected:
        assert f"2026-11-26-zqcanary-{case}.md" in report
    assert VALID_ID in report and "秘密★1年" in report


# --- property: random front matter and bodies never crash the gate nor publish classified -------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), _text, st.dates().map(str))
_value = st.one_of(
    _scalar,
    st.lists(_scalar, max_size=3),
    st.dictionaries(st.sampled_from(["name", "file", "url", "x"]), _scalar, max_size=3),
)
_front = st.fixed_dictionaries(
    {
        "title": _value,
        "date": st.one_of(st.just("2026-03-15"), _value),
        "site": st.sampled_from(["bureau", "etdz", "x"]),
        "column": st.sampled_from(["news", "local", "notices"]),
        "author": _value,
        "classified": st.just(True),
    },
    optional={
        k: _value
        for k in ("reviewer", "disclosure", "summary", "tags", "attachments", "doc_number", "kind", "channels", "topic")
    },
)
_body = st.one_of(
    _text,
    st.lists(
        st.sampled_from(
            [
                "<script>",
                "秘密★",
                "13812345678",
                "\n",
                "---",
                "[a](javascript:x)",
                "<",
                "&#",
                "{ on",
                FILLER[:30],
                "\u200b",
                "★",
            ]
        ),
        max_size=12,
    ).map("".join),
    st.text(max_size=400),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=_front, body=_body)
def test_random_items_never_crash_the_gate_nor_publish_classified(front, body):
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "2026-03-15-random.md"
        file.write_text("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body, encoding="utf-8")
        try:
            item = load.load_item(file, "items/bureau/2026/2026-03-15-random.md", CONFIG)
        except load._Reject:
            return  # a broken file is a finding, never an item
        gated = confidentiality.gate([item], CONFIG, date(2026, 11, 28))
        assert gated.published == ()
        assert "classified" in {f.rule for f in gated.findings}


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=80),
    body=st.text(max_size=600),
    summary=st.one_of(st.none(), st.text(max_size=80)),
    tags=st.lists(st.text(min_size=1, max_size=10), max_size=3),
    classified=st.booleans(),
)
def test_scanners_never_raise_and_classified_never_passes(title, body, summary, tags, classified):
    item = make_item(
        title=title,
        body=body,
        summary=summary,
        tags=tuple(tags),
        classified=classified,
        attachments=(Attachment(title or "a", body[:20] or "files/a.pdf"),),
    )
    gated = confidentiality.gate([item], CONFIG, date(2026, 11, 28))
    assert "gate-failure" not in {f.rule for f in gated.findings}  # every scanner copes with any text
    if classified:
        assert gated.published == ()


@settings(max_examples=400, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("秘密机密機內開發ＡＢＣabcXYZ，；（）：１２３\u3000\u200b中文 \n①㊙\U00020000\U0002f800\U000e0041")
        ),
        max_size=60,
    )
    | st.text(max_size=40)
)
def test_fast_fold_is_the_fold_table(text):
    from pipeline import scanners

    assert scanners.fold(text) == scanners.fold_slow(text)
