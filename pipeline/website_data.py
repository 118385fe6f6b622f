"""The 政府网站工作年度报表 data file's values, checked: what :mod:`pipeline.website_report` asks
of ``content/website-report/<year>.yaml`` (read in the publication stage,
:class:`pipeline.report_data.WebsiteFile`).

A :class:`Sheet` is one year's file being checked: its values by row, the line of each key,
and the findings so far, in the order an editor reads them.  Every value comes out as the row's
kind (whole number, number, 是/否, text, date) or as a finding naming the row, never as a
guessed 0.  Pure: nothing here reads, prints or writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline import data_file
from pipeline.findings import Finding, error, warning
from pipeline.report_data import WebsiteFile
from pipeline.website_template import ALLOWED, DATA, INNOVATIONS, NO, OTHER_MEDIA_KEYS, WECHAT, WEIBO, YES, Row

_Bad = data_file.DataError
MISSING = object()  # a row the data file does not hold


@dataclass(frozen=True)
class OtherAccount:
    """移动新媒体 › 其他: one further account (今日头条、抖音、政务客户端 …)."""

    channel: str
    name: str | None
    posts: int | None
    followers: int | None


@dataclass
class Sheet:
    """One year's data file under check, and the findings so far."""

    rel: str  # the file, relative to content/
    data: dict
    lines: dict[tuple[str, ...], int]
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def of(cls, file: WebsiteFile, rel: str) -> Sheet:
        return cls(rel, file.data, dict(file.lines))

    def line_of(self, path: tuple[str, ...]) -> int | None:
        """The line of ``path``, or of its nearest written parent."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None

    def error(self, rule: str, message: str, line: int | None, **where) -> None:
        self.findings.append(error(self.rel, rule, message, line, **where))

    def warn(self, rule: str, message: str, line: int | None, **where) -> None:
        self.findings.append(warning(self.rel, rule, message, line, **where))

    def lookup(self, path: tuple[str, ...]) -> Any:
        node: Any = self.data
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return MISSING
            node = node[p]
        return node

    def value(self, row: Row, why: str = "") -> Any:
        """The row's value as its kind; None (and a finding) when missing or wrong."""
        raw = self.lookup(row.path)
        if raw is MISSING:
            self.error(
                "website-report-missing",
                f"缺少 “{row.title}”{why}：请在 {self.rel} 中填写 {' › '.join(row.path)}",
                self.line_of(row.path[:-1]),
                row=row.title,
            )
            return None
        try:
            return coerce(row, raw, row.title)
        except _Bad as bad:
            self.error("website-report-data", bad.message, self.line_of(row.path), row=row.title)
            return None

    def unused(self, row: Row, since: str, counted_by: str) -> None:
        """A warning when the file holds a row the portal counts itself: ``since`` what it has,
        ``counted_by`` what it counts (日志, 条目)."""
        if self.lookup(row.path) is not MISSING:
            self.warn(
                "website-report-unused",
                f"{since}，“{row.title}” 按{counted_by}统计，数据文件中的值未使用",
                self.line_of(row.path),
                row=row.title,
            )

    def check_keys(self) -> None:
        """Every key of the file is a row of the template (or 移动新媒体 › 其他)."""

        def walk(node: dict, allowed: dict, path: tuple[str, ...]):
            for key, value in node.items():
                p = path + (str(key),)
                where = " › ".join(p)
                if str(key) not in allowed:
                    options = "、".join(k for k in allowed)
                    self.error(
                        "website-report-unknown",
                        f"未知的项 “{where}”（这一级可用：{options}）",
                        self.lines.get(p),
                        row=where,
                    )
                    continue
                sub = allowed[str(key)]
                if isinstance(sub, dict):
                    if not isinstance(value, dict):
                        message = f"“{where}” 应当是键值对（{'、'.join(sub)}）"
                        self.error("website-report-data", message, self.lines.get(p), row=where)
                        continue
                    walk(value, sub, p)

        walk(self.data, ALLOWED, ())

    def innovations(self) -> dict[str, Any] | None:
        """创新发展: the data file lists the ticked items; any other text is 其他."""
        raw = self.data.get("创新发展", MISSING)
        if raw is MISSING:
            message = "缺少 “创新发展”：列出已具备的项，例如 [搜索即服务, 无障碍浏览]；都没有时写 []"
            self.error("website-report-missing", message, None, row="创新发展")
            return None
        if raw is None:
            raw = []
        if not isinstance(raw, list) or any(not isinstance(v, str) or not v.strip() for v in raw):
            self.error(
                "website-report-data",
                f"“创新发展” 应当是已具备项的列表（{'、'.join(INNOVATIONS[:-1])}，或其他文字），实际是 {raw!r}",
                self.lines.get(("创新发展",)),
                row="创新发展",
            )
            return None
        ticked = [v.strip() for v in raw]
        other = "、".join(v for v in ticked if v not in INNOVATIONS[:-1] and v != "其他")
        out: dict[str, Any] = {label: label in ticked for label in INNOVATIONS[:-1]}
        out["其他"] = other or "无"
        return out

    def other_accounts(self, channels: dict | None, year: int) -> tuple[OtherAccount, ...]:
        """移动新媒体 › 其他: the accounts of every channel but 网站, 微博, 微信 — posts counted from the
        items (``channels`` given) or read from the data file (a year without items)."""
        path = ("移动新媒体", "其他")
        raw = self.lookup(path)
        if raw is MISSING or raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.error(
                "website-report-data",
                "“移动新媒体 › 其他” 应当写成 渠道: {名称: …, 关注量: …}，"
                "例如 今日头条: {名称: 江临商务, 关注量: 3200}",
                self.lines.get(path),
                row="移动新媒体 › 其他",
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
            at = path + (str(channel),)
            entry = raw.get(channel, MISSING)
            if entry is MISSING:
                self.error(
                    "website-report-missing",
                    f"{year} 年有 {channels[channel]} 条信息发布到 “{channel}”，"
                    f"请在 {self.rel} 的 移动新媒体 › 其他 中填写该账号的名称和关注量",
                    self.lines.get(path) or self.lines.get(("移动新媒体",)),
                    row=where,
                )
                out.append(OtherAccount(str(channel), None, channels[channel], None))
                continue
            if not isinstance(entry, dict):
                self.error(
                    "website-report-data", f"“{where}” 应当写成 {{名称: …, 关注量: …}}", self.lines.get(at), row=where
                )
                continue
            for key in entry:
                if key not in OTHER_MEDIA_KEYS:
                    message = f"“{where}” 未知的项 “{key}”（可用：{'、'.join(OTHER_MEDIA_KEYS)}）"
                    self.error("website-report-unknown", message, self.lines.get(at + (str(key),)), row=where)
            values = {
                key: self._account_value(entry, key, kind, where, at, channels, channel, year)
                for key, kind in (
                    ("名称", "text"),
                    ("关注量", "int"),
                    ("信息发布量", "int"),
                )
            }
            out.append(OtherAccount(str(channel), values["名称"], values["信息发布量"], values["关注量"]))
        return tuple(out)

    def _account_value(self, entry: dict, key: str, kind: str, where: str, at: tuple, channels, channel, year: int):
        if key == "信息发布量" and channels is not None:
            if key in entry:
                self.warn(
                    "website-report-unused",
                    f"门户有 {year} 年的信息条目，“{where} › 信息发布量” 按条目统计，数据文件中的值未使用",
                    self.lines.get(at + (key,)),
                    row=where,
                )
            return channels.get(channel, 0)
        if key not in entry:
            self.error("website-report-missing", f"缺少 “{where} › {key}”", self.lines.get(at), row=f"{where} › {key}")
            return None
        try:
            return coerce(Row("", "", "", key, kind, DATA), entry[key], f"{where} › {key}")
        except _Bad as bad:
            self.error("website-report-data", bad.message, self.lines.get(at + (key,)), row=where)
            return None


def coerce(row: Row, value: Any, where: str) -> Any:
    """A data-file value as the row's kind, or :class:`pipeline.data_file.DataError` naming the row."""
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
