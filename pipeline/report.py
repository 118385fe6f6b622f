"""The annual 政府信息公开工作年度报告 (国办公开办函〔2021〕30号): its figures and their checks.

:func:`compute` is a pure function of the year's checked data file and last year's
(:class:`pipeline.report_data.ReportData`, read in the publication stage), the counted
published items and the config.  主动公开 figures are the unique items of the year (seed 004's
rule "不同渠道和方式公开相同信息计1条") and per channel; a year without items (before the
portal) takes the data file's ``active`` block instead.  Table 三 is computed from the
applications ledger, each row by its own rule (一 by received date in the year, 二 received
before it, 三 by outcome code for applications closed in the year, 四 not closed by 31
December), so a ledger mistake shows up as a broken balance.  Checks: the balance rule per
column (一 + 二 = 三（七）总计 + 四), every 总计 equal to the sum of its parts, valid outcome
codes and applicant types, unique ids, and the 上年结转 row equal to last year's 结转下年度 row
(ids and counts).  Problems are :class:`Finding` data naming the row and column, in Chinese.

The template is :mod:`pipeline.disclosure_template`; every layout (Markdown, JSON, the HTML
page) is :mod:`pipeline.render.disclosure_report`.  Nothing here reads, prints or writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from pipeline.config import Config
from pipeline.disclosure_template import (
    APPLICANT_TYPES,
    COLUMNS,
    OUTCOME_CODES,
    ROW_BY_CODE,
    TABLE3_ROWS,
    column_name,
    row_title,
)
from pipeline.findings import ERROR, Finding, error, warning
from pipeline.report_data import Application, DisclosureFile, ReportData


@dataclass(frozen=True)
class Report:
    year: int
    unit: str
    source: str  # the yaml, relative to content/
    published: str | None  # 发布日期 of the report
    active_total: int
    active_channels: tuple[tuple[str, int], ...]
    active_source: str  # "items" | "yaml" | "none"
    table2: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (row label, ((column, value), …))
    table3: tuple[tuple[str, tuple[int, ...]], ...]  # (row code, values in COLUMNS order) for figure rows
    table4: tuple[tuple[str, tuple[int, ...]], ...]  # (group, values in TABLE4_RESULTS order)
    sections: tuple[tuple[str, str], ...]  # (一/五/六, office Markdown)
    fees: float = 0.0  # 信息处理费 charged this year, 元
    carried_ids: tuple[str, ...] = ()  # applications carried over to next year
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        return f"{self.unit}{self.year}年政府信息公开工作年度报告"

    def t3(self, code: str) -> dict[str, int]:
        return dict(zip(COLUMNS, dict(self.table3)[code]))

    def section(self, key: str) -> str:
        return dict(self.sections).get(key, "").strip()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)


# --- table 三 ------------------------------------------------------------------------------


def _ledger_error(rel: str, app: Application, rule: str, message: str) -> Finding:
    return error(rel, rule, message, app.line, application=app.id)


def tabulate(year: int, apps: Iterable[Application], rel: str, findings: list[Finding]) -> dict[str, list[int]]:
    """Table 三 from the ledger; each row counts by its own rule, mistakes become findings."""
    table = {r.code: [0] * len(COLUMNS) for r in TABLE3_ROWS if r.figures}
    seen: dict[str, Application] = {}
    for app in apps:
        where = f"申请 “{app.id}”"
        if app.id in seen:
            findings.append(
                _ledger_error(
                    rel,
                    app,
                    "report-duplicate",
                    f"申请编号 “{app.id}” 重复（另见第 {seen[app.id].line} 行），每件申请只能登记一次",
                )
            )
            continue
        seen[app.id] = app
        if app.applicant not in APPLICANT_TYPES:
            findings.append(
                _ledger_error(
                    rel,
                    app,
                    "report-applicant",
                    f"{where} 的申请人类型 “{app.applicant}” 无效，可选：{'、'.join(APPLICANT_TYPES)}",
                )
            )
            continue
        col = APPLICANT_TYPES.index(app.applicant)
        if app.received.year > year:
            findings.append(
                _ledger_error(
                    rel, app, "report-date", f"{where} 的收到日期 {app.received} 不在 {year} 年或以前，不属于本年度报告"
                )
            )
            continue
        table["一" if app.received.year == year else "二"][col] += 1
        if app.closed is not None and app.closed < app.received:
            findings.append(
                _ledger_error(rel, app, "report-date", f"{where} 的办结日期 {app.closed} 早于收到日期 {app.received}")
            )
            continue
        if app.closed is None or app.closed.year > year:
            if app.outcome and app.closed is None:
                findings.append(
                    _ledger_error(
                        rel,
                        app,
                        "report-outcome",
                        f"{where} 填了办理结果 “{app.outcome}” 但没有办结日期 closed；未办结的申请不填 outcome",
                    )
                )
            table["四"][col] += 1
            continue
        if app.closed.year < year:
            findings.append(
                _ledger_error(rel, app, "report-date", f"{where} 已于 {app.closed} 办结，不应列入 {year} 年台账")
            )
            continue
        if app.outcome not in OUTCOME_CODES:
            shown = f"“{app.outcome}”" if app.outcome else "（未填写）"
            findings.append(
                _ledger_error(
                    rel,
                    app,
                    "report-outcome",
                    f"{where} 的办理结果代码 {shown} 无效，应为表三“三、本年度办理结果”的一行："
                    + "、".join(f"{c}={ROW_BY_CODE[c].label}" for c in OUTCOME_CODES[:3])
                    + " …（完整列表见 content/disclosure/README.md）",
                )
            )
            continue
        table[app.outcome][col] += 1
    for col in range(len(APPLICANT_TYPES)):
        table["三.7"][col] = sum(table[c][col] for c in OUTCOME_CODES)
    for values in table.values():
        values[-1] = sum(values[: len(APPLICANT_TYPES)])
    return table


def check_table3(table: dict[str, Iterable[int]], rel: str, line: int | None = None) -> list[Finding]:
    """The template's arithmetic: 总计 = sum of parts (both ways) and 一 + 二 = 三（七）总计 + 四 per column."""
    t = {code: list(values) for code, values in table.items()}
    out: list[Finding] = []
    for code, values in t.items():
        parts = sum(values[: len(APPLICANT_TYPES)])
        if values[-1] != parts:
            out.append(
                error(
                    rel,
                    "report-total",
                    f"表三 “{row_title(code)}” 行的 “总计” 为 {values[-1]}，但各类申请人之和为 {parts}",
                    line,
                    row=ROW_BY_CODE[code].label,
                    column="总计",
                )
            )
    for i, col in enumerate(COLUMNS):
        parts = sum(t[c][i] for c in OUTCOME_CODES)
        if t["三.7"][i] != parts:
            out.append(
                error(
                    rel,
                    "report-total",
                    f"表三 “{column_name(col)}” 列的 “（七）总计” 为 {t['三.7'][i]}，"
                    f"但（一）至（六）各项之和为 {parts}",
                    line,
                    row="（七）总计",
                    column=col,
                )
            )
        left = t["一"][i] + t["二"][i]
        right = t["三.7"][i] + t["四"][i]
        if left != right:
            out.append(
                error(
                    rel,
                    "report-balance",
                    f"表三 “{column_name(col)}” 列不平衡："
                    f"一、本年新收（{t['一'][i]}）+ 二、上年结转（{t['二'][i]}）= {left}，"
                    f"但 三、本年度办理结果（七）总计（{t['三.7'][i]}）"
                    f"+ 四、结转下年度继续办理（{t['四'][i]}）= {right}",
                    line,
                    row="一 + 二 = 三（七）总计 + 四",
                    column=col,
                )
            )
    return out


def _carried(year: int, apps: Iterable[Application]) -> tuple[str, ...]:
    return tuple(
        a.id
        for a in apps
        if a.applicant in APPLICANT_TYPES and a.received.year <= year and (a.closed is None or a.closed.year > year)
    )


def _check_carry_over(
    year: int, apps: Iterable[Application], table: dict, previous: DisclosureFile, rel: str, line: int | None
) -> list[Finding]:
    """The 上年结转 row and ids against last year's ledger (``previous``: last year's file)."""
    this_in = {a.id: a for a in apps if a.received.year < year}
    if not previous.exists:
        if this_in:
            return [
                warning(
                    rel,
                    "report-carryover",
                    f"没有 {year - 1} 年的数据文件 disclosure/{year - 1}.yaml，"
                    "无法核对“二、上年结转政府信息公开申请数量”",
                    line,
                )
            ]
        return []
    if previous.ledger_problem is not None:
        return [
            error(
                rel,
                "report-carryover",
                f"{year - 1} 年的数据文件有错误，无法核对“二、上年结转政府信息公开申请数量”："
                f"请先运行 portal report --year {year - 1}",
                line,
            )
        ]
    prev_apps = previous.applications
    prev_table = tabulate(year - 1, prev_apps, "", [])
    out: list[Finding] = []
    for i, col in enumerate(COLUMNS):
        if prev_table["四"][i] != table["二"][i]:
            out.append(
                error(
                    rel,
                    "report-carryover",
                    f"表三 “二、上年结转政府信息公开申请数量” 行 “{column_name(col)}” 列为 {table['二'][i]}，"
                    f"但 {year - 1} 年报告“四、结转下年度继续办理”为 {prev_table['四'][i]}",
                    line,
                    row="二、上年结转政府信息公开申请数量",
                    column=col,
                )
            )
    prev_ids = {a.id: a for a in prev_apps}
    carried = set(_carried(year - 1, prev_apps))
    for app_id in sorted(carried - set(this_in)):
        out.append(
            error(
                rel,
                "report-carryover",
                f"{year - 1} 年结转的申请 “{app_id}” 没有列入 {year} 年台账",
                line,
                application=app_id,
            )
        )
    for app_id in sorted(set(this_in) - carried):
        out.append(
            error(
                rel,
                "report-carryover",
                f"申请 “{app_id}” 收到于 {this_in[app_id].received}，但不在 {year - 1} 年台账的结转申请中",
                this_in[app_id].line,
                application=app_id,
            )
        )
    for app_id in sorted(carried & set(this_in)):
        if prev_ids[app_id].applicant != this_in[app_id].applicant:
            out.append(
                error(
                    rel,
                    "report-carryover",
                    f"申请 “{app_id}” 的申请人类型与 {year - 1} 年台账不一致（{prev_ids[app_id].applicant} / "
                    f"{this_in[app_id].applicant}）",
                    this_in[app_id].line,
                    application=app_id,
                )
            )
    return out


# --- the report -----------------------------------------------------------------------------


def _active(
    year: int, counted_items, file: DisclosureFile, rel: str, findings: list[Finding]
) -> tuple[int, tuple, str]:
    mine = [i for i in counted_items if i.date.year == year]
    active = file.active
    if mine:
        if active.given:
            findings.append(
                warning(
                    rel,
                    "report-active",
                    f"门户有 {year} 年的信息条目，主动公开数字按条目统计，active 中填写的数字未使用",
                    file.line("active"),
                )
            )
        channels = Counter(ch for i in mine for ch in i.channels)
        order = {ch: n for n, ch in enumerate(("网站",))}
        return len(mine), tuple(sorted(channels.items(), key=lambda kv: (order.get(kv[0], 1), -kv[1], kv[0]))), "items"
    if not active.given:
        findings.append(
            warning(
                rel,
                "report-active",
                f"门户没有 {year} 年的信息条目，也没有在 active 中填写主动公开数字（total、channels），主动公开计为 0",
                file.line("active") or 1,
            )
        )
        return 0, (), "none"
    findings.extend(active.findings)
    return active.total, active.channels, "yaml"


def compute(year: int, data: ReportData, counted_items, config: Config) -> tuple[Report | None, tuple[Finding, ...]]:
    """The report of ``year`` and every problem found; ``None`` when the data file is unusable."""
    file = data.disclosure_file(year)
    rel = file.rel
    if not config.portal.first_year <= year <= 9000:  # no date arithmetic on the year 9999 or 1
        return None, (
            error(
                rel,
                "report-data",
                f"年度 {year} 不在合理范围内（{config.portal.first_year} 年以后，portal.yaml 的 first_year）",
            ),
        )
    problem = file.problem
    if problem is None and file.active.problem is not None and not any(i.date.year == year for i in counted_items):
        problem = file.active.problem  # the active block is used, and it is malformed
    if problem is not None:
        return None, (error(rel, "report-data", problem.message, problem.line),)
    findings: list[Finding] = list(file.findings)
    active_total, channels, active_source = _active(year, counted_items, file, rel, findings)
    published_on = file.published
    if published_on and published_on > date(year + 1, 1, 31):
        findings.append(
            warning(
                rel,
                "report-late",
                f"年度报告应于 {year + 1} 年 1 月 31 日前公布，published 为 {published_on}",
                file.line("published"),
            )
        )
    apps = file.applications
    table = tabulate(year, apps, rel, findings)
    findings.extend(check_table3(table, rel, file.line("applications")))
    findings.extend(
        _check_carry_over(year, apps, table, data.disclosure_file(year - 1), rel, file.line("applications"))
    )
    report = Report(
        year=year,
        unit=file.unit or config.portal.sponsor,
        source=rel,
        published=published_on.isoformat() if published_on else None,
        active_total=active_total,
        active_channels=channels,
        active_source=active_source,
        table2=file.table2,
        table3=tuple((code, tuple(values)) for code, values in table.items()),
        table4=file.table4,
        sections=file.sections,
        fees=sum(a.fee for a in apps if a.closed and a.closed.year == year),
        carried_ids=_carried(year, apps),
        findings=tuple(findings),
    )
    return report, tuple(findings)
