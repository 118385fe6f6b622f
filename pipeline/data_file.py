"""One reader for the yearly data files editors keep under ``content/`` — the 年度报告 data
(``content/disclosure/<year>.yaml``) and the 网站工作年度报表 data (``content/website-report/<year>.yaml``).

Both are read the same careful way: never through a symlink that leaves ``content/``, UTF-8 only,
YAML without anchors, aliases, tags or deep nesting (:mod:`pipeline.safe_yaml`), a mapping at the
top.  Problems raise :class:`DataError` with a Chinese message and, where known, the line.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import yaml

from pipeline import content_walk, safe_yaml


class DataError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def as_date(value) -> date:
    """A date as YAML gives it (a date, a datetime or ISO text); ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


MAX_BYTES = 8 * 1024 * 1024  # a year's figures are a few KB; anything this large is not a data file


def available_years(folder: Path) -> tuple[int, ...]:
    """Years with a ``<folder>/<year>.yaml``, newest first."""
    if not folder.is_dir():
        return ()
    return tuple(sorted((int(p.stem) for p in folder.glob("*.yaml") if re.fullmatch(r"\d{4}", p.stem)), reverse=True))


def read_mapping(path: Path, missing: str, keys_hint: str) -> tuple[dict, str]:
    """The data file's mapping and its text.  ``missing``: what to say when there is no file;
    ``keys_hint``: the keys named when the top is not a mapping."""
    if not path.is_file():
        raise DataError(missing)
    if content_walk.leaves_content(path, path.parent.parent):
        raise DataError(
            f"这是指向 content/ 之外的符号链接，不会读取 [symlink]；请把文件本身放进 content/{path.parent.name}/"
        )
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DataError(
                f"文件有 {path.stat().st_size // 1024 // 1024} MB，超过 {MAX_BYTES // 1024 // 1024} MB 上限"
            )
        text = safe_yaml.decode(path.read_bytes())  # UTF-8, no control character
    except safe_yaml.NotText as exc:
        raise DataError(f"{exc.problem} [{exc.rule}]", exc.line) from None
    except OSError as exc:  # permissions, an I/O error: the file is there but cannot be read
        raise DataError(f"无法读取（{exc.strerror or type(exc).__name__}）") from None
    try:
        data = safe_yaml.load(text) or {}  # no anchors, aliases, tags or deep nesting
    except safe_yaml.UnsafeYaml as exc:
        where = f"（{exc.field}）" if exc.field else ""
        said = exc.problem if exc.rule == "encoding" else f"YAML{where}：{exc.problem}"  # names line and column
        raise DataError(f"{said} [{exc.rule}]", exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"YAML 格式错误：{safe_yaml.explain(exc)}", mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise DataError(f"文件内容应当是键值对（{keys_hint}）", 1)
    return data, text


def key_lines(text: str) -> tuple[tuple[tuple, int], ...]:
    """(path, line) of every mapping key and sequence entry, in document order; a path holds
    keys (str) and entry indexes (int): ``("applications", 2)`` → 14.  Empty when the text is not YAML."""
    out: list[tuple[tuple, int]] = []
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return ()

    def walk(node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                out.append((path + (str(k.value),), k.start_mark.line + 1))
                walk(v, path + (str(k.value),))
        elif isinstance(node, yaml.SequenceNode):
            for n, v in enumerate(node.value):
                out.append((path + (n,), v.start_mark.line + 1))
                walk(v, path + (n,))

    walk(root, ())
    return tuple(out)
