"""The one helper layer every ``pipeline/config`` module reads its yaml file with.

:class:`ConfigError` (file + Chinese message), :func:`read_yaml` (UTF-8, no anchors, aliases, tags or
deep nesting), :func:`only` (a mapping with known and required keys) and the typed checks of values.
Reads no file of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml

from pipeline import safe_yaml


class ConfigError(Exception):
    """A configuration file is missing or wrong; ``str()`` is an editor-readable message."""

    def __init__(self, path: Path | str, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(path, "配置文件不存在")
    try:
        return safe_yaml.load(path.read_text(encoding="utf-8"))  # no anchors, aliases, tags or deep nesting
    except UnicodeDecodeError:
        raise ConfigError(path, "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    except safe_yaml.UnsafeYaml as exc:
        where = f"第 {exc.line} 行" if exc.line else ""
        field_name = f"（字段 {exc.field}）" if exc.field else ""
        raise ConfigError(path, f"YAML 格式错误{where}{field_name}：{exc.problem} [{exc.rule}]") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ConfigError(path, f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}") from None


def mapping(path: Path, data: Any, what: str) -> dict:
    if not isinstance(data, dict):
        raise ConfigError(path, f"{what}应当是键值对（映射）")
    return data


def build(cls: type, path: Path, data: dict, where: str, required: tuple[str, ...]) -> Any:
    """Make a frozen config record, naming the unknown or missing key when there is one."""
    only(path, data, where, tuple(sorted(cls.__dataclass_fields__)), required)
    values = {}
    for key, value in data.items():
        default = cls.__dataclass_fields__[key].type
        if isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif "int" in str(default) and not isinstance(value, int):
            raise ConfigError(path, f"{where}键 “{key}” 应当是整数，实际是 {value!r}")
        elif "str" in str(default) and not isinstance(value, str):
            value = str(value)
        values[key] = value
    return cls(**values)


# Names and footer facts are written into every page's header, navigation, <title> and footer,
# and mkdocs-material prints some of them without escaping: a value with one of these characters
# is refused (a 门户 name never needs them; full-width ＜＞＆ and 《》 are fine).
HTML_SPECIAL = "<>&\"'`"


# URL values keep their query strings ("&"), and are escaped where templates print them
URL_KEYS = frozenset({"site_url", "gov_mark_image", "gov_mark_url", "error_report_url"})


def refuse_markup(path: Path, record: Any, where: str, keys: Iterable[str]) -> None:
    for key in keys:
        value = getattr(record, key)
        if isinstance(value, str):
            special = HTML_SPECIAL.replace("&", "") + " " if key in URL_KEYS else HTML_SPECIAL
            bad = sorted({c for c in value if c in special or (c < " " and c != "\t")})
            if bad:
                shown = "、".join(repr(c)[1:-1] if c < " " else c for c in bad)
                raise ConfigError(
                    path,
                    f"{where}键 “{key}” 的值 “{value}” 含有 HTML 特殊字符或控制字符 {shown}：它会写进每个网页的页眉、"
                    "导航或页脚，请去掉（可改用全角的 ＜ ＞ ＆ 或书名号《》）",
                )


def id_ok(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value != ""
        and all(c.isascii() and (c.isalnum() or c == "-") for c in value)
        and value == value.lower()
    )


def non_negative(path: Path, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(path, f"{where}应当是非负整数，实际是 {value!r}")
    return value


def only(path: Path, entry: Any, where: str, known: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    entry = mapping(path, entry, where)
    for key in entry:
        if key not in known:
            raise ConfigError(path, f"{where}未知的键 “{key}”（可用：{'、'.join(known)}）")
    for key in required:
        if entry.get(key) in (None, ""):
            raise ConfigError(path, f"{where}缺少必填键 “{key}”")
    return entry


def number_in(path: Path, value: Any, where: str, low: float, high: float, integer: bool = False) -> Any:
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    if not ok or not low <= value <= high:
        kind = "整数" if integer else "数"
        raise ConfigError(path, f"{where}应当是 {low}–{high} 之间的{kind}，实际是 {value!r}")
    return value
