"""YAML that cannot hurt: every front matter, configuration and content data file is read here.

``yaml.safe_load`` constructs no Python objects, but it still expands anchors and aliases
(a "billion laughs" of nine nested aliases is gigabytes and minutes) and recurses once per
nesting level.  Before anything is composed, :func:`load` walks the parser's event stream
(libyaml's C parser when PyYAML has it) and refuses:

- any anchor (``&a``) or alias (``*a``) — rule ``yaml-alias``; no editor needs them, and
  refusing them at the event level means nothing is ever expanded: a bomb costs only the
  milliseconds it takes to read the first alias;
- nesting deeper than :data:`MAX_DEPTH` — ``bad-yaml``;
- explicit tags other than the plain core ones (``!!python/…``, ``!!binary``, ``!!set``,
  ``!custom`` …) — ``bad-yaml``;
- a key written twice in one mapping — ``bad-yaml`` (PyYAML keeps the last one silently:
  an editor reading the file sees the first ``public:`` or ``site:``, the build would use the
  other);
- a character PyYAML's reader refuses (NUL, BEL, ESC, DEL, C1 controls, U+FFFE …) —
  ``encoding``, naming the line, the column and the character as U+XXXX.

Every YAML file (and every Markdown file with front matter) is decoded by :func:`decode`,
which says the same, in the same words, of bytes that are not UTF-8 (GBK, UTF-16, a lone
surrogate, a stray 0xFF) and of control characters anywhere in the file.

Only then is the text loaded, by the safe loader given.  Problems are raised as
:class:`UnsafeYaml`, a ``yaml.YAMLError`` (so callers that already report YAML errors
report these too) that carries the rule id, the line (1-based, in the YAML text) and the
field, as a path of keys such as ``attachments[2].file``.  This module never prints.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

MAX_DEPTH = 20  # an item's front matter nests two levels; configuration files four
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~8x faster
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))


class UnsafeYaml(yaml.YAMLError):
    """YAML refused before it was loaded; ``problem`` is the Chinese explanation."""

    def __init__(self, rule: str, problem: str, line: int | None, field: str | None):
        super().__init__(problem)
        self.rule = rule
        self.problem = problem  # for rule ``encoding`` it names its own line and column
        self.line = line  # 1-based line in the YAML text
        self.field = field


# what PyYAML's reader refuses ("special characters are not allowed"; libyaml: "control
# characters"): everything outside its printable set — tab, LF, CR, x20-x7E, NEL, xA0-uD7FF,
# uE000-uFFFD and the astral planes
_UNREADABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# in a whole file (a Markdown body included): what XML 1.0 (feeds, the sitemap) cannot carry and
# no reader sees
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _where(text: str, at: int) -> tuple[int, int]:
    """(line, column), 1-based, of the character at offset ``at`` of ``text`` (front matter's
    text starts with the rest of the opening ``---`` line: its lines are the file's)."""
    line_start = text.rfind("\n", 0, at) + 1
    return 1 + text.count("\n", 0, at), at - line_start + 1


def _named(char: str) -> str:
    """The character as an editor is told of it: what it is, its U+XXXX, where it comes from."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"一个落单的代理字符 U+{code:04X}（UTF-8 中不允许，通常是编码转换出错）"
    if code in (0xFFFE, 0xFFFF):
        return f"一个非字符 U+{code:04X}（通常是字节顺序标记放错了位置或编码转换出错）"
    return f"一个看不见的控制字符 U+{code:04X}（通常是从别处复制时带进来的）"


def unreadable(text: str, pattern: re.Pattern = _UNREADABLE) -> UnsafeYaml | None:
    """The ``encoding`` problem of the first character of ``text`` PyYAML's reader refuses
    (``pattern``: another set, such as :data:`CONTROL` for a whole Markdown file); None when
    there is none."""
    bad = pattern.search(text)
    if bad is None:
        return None
    line, column = _where(text, bad.start())
    return UnsafeYaml("encoding", f"第 {line} 行第 {column} 列有{_named(bad.group())}，请删除后保存", line, None)


class NotText(UnsafeYaml):
    """:func:`decode`'s refusal: the file is not UTF-8 text, or holds a control character."""


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode(data: bytes) -> str:
    """The text of a YAML or Markdown file (a UTF-8 BOM dropped), or :class:`NotText` (rule
    ``encoding``) naming the line, column and byte or character of the first thing that is not
    UTF-8 or is a control character (anywhere: a Markdown body goes to feeds too)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise NotText(
                "encoding", f"文件是 {name} 编码（第 1 行开头有 {name} 字节顺序标记），请用编辑器另存为 UTF-8", 1, None
            )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        head = data[:start].decode("utf-8-sig", errors="replace")
        line, column = _where(head, len(head))
        chunk = data[start : start + 3]
        try:
            lone = chunk.decode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            lone = ""
        if lone and 0xD800 <= ord(lone[0]) <= 0xDFFF:
            what = f"落单的代理字符 U+{ord(lone[0]):04X}（字节 {chunk.hex(' ').upper()}，UTF-8 中不允许）"
        else:
            what = "字节 " + " ".join(f"0x{b:02X}" for b in data[start : max(exc.end, start + 1)])
        try:
            data.decode("gb18030")
            guess = "（看来是 GBK 编码）"
        except UnicodeDecodeError:
            guess = ""
        raise NotText(
            "encoding",
            f"文件不是 UTF-8 编码{guess}：第 {line} 行第 {column} 列是{what}，不是 UTF-8 文字；请用编辑器另存为 UTF-8",
            line,
            None,
        ) from None
    problem = unreadable(text, CONTROL)
    if problem is not None:
        raise NotText(problem.rule, "文件" + problem.problem, problem.line, None)
    return text


def check(text: str, loader: type = SafeLoader, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`UnsafeYaml` for a character the reader refuses, an anchor, alias, deep
    nesting or unusual tag in ``text``; a plain syntax error is left for the loader to report
    (``yaml.YAMLError``)."""
    problem = unreadable(text)
    if problem is not None:
        raise problem
    if _plainly_safe(text, max_depth):
        return
    # frames: [is_mapping, expecting_key, key_or_index]
    frames: list[list] = []
    try:
        for event in yaml.parse(text, Loader=loader):
            kind = type(event)
            if (
                kind is yaml.StreamStartEvent
                or kind is yaml.StreamEndEvent
                or kind is yaml.DocumentStartEvent
                or kind is yaml.DocumentEndEvent
            ):
                continue
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frames.pop()
                _value_done(frames)
                continue
            if kind is yaml.AliasEvent:
                raise UnsafeYaml(
                    "yaml-alias",
                    f"使用了 YAML 别名 “*{_short(event.anchor)}”（引用锚点的内容）。请直接写出内容，"
                    "不要用 & 锚点和 * 别名",
                    line,
                    _field(frames),
                )
            if event.anchor is not None:
                raise UnsafeYaml(
                    "yaml-alias",
                    f"使用了 YAML 锚点 “&{_short(event.anchor)}”。请直接写出内容，不要用 & 锚点和 * 别名",
                    line,
                    _field(frames),
                )
            tag = event.tag
            if tag is not None and tag not in CORE_TAGS and not (kind is yaml.ScalarEvent and tag == "!"):
                raise UnsafeYaml(
                    "bad-yaml",
                    f"不支持 YAML 标签 “{_short(tag.replace('tag:yaml.org,2002:', '!!'))}”，请去掉它，直接写文字、"
                    "数字、列表或键值对",
                    line,
                    _field(frames),
                )
            if kind is yaml.ScalarEvent:
                if frames and frames[-1][0] and frames[-1][1]:  # a key of a mapping
                    frames[-1][1] = False
                    frames[-1][2] = event.value
                else:
                    _value_done(frames)
                continue
            # a mapping or sequence starts
            if frames and frames[-1][0] and frames[-1][1]:  # a complex key: no editor writes one
                raise UnsafeYaml("bad-yaml", "键不能是列表或映射", line, _field(frames))
            if len(frames) >= max_depth:
                raise UnsafeYaml("bad-yaml", f"嵌套超过 {max_depth} 层，不是正常的信息头或配置", line, _field(frames))
            is_mapping = kind is yaml.MappingStartEvent
            frames.append([is_mapping, True, -1 if is_mapping else 0])
    except RecursionError:  # the pure-Python parser on absurd input
        raise UnsafeYaml("bad-yaml", f"嵌套超过 {max_depth} 层，不是正常的信息头或配置", None, _field(frames)) from None


_SUSPECT = re.compile(r"[&*!]|^[ \t?:-]{%d,}" % (MAX_DEPTH + 1), re.MULTILINE)


def _plainly_safe(text: str, max_depth: int) -> bool:
    """No event scan needed (most front matter; half the cost of loading it): no ``&``, ``*``
    or ``!`` at all (so no anchor, alias or tag), at most ``max_depth`` brackets and braces,
    and no line indented by more than ``max_depth`` columns (block nesting needs a column per
    level), so nothing can nest deeper than the limit either."""
    return max_depth == MAX_DEPTH and _SUSPECT.search(text) is None and text.count("[") + text.count("{") <= max_depth


def _value_done(frames: list[list]) -> None:
    if not frames:
        return
    top = frames[-1]
    if top[0]:
        top[1] = True  # the next scalar is a key again
    else:
        top[2] += 1


def _field(frames: list[list]) -> str | None:
    """The path of the value being read: ``attachments[2].file``."""
    parts: list[str] = []
    for is_mapping, _expecting_key, at in frames:
        if is_mapping:
            if at == -1:
                break
            parts.append(("." if parts else "") + _short(str(at), 40))
        else:
            parts.append(f"[{at + 1}]")
    return "".join(parts) or None


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@functools.cache
def _no_duplicates(loader: type) -> type:
    """``loader`` refusing a mapping that names a key twice (:class:`UnsafeYaml`, ``bad-yaml``)."""

    class NoDuplicates(loader):
        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                first: dict[Any, int] = {}
                for key_node, _value in node.value:
                    key = self.construct_object(key_node, deep=True)
                    line = key_node.start_mark.line + 1
                    try:
                        seen = first.get(key)
                        first.setdefault(key, line)
                    except TypeError:  # an unhashable key: the loader itself reports it
                        continue
                    if seen is not None:
                        raise UnsafeYaml(
                            "bad-yaml",
                            f"键 “{_short(str(key), 40)}” 写了两次（"
                            + (f"第 {seen} 行和第 {line} 行" if seen != line else f"都在第 {line} 行")
                            + "），"
                            "只会用到后一个；请删去多余的一个",
                            line,
                            _short(str(key), 40),
                        )
            return super().construct_mapping(node, deep=deep)

    NoDuplicates.__name__ = f"NoDuplicates{loader.__name__}"
    return NoDuplicates


def load(text: str, loader: type = SafeLoader, max_depth: int = MAX_DEPTH) -> Any:
    """``yaml.load(text, loader)`` after :func:`check`; ``loader`` must be a safe loader
    (``SafeLoader``, ``CSafeLoader`` or a subclass).  A key written twice in one mapping is
    refused (``bad-yaml``)."""
    check(text, loader, max_depth)
    try:
        data = yaml.load(text, Loader=_no_duplicates(loader))  # noqa: S506 - a safe loader, and checked above
    except (ValueError, OverflowError) as exc:  # a value the loader cannot make, e.g. the date 2026-13-01
        raise UnsafeYaml(
            "bad-yaml", f"有无法读取的值（{exc}），日期要写成有效的日期，例如 2026-12-01", None, None
        ) from None
    if "\\" in text:  # only an escape ("\x01", "\ud800") makes a character the reader refuses as written
        _no_invalid(data, "")
    return data


def _no_invalid(value: Any, field: str) -> None:
    """No escape (``"\x01"``, ``"\ud800"``) made a character XML 1.0 cannot carry (feeds, the
    sitemap) or a lone surrogate UTF-8 cannot encode."""
    if isinstance(value, str):
        bad = CONTROL.search(value)
        if bad:
            raise UnsafeYaml(
                "bad-yaml",
                f"含有不可见的控制字符 U+{ord(bad.group()):04X}（写成了 \\x、\\u 之类的转义），请删去",
                None,
                field or None,
            )
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_invalid(k, field)
            _no_invalid(v, f"{field}.{k}" if field else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_invalid(v, f"{field}[{i + 1}]")


# PyYAML's problems as an editor can act on them (the original follows in brackets for whoever
# maintains the file): the commonest mistakes in hand-written front matter and configuration
_EXPLAINED = (
    (
        "mapping values are not allowed",
        '这一行多了“: ”或缩进不对：值里有英文冒号时请给整个值加引号（例如 title: "会议: 召开"）',
    ),
    ("could not find expected ':'", "缺少“:”：每一行应当是“键: 值”"),
    ("found character '\\t' that cannot start any token", "不能用 Tab 键缩进或分隔，请改用空格"),
    ("tab character", "不能用 Tab 键缩进或分隔，请改用空格"),
    ("that cannot start any token", "值不能以这个符号开头，请给整个值加引号"),
    ("found unknown escape character", "双引号中的反斜杠 \\ 后面不能跟这个字符：写成 \\\\，或改用单引号"),
    ("expected ',' or ']'", "方括号 [ ] 没有配对"),
    ("expected ',' or '}'", "花括号 { } 没有配对"),
    ("expected <block end>", "缩进不一致，或“- ”开头的列表行与“键: 值”行混在同一层"),
    ("found undefined alias", "不支持以 * 开头的引用，请写出完整的值"),
    ("did not find expected key", "缩进不一致，或缺少“:”"),
    ("found unexpected end of stream", "引号没有配对：以引号开始的值要以同样的引号结束"),
    ("did not find expected", "格式不完整：括号、引号或缩进没有配对"),
)


def explain(exc: BaseException) -> str:
    """What a :class:`yaml.YAMLError` means, in Chinese, with PyYAML's own words after it."""
    if isinstance(exc, yaml.reader.ReaderError):  # text not through check() (it names line and column)
        char = exc.character
        named = _named(chr(char)) if isinstance(char, int) else f"无法读取的字节 {char!r}"
        return f"第 {exc.position + 1} 个字符是{named}，请删除后保存（YAML：{exc.reason}）"
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = str(getattr(exc, "context", None) or "")
    if "quoted scalar" in context and "end of stream" in problem:
        said = "引号没有配对：以引号开始的值要以同样的引号结束"
    else:
        said = next((chinese for english, chinese in _EXPLAINED if english in problem), "格式不对")
    return f"{said}（YAML：{problem}）"
