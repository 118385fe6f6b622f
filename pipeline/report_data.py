"""The yearly data files of the two reports, read and checked once, in the publication stage.

:func:`read` is called by :func:`pipeline.publication.run`; the :class:`ReportData` it returns
rides on the Publication, so the report computations (:mod:`pipeline.report`,
:mod:`pipeline.website_report`) and the renderers never open a file.

- ``content/disclosure/<year>.yaml`` (政府信息公开工作年度报告, :class:`DisclosureFile`): what
  items cannot know — table 二 figures, the 依申请公开 applications ledger (id, received date,
  applicant type, outcome code, closing date — none means carried over), table 四, the
  office's Markdown for sections 一、五、六 and, for years before the portal, the 主动公开
  figures (``active``).  Every value is checked and typed here; the first problem that makes
  the file unusable is kept as its ``problem`` (Chinese, with the line).  The ledger is kept
  apart from the rest because next year's carry-over check needs only the ledger.
- ``content/website-report/<year>.yaml`` (政府网站工作年度报表, :class:`WebsiteFile`): the
  mapping and the line of every key; its rows are checked against the items and the access
  logs by :mod:`pipeline.website_report`, because which rows the file must hold depends on them.

Files are read through :mod:`pipeline.data_file` (UTF-8, safe YAML, no symlink out of
content/).  Nothing here prints or writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import data_file
from pipeline.disclosure_template import TABLE2, TABLE4_GROUPS, TABLE4_RESULTS, table4_label
from pipeline.findings import Finding, error

DISCLOSURE_DIR = "disclosure"
WEBSITE_DIR = "website-report"

KNOWN_KEYS = ("year", "unit", "published", "active", "table2", "applications", "table4", "sections")
APPLICATION_KEYS = ("id", "received", "applicant", "outcome", "closed", "fee", "note")

_Bad = data_file.DataError


@dataclass(frozen=True)
class Problem:
    """Why a data file (or a part of it) cannot be used: a Chinese message and its line."""

    message: str
    line: int | None = None


@dataclass(frozen=True)
class Application:
    id: str
    received: date
    applicant: str
    outcome: str | None
    closed: date | None
    fee: float = 0.0
    line: int | None = None


@dataclass(frozen=True)
class Active:
    """The ``active`` block: 主动公开 figures for a year the portal has no items of."""

    given: bool  # the block is there and not empty
    total: int = 0
    channels: tuple[tuple[str, int], ...] = ()
    problem: Problem | None = None  # the block is malformed (matters only when it is used)
    findings: tuple[Finding, ...] = ()  # a channel larger than the total


@dataclass(frozen=True)
class DisclosureFile:
    """``content/disclosure/<year>.yaml``, checked.  ``exists`` False: no such file."""

    year: int
    exists: bool
    problem: Problem | None = None  # the file cannot be used for the report (None: every part below is set)
    ledger_problem: Problem | None = None  # the file or its ledger cannot be read (next year's carry-over)
    applications: tuple[Application, ...] = ()
    unit: str | None = None
    published: date | None = None
    table2: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    table4: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (group, values in TABLE4_RESULTS order)
    sections: tuple[tuple[str, str], ...] = ()  # (一/五/六, office Markdown)
    active: Active = Active(False)
    findings: tuple[Finding, ...] = ()  # table 四 totals that do not add up
    keys: tuple[tuple[str, int], ...] = ()  # line of each top-level key

    @property
    def rel(self) -> str:
        return f"{DISCLOSURE_DIR}/{self.year}.yaml"

    def line(self, key: str) -> int | None:
        return dict(self.keys).get(key)


@dataclass(frozen=True)
class WebsiteFile:
    """``content/website-report/<year>.yaml``: its mapping (read only, never changed) and the
    line of every key by path; ``problem`` when it could not be read (``data`` is then empty)."""

    year: int
    data: dict = field(default_factory=dict, compare=False)
    lines: tuple[tuple[tuple[str, ...], int], ...] = ()
    problem: Problem | None = None


@dataclass(frozen=True)
class ReportData:
    """Every yearly data file of ``content/``, newest year first."""

    disclosure: tuple[DisclosureFile, ...] = ()
    website: tuple[WebsiteFile, ...] = ()

    @property
    def disclosure_years(self) -> tuple[int, ...]:
        return tuple(f.year for f in self.disclosure)

    @property
    def website_years(self) -> tuple[int, ...]:
        return tuple(f.year for f in self.website)

    def disclosure_file(self, year: int) -> DisclosureFile:
        """The year's file; a missing one says so as its problem."""
        return next(
            (f for f in self.disclosure if f.year == year),
            DisclosureFile(year, False, Problem("年度报告数据文件不存在"), Problem("年度报告数据文件不存在")),
        )

    def website_file(self, year: int) -> WebsiteFile:
        return next((f for f in self.website if f.year == year), WebsiteFile(year, problem=Problem("数据文件不存在")))


def read(content_dir: Path | str) -> ReportData:
    content = Path(content_dir)
    disclosure_dir, website_dir = content / DISCLOSURE_DIR, content / WEBSITE_DIR
    return ReportData(
        tuple(read_disclosure(disclosure_dir / f"{y}.yaml", y) for y in data_file.available_years(disclosure_dir)),
        tuple(read_website(website_dir / f"{y}.yaml", y) for y in data_file.available_years(website_dir)),
    )


# --- 政府网站工作年度报表 ---------------------------------------------------------------------


def read_website(path: Path, year: int) -> WebsiteFile:
    try:
        data, text = data_file.read_mapping(path, "数据文件不存在", "year、办事服务、互动交流 …")
    except _Bad as bad:
        return WebsiteFile(year, problem=Problem(bad.message, bad.line))
    lines: dict[tuple[str, ...], int] = {}
    for key_path, line in data_file.key_lines(text):
        if all(isinstance(p, str) for p in key_path):
            lines.setdefault(key_path, line)
    return WebsiteFile(year, data, tuple(lines.items()))


# --- 政府信息公开工作年度报告 -----------------------------------------------------------------


def read_disclosure(path: Path, year: int) -> DisclosureFile:
    """The year's file with every part checked; the first unusable part is its ``problem``."""
    if not path.is_file():
        missing = Problem("年度报告数据文件不存在")
        return DisclosureFile(year, False, missing, missing)
    rel = f"{DISCLOSURE_DIR}/{year}.yaml"
    try:
        data, keys, app_lines = _read(path)
    except _Bad as bad:
        problem = Problem(bad.message, bad.line)
        return DisclosureFile(year, True, problem, problem)
    apps: tuple[Application, ...] = ()
    ledger_problem = None
    try:
        apps = _applications(data, keys, app_lines)
    except _Bad as bad:
        ledger_problem = Problem(bad.message, bad.line)
    findings: list[Finding] = []
    try:  # in this order: the first problem is the one an editor is told
        if "year" in data and data["year"] != year:
            raise _Bad(f"year 为 {data['year']}，与文件名 {year}.yaml 不符", keys.get("year"))
        published = data.get("published")
        published_on = _date(published, "published（报告发布日期）", keys.get("published")) if published else None
        if ledger_problem:
            raise _Bad(ledger_problem.message, ledger_problem.line)
        table2 = _table2(data, keys)
        table4 = _table4(data, keys, rel, findings)
        sections = _sections(data, keys)
    except _Bad as bad:
        return DisclosureFile(year, True, Problem(bad.message, bad.line), ledger_problem, apps)
    return DisclosureFile(
        year,
        True,
        applications=apps,
        unit=str(data["unit"]) if data.get("unit") else None,
        published=published_on,
        table2=table2,
        table4=table4,
        sections=sections,
        active=_active(data, keys, rel),
        findings=tuple(findings),
        keys=tuple(keys.items()),
    )


def _lines(text: str) -> tuple[dict[str, int], list[int]]:
    """Lines of the top-level keys and of each application entry."""
    keys: dict[str, int] = {}
    apps: list[int] = []
    for path, line in data_file.key_lines(text):
        if len(path) == 1:
            keys[path[0]] = line
            if path[0] == "applications":
                apps = []  # a repeated key: the last one counts, as in the parsed data
        elif len(path) == 2 and path[0] == "applications" and isinstance(path[1], int):
            apps.append(line)
    return keys, apps


def _date(value: Any, what: str, line: int | None) -> date:
    try:
        return data_file.as_date(value)
    except ValueError:
        raise _Bad(f"{what} “{value}” 不是日期，请写成 2025-03-15", line) from None


def _number(value: Any, what: str, line: int | None, integer: bool = True) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or value < 0
        or (integer and not isinstance(value, int))
    ):
        raise _Bad(f"{what} 应当是{'非负整数' if integer else '非负数'}，实际是 {value!r}", line)
    return value


def _read(path: Path) -> tuple[dict, dict[str, int], list[int]]:
    data, text = data_file.read_mapping(path, "年度报告数据文件不存在", "year、table2、applications …")
    keys, apps = _lines(text)
    for key in data:
        if str(key) not in KNOWN_KEYS:
            raise _Bad(f"未知的键 “{key}”（可用：{'、'.join(KNOWN_KEYS)}）", keys.get(str(key)))
    return data, keys, apps


def _applications(data: dict, keys: dict[str, int], app_lines: list[int]) -> tuple[Application, ...]:
    raw = data.get("applications") or []
    if not isinstance(raw, list):
        raise _Bad("applications 应当是列表（依申请公开台账，每项一件申请）", keys.get("applications"))
    out = []
    for n, entry in enumerate(raw):
        line = app_lines[n] if n < len(app_lines) else keys.get("applications")
        where = f"applications 第 {n + 1} 项"
        if not isinstance(entry, dict):
            raise _Bad(f"{where} 应当是 {{id, received, applicant, outcome, closed}}", line)
        for key in entry:
            if key not in APPLICATION_KEYS:
                raise _Bad(f"{where} 未知的键 “{key}”（可用：{'、'.join(APPLICATION_KEYS)}）", line)
        if not entry.get("id"):
            raise _Bad(f"{where} 缺少 id（申请编号）", line)
        where = f"申请 “{entry['id']}”"
        if entry.get("received") in (None, ""):
            raise _Bad(f"{where} 缺少 received（收到申请日期）", line)
        closed = entry.get("closed")
        out.append(
            Application(
                id=str(entry["id"]),
                received=_date(entry["received"], f"{where} 的 received", line),
                applicant=str(entry.get("applicant") or ""),
                outcome=str(entry["outcome"]).strip() if entry.get("outcome") not in (None, "") else None,
                closed=_date(closed, f"{where} 的 closed", line) if closed not in (None, "") else None,
                fee=_number(entry.get("fee", 0) or 0, f"{where} 的 fee（信息处理费，元）", line, integer=False),
                line=line,
            )
        )
    return tuple(out)


def _table2(data: dict, keys: dict[str, int]) -> tuple:
    raw = data.get("table2") or {}
    line = keys.get("table2")
    if not isinstance(raw, dict):
        raise _Bad("table2 应当是键值对（规章、行政规范性文件、行政许可 …）", line)
    labels = [r for _, _, rows in TABLE2 for r in rows]
    for key in raw:
        if key not in labels:
            raise _Bad(f"table2 未知的行 “{key}”（可用：{'、'.join(labels)}）", line)
    out = []
    for _, columns, rows in TABLE2:
        for row in rows:
            value = raw.get(row, 0 if len(columns) == 1 else {})
            money = columns[0].startswith("本年收费金额")
            if len(columns) == 1:
                if isinstance(value, dict):
                    value = value.get(columns[0], 0)
                out.append((row, ((columns[0], _number(value or 0, f"table2 “{row}”", line, integer=not money)),)))
            else:
                if not isinstance(value, dict):
                    raise _Bad(f"table2 “{row}” 应当写成 {{{': 0, '.join(columns)}: 0}}", line)
                for key in value:
                    if key not in columns:
                        raise _Bad(f"table2 “{row}” 未知的列 “{key}”（可用：{'、'.join(columns)}）", line)
                out.append(
                    (row, tuple((c, _number(value.get(c, 0) or 0, f"table2 “{row}” 的 “{c}”", line)) for c in columns))
                )
    return tuple(out)


def _table4(data: dict, keys: dict[str, int], rel: str, findings: list[Finding]) -> tuple:
    raw = data.get("table4") or {}
    line = keys.get("table4")
    if not isinstance(raw, dict):
        raise _Bad("table4 应当是键值对（行政复议、未经复议直接起诉、复议后起诉）", line)
    for key in raw:
        if key not in TABLE4_GROUPS:
            raise _Bad(f"table4 未知的项 “{key}”（可用：{'、'.join(TABLE4_GROUPS)}）", line)
    out = []
    for group in TABLE4_GROUPS:
        value = raw.get(group) or {}
        if not isinstance(value, dict):
            raise _Bad(f"table4 “{group}” 应当写成 {{结果维持: 0, 结果纠正: 0, 其他结果: 0, 尚未审结: 0}}", line)
        for key in value:
            if key not in TABLE4_RESULTS:
                raise _Bad(f"table4 “{group}” 未知的列 “{key}”（可用：{'、'.join(TABLE4_RESULTS)}）", line)
        parts = [int(_number(value.get(c, 0) or 0, f"table4 “{group}” 的 “{c}”", line)) for c in TABLE4_RESULTS[:-1]]
        total = sum(parts)
        if "总计" in value and int(_number(value["总计"], f"table4 “{group}” 的 “总计”", line)) != total:
            findings.append(
                error(
                    rel,
                    "report-total",
                    f"表四 “{table4_label(group)}” 的 “总计” 填为 {value['总计']}，但各项之和为 {total}",
                    line,
                    row=table4_label(group),
                    column="总计",
                )
            )
        out.append((group, tuple(parts) + (total,)))
    return tuple(out)


def _sections(data: dict, keys: dict[str, int]) -> tuple:
    raw = data.get("sections") or {}
    if not isinstance(raw, dict):
        raise _Bad("sections 应当是键值对（一、五、六 三节的 Markdown 正文）", keys.get("sections"))
    for key in raw:
        if str(key) not in ("一", "五", "六"):
            raise _Bad(f"sections 只能写 一、五、六 三节（其他各节由数据生成），不认识 “{key}”", keys.get("sections"))
    return tuple((k, str(raw.get(k) or "")) for k in ("一", "五", "六"))


def _active(data: dict, keys: dict[str, int], rel: str) -> Active:
    raw = data.get("active")
    if not raw:
        return Active(False)
    line = keys.get("active")
    try:
        if not isinstance(raw, dict) or set(raw) - {"total", "channels"}:
            raise _Bad("active 应当写成 {total: 条数, channels: {网站: 条数, 微信: 条数 …}}", line)
        total = int(_number(raw.get("total", 0), "active 的 total", line))
        ch = raw.get("channels") or {}
        if not isinstance(ch, dict):
            raise _Bad("active 的 channels 应当是 渠道: 条数", line)
        channels = tuple((str(k), int(_number(v, f"active 渠道 “{k}”", line))) for k, v in ch.items())
    except _Bad as bad:
        return Active(True, problem=Problem(bad.message, bad.line))
    findings = tuple(
        error(
            rel,
            "report-active",
            f"active 渠道 “{name}” 的 {n} 条多于主动公开总数 {total}（不同渠道公开相同信息计1条，总数不小于任一渠道）",
            line,
        )
        for name, n in channels
        if n > total
    )
    return Active(True, total, channels, findings=findings)
