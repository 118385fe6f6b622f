"""``site_config/columns.yaml``: the columns (栏目), each with its category (which sets the freshness
limit in health.yaml) and the 《政府网站工作年度报表》 category it is counted in.  Reads only columns.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.fields import ConfigError, Entry, id_ok, integer, mapping, read_yaml, refuse_markup, text


COLUMN_CATEGORIES = ("动态要闻", "通知公告", "政策文件", "人事", "规划计划", "统计数据", "财务", "办事指南")
# 《政府网站工作年度报表》信息发布: every column is counted in one of these (columns.yaml report_category)
REPORT_CATEGORIES = ("概况类", "政务动态", "信息公开目录")


@dataclass(frozen=True)
class Column:
    """栏目；category 决定它在检查指标里的更新时限；report_category 是它在《政府网站工作年度报表》
    “信息发布”中计入的类别（概况类、政务动态、信息公开目录）。"""

    id: str
    name: str
    category: str
    order: int
    report_category: str = ""

    # The column across the whole portal: list ``column/<column>/`` (+ ``page/N/``), feed ``column/<column>/feed.xml``.
    @property
    def url(self) -> str:
        return f"column/{self.id}/"

    @property
    def base(self) -> str:
        """The folder of the portal-wide list (``index.md``, ``page/N.md``)."""
        return f"column/{self.id}"

    @property
    def home_doc(self) -> str:
        return f"{self.base}/index.md"

    @property
    def feed(self) -> str:
        return f"{self.base}/feed.xml"


COLUMN_FIELDS = {"id": text, "name": text, "category": text, "order": integer(low=None), "report_category": text}


def load_columns(path: Path) -> tuple[Column, ...]:
    """columns.yaml's columns, sorted by order and id."""
    data = mapping(path, read_yaml(path), "columns.yaml ")
    entries = data.get("columns")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "需要非空列表 “columns”")
    columns, seen = [], set()
    for n, raw in enumerate(entries, 1):
        entry = Entry(path, raw, f"第 {n} 个栏目：", COLUMN_FIELDS, ("id", "name", "category"))
        column = Column(**{"order": n, **entry.values(COLUMN_FIELDS)})
        refuse_markup(path, column, entry.where, ("name",))
        if not id_ok(column.id):
            raise entry.error(f"id “{column.id}” 只能用小写英文字母、数字和连字符")
        if column.id in seen:
            raise entry.error(f"id “{column.id}” 重复")
        if column.category not in COLUMN_CATEGORIES:
            raise entry.error(f"category “{column.category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
        if column.report_category not in REPORT_CATEGORIES:
            shown = f"“{column.report_category}” 无效" if column.report_category else "没有 report_category"
            raise entry.error(
                f"栏目 “{column.id}”（{column.name}）{shown}：每个栏目都要归入《政府网站工作年度报表》"
                f"信息发布的一类，可选：{'、'.join(REPORT_CATEGORIES)}"
            )
        seen.add(column.id)
        columns.append(column)
    return tuple(sorted(columns, key=lambda c: (c.order, c.id)))
