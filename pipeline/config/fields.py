"""The one helper layer every ``pipeline/config`` module reads its yaml file with.

:func:`read_yaml` reads a file (UTF-8; no anchors, aliases, tags or deep nesting).  An :class:`Entry`
is one mapping of it — the whole file or one item of a list: unknown and missing required keys are
refused when it is made, and :meth:`Entry.values` checks each present key with the typed field named
for it in the module's field table (:func:`text`, :func:`texts`, :func:`integer`, :func:`number`,
:data:`flag`).  Absent keys keep the record's own default, so every default is written once, on the
record.  Every problem is a :class:`ConfigError` naming the file and the key, in Chinese.

Reads no file of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from pipeline import safe_yaml


class ConfigError(Exception):
    """A configuration file is missing or wrong; ``str()`` is an editor-readable message."""

    def __init__(self, path: Path | str, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class Wrong(Exception):
    """A typed field refused a value; ``tail`` says what it should be (e.g. "应当是非负整数")."""

    def __init__(self, tail: str):
        super().__init__(tail)
        self.tail = tail


Field = Callable[[Any], Any]  # a value as YAML gives it → the checked, typed value; raises Wrong


def present(path: Path) -> bool:
    """Whether an optional configuration file is there to be read: False only when nothing at all
    is at ``path``; a folder, a FIFO, a broken or looping link there is refused, never taken for
    "no file" — the defaults it would silently bring (no reviewers, the stock word list) are not
    what the bureau wrote."""
    if path.is_file():
        return True
    if not os.path.lexists(path):
        return False
    raise ConfigError(path, _NOT_A_FILE)


_NOT_A_FILE = "不是普通文件（是文件夹、损坏的符号链接或其他特殊文件），无法读取；不用它时请删除"


def read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, _NOT_A_FILE if os.path.lexists(path) else "配置文件不存在")
    try:
        # UTF-8; no control characters, anchors, aliases, tags or deep nesting
        return safe_yaml.load(safe_yaml.decode(path.read_bytes()))
    except OSError as exc:  # unreadable (permissions, an I/O error): never a traceback, never the defaults
        raise ConfigError(path, f"无法读取（{exc.strerror or exc}），请检查文件权限") from None
    except safe_yaml.UnsafeYaml as exc:
        if exc.rule == "encoding":  # not UTF-8 or a control character: the problem names line and column
            raise ConfigError(path, f"{exc.problem} [{exc.rule}]") from None
        where = f"第 {exc.line} 行" if exc.line else ""
        field_name = f"（字段 {exc.field}）" if exc.field else ""
        raise ConfigError(path, f"YAML 格式错误{where}{field_name}：{exc.problem} [{exc.rule}]") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ConfigError(path, f"YAML 格式错误{where}：{safe_yaml.explain(exc)}") from None


def mapping(path: Path, data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(path, f"{what}应当是键值对（映射）")
    return data


def only(path: Path, entry: Any, where: str, known: Iterable[str], required: Iterable[str] = ()) -> dict:
    """``entry`` as a mapping with no key outside ``known`` and every ``required`` key filled."""
    known = tuple(known)
    entry = mapping(path, entry, where)
    for key in entry:
        if key not in known:
            raise ConfigError(path, f"{where}未知的键 “{key}”（可用：{'、'.join(known)}）")
    for key in required:
        if entry.get(key) in (None, ""):
            raise ConfigError(path, f"{where}缺少必填键 “{key}”")
    return entry


class Entry:
    """One mapping of a config file, read key by key.  ``where`` starts every message ("第 3 个子站：")."""

    def __init__(self, path: Path, data: Any, where: str, known: Iterable[str], required: Iterable[str] = ()):
        self.path = path
        self.where = where
        # the file itself (where ""): "portal.yaml 未知的键 …"; its field errors name just the key
        self.data = only(path, data if data is not None else {}, where or f"{Path(path).name} ", known, required)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value (for checks no typed field covers)."""
        value = self.data.get(key)
        return default if value is None else value

    def entries(self, key: str) -> list:
        """The list under ``key`` (absent or empty: no entries)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"{key} 应当是列表")
        return value

    def table(self, key: str) -> dict:
        """The mapping under ``key`` (absent or empty: an empty one)."""
        return mapping(self.path, self.get(key, {}), f"{self.where}{key} ")

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.path, f"{self.where}{message}")

    def read(self, key: str, field: Field, default: Any = None) -> Any:
        """``key`` checked by ``field``; ``default`` when the key is absent or empty."""
        value = self.data.get(key)
        return default if value is None else self.check(key, value, field)

    def check(self, label: str, value: Any, field: Field) -> Any:
        """``value`` checked by ``field``; ``label`` names it in the message (a key, or e.g. "points.县市区")."""
        try:
            return field(value)
        except Wrong as wrong:
            gap = "" if wrong.tail.startswith("（") else " "
            raise self.error(f"{label}{gap}{wrong.tail}，实际是 {value!r}") from None

    def values(self, fields: dict[str, Field]) -> dict[str, Any]:
        """The checked values of the keys present (absent and empty ones keep the record's default)."""
        return {key: self.read(key, field) for key, field in fields.items() if self.data.get(key) is not None}


# --- typed fields -----------------------------------------------------------------------


def text(value: Any) -> str:
    """A scalar as text (YAML may read 4306000012 as a number)."""
    if isinstance(value, (list, dict, bool)):
        raise Wrong("应当是文字")
    return str(value)


def texts(value: Any) -> tuple[str, ...]:
    """A list of scalars, as text."""
    if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
        raise Wrong("应当是列表，例如 [a, b]")
    return tuple(str(v) for v in value)


def integer(low: int | None = 0, high: int | None = None) -> Field:
    """An integer from ``low`` (to ``high``; ``low=None``: any); true/false are not integers."""
    if low is None:
        tail = "应当是整数"
    elif high is not None:
        tail = f"应当是 {low} 到 {high} 之间的整数"
    else:
        tail = {0: "应当是非负整数", 1: "应当是正整数"}.get(low, f"应当是不小于 {low} 的整数")

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Wrong(tail)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Wrong(tail)
        return value

    return check


def number(low: float, high: float) -> Field:
    """A number from ``low`` to ``high``."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise Wrong(f"应当是 {low}–{high} 之间的数")
        return float(value)

    return check


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Wrong("只能是 true 或 false")
    return value


def id_ok(value: Any) -> bool:
    """An id used in URLs and file names: lower-case ASCII letters, digits and hyphens."""
    return (
        isinstance(value, str)
        and value != ""
        and all(c.isascii() and (c.isalnum() or c == "-") for c in value)
        and value == value.lower()
    )


# Names and footer facts are written into every page's header, navigation, <title> and footer,
# and mkdocs-material prints some of them without escaping: a value with one of these characters
# is refused (a 门户 name never needs them; full-width ＜＞＆ and 《》 are fine).
HTML_SPECIAL = "<>&\"'`"


def refuse_markup(path: Path, record: Any, where: str, keys: Iterable[str], urls: Iterable[str] = ()) -> None:
    """Refuse HTML-special and control characters in the text ``keys`` of ``record``; the ``urls``
    among them keep their query strings ("&") and are escaped where templates print them."""
    urls = frozenset(urls)
    for key in keys:
        value = getattr(record, key)
        if isinstance(value, str):
            special = HTML_SPECIAL.replace("&", "") + " " if key in urls else HTML_SPECIAL
            bad = sorted({c for c in value if c in special or (c < " " and c != "\t")})
            if bad:
                shown = "、".join(repr(c)[1:-1] if c < " " else c for c in bad)
                raise ConfigError(
                    path,
                    f"{where}键 “{key}” 的值 “{value}” 含有 HTML 特殊字符或控制字符 {shown}：它会写进每个网页的页眉、"
                    "导航或页脚，请去掉（可改用全角的 ＜ ＞ ＆ 或书名号《》）",
                )
