"""政府网站工作年度报表 (issue 16 §1): every row against DOMAIN.md, figures hand-counted from the
demo, the config and data-file errors an office can make, and the page in the built demo.

Hand counts of 2025 (the demo's published items dated 2025, each piece of news once; the
one repeat — 进博会 in two sub-sites — is from 2026): 62 items; by column 概况类 (personnel,
guides) 3, 政务动态 (news, local) 37, 信息公开目录 (notices, policies, plans, statistics,
finance) 22; genres 解读材料 1 (the 以旧换新 细则 解读), 解读产品 2 (图解 + 视频), 媒体评论 1,
回应 1; channels 微博 15, 微信 44, 政务客户端 12, 今日头条 11, 抖音 7.  专栏专题 of
site_config/website_report.yaml in 2025: 优化营商环境 (opened 2022) and 广交会 (opened 2023)
maintained, 以旧换新 (first item 2025-06-05), 跨境电商 (first published item 2025-07-08) and
进博会 (2025-11-12) opened — 5 maintained, 3 new; 经济普查 closed in June 2024.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipeline import publication, report_data, website_template
from pipeline import website_report as wr
from pipeline.config import ConfigError, load_config
from pipeline.findings import ERROR
from pipeline.render import website_report as pages
from helpers import ROOT, run_portal

CONFIG = load_config(ROOT / "site_config")
DOMAIN_CANDIDATES = (Path("/work/shared/DOMAIN.md"), ROOT.parent / "shared" / "DOMAIN.md")

HAND_2025 = {
    "info.total": 62,
    "info.概况类": 3,
    "info.政务动态": 37,
    "info.信息公开目录": 22,
    "special.maintained": 5,
    "special.new": 3,
    "interpret.total": 4,
    "interpret.解读材料": 1,
    "interpret.解读产品": 2,
    "interpret.媒体评论": 1,
    "interpret.回应": 1,
    "media.any": True,
    "media.weibo.posts": 15,
    "media.wechat.posts": 44,
}
# content/website-report/2025.yaml, copied by hand
DATA_2025 = {
    "visitors": 286431,
    "page_views": 1157802,
    "service.catalogue": True,
    "service.users": 0,
    "service.items": 46,
    "service.online": 39,
    "service.cases.total": 5243,
    "service.cases.person": 1826,
    "service.cases.legal": 3417,
    "interact.msg.days": 3.6,
    "security.found": 7,
    "media.weibo.name": "江临商务",
    "media.weibo.followers": 12850,
    "media.wechat.followers": 48210,
    "innovation.0": True,
    "innovation.1": False,
    "innovation.2": True,
    "innovation.4": "无",
    "signoff.date": "2026-01-16",
}


def _domain_tokens() -> list[str]:
    """The rows of DOMAIN.md's “Website annual work report” section, in order, as the words
    between its separators (; , / — ':' and 其中)."""
    for path in DOMAIN_CANDIDATES:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            break
    else:
        pytest.skip("shared/DOMAIN.md 不在本机：无法核对报表行名")
    section = text.split("## Website annual work report", 1)[1].split("\n## ", 1)[0]
    block = section.split("The rows, as published since 2018:", 1)[1].split("\n\n", 1)[0]
    bullets: list[str] = []
    for line in block.splitlines():
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.strip() and bullets:
            bullets[-1] += " " + line.strip()
    tokens = []
    for bullet in bullets:
        bullet = re.sub(
            r" \((?:政府门户网站|ticked)[^)]*\)", "", bullet
        )  # the choices of 网站类型, the note on 创新发展
        tokens += [t.strip() for t in re.split(r"[;,/]|—|: |其中", bullet) if t.strip()]
    return tokens


def _outline(rows) -> list[str]:
    """Group, sub-group and row labels in the order a reader meets them."""
    out, group, sub = [], None, None
    for row in rows:
        if row.group != group:
            group, sub = row.group, None
            if group:
                out.append(group)
        if row.sub != sub:
            sub = row.sub
            if sub:
                out.append(sub)
        out.append(row.label)
    return out


def test_every_row_label_equals_domain_in_order():
    assert _outline(website_template.ROWS) == _domain_tokens()
    assert {r.unit for r in website_template.ROWS if r.kind == "int"} <= {"个", "次", "条", "项", "件", "期"}
    assert (
        website_template.ROW_BY_KEY["interpret.解读产品"].unit == "条"
        and website_template.ROW_BY_KEY["service.cases.legal"].unit == "件"
    )


def _report(year: int, content: Path = ROOT / "content", config=CONFIG, traffic=None):
    pub = publication.run(content, config)
    return wr.compute(year, pub.report_data, pub.counted, config, traffic)


def _errors(findings, rule=None):
    return [f for f in findings if f.severity == ERROR and (rule is None or f.rule == rule)]


def test_2025_figures_equal_hand_counts(demo_site):
    rep, findings = wr.compute(
        2025, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG
    )
    assert findings == ()
    for key, value in {**HAND_2025, **DATA_2025}.items():
        assert rep.value(key) == value, key
    assert {f.key: f.source for f in rep.figures if f.source == "items"} == {
        k: "items" for k in (*HAND_2025, "media.other")
    }
    assert rep.figure("visitors").source == "data" and rep.figure("name").source == "config"
    assert [(a.channel, a.posts, a.followers) for a in rep.others] == [
        ("政务客户端", 12, 15630),
        ("今日头条", 11, 3264),
        ("抖音", 7, 8917),
    ]
    assert [(name, new) for name, _, new in rep.specials] == [
        ("优化营商环境", False),
        ("中国进出口商品交易会（广交会）", False),
        ("消费品以旧换新", True),
        ("跨境电商综试区建设", True),
        ("中国国际进口博览会", True),
    ]
    # the same count as the statistics (seed 004: one piece of news once, whatever the channels)
    from pipeline import stats

    figures = stats.year_stats(demo_site.result.publication.counted, CONFIG, 2025, date(2025, 12, 31))
    assert figures.unique_total == rep.value("info.total")
    assert dict(figures.channels)["微信"] == rep.value("media.wechat.posts")


def test_2024_comes_from_the_data_file_and_says_so(demo_site):
    rep, findings = wr.compute(
        2024, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG
    )
    assert findings == ()
    assert (rep.value("info.total"), rep.value("info.政务动态"), rep.value("special.maintained")) == (1236, 731, 4)
    assert rep.value("interpret.total") == 16  # not written: the sum of 9 + 5 + 2
    assert rep.value("media.weibo.posts") == 402 and rep.figure("media.weibo.posts").source == "data"
    assert all(f.source in ("config", "data") for f in rep.figures)


def test_visits_from_the_access_logs_when_read(demo_site):
    traffic = wr.TrafficYear(visitors=1234, page_views=5678, days=31, first=date(2025, 12, 1), last=date(2025, 12, 31))
    rep, findings = wr.compute(
        2025, demo_site.result.publication.report_data, demo_site.result.publication.counted, CONFIG, traffic
    )
    assert (rep.value("visitors"), rep.value("page_views")) == (1234, 5678)
    assert rep.figure("visitors").source == "logs"
    assert "访问日志（2025-12-01 至 2025-12-31，31 天）" in pages.to_csv(rep)
    # the data file's figures are not used, and it says so; 31 days of logs are not the whole year
    assert {f.rule for f in findings} == {"website-report-unused", "website-report-traffic"}
    assert "只有 2025 年中的 31 天" in next(f.message for f in findings if f.rule == "website-report-traffic")


# --- what an office can get wrong ------------------------------------------------------------


@pytest.fixture()
def config_copy(tmp_path) -> Path:
    target = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", target)
    return target


def test_unmapped_column_is_a_config_error_naming_it(config_copy, tmp_path):
    path = config_copy / "columns.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(", report_category: 概况类}", "}", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(config_copy)
    assert "personnel" in str(exc.value) and "人事信息" in str(exc.value) and "report_category" in str(exc.value)
    out = run_portal(
        "website-report", "--year", "2025", "--config", str(config_copy), "--db", str(tmp_path / "up.sqlite")
    )
    assert (
        out.returncode == 1 and "配置错误" in out.stderr and "personnel" in out.stderr and "Traceback" not in out.stderr
    )


@pytest.mark.parametrize(
    "text, words",
    [
        ("genres:\n  解读产品: [图解]\n  回应: [图解]\n", ("图解", "genres.解读产品", "genres.回应")),
        ("genres:\n  解读: [图解]\n", ("解读",)),
        ("site_type: 门户\n", ("门户", "部门网站")),
        ("home_months: [13]\n", ("home_months",)),
        ("special_columns:\n  - {id: x, name: X}\n", ("column", "tag")),
        ("special_columns:\n  - {id: x, name: X, column: nope}\n", ("nope",)),
    ],
)
def test_bad_settings_are_named(config_copy, text, words):
    (config_copy / "website_report.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(config_copy)
    assert all(w in str(exc.value) for w in words), str(exc.value)


def _edit(content: Path, year: int, change) -> None:
    path = content / "website-report" / f"{year}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_missing_row_is_an_error_naming_it_never_zero(content_copy, tmp_path):
    _edit(content_copy, 2025, lambda d: d["安全防护"].pop("是否开展应急演练"))
    _edit(content_copy, 2025, lambda d: d["互动交流"]["留言办理"].pop("公开答复数量"))
    rep, findings = _report(2025, content_copy)
    named = {dict(f.extra)["row"] for f in _errors(findings, "website-report-missing")}
    assert named == {"安全防护 › 是否开展应急演练", "互动交流 › 留言办理 › 公开答复数量（条）"}
    assert rep.value("security.drill") is None and rep.value("interact.msg.public") is None
    out = run_portal(
        "website-report",
        "--year",
        "2025",
        "--format",
        "csv",
        "--content",
        str(content_copy),
        "--db",
        str(tmp_path / "up.sqlite"),
    )
    assert out.returncode == 1 and "是否开展应急演练" in out.stderr and "Traceback" not in out.stderr
    rows = {r["项目"]: r["数值"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows["是否开展应急演练"] == "未填报" and rows["公开答复数量（条）"] == "未填报"


def test_a_year_without_items_needs_every_item_row_in_the_data_file(content_copy):
    _edit(content_copy, 2024, lambda d: d["信息发布"].pop("概况类信息更新量"))
    rep, findings = _report(2024, content_copy)
    assert [dict(f.extra)["row"] for f in _errors(findings)] == ["信息发布（单位：条） › 概况类信息更新量"]
    assert "门户没有 2024 年的信息条目" in _errors(findings)[0].message and rep.value("info.概况类") is None


@pytest.mark.parametrize(
    "change, rule, words",
    [
        (
            lambda d: d["安全防护"].update({"是否开展应急演练": "也许"}),
            "website-report-data",
            ("是否开展应急演练", "是 或 否"),
        ),
        (lambda d: d["办事服务"].update({"注册用户数": -3}), "website-report-data", ("注册用户数", "非负整数")),
        (
            lambda d: d["办事服务"].update({"政务服务事项数量": None}),
            "website-report-data",
            ("政务服务事项数量", "没有填写"),
        ),
        (
            lambda d: d["办事服务"].update({"办件量": {"总数": 1, "自然人办件量": 1826, "法人办件量": 3417}}),
            "website-report-check",
            ("办件量", "5243"),
        ),
        (lambda d: d.update({"安全防護": {}}), "website-report-unknown", ("安全防護",)),
        (lambda d: d["移动新媒体"]["其他"].pop("抖音"), "website-report-missing", ("抖音", "7 条")),
        (lambda d: d.update({"创新发展": "搜索即服务"}), "website-report-data", ("创新发展",)),
        (lambda d: d.update({"year": 2024}), "website-report-data", ("2024", "2025.yaml")),
        (
            lambda d: d["办事服务"].update({"可全程在线办理政务服务事项数量": 99}),
            "website-report-check",
            ("可全程在线办理", "99"),
        ),
    ],
)
def test_bad_values_are_named(content_copy, change, rule, words):
    _edit(content_copy, 2025, change)
    _, findings = _report(2025, content_copy)
    hits = _errors(findings, rule)
    assert hits and all(w in hits[0].message for w in words), [f.text() for f in findings]


def test_no_data_file_is_an_error_and_rows_stay_unfilled(content_copy):
    (content_copy / "website-report" / "2025.yaml").unlink()
    rep, findings = _report(2025, content_copy)
    assert _errors(findings, "website-report-data")[0].message.startswith("数据文件不存在")
    assert rep.value("info.total") == 62 and rep.value("service.items") is None


# --- the page, the downloads, the CLI -----------------------------------------------------------


def _table_rows(html: str) -> list[tuple[str, str, str, str]]:
    table = html.split('<table class="report-table website-report-table">', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r'<tr data-key="([^"]+)" data-source="[^"]+"><th scope="row"[^>]*>([^<]+)</th>'
        r"<td[^>]*>([^<]*)</td><td>([^<]*)</td></tr>",
        table,
    )


def test_the_page_in_the_built_demo(demo_site):
    html = demo_site.html("xxgk/website-report/2025/")
    rows = _table_rows(html)
    assert [key for key, *_ in rows] == [r.key for r in website_template.ROWS]
    assert [label for _, label, _, _ in rows] == [r.label for r in website_template.ROWS]
    by_key = {key: (value, source) for key, _, value, source in rows}
    assert by_key["info.total"] == ("62", "门户统计")
    assert by_key["interpret.解读产品"] == ("2", "门户统计")
    assert by_key["security.drill"] == ("是", "数据文件（website-report/2025.yaml）")
    assert by_key["page_views"] == ("1157802", "数据文件（website-report/2025.yaml）")
    assert by_key["media.other"][1].startswith("门户统计（信息发布量）、数据文件")
    for group in (
        "信息发布（单位：条）",
        "专栏专题（单位：个）",
        "解读回应",
        "办事服务",
        "互动交流",
        "安全防护",
        "移动新媒体",
        "创新发展",
    ):
        assert f'<th colspan="3" scope="rowgroup">{group}</th>' in html
    assert 'href="website-report-2025.csv"' in html and 'href="website-report-2025.json"' in html
    folder = demo_site.out / "xxgk" / "website-report" / "2025"
    table = list(csv.reader(io.StringIO((folder / "website-report-2025.csv").read_text(encoding="utf-8"))))
    assert table[0] == list(pages.CSV_HEADER) and [r[2] for r in table[1:]] == [r.label for r in website_template.ROWS]
    assert [r[4] for r in table[1:]] == [value for _, _, value, _ in rows]
    data = json.loads((folder / "website-report-2025.json").read_text(encoding="utf-8"))
    assert {r["key"]: r["value"] for r in data["rows"]}["info.政务动态"] == 37 and data[
        "format"
    ] == "国办函〔2018〕12号"
    # the listing keeps every year, newest first; the 信息公开 home links it
    listing = demo_site.html("xxgk/website-report/")
    assert listing.index("2025年度") < listing.index("2024年度") and 'href="2024/"' in listing
    assert 'href="website-report/"' in demo_site.html("xxgk/")
    # as of the newest demo item (November) the report is not due: no notice on the home page
    assert "website-report-notice" not in demo_site.html("")


def test_home_notice_window(config_copy):
    january = pages.home_notice(report_data.read(ROOT / "content"), CONFIG, date(2026, 1, 20))
    assert "江临市商务局2025年度政府网站工作年度报表" in january and "(xxgk/website-report/2025/index.md)" in january
    assert "(xxgk/website-report/index.md)" in january
    assert pages.home_notice(report_data.read(ROOT / "content"), CONFIG, date(2026, 2, 1)) == ""
    assert pages.home_notice(report_data.read(ROOT / "content"), CONFIG, date(2028, 1, 5)) == ""  # no 2027 report yet
    (config_copy / "website_report.yaml").write_text("home_months: [1, 2]\n", encoding="utf-8")
    assert "2025年度" in pages.home_notice(
        report_data.read(ROOT / "content"), load_config(config_copy), date(2026, 2, 27)
    )


def test_home_page_shows_the_notice_in_january(content_copy, tmp_path):
    """A January item makes the build's "today" January: the home page links last year's report."""
    item = content_copy / "items" / "bureau" / "2027" / "2027-01-08-new-year.md"
    item.parent.mkdir(parents=True)
    (content_copy / "website-report" / "2026.yaml").write_text(
        (content_copy / "website-report" / "2025.yaml").read_text(encoding="utf-8").replace("year: 2025", "year: 2026"),
        encoding="utf-8",
    )
    item.write_text(
        "---\ntitle: 新年第一条\ndate: 2027-01-08\nsite: bureau\ncolumn: news\nauthor: 周雅琴\nreviewer: 陈立新\n---\n"
        + "全市商务工作稳步推进。" * 30
        + "\n",
        encoding="utf-8",
    )
    from pipeline import build as build_mod

    options = build_mod.BuildOptions(
        content=content_copy,
        out=tmp_path / "site",
        work=tmp_path / "work",
        mkdocs_file=ROOT / "mkdocs.yml",
        render_site=False,
        search=False,
    )
    build_mod.build(options, CONFIG)
    home = (tmp_path / "work" / "docs" / "index.md").read_text(encoding="utf-8")
    assert "江临市商务局2026年度政府网站工作年度报表](xxgk/website-report/2026/index.md)" in home
    assert home.index("website-report-notice") < home.index("## 最新信息")


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_cli_prints_the_report(fmt, tmp_path):
    out = run_portal(
        "website-report",
        "--year",
        "2025",
        "--format",
        fmt,
        "--db",
        str(tmp_path / "up.sqlite"),
        "--traffic-db",
        str(tmp_path / "none.sqlite"),
    )
    assert out.returncode == 0, out.stderr
    if fmt == "json":
        assert {r["key"]: r["value"] for r in json.loads(out.stdout)["rows"]}["interpret.回应"] == 1
    elif fmt == "csv":
        assert "回应公众关注热点或重大舆情数量（单位：次）,次,1,门户统计" in out.stdout
    else:
        assert (
            out.stdout.startswith("# 江临市商务局政府网站工作年度报表（2025年度）")
            and "| 　维护数量 | 5 | 门户统计 |" in out.stdout
        )


def test_cli_refuses_a_bad_year(tmp_path):
    out = run_portal("website-report", "--year", "25", "--db", str(tmp_path / "up.sqlite"))
    assert out.returncode != 0 and "不是年份" in out.stderr
