"""政府信息公开专栏 (issue 6): 索引号 ledger, 公开目录, annual report in the 2021 national format.

The report's tables are compared with figures computed by hand from the demo yaml
(content/disclosure/2024.yaml, 2025.yaml); the template's labels are compared word for word
with the shared DOMAIN.md; broken inputs must fail with an error naming the row, column or
application; 索引号 must survive adding older items, moves and withdrawals.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline import build as build_mod
from pipeline import disclosure_template, numbering, publication, report
from pipeline.config import load_config
from pipeline.findings import ERROR
from helpers import ROOT, run_portal

CONFIG = load_config(ROOT / "site_config")
DOMAIN_CANDIDATES = (Path("/work/shared/DOMAIN.md"), ROOT.parent / "shared" / "DOMAIN.md")


def _domain_text() -> str:
    for path in DOMAIN_CANDIDATES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip("shared/DOMAIN.md 不在本机（应在仓库旁的 ../shared/ 或 /work/shared/）：无法核对模板行名")


def _errors(findings, rule=None):
    return [f for f in findings if f.severity == ERROR and (rule is None or f.rule == rule)]


def _generate(content: Path, year: int):
    pub = publication.run(content, CONFIG)
    return report.compute(year, pub.report_data, pub.counted, CONFIG)


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")


class _NoAliases(yaml.SafeDumper):
    """Shared objects written out in full: the portal refuses YAML anchors and aliases (yaml-alias)."""

    def ignore_aliases(self, data):
        return True


def _build_tree(content: Path, tmp: Path):
    """The pipeline and docs tree as ``portal build`` makes them (ledger written), without mkdocs."""
    options = build_mod.BuildOptions(
        content=content,
        out=tmp / "site",
        work=tmp / "work",
        mkdocs_file=ROOT / "mkdocs.yml",
        render_site=False,
        search=False,
    )
    return build_mod.build(options, CONFIG)


# --- the template, word for word -----------------------------------------------------------


def _domain_table3_labels(text: str) -> list[str]:
    block = text.split("Table 三:", 1)[1].split("Balance rule", 1)[0]
    bullets: list[str] = []
    for line in block.splitlines()[1:]:
        if re.match(r"^\s*- ", line):
            bullets.append(line.strip()[2:])
        elif line.strip() and bullets:
            bullets[-1] += " " + line.strip()
    labels = []
    for bullet in bullets:
        if ": " in bullet and re.search(r": 1\.", bullet):
            head, subs = bullet.split(": ", 1)
            labels.append(head)
            labels.extend(s.strip() for s in re.split(r"\s(?=\d+\.)", subs))
        else:
            labels.append(bullet)
    return labels


def test_table3_labels_equal_domain_word_for_word():
    text = _domain_text()
    assert [r.label for r in disclosure_template.TABLE3_ROWS] == _domain_table3_labels(text)
    columns = re.search(r"Table 三: columns (.+?)\. Rows", text, re.S).group(1)
    person, orgs, total = [c.strip() for c in columns.split("|")]
    assert (person, total) == (disclosure_template.COLUMNS[0], disclosure_template.COLUMNS[-1])
    assert (
        orgs.startswith("法人或其他组织")
        and tuple(re.search(r"\((.+)\)", orgs).group(1).split(", ")) == disclosure_template.ORG_TYPES
    )


def test_tables_2_and_4_and_sections_equal_domain():
    text = _domain_text()
    t2 = " ".join(text.split("Table 二 (第二十条):", 1)[1].split("\n\n", 1)[0].split())
    expected = []
    for part in t2.rstrip(".").split(";"):
        rows, cols = re.sub(r"^\s*\(.\)\s*", "", part).split(" — ")
        expected.append((tuple(r.strip() for r in rows.split(",")), tuple(c.strip() for c in cols.split("/"))))
    assert [(rows, cols) for _, cols, rows in disclosure_template.TABLE2] == expected
    t4 = text.split("Table 四:", 1)[1].split("\n\n", 1)[0]
    assert tuple(re.search(r"行政复议 \((.+?)\)", t4).group(1).split(", ")) == disclosure_template.TABLE4_RESULTS
    assert "未经复议直接起诉" in t4 and "复议后起诉" in t4
    sections = re.search(r"Sections:\n(.+?)\n\n", text, re.S).group(1)
    assert [t for _, t in disclosure_template.SECTION_TITLES] == re.findall(r"[一二三四五六]、\S+", sections)


def test_report_page_shows_template_rows_in_order(demo_site):
    html = demo_site.html("xxgk/reports/2025/")
    table = html[html.index("report-table-3") :]
    table = table[: table.index("</table>")]
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", table)
    rows_in_page = [h for h in headers if h in {r.label for r in disclosure_template.TABLE3_ROWS}]
    assert rows_in_page == [r.label for r in disclosure_template.TABLE3_ROWS]
    assert "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" in table
    for title in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert title in html


# --- generated figures equal hand-computed ones --------------------------------------------

# content/disclosure/2025.yaml counted by hand: (自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计)
HAND_2025 = {
    "一": (6, 2, 1, 1, 1, 1, 12),
    "二": (1, 1, 0, 0, 0, 0, 2),
    "三.1": (3, 1, 1, 0, 0, 0, 5),
    "三.2": (0, 1, 0, 0, 1, 0, 2),
    "三.3.4": (1, 0, 0, 0, 0, 0, 1),
    "三.3.5": (0, 0, 0, 1, 0, 0, 1),
    "三.4.1": (1, 0, 0, 0, 0, 0, 1),
    "三.5.1": (1, 0, 0, 0, 0, 0, 1),
    "三.6.1": (0, 1, 0, 0, 0, 0, 1),
    "三.7": (6, 3, 1, 1, 1, 0, 12),
    "四": (1, 0, 0, 0, 0, 1, 2),
}
HAND_2024 = {
    "一": (4, 2, 0, 0, 1, 0, 7),
    "二": (0, 0, 0, 0, 0, 0, 0),
    "三.1": (1, 0, 0, 0, 1, 0, 2),
    "三.2": (0, 1, 0, 0, 0, 0, 1),
    "三.4.1": (1, 0, 0, 0, 0, 0, 1),
    "三.5.2": (1, 0, 0, 0, 0, 0, 1),
    "三.7": (3, 1, 0, 0, 1, 0, 5),
    "四": (1, 1, 0, 0, 0, 0, 2),
}


@pytest.mark.parametrize("year, hand", [(2025, HAND_2025), (2024, HAND_2024)])
def test_table3_equals_hand_computed(demo_site, year, hand):
    rep, findings = report.compute(
        year, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG
    )
    assert _errors(findings) == []
    zero = (0,) * len(disclosure_template.COLUMNS)
    assert dict(rep.table3) == {code: hand.get(code, zero) for code, _ in rep.table3}
    # and the same figures reach the JSON download users get
    data = json.loads((demo_site.out / f"xxgk/reports/{year}/report-{year}.json").read_text(encoding="utf-8"))
    by_code = {row["code"]: tuple(row["values"].values()) for row in data["table3"]["rows"]}
    assert by_code == dict(rep.table3)


def test_tables_2_4_and_generated_overview(demo_site):
    pub = demo_site.result.publication
    rep, _ = report.compute(2025, pub.report_data, pub.counted, CONFIG)
    assert dict(rep.table2)["行政规范性文件"] == (("本年制发件数", 3), ("本年废止件数", 1), ("现行有效件数", 11))
    assert dict(rep.table2)["行政许可"] == (("本年处理决定数量", 126),)
    assert dict(rep.table4)["行政复议"] == (1, 0, 0, 0, 1)
    assert dict(rep.table4)["复议后起诉"] == (0, 0, 0, 0, 0)
    assert rep.fees == 150
    # 主动公开 2025: the portal's own items, each piece of news once
    items_2025 = [i for i in pub.counted if i.date.year == 2025]
    assert rep.active_source == "items" and rep.active_total == len(items_2025) > 0
    wechat = sum(1 for i in items_2025 if "微信" in i.channels)
    html = demo_site.html("xxgk/reports/2025/")
    assert f"主动公开政府信息 {len(items_2025)} 条（不同渠道和方式公开相同信息计1条）" in html
    assert f"通过微信发布 {wechat} 条" in html
    assert "全年新收政府信息公开申请 12 件，上年结转 2 件，办结 12 件，结转下年度继续办理 2 件" in html
    assert "被申请行政复议 1 件，被提起行政诉讼 0 件" in html
    assert "收取信息处理费 150 元" in html


def test_2024_takes_active_figures_from_yaml_when_no_items(demo_site):
    assert not [i for i in demo_site.result.publication.counted if i.date.year == 2024]
    rep, _ = report.compute(
        2024, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG
    )
    assert (rep.active_source, rep.active_total) == ("yaml", 1236)
    assert dict(rep.active_channels)["网站"] == 1187


def test_downloads_and_cli_print_the_same_report(demo_site):
    md = (demo_site.out / "xxgk/reports/2025/report-2025.md.txt").read_text(encoding="utf-8")
    proc = run_portal("report", "--year", "2025", "--format", "md", "--strict")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == md
    assert "| 四、结转下年度继续办理 | 1 | 0 | 0 | 0 | 0 | 1 | 2 |" in md
    proc = run_portal("report", "--year", "2025", "--format", "json")
    assert json.loads(proc.stdout)["table4"]["行政复议"]["总计"] == 1
    html = demo_site.html("xxgk/reports/2025/")
    assert 'href="report-2025.md.txt"' in html and 'href="report-2025.json"' in html


def test_reports_listed_newest_first_with_hand_written_ones(demo_site):
    html = demo_site.html("xxgk/reports/")
    positions = [
        html.index(t)
        for t in ("2025年政府信息公开工作年度报告", "2024年政府信息公开工作年度报告", "2019年政府信息公开工作年度报告")
    ]
    assert positions == sorted(positions)
    assert "年度报告" in demo_site.html("xxgk/report-2019/")


def test_apply_page_carries_fee_rules(demo_site):
    html = demo_site.html("xxgk/apply/")
    assert "申请方式" in html  # the office's page body (content/pages/apply.md)
    for text in (
        "国办函〔2020〕109号",
        "10件以下（含10件）",
        "100元/件",
        "31—100页（含100页）的部分",
        "10元/页",
        "20元/页",
        "40元/页",
    ):
        assert text in html, text
    fees = load_config(ROOT / "site_config").fees
    assert fees.by_pages.fee(45) == 150 and fees.by_requests.fee(35) == 3000 and fees.by_requests.fee(10) == 0


def test_column_pages_and_nav(demo_site):
    home = demo_site.html("xxgk/")
    for href in ("disclosure-guide/", "disclosure-rules/", "functions/", "catalog/", "reports/", "apply/"):
        assert f'href="{href}"' in home, href
    assert "政府信息公开指南" in demo_site.html("xxgk/disclosure-guide/")
    assert not (demo_site.out / "about/disclosure-guide").exists()
    nav = [
        list(e)[0]
        for e in yaml.safe_load((demo_site.work / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
        if isinstance(e, dict)
    ]
    assert "信息公开" in nav


# --- checks: broken ledgers fail with the named error ---------------------------------------


def test_unbalanced_table_names_row_and_column():
    rep, _ = _generate(ROOT / "content", 2025)
    table = {code: list(values) for code, values in rep.table3}
    table["一"][0] += 1  # one more 自然人 application received than the ledger explains
    table["一"][-1] += 1
    msgs = [f.message for f in report.check_table3(table, "disclosure/2025.yaml")]
    assert len(msgs) == 2 and "“自然人” 列不平衡" in msgs[0] and "“总计” 列不平衡" in msgs[1]
    assert (
        "一、本年新收（7）+ 二、上年结转（1）= 8，但 三、本年度办理结果（七）总计（6）+ 四、结转下年度继续办理（1）= 7"
        in msgs[0]
    )
    table["三.7"][1] += 1  # a 总计 that is not the sum of its parts
    msgs = [f.message for f in report.check_table3(table, "disclosure/2025.yaml")]
    assert any("“（七）总计” 为 4，但（一）至（六）各项之和为 3" in m and "商业企业" in m for m in msgs)
    assert any("“三、本年度办理结果（七）总计” 行的 “总计” 为 12，但各类申请人之和为 13" in m for m in msgs)


def test_unbalanced_ledger_fails(content_copy):
    def close_without_outcome(data):
        app = next(a for a in data["applications"] if a["id"] == "JLSW-YSQ-2025-009")
        del app["outcome"]  # 已办结 but no 办理结果: counted as received, nowhere as handled

    _edit_yaml(content_copy / "disclosure/2025.yaml", close_without_outcome)
    _, findings = _generate(content_copy, 2025)
    balance = _errors(findings, "report-balance")
    assert len(balance) == 2  # the 法律服务机构 column and the 总计 column
    assert "“法人或其他组织·法律服务机构” 列不平衡" in balance[0].message + balance[1].message
    assert any("JLSW-YSQ-2025-009" in f.message for f in _errors(findings, "report-outcome"))
    proc = run_portal("report", "--year", "2025", "--strict", "--content", str(content_copy))
    assert proc.returncode == 1 and "不平衡" in proc.stderr
    proc = run_portal("report", "--year", "2025", "--content", str(content_copy))
    assert proc.returncode == 0 and "三、收到和处理政府信息公开申请情况" in proc.stdout


def test_bad_outcome_code_is_named(content_copy):
    _edit_yaml(content_copy / "disclosure/2025.yaml", lambda d: d["applications"][2].update(outcome="三.9"))
    _, findings = _generate(content_copy, 2025)
    bad = _errors(findings, "report-outcome")
    assert len(bad) == 1 and "JLSW-YSQ-2025-001" in bad[0].message and "“三.9”" in bad[0].message and bad[0].line
    assert _errors(findings, "report-balance")


def test_duplicate_application_id_is_named(content_copy):
    _edit_yaml(content_copy / "disclosure/2025.yaml", lambda d: d["applications"].append(dict(d["applications"][3])))
    _, findings = _generate(content_copy, 2025)
    dup = _errors(findings, "report-duplicate")
    assert len(dup) == 1 and "“JLSW-YSQ-2025-002” 重复" in dup[0].message


def test_carry_over_must_match_last_year(content_copy):
    _edit_yaml(
        content_copy / "disclosure/2025.yaml",
        lambda d: d.update(applications=[a for a in d["applications"] if a["id"] != "JLSW-YSQ-2024-007"]),
    )
    _, findings = _generate(content_copy, 2025)
    msgs = [f.message for f in _errors(findings, "report-carryover")]
    assert any(
        "“二、上年结转政府信息公开申请数量” 行 “自然人” 列为 0，但 2024 年报告“四、结转下年度继续办理”为 1" in m
        for m in msgs
    )
    assert any("JLSW-YSQ-2024-007" in m and "没有列入 2025 年台账" in m for m in msgs)


def test_reports_are_rendered_from_the_publication_alone(content_copy):
    """The yearly data files are read once, in the publication stage: the report pages and their
    findings stay the same when the files are gone by the time the renderers run."""
    pub = publication.run(content_copy, CONFIG)
    files, _, findings = build_mod.docs_tree_files(pub, CONFIG, content_copy)
    assert {"xxgk/reports/2025/report-2025.json", "xxgk/website-report/2025/website-report-2025.csv"} <= set(files)
    shutil.rmtree(content_copy / "disclosure")
    shutil.rmtree(content_copy / "website-report")
    again, _, found_again = build_mod.docs_tree_files(pub, CONFIG, content_copy)
    assert again == files and found_again == findings


def test_report_errors_fail_a_strict_build(content_copy, tmp_path):
    _edit_yaml(content_copy / "disclosure/2025.yaml", lambda d: d["applications"][2].update(outcome="予以公开"))
    result = _build_tree(content_copy, tmp_path)
    assert any(f.rule == "report-outcome" for f in result.blocking_errors)


# --- 索引号 -----------------------------------------------------------------------------------


def _numbers(pub) -> dict[str, str]:
    return {i.path: i.index_number for i in pub.published}


OLDER_ITEM = """---
title: 市商务局召开2025年外贸企业新春座谈会
date: 2025-01-03 10:00
site: bureau
column: news
author: 李晓梅
reviewer: 王建国
topic: 对外贸易
genre: 工作动态
---
1月3日，市商务局召开2025年外贸企业新春座谈会，全市32家重点外贸企业负责人参加。会上，企业代表介绍了2024年进出口情况和2025年订单预期，
反映了海运费波动、汇率避险和出口信用保险等方面的问题。市商务局相关负责同志逐一回应企业诉求，介绍了外贸发展专项资金、出口信用保险保费扶持、
跨境电商综合试验区建设等支持政策，要求各科室和县市区商务部门建立重点企业联系制度，点对点帮助企业解决困难，全力稳住外贸基本盘，
力争一季度实现开门红。会议还就参加第137届广交会、组织企业赴东盟和中东地区开拓市场等工作作了安排部署。
"""


def test_index_numbers_survive_an_older_item_and_rebuild(content_copy, tmp_path):
    first = _build_tree(content_copy, tmp_path / "a").publication
    before = _numbers(first)
    ledger_before = yaml.safe_load((content_copy / "index_numbers.yaml").read_text(encoding="utf-8"))["items"]
    assert all(before.values()) and len(set(before.values())) == len(before)
    assert all(re.fullmatch(r"11430600MB1234567X/20\d\d-\d{5}", n) for n in before.values())
    (content_copy / "items/bureau/2025/2025-01-03-new-year-exporters.md").write_text(OLDER_ITEM, encoding="utf-8")
    second = _build_tree(content_copy, tmp_path / "b").publication
    after = _numbers(second)
    assert {p: after[p] for p in before} == before
    new = after["items/bureau/2025/2025-01-03-new-year-exporters.md"]
    # the next number of 2025 after every number ever assigned (withdrawn ones included), not by date
    seq_2025 = [int(e["number"][-5:]) for e in ledger_before.values() if "/2025-" in e["number"]]
    assert new == f"11430600MB1234567X/2025-{max(seq_2025) + 1:05d}"
    ledger = yaml.safe_load((content_copy / "index_numbers.yaml").read_text(encoding="utf-8"))
    assert ledger["items"]["bureau/2025/2025-01-03-new-year-exporters"]["number"] == new
    # the item page shows it
    files, _, _ = build_mod.docs_tree_files(second, CONFIG, content_copy)
    assert new in files["bureau/2025/2025-01-03-new-year-exporters.md"]
    # a third build assigns nothing and leaves the ledger alone
    assert publication.run(content_copy, CONFIG).index_ledger is None


def test_index_number_follows_a_move_and_is_kept_after_withdrawal(content_copy):
    pub = publication.run(content_copy, CONFIG)
    numbering.write_ledger(content_copy, pub.index_ledger) if pub.index_ledger else None
    before = _numbers(publication.run(content_copy, CONFIG))
    old = content_copy / "items/donghu/2025/2025-05-08-mayday-consumption.md"
    new = content_copy / "items/nanan/2025/2025-05-08-mayday-consumption.md"
    new.write_text(old.read_text(encoding="utf-8").replace("site: donghu", "site: nanan"), encoding="utf-8")
    old.unlink()
    withdrawn = content_copy / "items/qinghe/2025/2025-04-22-canton-fair.md"
    withdrawn_number = before["items/qinghe/2025/2025-04-22-canton-fair.md"]
    withdrawn.unlink()
    (content_copy / "items/bureau/2025/2025-01-03-new-year-exporters.md").write_text(OLDER_ITEM, encoding="utf-8")
    pub = publication.run(content_copy, CONFIG)
    after = _numbers(pub)
    assert (
        after["items/nanan/2025/2025-05-08-mayday-consumption.md"]
        == before["items/donghu/2025/2025-05-08-mayday-consumption.md"]
    )
    assert withdrawn_number not in after.values()
    numbering.write_ledger(content_copy, pub.index_ledger)
    ledger = yaml.safe_load((content_copy / "index_numbers.yaml").read_text(encoding="utf-8"))["items"]
    assert ledger["nanan/2025/2025-05-08-mayday-consumption"]["moved_from"] == [
        "donghu/2025/2025-05-08-mayday-consumption"
    ]
    assert ledger["qinghe/2025/2025-04-22-canton-fair"]["number"] == withdrawn_number  # kept, never reused


def test_only_published_items_are_numbered(content_copy):
    (content_copy / "index_numbers.yaml").unlink()
    pub = publication.run(content_copy, CONFIG)
    assert pub.withheld and all(w.item.index_number is None for w in pub.withheld)
    assert {key for key, _ in pub.new_index_numbers} == {numbering.item_key(i) for i in pub.published}
    # numbered oldest first within each year: sequence in publication order
    by_year = sorted((i for i in pub.published if i.date.year == 2025), key=lambda i: (i.date, numbering.item_key(i)))
    assert [i.index_number[-5:] for i in by_year] == [f"{n:05d}" for n in range(1, len(by_year) + 1)]


def _ledger_text(content: Path) -> str:
    pub = publication.run(content, CONFIG)
    if pub.index_ledger:
        numbering.write_ledger(content, pub.index_ledger)
    return (content / "index_numbers.yaml").read_text(encoding="utf-8")


def test_ledger_conflicts_are_named(content_copy):
    text = _ledger_text(content_copy)
    data = yaml.safe_load(text)
    keys = list(data["items"])
    # two items, one number (a hand edit)
    data["items"][keys[1]]["number"] = data["items"][keys[0]]["number"]
    (content_copy / "index_numbers.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (content_copy / "items/bureau/2025/2025-01-03-new-year-exporters.md").write_text(OLDER_ITEM, encoding="utf-8")
    pub = publication.run(content_copy, CONFIG)
    conflicts = [f for f in pub.errors if f.rule == numbering.RULE]
    assert any(keys[0] in f.message and keys[1] in f.message and "被多个台账条目占用" in f.message for f in conflicts)
    assert any("不连续" in f.message for f in conflicts)  # keys[1]'s own number is now missing
    assert pub.index_ledger is None  # nothing is written over a broken ledger
    assert {i.path: i.index_number for i in pub.published}["items/bureau/2025/2025-01-03-new-year-exporters.md"] is None
    proc = run_portal("number", "--content", str(content_copy))
    assert proc.returncode == 1 and "被多个台账条目占用" in proc.stderr


def test_ledger_hand_edit_breaking_the_format_is_named(content_copy):
    text = _ledger_text(content_copy)
    data = yaml.safe_load(text)
    key = list(data["items"])[3]
    data["items"][key]["number"] = "JL-2025-4"
    (content_copy / "index_numbers.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    findings = [f for f in publication.run(content_copy, CONFIG).errors if f.rule == numbering.RULE]
    assert any(f"台账条目 “{key}”的索引号 “JL-2025-4” 不符合格式" in f.message and f.line for f in findings)


def test_index_format_is_configurable(content_copy, tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    portal = config_dir / "portal.yaml"
    portal.write_text(
        re.sub(r"(?m)^index_format:.*$", 'index_format: "430600-{year}-{seq:06d}"', portal.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    (content_copy / "index_numbers.yaml").unlink()
    pub = publication.run(content_copy, load_config(config_dir))
    numbers = sorted(i.index_number for i in pub.published if i.date.year == 2025)
    assert numbers[0] == "430600-2025-000001" and numbers[-1] == f"430600-2025-{len(numbers):06d}"
    portal.write_text(
        re.sub(r"(?m)^index_format:.*$", 'index_format: "{org_code}-{serial}"', portal.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    proc = run_portal("number", "--config", str(config_dir), "--content", str(content_copy))
    assert proc.returncode == 1 and "index_format" in proc.stderr and "Traceback" not in proc.stderr


# --- 公开目录 ---------------------------------------------------------------------------------


def _catalog_html(site) -> str:
    root = site.out / "xxgk/catalog"
    pages = [root / "index.html"] + sorted((root / "page").glob("*/index.html"))
    return "".join(p.read_text(encoding="utf-8") for p in pages)


def test_catalog_lists_every_published_item_and_no_withheld_one(demo_site):
    pub = demo_site.result.publication
    html = _catalog_html(demo_site)
    listed = re.findall(r"<td>(11430600MB1234567X/\d{4}-\d{5})</td>", html)
    assert sorted(listed) == sorted(i.index_number for i in pub.published)
    for w in pub.withheld:
        assert w.item.title not in html, w.item.path
    for item in pub.published[:5]:
        assert item.title in html
    for header in ("索引号", "标题", "发布机构", "发布日期", "文号", "主题分类", "体裁分类"):
        assert f">{header}</th>" in html


def test_catalog_by_year_topic_and_genre(demo_site):
    pub = demo_site.result.publication
    from pipeline import disclosure

    for year in {i.date.year for i in pub.published}:
        root = demo_site.out / f"xxgk/catalog/{year}"
        html = "".join(
            p.read_text(encoding="utf-8") for p in [root / "index.html", *sorted(root.glob("page/*/index.html"))]
        )
        assert sorted(re.findall(r"<td>(11430600MB1234567X/\d{4}-\d{5})</td>", html)) == sorted(
            i.index_number for i in pub.published if i.date.year == year
        )
    topic = "对外贸易"
    html = demo_site.html(f"xxgk/catalog/topic/{disclosure.group_slug(topic)}/")
    expected = [i for i in pub.published if i.topic == topic]
    assert f"共 {len(expected)} 条信息" in html and f"主题分类：{topic}" in html
    genre = "通知"
    html = demo_site.html(f"xxgk/catalog/genre/{disclosure.group_slug(genre)}/")
    assert f"共 {sum(1 for i in pub.published if i.genre == genre)} 条信息" in html


def test_item_page_shows_its_index_number(demo_site):
    item = demo_site.result.publication.published[-1]
    assert item.index_number and item.index_number in demo_site.html(item.url)


# --- the report read back by a stranger -----------------------------------------------------


def _scrape(page: str) -> tuple[list[str], list[list[list[tuple[str, str, int, int]]]]]:
    """What a third-party 年报 scraper takes from the page: the ``<h2>`` texts, and every
    ``<table>`` as rows of cells ``(tag, text, rowspan, colspan)`` — nothing of our own markup."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.h2, self.tables, self.cell, self.in_h2 = [], [], None, False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "h2":
                self.in_h2 = True
                self.h2.append("")
            elif tag == "table":
                self.tables.append([])
            elif tag == "tr" and self.tables:
                self.tables[-1].append([])
            elif tag in ("td", "th") and self.tables:
                self.cell = [tag, "", int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

        def handle_endtag(self, tag):
            if tag == "h2":
                self.in_h2 = False
            elif tag in ("td", "th") and self.cell is not None:
                self.tables[-1][-1].append(tuple(self.cell))
                self.cell = None

        def handle_data(self, data):
            if self.in_h2:
                self.h2[-1] += data
            if self.cell is not None:
                self.cell[1] += data.strip()

    reader = Reader()
    reader.feed(page)
    return [t.strip() for t in reader.h2], reader.tables


def _grid(rows) -> list[list[tuple[str, str]]]:
    """Rows with row- and column-spans expanded, as pandas.read_html and most scrapers do."""
    grid: list[list] = []
    pending: dict[tuple[int, int], tuple[str, str]] = {}
    for r, row in enumerate(rows):
        out, col = [], 0
        cells = list(row)
        while cells or (r, col) in pending:
            if (r, col) in pending:
                out.append(pending.pop((r, col)))
                col += 1
                continue
            tag, text, rowspan, colspan = cells.pop(0)
            for dc in range(colspan):
                out.append((tag, text))
                for dr in range(1, rowspan):
                    pending[(r + dr, col + dc)] = (tag, text)
            col += colspan
        grid.append(out)
    return grid


@pytest.mark.parametrize("year", [2025, 2024])
def test_report_read_back_by_a_scraper(demo_site, year):
    """The national format survives a stranger's parser: the six section titles are the page's
    <h2> headings word for word and in order, the tables are real <table>s in the template's row
    and column order, data cells are merged only where the template merges them (one figure
    across 本年处理决定数量 / 本年收费金额), and every figure reads back equal to the report."""
    rep, _ = report.compute(
        year, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG
    )
    h2, tables = _scrape(demo_site.html(f"xxgk/reports/{year}/"))
    assert h2 == [t for _, t in disclosure_template.SECTION_TITLES]
    page = demo_site.html(f"xxgk/reports/{year}/")
    t2, t3, t4 = (tables[i] for i in (0, 1, 2))
    assert page.index("report-table-2") < page.index("report-table-3") < page.index("report-table-4")
    # table 二: every row label with its figures, a merged cell read once
    read2 = {}
    for row in t2:
        if len(row) > 1 and row[0][0] == "th" and all(cell[0] == "td" for cell in row[1:]):
            read2[row[0][1]] = tuple(cell[1] for cell in row[1:])
    assert read2 == {label: tuple(_fmt(v) for _, v in cols) for label, cols in rep.table2}
    # table 三: body rows in the template's order, the most specific label, then seven figures
    body = [row for row in _grid(t3) if row[-1][0] == "td"]
    figure_rows = [r for r in disclosure_template.TABLE3_ROWS if r.figures]
    assert [row[2][1] for row in body] == [r.label for r in figure_rows]
    values = dict(rep.table3)
    assert [tuple(int(t) for _, t in row[3:]) for row in body] == [values[r.code] for r in figure_rows]
    # the heading rows are the merged label cells to the left, as in the template
    for row, r in zip(body, figure_rows):
        if r.code.startswith("三."):
            assert row[0][1] == "三、本年度办理结果"
        if r.code.count(".") == 2:
            assert row[1][1] == disclosure_template.ROW_BY_CODE[r.code.rsplit(".", 1)[0]].label
    assert [t for _, t in _grid(t3)[2][3:]] == list(disclosure_template.COLUMNS)
    # table 四: the 15 result columns in order and one row of figures
    grid4 = _grid(t4)
    assert [t for _, t in grid4[2]] == list(disclosure_template.TABLE4_RESULTS) * 3
    assert [t for _, t in grid4[0][:5]] == ["行政复议"] * 5
    assert [t for _, t in grid4[1][5:10]] == ["未经复议直接起诉"] * 5
    assert [int(t) for _, t in grid4[3]] == [v for _, vs in rep.table4 for v in vs]
    # merged data cells only where the template has them
    merged = [
        (text, span)
        for table in tables
        for row in table
        for tag, text, rs, span in row
        if tag == "td" and (rs > 1 or span > 1)
    ]
    assert all(span == 3 for _, span in merged) and len(merged) == sum(1 for _, cols in rep.table2 if len(cols) == 1)


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
