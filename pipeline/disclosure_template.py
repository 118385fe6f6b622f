"""The national template of the 政府信息公开工作年度报告 (国办公开办函〔2021〕30号): section
titles, the rows and columns of tables 二、三、四, word for word, and the names messages use for
them.  Facts only; read by :mod:`pipeline.report_data` (checking the data file),
:mod:`pipeline.report` (the tables) and :mod:`pipeline.render.disclosure_report` (layout).
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "国办公开办函〔2021〕30号"

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


def table4_label(group: str) -> str:
    """A table 四 group's column name: 行政复议, or 行政诉讼·<group>."""
    return group if group == "行政复议" else f"行政诉讼·{group}"
