"""Annual 政府信息公开工作年度报告 in the national format (国办公开办函〔2021〕30号), with its checks.

Inputs: the counted published items (主动公开 figures: unique items of the year, seed 004's
rule "不同渠道和方式公开相同信息计1条", and per channel) and ``content/disclosure/<year>.yaml``
for what items cannot know: table 二 figures, the 依申请公开 applications ledger (id,
received date, applicant type, outcome code, closing date — none means carried over), table
四 and the office's Markdown for sections 一、五、六.  When the portal has no item of the year
(years before the portal), the yaml's ``active`` block gives the 主动公开 figures instead.
Table 三 is computed from the ledger, each row by its own rule (一 by received date in the
year, 二 received before it, 三 by outcome code for applications closed in the year, 四 not
closed by 31 December), so a ledger mistake shows up as a broken balance.  Checks: the
balance rule per column (一 + 二 = 三（七）总计 + 四), every 总计 equal to the sum of its parts,
valid outcome codes and applicant types, unique ids, and the 上年结转 row equal to last
year's 结转下年度 row (ids and counts).  Problems are :class:`Finding` data naming the row and
column, in Chinese.  The module renders the report as Markdown and JSON; the HTML page is
made by :mod:`pipeline.render.disclosure`.  It reads only the disclosure yaml files; it never
prints or writes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import yaml

from pipeline import data_file
from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error, warning

DISCLOSURE_DIR = "disclosure"

# --- the template (labels word for word as 国办公开办函〔2021〕30号) ---------------------------

SECTION_TITLES = (
    ("一", "一、总体情况"),
    ("二", "二、主动公开政府信息情况"),
    ("三", "三、收到和处理政府信息公开申请情况"),
    ("四", "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", "五、存在的主要问题及改进情况"),
    ("六", "六、其他需要报告的事项"),
)

# Table 二: (第二十条 item, figure columns, rows)
TABLE2 = (
    ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "行政规范性文件")),
    ("第二十条第（五）项", ("本年处理决定数量",), ("行政许可",)),
    ("第二十条第（六）项", ("本年处理决定数量",), ("行政处罚", "行政强制")),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",), ("行政事业性收费",)),
)

APPLICANT_TYPES = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
ORG_TYPES = APPLICANT_TYPES[1:]
COLUMNS = APPLICANT_TYPES + ("总计",)


def column_name(col: str) -> str:
    return f"法人或其他组织·{col}" if col in ORG_TYPES else col


@dataclass(frozen=True)
class Row:
    code: str  # 一, 二, 三, 三.1, 三.3, 三.3.1 … 三.7, 四
    label: str
    figures: bool = True  # False for heading rows (三、本年度办理结果, （三）不予公开 …)


_GROUPS = (
    (
        "三.3",
        "（三）不予公开",
        (
            "属于国家秘密",
            "其他法律行政法规禁止公开",
            "危及“三安全一稳定”",
            "保护第三方合法权益",
            "属于三类内部事务信息",
            "属于四类过程性信息",
            "属于行政执法案卷",
            "属于行政查询事项",
        ),
    ),
    ("三.4", "（四）无法提供", ("本机关不掌握相关政府信息", "没有现成信息需要另行制作", "补正后申请内容仍不明确")),
    (
        "三.5",
        "（五）不予处理",
        (
            "信访举报投诉类申请",
            "重复申请",
            "要求提供公开出版物",
            "无正当理由大量反复申请",
            "要求行政机关确认或重新出具已获取信息",
        ),
    ),
    (
        "三.6",
        "（六）其他处理",
        (
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "其他",
        ),
    ),
)


def _table3_rows() -> tuple[Row, ...]:
    rows = [
        Row("一", "一、本年新收政府信息公开申请数量"),
        Row("二", "二、上年结转政府信息公开申请数量"),
        Row("三", "三、本年度办理结果", figures=False),
        Row("三.1", "（一）予以公开"),
        Row("三.2", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    for code, label, subs in _GROUPS:
        rows.append(Row(code, label, figures=False))
        rows.extend(Row(f"{code}.{n}", f"{n}.{sub}") for n, sub in enumerate(subs, 1))
    rows.append(Row("三.7", "（七）总计"))
    rows.append(Row("四", "四、结转下年度继续办理"))
    return tuple(rows)


TABLE3_ROWS = _table3_rows()
ROW_BY_CODE = {r.code: r for r in TABLE3_ROWS}
# Outcome codes of the applications ledger: the figure rows under 三 except （七）总计.
OUTCOME_CODES = tuple(r.code for r in TABLE3_ROWS if r.code.startswith("三.") and r.figures and r.code != "三.7")

TABLE4_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
TABLE4_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def row_title(code: str) -> str:
    """A row's full name for messages: ``三、本年度办理结果（三）不予公开 1.属于国家秘密``."""
    row = ROW_BY_CODE[code]
    parts = code.split(".")
    if len(parts) == 1:
        return row.label
    if len(parts) == 2:
        return ROW_BY_CODE["三"].label + row.label
    return ROW_BY_CODE["三"].label + ROW_BY_CODE[".".join(parts[:2])].label + " " + row.label


# --- data ---------------------------------------------------------------------------------


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


def report_path(content_dir: Path | str, year: int) -> Path:
    return Path(content_dir) / DISCLOSURE_DIR / f"{year}.yaml"


def available_years(content_dir: Path | str) -> tuple[int, ...]:
    """Years with a ``content/disclosure/<year>.yaml``, newest first."""
    return data_file.available_years(Path(content_dir) / DISCLOSURE_DIR)


_Bad = data_file.DataError


KNOWN_KEYS = ("year", "unit", "published", "active", "table2", "applications", "table4", "sections")
APPLICATION_KEYS = ("id", "received", "applicant", "outcome", "closed", "fee", "note")


def _lines(text: str) -> tuple[dict[str, int], list[int]]:
    """Lines of the top-level keys and of each application entry."""
    keys: dict[str, int] = {}
    apps: list[int] = []
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return keys, apps
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            keys[str(k.value)] = k.start_mark.line + 1
            if k.value == "applications" and isinstance(v, yaml.SequenceNode):
                apps = [n.start_mark.line + 1 for n in v.value]
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


def _read(path: Path, rel: str) -> tuple[dict, dict[str, int], list[int]]:
    data, text = data_file.read_mapping(path, "年度报告数据文件不存在", "year、table2、applications …")
    keys, apps = _lines(text)
    for key in data:
        if str(key) not in KNOWN_KEYS:
            raise _Bad(f"未知的键 “{key}”（可用：{'、'.join(KNOWN_KEYS)}）", keys.get(str(key)))
    return data, keys, apps


def _applications(data: dict, keys: dict[str, int], app_lines: list[int]) -> list[Application]:
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
    return out


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
                    f"表四 “{_table4_label(group)}” 的 “总计” 填为 {value['总计']}，但各项之和为 {total}",
                    line,
                    row=_table4_label(group),
                    column="总计",
                )
            )
        out.append((group, tuple(parts) + (total,)))
    return tuple(out)


def _table4_label(group: str) -> str:
    return group if group == "行政复议" else f"行政诉讼·{group}"


def _sections(data: dict, keys: dict[str, int]) -> tuple:
    raw = data.get("sections") or {}
    if not isinstance(raw, dict):
        raise _Bad("sections 应当是键值对（一、五、六 三节的 Markdown 正文）", keys.get("sections"))
    for key in raw:
        if str(key) not in ("一", "五", "六"):
            raise _Bad(f"sections 只能写 一、五、六 三节（其他各节由数据生成），不认识 “{key}”", keys.get("sections"))
    return tuple((k, str(raw.get(k) or "")) for k in ("一", "五", "六"))


# --- table 三 ------------------------------------------------------------------------------


def tabulate(year: int, apps: Iterable[Application], rel: str, findings: list[Finding]) -> dict[str, list[int]]:
    """Table 三 from the ledger; each row counts by its own rule, mistakes become findings."""
    table = {r.code: [0] * len(COLUMNS) for r in TABLE3_ROWS if r.figures}
    seen: dict[str, Application] = {}
    for app in apps:
        where = f"申请 “{app.id}”"
        if app.id in seen:
            findings.append(
                error(
                    rel,
                    "report-duplicate",
                    f"申请编号 “{app.id}” 重复（另见第 {seen[app.id].line} 行），每件申请只能登记一次",
                    app.line,
                    application=app.id,
                )
            )
            continue
        seen[app.id] = app
        if app.applicant not in APPLICANT_TYPES:
            findings.append(
                error(
                    rel,
                    "report-applicant",
                    f"{where} 的申请人类型 “{app.applicant}” 无效，可选：{'、'.join(APPLICANT_TYPES)}",
                    app.line,
                    application=app.id,
                )
            )
            continue
        col = APPLICANT_TYPES.index(app.applicant)
        if app.received.year > year:
            findings.append(
                error(
                    rel,
                    "report-date",
                    f"{where} 的收到日期 {app.received} 不在 {year} 年或以前，不属于本年度报告",
                    app.line,
                    application=app.id,
                )
            )
            continue
        table["一" if app.received.year == year else "二"][col] += 1
        if app.closed is not None and app.closed < app.received:
            findings.append(
                error(
                    rel,
                    "report-date",
                    f"{where} 的办结日期 {app.closed} 早于收到日期 {app.received}",
                    app.line,
                    application=app.id,
                )
            )
            continue
        if app.closed is None or app.closed.year > year:
            if app.outcome and app.closed is None:
                findings.append(
                    error(
                        rel,
                        "report-outcome",
                        f"{where} 填了办理结果 “{app.outcome}” 但没有办结日期 closed；未办结的申请不填 outcome",
                        app.line,
                        application=app.id,
                    )
                )
            table["四"][col] += 1
            continue
        if app.closed.year < year:
            findings.append(
                error(
                    rel,
                    "report-date",
                    f"{where} 已于 {app.closed} 办结，不应列入 {year} 年台账",
                    app.line,
                    application=app.id,
                )
            )
            continue
        if app.outcome not in OUTCOME_CODES:
            shown = f"“{app.outcome}”" if app.outcome else "（未填写）"
            findings.append(
                error(
                    rel,
                    "report-outcome",
                    f"{where} 的办理结果代码 {shown} 无效，应为表三“三、本年度办理结果”的一行："
                    + "、".join(f"{c}={ROW_BY_CODE[c].label}" for c in OUTCOME_CODES[:3])
                    + " …（完整列表见 content/disclosure/README.md）",
                    app.line,
                    application=app.id,
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
                    f"表三 “{column_name(col)}” 列的 “（七）总计” 为 {t['三.7'][i]}，但（一）至（六）各项之和为 {parts}",
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
                    f"表三 “{column_name(col)}” 列不平衡：一、本年新收（{t['一'][i]}）+ 二、上年结转（{t['二'][i]}）= {left}，"
                    f"但 三、本年度办理结果（七）总计（{t['三.7'][i]}）+ 四、结转下年度继续办理（{t['四'][i]}）= {right}",
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
    year: int, apps: list[Application], table: dict, content_dir: Path, rel: str, line: int | None
) -> list[Finding]:
    prev_path = report_path(content_dir, year - 1)
    this_in = {a.id: a for a in apps if a.received.year < year}
    if not prev_path.is_file():
        if this_in:
            return [
                warning(
                    rel,
                    "report-carryover",
                    f"没有 {year - 1} 年的数据文件 disclosure/{year - 1}.yaml，无法核对“二、上年结转政府信息公开申请数量”",
                    line,
                )
            ]
        return []
    try:
        prev_data, prev_keys, prev_lines = _read(prev_path, "")
        prev_apps = _applications(prev_data, prev_keys, prev_lines)
    except _Bad:
        return [
            error(
                rel,
                "report-carryover",
                f"{year - 1} 年的数据文件有错误，无法核对“二、上年结转政府信息公开申请数量”：请先运行 portal report --year {year - 1}",
                line,
            )
        ]
    prev_table = tabulate(year - 1, prev_apps, "", [])
    out: list[Finding] = []
    for i, col in enumerate(COLUMNS):
        if prev_table["四"][i] != table["二"][i]:
            out.append(
                error(
                    rel,
                    "report-carryover",
                    f"表三 “二、上年结转政府信息公开申请数量” 行 “{column_name(col)}” 列为 {table['二'][i]}，但 {year - 1} 年报告“四、结转下年度继续办理”为 {prev_table['四'][i]}",
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
                    f"申请 “{app_id}” 的申请人类型与 {year - 1} 年台账不一致（{prev_ids[app_id].applicant} / {this_in[app_id].applicant}）",
                    this_in[app_id].line,
                    application=app_id,
                )
            )
    return out


# --- the report -----------------------------------------------------------------------------


def _active(
    year: int, counted_items, data: dict, keys: dict[str, int], rel: str, findings: list[Finding]
) -> tuple[int, tuple, str]:
    mine = [i for i in counted_items if i.date.year == year]
    raw = data.get("active")
    if mine:
        if raw:
            findings.append(
                warning(
                    rel,
                    "report-active",
                    f"门户有 {year} 年的信息条目，主动公开数字按条目统计，active 中填写的数字未使用",
                    keys.get("active"),
                )
            )
        channels = Counter(ch for i in mine for ch in i.channels)
        order = {ch: n for n, ch in enumerate(("网站",))}
        return len(mine), tuple(sorted(channels.items(), key=lambda kv: (order.get(kv[0], 1), -kv[1], kv[0]))), "items"
    if not raw:
        findings.append(
            warning(
                rel,
                "report-active",
                f"门户没有 {year} 年的信息条目，也没有在 active 中填写主动公开数字（total、channels），主动公开计为 0",
                keys.get("active") or 1,
            )
        )
        return 0, (), "none"
    if not isinstance(raw, dict) or set(raw) - {"total", "channels"}:
        raise _Bad("active 应当写成 {total: 条数, channels: {网站: 条数, 微信: 条数 …}}", keys.get("active"))
    total = int(_number(raw.get("total", 0), "active 的 total", keys.get("active")))
    ch = raw.get("channels") or {}
    if not isinstance(ch, dict):
        raise _Bad("active 的 channels 应当是 渠道: 条数", keys.get("active"))
    channels = tuple((str(k), int(_number(v, f"active 渠道 “{k}”", keys.get("active")))) for k, v in ch.items())
    for name, n in channels:
        if n > total:
            findings.append(
                error(
                    rel,
                    "report-active",
                    f"active 渠道 “{name}” 的 {n} 条多于主动公开总数 {total}（不同渠道公开相同信息计1条，总数不小于任一渠道）",
                    keys.get("active"),
                )
            )
    return total, channels, "yaml"


def generate(
    year: int, counted_items, content_dir: Path | str, config: Config
) -> tuple[Report | None, tuple[Finding, ...]]:
    """The report of ``year`` and every problem found; ``None`` when the data file is unusable."""
    content_dir = Path(content_dir)
    path = report_path(content_dir, year)
    rel = f"{DISCLOSURE_DIR}/{year}.yaml"
    findings: list[Finding] = []
    if not config.portal.first_year <= year <= 9000:  # no date arithmetic on the year 9999 or 1
        return None, (
            error(
                rel,
                "report-data",
                f"年度 {year} 不在合理范围内（{config.portal.first_year} 年以后，portal.yaml 的 first_year）",
            ),
        )
    try:
        data, keys, app_lines = _read(path, rel)
        if "year" in data and data["year"] != year:
            raise _Bad(f"year 为 {data['year']}，与文件名 {year}.yaml 不符", keys.get("year"))
        published = data.get("published")
        published_on = _date(published, "published（报告发布日期）", keys.get("published")) if published else None
        apps = _applications(data, keys, app_lines)
        table2 = _table2(data, keys)
        table4 = _table4(data, keys, rel, findings)
        sections = _sections(data, keys)
        active_total, channels, active_source = _active(year, counted_items, data, keys, rel, findings)
    except _Bad as bad:
        return None, (error(rel, "report-data", bad.message, bad.line),)
    if published_on and published_on > date(year + 1, 1, 31):
        findings.append(
            warning(
                rel,
                "report-late",
                f"年度报告应于 {year + 1} 年 1 月 31 日前公布，published 为 {published_on}",
                keys.get("published"),
            )
        )
    table = tabulate(year, apps, rel, findings)
    findings.extend(check_table3(table, rel, keys.get("applications")))
    findings.extend(_check_carry_over(year, apps, table, content_dir, rel, keys.get("applications")))
    report = Report(
        year=year,
        unit=str(data.get("unit") or config.portal.sponsor),
        source=rel,
        published=published_on.isoformat() if published_on else None,
        active_total=active_total,
        active_channels=channels,
        active_source=active_source,
        table2=table2,
        table3=tuple((code, tuple(values)) for code, values in table.items()),
        table4=table4,
        sections=sections,
        fees=sum(a.fee for a in apps if a.closed and a.closed.year == year),
        carried_ids=_carried(year, apps),
        findings=tuple(findings),
    )
    return report, tuple(findings)


# --- generated text -------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def overview(report: Report) -> str:
    """Section 一's generated figures (seed 004's way of counting)."""
    t = {code: dict(zip(COLUMNS, v)) for code, v in report.table3}
    if report.active_channels:
        via = "，其中" + "、".join(
            f"通过{'门户网站' if ch == '网站' else ch}发布 {n} 条" for ch, n in report.active_channels
        )
    else:
        via = ""
    reviews = dict(report.table4)
    lawsuits = reviews["未经复议直接起诉"][-1] + reviews["复议后起诉"][-1]
    return (
        f"{report.year}年，{report.unit}主动公开政府信息 {report.active_total} 条（不同渠道和方式公开相同信息计1条）{via}。"
        f"全年新收政府信息公开申请 {t['一']['总计']} 件，上年结转 {t['二']['总计']} 件，办结 {t['三.7']['总计']} 件，"
        f"结转下年度继续办理 {t['四']['总计']} 件。"
        f"因政府信息公开被申请行政复议 {reviews['行政复议'][-1]} 件，被提起行政诉讼 {lawsuits} 件。"
    )


def fee_sentence(report: Report) -> str:
    if report.fees:
        return f"{report.year}年，本机关依据《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）收取信息处理费 {_num(report.fees)} 元。"
    return f"{report.year}年，本机关未收取信息处理费。"


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|")


def to_markdown(report: Report) -> str:
    """The whole report as Markdown (the download, and ``portal report --format md``)."""
    out = [f"# {report.title}\n\n"]
    if report.published:
        out.append(f"发布日期：{report.published}\n\n")
    out.append(
        f"本报告根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求编制，所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。\n\n"
    )
    titles = dict(SECTION_TITLES)
    out.append(f"## {titles['一']}\n\n{overview(report)}\n\n")
    if report.section("一"):
        out.append(report.section("一") + "\n\n")
    out.append(f"## {titles['二']}\n\n")
    values2 = dict(report.table2)
    for heading, columns, rows in TABLE2:
        out.append(
            f"**{heading}**\n\n| 信息内容 | " + " | ".join(columns) + " |\n|" + " --- |" * (len(columns) + 1) + "\n"
        )
        for row in rows:
            out.append(f"| {row} | " + " | ".join(_num(v) for _, v in values2[row]) + " |\n")
        out.append("\n")
    out.append(f"## {titles['三']}\n\n")
    out.append("申请人情况：自然人；法人或其他组织（商业企业、科研机构、社会公益组织、法律服务机构、其他）；总计。\n\n")
    out.append("| 项目 | " + " | ".join(COLUMNS) + " |\n|" + " --- |" * (len(COLUMNS) + 1) + "\n")
    figures = dict(report.table3)
    for row in TABLE3_ROWS:
        cells = [str(v) for v in figures[row.code]] if row.figures else [""] * len(COLUMNS)
        out.append(f"| {_md_cell(row.label)} | " + " | ".join(cells) + " |\n")
    out.append("\n")
    out.append(f"## {titles['四']}\n\n")
    out.append("| 类别 | " + " | ".join(TABLE4_RESULTS) + " |\n|" + " --- |" * (len(TABLE4_RESULTS) + 1) + "\n")
    for group, values in report.table4:
        out.append(f"| {_table4_label(group)} | " + " | ".join(str(v) for v in values) + " |\n")
    out.append("\n")
    out.append(f"## {titles['五']}\n\n{report.section('五') or '无。'}\n\n")
    out.append(f"## {titles['六']}\n\n{fee_sentence(report)}\n\n")
    if report.section("六"):
        out.append(report.section("六") + "\n")
    return "".join(out)


def to_dict(report: Report) -> dict:
    titles = dict(SECTION_TITLES)
    return {
        "title": report.title,
        "year": report.year,
        "unit": report.unit,
        "published": report.published,
        "format": "国办公开办函〔2021〕30号",
        "sections": {
            titles["一"]: {"generated": overview(report), "text": report.section("一")},
            titles["五"]: {"text": report.section("五")},
            titles["六"]: {"generated": fee_sentence(report), "text": report.section("六")},
        },
        "active": {
            "total": report.active_total,
            "channels": dict(report.active_channels),
            "source": report.active_source,
        },
        "table2": {row: dict(values) for row, values in report.table2},
        "table3": {
            "columns": list(COLUMNS),
            "rows": [
                {"code": code, "label": ROW_BY_CODE[code].label, "values": dict(zip(COLUMNS, values))}
                for code, values in report.table3
            ],
        },
        "table4": {_table4_label(group): dict(zip(TABLE4_RESULTS, values)) for group, values in report.table4},
        "fees_yuan": report.fees,
        "findings": [f.to_dict() for f in report.findings],
    }


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"
