"""《政府网站工作年度报表》(国办函〔2018〕12号): every row of the national table, in its order.

Pure functions over the gated publication's counted items (each piece of news once, seed
004's rule), the typed config and ``content/website-report/<year>.yaml``.  Each figure
carries its source, which the page, the CSV and the JSON show:

- 配置 (``portal.yaml``, ``website_report.yaml``): 网站名称, 首页网址, 主办单位, 网站类型, 标识码, 备案号;
- 门户统计 (the items of the year): 信息发布 (总数 and, by the columns' ``report_category``,
  概况类 / 政务动态 / 信息公开目录), 专栏专题 (configured 专栏 and the first item date of each),
  解读回应 (item ``genre`` values listed in ``website_report.yaml``), 移动新媒体 信息发布量
  (items' ``channels``);
- 访问日志 (``portal traffic ingest``, :mod:`pipeline.traffic`): 独立用户访问总量, 网站总访问量;
- 数据文件: what the portal cannot know (办事服务, 互动交流, 安全防护, the yes/no rows,
  account names and followers, who filled the form).  For a year without items (before
  the portal) the item rows come from the data file too, and so do the two traffic rows
  when no access logs of the year were read.

A row that is neither computable nor in the data file is an error naming it, and shows
as 未填报 — never a silent 0.  This module neither reads the traffic store nor renders the
HTML page (:mod:`pipeline.render.website_report`); it never prints or writes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline import data_file
from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error, warning
from pipeline.stats import local_day

DATA_DIR = "website-report"
FORMAT = "国办函〔2018〕12号"

CONFIG, ITEMS, LOGS, DATA = "config", "items", "logs", "data"
SOURCE_LABELS = {CONFIG: "配置", ITEMS: "门户统计", LOGS: "访问日志", DATA: "数据文件"}
WEB_CHANNEL = "网站"
WEIBO, WECHAT = "微博", "微信"


@dataclass(frozen=True)
class Row:
    """One line of the national table.  ``group`` / ``sub`` / ``label`` are word for word the
    template's (DOMAIN.md); ``origin`` is where the figure normally comes from."""

    key: str
    group: str
    sub: str
    label: str
    kind: str  # int | number | yesno | text | date
    origin: str  # config | items | logs | data
    unit: str = ""

    @property
    def path(self) -> tuple[str, ...]:
        """Where the figure sits in the data file: group › sub › label, units left out."""
        return tuple(bare(p) for p in (self.group, self.sub, self.label) if p)

    @property
    def title(self) -> str:
        """The row's full name for messages and the CSV: ``办事服务 › 办件量（单位：件） › 总数``."""
        return " › ".join(p for p in (self.group, self.sub, self.label) if p)


def bare(label: str) -> str:
    """A label without its unit: ``注册用户数（单位：个）`` → ``注册用户数``."""
    return re.sub(r"（[^（）]*）$", "", label).strip()


def _unit(*labels: str) -> str:
    for label in labels:
        m = re.search(r"（(?:单位：)?([^（）]*)）$", label)
        if m:
            return m.group(1)
    return ""


def _rows() -> tuple[Row, ...]:
    spec: list[tuple[str, str, str, str, str, str]] = []

    def add(key, group, sub, label, kind, origin, unit=None):
        spec.append((key, group, sub, label, kind, origin, unit))

    add("name", "", "", "网站名称", "text", CONFIG)
    add("url", "", "", "首页网址", "text", CONFIG)
    add("sponsor", "", "", "主办单位", "text", CONFIG)
    add("site_type", "", "", "网站类型", "text", CONFIG)
    add("site_code", "", "", "政府网站标识码", "text", CONFIG)
    add("icp", "", "", "ICP备案号", "text", CONFIG)
    add("police_record", "", "", "公安机关备案号", "text", CONFIG)
    add("visitors", "", "", "独立用户访问总量（单位：个）", "int", LOGS)
    add("page_views", "", "", "网站总访问量（单位：次）", "int", LOGS)
    g = "信息发布（单位：条）"
    add("info.total", g, "", "总数", "int", ITEMS)
    add("info.概况类", g, "", "概况类信息更新量", "int", ITEMS)
    add("info.政务动态", g, "", "政务动态信息更新量", "int", ITEMS)
    add("info.信息公开目录", g, "", "信息公开目录信息更新量", "int", ITEMS)
    g = "专栏专题（单位：个）"
    add("special.maintained", g, "", "维护数量", "int", ITEMS)
    add("special.new", g, "", "新开设数量", "int", ITEMS)
    g = "解读回应"
    add("interpret.total", g, "解读信息发布", "总数（单位：条）", "int", ITEMS)
    add("interpret.解读材料", g, "解读信息发布", "解读材料数量", "int", ITEMS, "条")
    add("interpret.解读产品", g, "解读信息发布", "解读产品数量", "int", ITEMS, "条")
    add("interpret.媒体评论", g, "解读信息发布", "媒体评论文章数量", "int", ITEMS, "条")
    add("interpret.回应", g, "", "回应公众关注热点或重大舆情数量（单位：次）", "int", ITEMS)
    g = "办事服务"
    add("service.catalogue", g, "", "是否发布服务事项目录", "yesno", DATA)
    add("service.users", g, "", "注册用户数（单位：个）", "int", DATA)
    add("service.items", g, "", "政务服务事项数量（单位：项）", "int", DATA)
    add("service.online", g, "", "可全程在线办理政务服务事项数量（单位：项）", "int", DATA)
    add("service.cases.total", g, "办件量（单位：件）", "总数", "int", DATA)
    add("service.cases.person", g, "办件量（单位：件）", "自然人办件量", "int", DATA)
    add("service.cases.legal", g, "办件量（单位：件）", "法人办件量", "int", DATA)
    g = "互动交流"
    add("interact.platform", g, "", "是否使用统一平台", "yesno", DATA)
    add("interact.msg.received", g, "留言办理", "收到留言数量（条）", "int", DATA)
    add("interact.msg.closed", g, "留言办理", "办结留言数量（条）", "int", DATA)
    add("interact.msg.days", g, "留言办理", "平均办理时间（天）", "number", DATA)
    add("interact.msg.public", g, "留言办理", "公开答复数量（条）", "int", DATA)
    add("interact.survey.rounds", g, "征集调查", "征集调查期数（期）", "int", DATA)
    add("interact.survey.opinions", g, "征集调查", "收到意见数量（条）", "int", DATA)
    add("interact.survey.results", g, "征集调查", "公布调查结果期数（期）", "int", DATA)
    add("interact.interview.rounds", g, "在线访谈", "访谈期数（期）", "int", DATA)
    add("interact.interview.messages", g, "在线访谈", "网民留言数量（条）", "int", DATA)
    add("interact.interview.answers", g, "在线访谈", "答复网民提问数量（条）", "int", DATA)
    add("interact.qa", g, "", "是否提供智能问答功能", "yesno", DATA)
    g = "安全防护"
    add("security.checks", g, "", "安全检测评估次数（次）", "int", DATA)
    add("security.found", g, "", "发现问题数量（个）", "int", DATA)
    add("security.fixed", g, "", "问题整改数量（个）", "int", DATA)
    add("security.monitoring", g, "", "是否建立安全监测预警机制", "yesno", DATA)
    add("security.drill", g, "", "是否开展应急演练", "yesno", DATA)
    add("security.owner", g, "", "是否明确网站安全责任人", "yesno", DATA)
    g = "移动新媒体"
    add("media.any", g, "", "是否有移动新媒体", "yesno", ITEMS)
    add("media.weibo.name", g, WEIBO, "名称", "text", DATA)
    add("media.weibo.posts", g, WEIBO, "信息发布量（条）", "int", ITEMS)
    add("media.weibo.followers", g, WEIBO, "关注量（个）", "int", DATA)
    add("media.wechat.name", g, WECHAT, "名称", "text", DATA)
    add("media.wechat.posts", g, WECHAT, "信息发布量（条）", "int", ITEMS)
    add("media.wechat.followers", g, WECHAT, "订阅数（个）", "int", DATA)
    add("media.other", g, "", "其他", "text", ITEMS)
    g = "创新发展"
    for n, label in enumerate(INNOVATIONS):
        add(f"innovation.{n}", g, "", label, "yesno" if label != "其他" else "text", DATA)
    add("signoff.head", "", "", "单位负责人", "text", DATA)
    add("signoff.reviewer", "", "", "审核人", "text", DATA)
    add("signoff.filler", "", "", "填报人", "text", DATA)
    add("signoff.phone", "", "", "联系电话", "text", DATA)
    add("signoff.date", "", "", "填报日期", "date", DATA)
    rows = []
    for key, group, sub, label, kind, origin, unit in spec:
        rows.append(Row(key, group, sub, label, kind, origin, unit if unit is not None else _unit(label, sub, group)))
    return tuple(rows)


INNOVATIONS = ("搜索即服务", "多语言版本", "无障碍浏览", "千人千网", "其他")
ROWS = _rows()
ROW_BY_KEY = {r.key: r for r in ROWS}
# 移动新媒体 › 其他: one entry per further account, keyed by the channel name of the items
OTHER_MEDIA_KEYS = ("名称", "信息发布量", "关注量")


@dataclass(frozen=True)
class TrafficYear:
    """A year's totals from the access-log store (:func:`pipeline.traffic.year_totals`)."""

    visitors: int  # sum of daily unique visitors
    page_views: int
    days: int  # days with log lines
    first: date | None = None
    last: date | None = None


@dataclass(frozen=True)
class Figure:
    key: str
    value: Any  # int | float | bool | str | None (None: not filled in — an error was reported)
    source: str  # config | items | logs | data

    @property
    def row(self) -> Row:
        return ROW_BY_KEY[self.key]


@dataclass(frozen=True)
class OtherAccount:
    """移动新媒体 › 其他: one further account (今日头条、抖音、政务客户端 …)."""

    channel: str
    name: str | None
    posts: int | None
    followers: int | None


@dataclass(frozen=True)
class WebsiteReport:
    year: int
    site_name: str
    source: str  # the data file, relative to content/
    figures: tuple[Figure, ...]  # in ROWS order
    others: tuple[OtherAccount, ...] = ()
    specials: tuple[tuple[str, str, bool], ...] = ()  # (专栏 name, opening date, new this year) maintained in the year
    traffic: TrafficYear | None = None
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        return f"{self.site_name}政府网站工作年度报表（{self.year}年度）"

    def value(self, key: str) -> Any:
        return self.figure(key).value

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def filled_on(self) -> str | None:
        value = self.value("signoff.date")
        return value if isinstance(value, str) else None

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)


def data_path(content_dir: Path | str, year: int) -> Path:
    return Path(content_dir) / DATA_DIR / f"{year}.yaml"


def available_years(content_dir: Path | str) -> tuple[int, ...]:
    """Years with a ``content/website-report/<year>.yaml``, newest first."""
    return data_file.available_years(Path(content_dir) / DATA_DIR)


# --- the data file ------------------------------------------------------------------------


_Bad = data_file.DataError


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of every mapping key, by its path (``("办事服务", "注册用户数")`` → 12)."""
    out: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return out

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = path + (str(k.value),)
                out.setdefault(p, k.start_mark.line + 1)
                walk(v, p)

    walk(root, ())
    return out


def read_data(path: Path) -> tuple[dict, dict[tuple[str, ...], int]]:
    data, text = data_file.read_mapping(path, "数据文件不存在", "year、办事服务、互动交流 …")
    return data, _key_lines(text)


def _allowed_tree() -> dict:
    """The keys a data file may hold, as a nested dict (None marks a leaf)."""
    tree: dict = {"year": None}
    for row in ROWS:
        if row.origin == CONFIG:
            continue
        if row.group == "创新发展":
            tree["创新发展"] = None  # a list of the ticked items
            continue
        node = tree
        *parents, leaf = row.path
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = None
    tree["移动新媒体"]["其他"] = None  # channel → {名称, 信息发布量, 关注量}, checked on its own
    return tree


ALLOWED = _allowed_tree()


def _check_keys(data: dict, lines: dict, rel: str, findings: list[Finding]) -> None:
    def walk(node: dict, allowed: dict, path: tuple[str, ...]):
        for key, value in node.items():
            p = path + (str(key),)
            if str(key) not in allowed:
                options = "、".join(k for k in allowed)
                findings.append(
                    error(
                        rel,
                        "website-report-unknown",
                        f"未知的项 “{' › '.join(p)}”（这一级可用：{options}）",
                        lines.get(p),
                        row=" › ".join(p),
                    )
                )
                continue
            sub = allowed[str(key)]
            if isinstance(sub, dict):
                if not isinstance(value, dict):
                    findings.append(
                        error(
                            rel,
                            "website-report-data",
                            f"“{' › '.join(p)}” 应当是键值对（{'、'.join(sub)}）",
                            lines.get(p),
                            row=" › ".join(p),
                        )
                    )
                    continue
                walk(value, sub, p)

    walk(data, ALLOWED, ())


_MISSING = object()


def _lookup(data: dict, path: tuple[str, ...]) -> Any:
    node: Any = data
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return _MISSING
        node = node[p]
    return node


YES = ("是", "有", "yes", "true")
NO = ("否", "无", "没有", "no", "false")


def _coerce(row: Row, value: Any, where: str) -> Any:
    """A data-file value as the row's kind, or :class:`_Bad` naming the row."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(f"“{where}” 没有填写；没有的数字写 0，没有的项写 否 或 无，不能留空")
    if row.kind == "yesno":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise _Bad(f"“{where}” 只能填 是 或 否，实际是 {value!r}")
    if row.kind in ("int", "number"):
        ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 0
        if row.kind == "int":
            ok = ok and isinstance(value, int)
        if not ok:
            raise _Bad(f"“{where}” 应当是{'非负整数' if row.kind == 'int' else '非负数'}，实际是 {value!r}")
        return value
    if row.kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise _Bad(f"“{where}” 不是日期，请写成 2026-01-20") from None
    return str(value).strip()


# --- figures computed from the items -------------------------------------------------------


def _items_of(counted, year: int, config: Config) -> list:
    tz = config.portal.tz
    return [i for i in counted if local_day(i, tz).year == year]


def _special_columns(counted, year: int, config: Config) -> tuple[tuple[str, str, bool], ...]:
    """专栏专题 maintained in ``year``: (name, opening date, opened this year)."""
    tz = config.portal.tz
    out = []
    for sc in config.website_report.special_columns:
        days = [
            local_day(i, tz)
            for i in counted
            if (sc.site is None or i.site == sc.site) and (i.column == sc.column if sc.column else sc.tag in i.tags)
        ]
        candidates = [d for d in (sc.opened, min(days) if days else None) if d is not None]
        if not candidates:
            continue  # configured but not opened yet: no item and no opening date
        opened = min(candidates)
        if opened <= date(year, 12, 31) and (sc.closed is None or sc.closed >= date(year, 1, 1)):
            out.append((sc.name, opened.isoformat(), opened.year == year))
    return tuple(out)


def item_figures(items, counted, year: int, config: Config) -> tuple[dict[str, Any], tuple, dict[str, int]]:
    """Every item-derived figure of the year (keys of :data:`ROWS`) and the per-channel counts."""
    by_category = Counter(
        config.column_by_id[i.column].report_category for i in items if i.column in config.column_by_id
    )
    buckets = Counter(config.website_report.bucket_of(i.genre) for i in items)
    channels = Counter(ch for i in items for ch in i.channels)
    specials = _special_columns(counted, year, config)
    figures: dict[str, Any] = {
        "info.total": len(items),
        "info.概况类": by_category["概况类"],
        "info.政务动态": by_category["政务动态"],
        "info.信息公开目录": by_category["信息公开目录"],
        "special.maintained": len(specials),
        "special.new": sum(1 for _, _, new in specials if new),
        "interpret.解读材料": buckets["解读材料"],
        "interpret.解读产品": buckets["解读产品"],
        "interpret.媒体评论": buckets["媒体评论"],
        "interpret.回应": buckets["回应"],
        "media.weibo.posts": channels[WEIBO],
        "media.wechat.posts": channels[WECHAT],
    }
    figures["interpret.total"] = (
        figures["interpret.解读材料"] + figures["interpret.解读产品"] + figures["interpret.媒体评论"]
    )
    return figures, specials, {ch: n for ch, n in channels.items() if ch != WEB_CHANNEL}


# --- the report ----------------------------------------------------------------------------


def _config_value(key: str, config: Config) -> str:
    p = config.portal
    return {
        "name": p.name,
        "url": p.site_url,
        "sponsor": p.sponsor,
        "site_type": config.website_report.site_type,
        "site_code": p.site_code,
        "icp": p.icp,
        "police_record": p.police_record,
    }[key]


def generate(
    year: int, counted, content_dir: Path | str, config: Config, traffic: TrafficYear | None = None
) -> tuple[WebsiteReport, tuple[Finding, ...]]:
    """The report of ``year`` and every problem found.  ``counted``: the publication's counted
    items (all years: a 专栏's first item may be older); ``traffic``: the year's totals from
    the access-log store, None when no log of the year was read."""
    rel = f"{DATA_DIR}/{year}.yaml"
    findings: list[Finding] = []
    data: dict = {}
    lines: dict = {}
    try:
        data, lines = read_data(data_path(content_dir, year))
    except _Bad as bad:
        findings.append(
            error(
                rel,
                "website-report-data",
                f"{bad.message}；办事服务、互动交流、安全防护等各行须在此文件中填写（格式见 content/website-report/README.md）",
                bad.line,
            )
        )
    if "year" in data and data["year"] != year:
        findings.append(
            error(
                rel, "website-report-data", f"year 为 {data['year']}，与文件名 {year}.yaml 不符", lines.get(("year",))
            )
        )
    _check_keys(data, lines, rel, findings)

    items = _items_of(counted, year, config)
    computed, specials, channels = item_figures(items, counted, year, config)
    from_items = bool(items)

    def line_of(path: tuple[str, ...]) -> int | None:
        for n in range(len(path), 0, -1):
            if path[:n] in lines:
                return lines[path[:n]]
        return None

    def from_data(row: Row, why: str = "") -> Any:
        raw = _lookup(data, row.path)
        if raw is _MISSING:
            findings.append(
                error(
                    rel,
                    "website-report-missing",
                    f"缺少 “{row.title}”{why}：请在 {rel} 中填写 {' › '.join(row.path)}",
                    line_of(row.path[:-1]),
                    row=row.title,
                )
            )
            return None
        try:
            return _coerce(row, raw, row.title)
        except _Bad as bad:
            findings.append(error(rel, "website-report-data", bad.message, line_of(row.path), row=row.title))
            return None

    if traffic is not None and traffic.days:
        in_year = (date(year, 12, 31) - date(year, 1, 1)).days + 1
        if traffic.days < in_year:
            findings.append(
                warning(
                    rel,
                    "website-report-traffic",
                    f"访问日志只有 {year} 年中的 {traffic.days} 天（{traffic.first} 至 {traffic.last}），"
                    f"独立用户访问总量和网站总访问量只含这些天；请用 portal traffic ingest 读入全年的日志",
                )
            )
    innovations = _innovations(data, lines, rel, findings)
    figures: list[Figure] = []
    for row in ROWS:
        if row.origin == CONFIG:
            figures.append(Figure(row.key, _config_value(row.key, config), CONFIG))
        elif row.origin == LOGS:
            if traffic is not None and traffic.days:
                if _lookup(data, row.path) is not _MISSING:
                    findings.append(
                        warning(
                            rel,
                            "website-report-unused",
                            f"已读入 {year} 年的访问日志，“{row.title}” 按日志统计，数据文件中的值未使用",
                            line_of(row.path),
                            row=row.title,
                        )
                    )
                figures.append(Figure(row.key, traffic.visitors if row.key == "visitors" else traffic.page_views, LOGS))
            else:
                figures.append(
                    Figure(row.key, from_data(row, f"（没有读入 {year} 年的访问日志，见 portal traffic ingest）"), DATA)
                )
        elif row.group == "创新发展":
            figures.append(Figure(row.key, innovations.get(row.label) if innovations is not None else None, DATA))
        elif row.key == "media.other":
            continue  # after the loop: needs the accounts
        elif row.origin == ITEMS and row.key != "media.any":
            if from_items:
                if _lookup(data, row.path) is not _MISSING:
                    findings.append(
                        warning(
                            rel,
                            "website-report-unused",
                            f"门户有 {year} 年的信息条目，“{row.title}” 按条目统计，数据文件中的值未使用",
                            line_of(row.path),
                            row=row.title,
                        )
                    )
                figures.append(Figure(row.key, computed[row.key], ITEMS))
            elif row.key in ("interpret.total",) and _lookup(data, row.path) is _MISSING:
                figures.append(Figure(row.key, "__sum__", DATA))  # the sum of its parts, filled in below
            else:
                figures.append(Figure(row.key, from_data(row, f"（门户没有 {year} 年的信息条目）"), DATA))
        elif row.key == "service.cases.total" and _lookup(data, row.path) is _MISSING:
            figures.append(Figure(row.key, "__sum__", DATA))
        elif row.key != "media.any":
            figures.append(Figure(row.key, from_data(row), DATA))
        else:
            figures.append(Figure(row.key, None, ITEMS))  # 是否有移动新媒体: after the accounts
    others = _other_accounts(data, lines, rel, findings, channels if from_items else None, year)
    by_key = {f.key: f for f in figures}
    _fill_sum(
        by_key,
        "interpret.total",
        ("interpret.解读材料", "interpret.解读产品", "interpret.媒体评论"),
        rel,
        lines,
        findings,
    )
    _fill_sum(by_key, "service.cases.total", ("service.cases.person", "service.cases.legal"), rel, lines, findings)
    # 是否有移动新媒体: computed from the accounts and the posts; the data file may only agree
    has_media = (
        any(by_key[k].value for k in ("media.weibo.posts", "media.wechat.posts"))
        or bool(others)
        or any(
            isinstance(by_key[k].value, str) and by_key[k].value not in NO
            for k in ("media.weibo.name", "media.wechat.name")
        )
    )
    declared = _lookup(data, ROW_BY_KEY["media.any"].path)
    if declared is not _MISSING:
        try:
            said = _coerce(ROW_BY_KEY["media.any"], declared, ROW_BY_KEY["media.any"].title)
            if said != has_media:
                findings.append(
                    error(
                        rel,
                        "website-report-check",
                        f"“移动新媒体 › 是否有移动新媒体” 填为 {'是' if said else '否'}，但{'有' if has_media else '没有'}微博、微信或其他账号与发布量",
                        line_of(ROW_BY_KEY["media.any"].path),
                        row="移动新媒体 › 是否有移动新媒体",
                    )
                )
        except _Bad as bad:
            findings.append(error(rel, "website-report-data", bad.message, line_of(ROW_BY_KEY["media.any"].path)))
    by_key["media.any"] = Figure("media.any", has_media, ITEMS if from_items else DATA)
    by_key["media.other"] = Figure("media.other", other_text(others), ITEMS if from_items else DATA)
    figures = [by_key[r.key] for r in ROWS]
    _checks(by_key, data, lines, rel, findings, config, year)
    report = WebsiteReport(
        year,
        config.portal.name,
        rel,
        tuple(figures),
        others,
        specials,
        traffic if traffic and traffic.days else None,
        tuple(findings),
    )
    return report, tuple(findings)


def _fill_sum(
    by_key: dict, total_key: str, parts: tuple[str, ...], rel: str, lines: dict, findings: list[Finding]
) -> None:
    total = by_key[total_key]
    values = [by_key[p].value for p in parts]
    known = None if any(v is None for v in values) else sum(values)
    if total.value == "__sum__":
        by_key[total_key] = Figure(total_key, known, total.source)
    elif total.value is not None and known is not None and total.value != known and total.source == DATA:
        row = ROW_BY_KEY[total_key]
        findings.append(
            error(
                rel,
                "website-report-check",
                f"“{row.title}” 填为 {total.value}，但"
                + "、".join(ROW_BY_KEY[p].label for p in parts)
                + f" 之和为 {known}",
                lines.get(row.path),
                row=row.title,
            )
        )


def _innovations(data: dict, lines: dict, rel: str, findings: list[Finding]) -> dict[str, Any] | None:
    """创新发展: the data file lists the ticked items; any other text is 其他."""
    raw = data.get("创新发展", _MISSING)
    if raw is _MISSING:
        findings.append(
            error(
                rel,
                "website-report-missing",
                "缺少 “创新发展”：列出已具备的项，例如 [搜索即服务, 无障碍浏览]；都没有时写 []",
                None,
                row="创新发展",
            )
        )
        return None
    if raw is None:
        raw = []
    if not isinstance(raw, list) or any(not isinstance(v, str) or not v.strip() for v in raw):
        findings.append(
            error(
                rel,
                "website-report-data",
                f"“创新发展” 应当是已具备项的列表（{'、'.join(INNOVATIONS[:-1])}，或其他文字），实际是 {raw!r}",
                lines.get(("创新发展",)),
                row="创新发展",
            )
        )
        return None
    ticked = [v.strip() for v in raw]
    other = "、".join(v for v in ticked if v not in INNOVATIONS[:-1] and v != "其他")
    out: dict[str, Any] = {label: label in ticked for label in INNOVATIONS[:-1]}
    out["其他"] = other or "无"
    return out


def _other_accounts(
    data: dict, lines: dict, rel: str, findings: list[Finding], channels: dict | None, year: int
) -> tuple[OtherAccount, ...]:
    """移动新媒体 › 其他: the accounts of every channel but 网站, 微博, 微信 — posts counted from the
    items (``channels`` given) or read from the data file (a year without items)."""
    raw = _lookup(data, ("移动新媒体", "其他"))
    path = ("移动新媒体", "其他")
    if raw is _MISSING or raw is None:
        raw = {}
    if not isinstance(raw, dict):
        findings.append(
            error(
                rel,
                "website-report-data",
                "“移动新媒体 › 其他” 应当写成 渠道: {名称: …, 关注量: …}，例如 今日头条: {名称: 江临商务, 关注量: 3200}",
                lines.get(path),
                row="移动新媒体 › 其他",
            )
        )
        raw = {}
    names = list(raw)
    if channels is not None:
        names += [
            ch
            for ch in sorted(channels, key=lambda c: (-channels[c], c))
            if ch not in (WEIBO, WECHAT) and ch not in raw
        ]
    out = []
    for channel in names:
        where = f"移动新媒体 › 其他 › {channel}"
        entry = raw.get(channel, _MISSING)
        if entry is _MISSING:
            findings.append(
                error(
                    rel,
                    "website-report-missing",
                    f"{year} 年有 {channels[channel]} 条信息发布到 “{channel}”，请在 {rel} 的 移动新媒体 › 其他 中填写该账号的名称和关注量",
                    lines.get(path) or lines.get(("移动新媒体",)),
                    row=where,
                )
            )
            out.append(OtherAccount(str(channel), None, channels[channel], None))
            continue
        if not isinstance(entry, dict):
            findings.append(
                error(
                    rel,
                    "website-report-data",
                    f"“{where}” 应当写成 {{名称: …, 关注量: …}}",
                    lines.get(path + (str(channel),)),
                    row=where,
                )
            )
            continue
        for key in entry:
            if key not in OTHER_MEDIA_KEYS:
                findings.append(
                    error(
                        rel,
                        "website-report-unknown",
                        f"“{where}” 未知的项 “{key}”（可用：{'、'.join(OTHER_MEDIA_KEYS)}）",
                        lines.get(path + (str(channel), str(key))),
                        row=where,
                    )
                )
        values: dict[str, Any] = {}
        for key, kind in (("名称", "text"), ("关注量", "int"), ("信息发布量", "int")):
            if key == "信息发布量" and channels is not None:
                if key in entry:
                    findings.append(
                        warning(
                            rel,
                            "website-report-unused",
                            f"门户有 {year} 年的信息条目，“{where} › 信息发布量” 按条目统计，数据文件中的值未使用",
                            lines.get(path + (str(channel), key)),
                            row=where,
                        )
                    )
                values[key] = channels.get(channel, 0)
                continue
            if key not in entry:
                findings.append(
                    error(
                        rel,
                        "website-report-missing",
                        f"缺少 “{where} › {key}”",
                        lines.get(path + (str(channel),)),
                        row=f"{where} › {key}",
                    )
                )
                values[key] = None
                continue
            try:
                values[key] = _coerce(Row("", "", "", key, kind, DATA), entry[key], f"{where} › {key}")
            except _Bad as bad:
                findings.append(
                    error(rel, "website-report-data", bad.message, lines.get(path + (str(channel), key)), row=where)
                )
                values[key] = None
        out.append(OtherAccount(str(channel), values["名称"], values["信息发布量"], values["关注量"]))
    return tuple(out)


def other_text(others) -> str:
    if not others:
        return "无"
    parts = []
    for a in others:
        name = f"“{a.name}”" if a.name else "（未填报名称）"
        posts = "未填报" if a.posts is None else f"{a.posts} 条"
        followers = "未填报" if a.followers is None else f"{a.followers} 个"
        parts.append(f"{a.channel}{name}：信息发布量 {posts}，关注量 {followers}")
    return "；".join(parts)


def _checks(
    by_key: dict, data: dict, lines: dict, rel: str, findings: list[Finding], config: Config, year: int
) -> None:
    def v(key):
        value = by_key[key].value
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def check(small: str, big: str, severity=warning):
        a, b = v(small), v(big)
        if a is not None and b is not None and a > b:
            s, g = ROW_BY_KEY[small], ROW_BY_KEY[big]
            findings.append(
                severity(
                    rel,
                    "website-report-check",
                    f"“{s.title}”（{a}）大于 “{g.title}”（{b}），请核对",
                    lines.get(s.path),
                    row=s.title,
                )
            )

    check("service.online", "service.items", error)
    check("security.fixed", "security.found")
    check("interact.survey.results", "interact.survey.rounds")
    check("interact.interview.answers", "interact.interview.messages")
    for key in ("info.概况类", "info.政务动态", "info.信息公开目录"):
        check(key, "info.total", error)
    phone = by_key["signoff.phone"].value
    if isinstance(phone, str) and config.portal.public_phones and phone not in config.portal.public_phones:
        row = ROW_BY_KEY["signoff.phone"]
        findings.append(
            warning(
                rel,
                "website-report-phone",
                f"联系电话 “{phone}” 不在 portal.yaml 的 public_phones（本局公开的联系电话）中；报表会公开发布，请填写公开的办公电话",
                lines.get(row.path),
                row=row.title,
            )
        )
    filled = by_key["signoff.date"].value
    month, day = config.website_report.deadline
    if isinstance(filled, str) and date.fromisoformat(filled) > date(year + 1, month, day):
        findings.append(
            warning(
                rel,
                "website-report-late",
                f"报表应于 {year + 1} 年 {month} 月 {day} 日前在首页公布，填报日期为 {filled}",
                lines.get(("填报日期",)),
            )
        )


# --- output --------------------------------------------------------------------------------


def display(figure: Figure) -> str:
    value = figure.value
    if value is None:
        return "未填报"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def source_text(report: WebsiteReport, figure: Figure) -> str:
    label = SOURCE_LABELS[figure.source]
    if figure.key == "media.other" and report.others:
        return (
            f"{label}（信息发布量）、数据文件（名称、关注量，{report.source}）"
            if figure.source == ITEMS
            else f"{label}（{report.source}）"
        )
    if figure.source == LOGS and report.traffic:
        t = report.traffic
        return f"{label}（{t.first} 至 {t.last}，{t.days} 天）" if t.first else f"{label}（{t.days} 天）"
    if figure.source == DATA:
        return f"{label}（{report.source}）"
    return label


def rows(report: WebsiteReport) -> list[dict]:
    """The table as plain records: what the CSV holds and what the JSON lists."""
    return [
        {
            "key": f.key,
            "group": f.row.group,
            "sub": f.row.sub,
            "label": f.row.label,
            "unit": f.row.unit,
            "value": f.value,
            "display": display(f),
            "source": f.source,
            "source_label": SOURCE_LABELS[f.source],
        }
        for f in report.figures
    ]


CSV_HEADER = ("分组", "子项", "项目", "单位", "数值", "来源")


def to_csv(report: WebsiteReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for f in report.figures:
        writer.writerow((f.row.group, f.row.sub, f.row.label, f.row.unit, display(f), source_text(report, f)))
    return out.getvalue()


def to_dict(report: WebsiteReport) -> dict:
    traffic = report.traffic
    return {
        "title": report.title,
        "year": report.year,
        "format": FORMAT,
        "rows": rows(report),
        "special_columns": [{"name": n, "opened": o, "new": new} for n, o, new in report.specials],
        "other_accounts": [
            {"channel": a.channel, "name": a.name, "posts": a.posts, "followers": a.followers} for a in report.others
        ],
        "traffic": None
        if traffic is None
        else {
            "visitors": traffic.visitors,
            "page_views": traffic.page_views,
            "days": traffic.days,
            "first": traffic.first.isoformat() if traffic.first else None,
            "last": traffic.last.isoformat() if traffic.last else None,
        },
        "sources": SOURCE_LABELS,
        "findings": [f.to_dict() for f in report.findings],
    }


def to_json(report: WebsiteReport) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def to_markdown(report: WebsiteReport) -> str:
    out = [
        f"# {report.title}\n\n",
        f"格式：{FORMAT}《政府网站工作年度报表》。统计期限：{report.year}年1月1日至{report.year}年12月31日。\n\n",
    ]
    out.append("| 项目 | 数值 | 来源 |\n| --- | --- | --- |\n")
    group = sub = None
    for f in report.figures:
        row = f.row
        if row.group != group:
            group, sub = row.group, None
            if group:
                out.append(f"| **{_md(group)}** | | |\n")
        if row.sub != sub:
            sub = row.sub
            if sub:
                out.append(f"| {'　' if row.group else ''}{_md(sub)} | | |\n")
        indent = "　" * ((1 if row.group else 0) + (1 if row.sub else 0))
        out.append(f"| {indent}{_md(row.label)} | {_md(display(f))} | {_md(source_text(report, f))} |\n")
    out.append(
        "\n来源：配置 = site_config；门户统计 = 本门户当年发布的信息（不同渠道和方式公开相同信息计1条）；访问日志 = 网站服务器访问日志（portal traffic ingest）；数据文件 = "
        f"{report.source}。\n"
    )
    return "".join(out)
