"""Load stage: every ``.md`` file under ``content/items/`` becomes an :class:`Item` or findings.

One reader per input, as Pelican does: nothing downstream touches item files.  Each file
is read once as bytes, decoded as UTF-8, split with python-frontmatter and checked against
the item contract.  A file that breaks the contract is *not* an item — it is reported
(rule ``encoding``, ``bad-yaml``, ``yaml-alias``, ``front-matter-too-large``,
``body-too-large``, ``schema``, ``unknown-key``, ``bad-date``, ``unknown-site``,
``unknown-column``, ``bad-slug``) so that nothing is dropped silently, and it can never
reach the site.  Date values are kept as text by the YAML loader and parsed here, so an
impossible date is a ``bad-date`` finding, not a YAML crash; :func:`check_dates` then
withholds dates outside the plausible range (``first_year`` of portal.yaml to one year
after the reference day).

Inputs cannot hurt: which files are items comes from :mod:`pipeline.content_walk`
(symbolic links leaving content/ are never read, nothing is skipped without a word); a
file is read with a bounded read (at most 64 KB of front matter plus ``max_body_kb`` of
body, so a 5 GB file costs nothing); front matter goes through :mod:`pipeline.safe_yaml`
(no anchors or aliases, bounded nesting, no tags), before anything is expanded.

Longer than ~400 lines on purpose: it is the item contract — every front-matter key, its
check and its Chinese message — in one place, so that a field is added or a rule changed in
one module, next to the one reader that applies it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable

import frontmatter
import yaml

from pipeline import content_walk, safe_yaml
from pipeline.config import Config
from pipeline.findings import Finding, error
from pipeline.model import DISCLOSURES, KINDS, Attachment, ChangeNote, Item

REQUIRED = ("title", "date", "site", "column", "author")
OPTIONAL = (
    "reviewer",
    "disclosure",
    "classified",
    "kind",
    "channels",
    "adopted",
    "doc_number",
    "topic",
    "genre",
    "summary",
    "tags",
    "attachments",
    "validity",
    "original",
    "original_reason",
    "changes",
    "date_changed_reason",
)
KNOWN_KEYS = REQUIRED + OPTIONAL
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
KEY_LINE_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
FRONT_MATTER_MAX = 64 * 1024  # bytes of YAML between the two --- lines
_BOUNDARY = re.compile(rb"^-{3,}[ \t\r]*$", re.MULTILINE)  # python-frontmatter's delimiter line
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)


# libyaml's C parser when PyYAML has it: about 8x faster on front matter than the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDateLoader(_SafeLoader):
    """SafeLoader that leaves timestamps as strings, so the pipeline parses dates itself."""


_TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Handler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: Any) -> Any:
        # no anchors, aliases, tags, deep nesting or control characters; ``fm`` starts with the
        # end of the opening --- line, so its lines are the file's
        return safe_yaml.load(fm, _TextDateLoader)


@dataclass(frozen=True)
class Loaded:
    items: tuple[Item, ...]
    findings: tuple[Finding, ...]
    files: int  # item files seen (loaded or not)
    paths: tuple[str, ...] = ()  # every item file seen, relative to the content folder


class _Reject(Exception):
    def __init__(self, finding: Finding):
        self.finding = finding


def read_limit(config: Config) -> int:
    """The most bytes of an item file worth reading: front matter, body and delimiters."""
    return FRONT_MATTER_MAX + config.portal.max_body_kb * 1024 + 4096


class TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, or :class:`TooLarge` (with its size) when it has more than ``limit``:
    never more than ``limit + 1`` bytes are read, and only a regular file is read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "不是普通文件")
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        parts, left = [], limit + 1
        while left > 0:  # plain reads of about the file's size (a buffered file object cost 4x more)
            chunk = os.read(fd, min(left, max(info.st_size + 1, 8192)))
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
        data = b"".join(parts)
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while being read
        raise TooLarge(len(data))
    return data


def size_problem(rel: str, data: bytes, size: int, config: Config) -> Finding | None:
    """``front-matter-too-large`` or ``body-too-large`` for a file of ``size`` bytes whose
    first bytes are ``data`` (at least the front matter and its closing line, when there is one)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    opening = _BOUNDARY.match(data, start)
    if opening is None:
        body = size - start
    else:
        window = opening.end() + 1 + FRONT_MATTER_MAX + 1
        closing = _BOUNDARY.search(data, opening.end() + 1, window + 1024)
        if closing is None or closing.start() - opening.end() - 1 > FRONT_MATTER_MAX:
            if size > window or (closing is not None):
                shown = (closing.start() - opening.end()) if closing else size
                return error(
                    rel,
                    "front-matter-too-large",
                    f"front matter（两行 --- 之间的信息头）有 {_kb(shown)}，超过 64 KB 上限。"
                    "信息头只写标题、日期等字段；长文字请写进正文",
                    1,
                )
            return None  # no closing line in a small file: the parser says what is wrong
        body = size - closing.end()
    limit = config.portal.max_body_kb * 1024
    if body > limit:
        return error(
            rel,
            "body-too-large",
            f"正文有 {_kb(body)}，超过 {_kb(limit)} 的上限（portal.yaml 的 max_body_kb）。"
            "请拆成几条信息，或把大段材料作为附件放在 content/files/ 下",
            1,
        )
    return None


def _kb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


@dataclass(frozen=True)
class Source:
    """One item file as read, to be parsed by :func:`parse`."""

    file: Path
    rel: str  # relative to the content folder
    data: bytes


@dataclass(frozen=True)
class Read:
    """The item files of a content folder as read, in walk order: each a :class:`Source` to
    parse, or the finding that rejected it before parsing (unreadable, too large)."""

    entries: tuple  # tuple[Source | Finding, ...]
    findings: tuple[Finding, ...]  # the walk's (links leaving content/, skipped files …)
    rels: tuple[str, ...]  # every item file seen

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(e for e in self.entries if type(e) is Source)


def read_sources(content_dir: Path | str, config: Config, walked: content_walk.Walk | None = None) -> Read:
    """Read every item file once, with a bounded read; ``walked``: the content folder's
    :func:`pipeline.content_walk.walk` when the caller has it (None: walked here)."""
    walked = content_walk.walk(Path(content_dir)) if walked is None else walked
    limit = read_limit(config)
    entries: list[Source | Finding] = []
    for entry in walked.items:
        file, rel = entry.path, entry.rel
        try:
            entries.append(Source(file, rel, read_bounded(file, limit)))
        except TooLarge as big:
            try:
                with open(file, "rb") as fh:
                    head = fh.read(FRONT_MATTER_MAX + 8192)
            except OSError:
                head = b""
            entries.append(
                size_problem(rel, head, big.size, config)
                or error(rel, "body-too-large", f"文件有 {_kb(big.size)}，超过上限", 1)
            )
        except OSError as exc:
            entries.append(error(rel, "unreadable", f"无法读取文件：{exc.strerror or exc}"))
    return Read(tuple(entries), tuple(walked.findings), tuple(walked.item_rels))


def parse(source: Source, config: Config) -> Item | Finding:
    """One file's item, or the finding that rejects it (a pure function of its bytes)."""
    try:
        return load_item(source.file, source.rel, config, source.data)
    except _Reject as reject:
        return reject.finding


def assemble(read: Read, parsed: Iterable[Item | Finding]) -> Loaded:
    """The loaded items and findings, ``parsed`` being :func:`parse` of each of ``read.sources``."""
    results = iter(parsed)
    done = [next(results) if type(e) is Source else e for e in read.entries]
    items = [r for r in done if isinstance(r, Item)]
    findings = [r for r in done if not isinstance(r, Item)] + list(read.findings)
    return Loaded(tuple(items), tuple(findings), len(read.rels), read.rels)


def load_items(content_dir: Path | str, config: Config) -> Loaded:
    """Load every item file (in this process, nothing remembered: :func:`pipeline.publication.run`
    parses on every core and reuses the results of unchanged files)."""
    read = read_sources(content_dir, config)
    return assemble(read, [parse(source, config) for source in read.sources])


def parse_date(value: Any, tz) -> datetime:
    """发布日期 from YAML text; naive values are in the portal's time zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0, 0))
    elif isinstance(value, str):
        text = value.strip()
        parsed = None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(text)
    else:
        raise ValueError(repr(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    # one rule for the whole pipeline: an item's day, month and year are those of the portal's
    # time zone (a date written with another offset is the same instant, shown in local time)
    try:
        return parsed.astimezone(tz)
    except OverflowError:  # 0001-01-01T00:00+14:00, 9999-12-31T23:59-12:00: past the calendar's end locally
        raise ValueError(str(value)) from None


def _key_lines(raw: str) -> dict[str, int]:
    """Line number (1-based, in the file) of each top-level front-matter key."""
    lines = raw.splitlines()
    out: dict[str, int] = {}
    if not lines or lines[0].strip() != "---":
        return out
    for n, line in enumerate(lines[1:], 2):
        if line.strip() in ("---", "..."):
            break
        m = KEY_LINE_RE.match(line)
        if m:
            out.setdefault(m.group(1), n)
    return out


def body_line(raw: str) -> int:
    """File line (1-based) where the body text starts: after the front matter and blank lines."""
    lines = raw.splitlines()
    if not lines or lines[0].strip() != "---":
        return 1
    for n, line in enumerate(lines[1:], 2):
        if line.strip() in ("---", "..."):
            while n < len(lines) and not lines[n].strip():  # the body is stripped: skip blank lines
                n += 1
            return n + 1
    return 1


# shown as nothing: the Hangul fillers and the blank Braille pattern (letters and symbols to Unicode)
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(text: str) -> bool:
    """Whether ``text`` shows anything: not only spaces, zero-width and direction marks (format
    characters, U+200B, U+FEFF, U+202E …) or blank letters — a title of those is a blank title."""
    return any(not c.isspace() and c not in _BLANK and unicodedata.category(c) != "Cf" for c in text)


def _text(rel: str, lines: dict[str, int], meta: dict, key: str, required: bool = False) -> str | None:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not _visible(value)):
        if required:
            unseen = "只有看不见的字符（零宽空格、方向控制符等）" if isinstance(value, str) and value.strip() else ""
            raise _Reject(
                error(
                    rel,
                    "schema",
                    f"缺少必填字段 “{key}”{'：' + unseen if unseen else ''}，请在 front matter 中填写",
                    lines.get(key),
                    key=key,
                )
            )
        return None
    if isinstance(value, (dict, list, bool)):
        raise _Reject(
            error(rel, "schema", f"字段 “{key}” 应当是文字，实际是 {type(value).__name__}", lines.get(key), key=key)
        )
    return str(value).strip()


def _text_list(rel: str, lines: dict[str, int], meta: dict, key: str) -> tuple[str, ...] | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、]\s*", value) if v.strip()]
    if not isinstance(value, list) or any(isinstance(v, (dict, list)) or v is None for v in value):
        raise _Reject(error(rel, "schema", f"字段 “{key}” 应当是列表，例如 [网站, 微信]", lines.get(key), key=key))
    out: list[str] = []
    for v in value:
        text = str(v).strip()
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _bool(rel: str, lines: dict[str, int], meta: dict, key: str) -> bool:
    value = meta.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Reject(
            error(rel, "schema", f"字段 “{key}” 只能是 true 或 false，实际是 {value!r}", lines.get(key), key=key)
        )
    return value


def _attachments(rel: str, lines: dict[str, int], meta: dict) -> tuple[Attachment, ...]:
    value = meta.get("attachments")
    if value is None:
        return ()
    if not isinstance(value, list):
        value = [value]
    out = []
    for entry in value:
        if isinstance(entry, str) and entry.strip():
            href = entry.strip()
            out.append(Attachment(name=href.rsplit("/", 1)[-1], href=href))
        elif (
            isinstance(entry, dict)
            and set(entry) <= {"name", "file", "url"}
            and entry.get("name")
            and (entry.get("file") or entry.get("url"))
        ):
            out.append(Attachment(name=str(entry["name"]), href=str(entry.get("file") or entry.get("url"))))
        else:
            raise _Reject(
                error(
                    rel,
                    "schema",
                    "附件 attachments 的每一项应当是文件名，或 {name: 显示名, file: 路径}",
                    lines.get("attachments"),
                    key="attachments",
                )
            )
    return tuple(out)


def _changes(rel: str, lines: dict[str, int], meta: dict, tz) -> tuple[ChangeNote, ...]:
    """更新记录 ``changes: [{date: 2026-11-30, note: 更正了联系电话}]``, returned oldest first."""
    value = meta.get("changes")
    if value is None:
        return ()
    where = lines.get("changes")
    if not isinstance(value, list):
        raise _Reject(
            error(
                rel,
                "schema",
                "更新记录 changes 应当是列表，每项写 date（更新日期）和 note（更新说明）",
                where,
                key="changes",
            )
        )
    notes = []
    for n, entry in enumerate(value, 1):
        if not isinstance(entry, dict) or set(entry) != {"date", "note"}:
            raise _Reject(
                error(
                    rel,
                    "schema",
                    f"更新记录 changes 第 {n} 项应当只写 date 和 note，例如 {{date: 2026-11-30, note: 更正了联系电话}}",
                    where,
                    key="changes",
                )
            )
        note = entry["note"]
        if not isinstance(note, str) or not note.strip():
            raise _Reject(
                error(rel, "schema", f"更新记录 changes 第 {n} 项的 note 应当是一句说明", where, key="changes")
            )
        try:
            when = parse_date(entry["date"], tz)
        except ValueError:
            raise _Reject(
                error(
                    rel,
                    "bad-date",
                    f"更新记录 changes 第 {n} 项的日期 “{_shown(entry['date'])}” 无法识别，请写成 2026-11-30",
                    where,
                    key="changes",
                )
            ) from None
        notes.append(ChangeNote(when, note.strip()))
    return tuple(sorted(notes, key=lambda c: c.date))


def load_item(file: Path, rel: str, config: Config, data: bytes | None = None) -> Item:
    if data is None:
        try:
            data = read_bounded(file, read_limit(config))
        except TooLarge as big:
            with open(file, "rb") as fh:
                head = fh.read(FRONT_MATTER_MAX + 8192)
            raise _Reject(
                size_problem(rel, head, big.size, config)
                or error(rel, "body-too-large", f"文件有 {_kb(big.size)}，超过上限", 1)
            ) from None
    too_large = size_problem(rel, data, len(data), config)
    if too_large is not None:
        raise _Reject(too_large)
    try:  # not UTF-8, or a control character XML (feeds, sitemap) cannot carry: never published
        raw = safe_yaml.decode(data)
    except safe_yaml.UnsafeYaml as exc:
        raise _Reject(error(rel, exc.rule, exc.problem, exc.line)) from None
    if not raw.lstrip("\ufeff").startswith("---"):
        raise _Reject(error(rel, "schema", "文件开头缺少 front matter（以 --- 开始、--- 结束的 YAML 信息头）", 1))
    try:
        meta, body = frontmatter.parse(raw, handler=_Handler())
    except safe_yaml.UnsafeYaml as exc:
        line = exc.line  # front matter's lines are the file's (it starts after the opening ---, on line 1)
        where = f"字段 “{exc.field}”：" if exc.field else ""
        raise _Reject(
            error(
                rel, exc.rule, f"front matter {where}{exc.problem}", line, **({"key": exc.field} if exc.field else {})
            )
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None  # 1-based; front matter starts on line 1, after the ---
        raise _Reject(error(rel, "bad-yaml", f"front matter 不是有效的 YAML：{safe_yaml.explain(exc)}", line)) from None
    if not isinstance(meta, dict) or not meta:
        if "\r" in raw and "\n" not in raw:
            raise _Reject(
                error(rel, "encoding", "换行符是旧式的 CR（\\r），整个文件成了一行；请改成 LF 或 CRLF 换行后保存", 1)
            )
        if len(_BOUNDARY.findall(data)) < 2:
            raise _Reject(
                error(rel, "schema", "front matter 没有结束：第 1 行的 --- 之后缺少单独一行的 ---（写在信息头之后）", 1)
            )
        raise _Reject(error(rel, "schema", "front matter 应当是 “键: 值” 形式的 YAML 映射", 2))
    lines = _key_lines(raw)
    for key in meta:
        if key not in KNOWN_KEYS:
            raise _Reject(
                error(
                    rel,
                    "unknown-key",
                    f"未知字段 “{key}”（是否拼写错误？可用字段：{'、'.join(KNOWN_KEYS)}）",
                    lines.get(str(key)),
                    key=str(key),
                )
            )

    title = _text(rel, lines, meta, "title", required=True)
    author = _text(rel, lines, meta, "author", required=True)
    site = _text(rel, lines, meta, "site", required=True)
    column = _text(rel, lines, meta, "column", required=True)
    if meta.get("date") in (None, ""):
        raise _Reject(
            error(
                rel,
                "schema",
                "缺少必填字段 “date”（发布日期，例如 2026-03-15 或 2026-03-15 09:30）",
                lines.get("date"),
                key="date",
            )
        )
    try:
        when = parse_date(meta["date"], config.portal.tz)
    except ValueError:
        raise _Reject(
            error(
                rel,
                "bad-date",
                f"发布日期 “{_shown(meta['date'])}” 无法识别，请写成 2026-03-15 或 2026-03-15 09:30",
                lines.get("date"),
                key="date",
            )
        ) from None

    if site not in config.site_by_id:
        raise _Reject(
            error(
                rel,
                "unknown-site",
                f"子站 “{site}” 不存在，可选：{'、'.join(config.site_by_id)}",
                lines.get("site"),
                key="site",
            )
        )
    folder = rel.split("/")
    if len(folder) > 2 and folder[0] == "items" and folder[1] != site:
        # 审签 on the git host (CODEOWNERS) is by folder; where the item is published is by site
        where = f"子站 “{folder[1]}” 的文件夹" if folder[1] in config.site_by_id else "不属于任何子站的文件夹"
        raise _Reject(
            error(
                rel,
                "site-folder",
                f"文件在{where}（items/{folder[1]}/）中，site 却写的是 “{site}”。"
                "合并审核（CODEOWNERS）按文件夹认定由哪个子站的审签人批准，发布却按 site："
                f"请把文件移到 items/{site}/，或改正 site",
                lines.get("site"),
                key="site",
            )
        )
    if column not in config.column_by_id:
        raise _Reject(
            error(
                rel,
                "unknown-column",
                f"栏目 “{column}” 不存在，可选：{'、'.join(config.column_by_id)}",
                lines.get("column"),
                key="column",
            )
        )
    if column not in config.site_by_id[site].columns:
        carried = "、".join(config.site_by_id[site].columns)
        raise _Reject(
            error(
                rel,
                "unknown-column",
                f"子站 “{site}” 没有开设栏目 “{column}”，该子站的栏目：{carried}",
                lines.get("column"),
                key="column",
            )
        )

    slug = file.stem
    if not SLUG_RE.match(slug):
        raise _Reject(
            error(rel, "bad-slug", f"文件名 “{file.name}” 会成为网址，只能用小写英文字母、数字、连字符和下划线", 1)
        )

    disclosure = _text(rel, lines, meta, "disclosure") or "主动公开"
    if disclosure not in DISCLOSURES:
        raise _Reject(
            error(
                rel,
                "schema",
                f"公开方式 disclosure “{disclosure}” 无效，可选：{'、'.join(DISCLOSURES)}",
                lines.get("disclosure"),
                key="disclosure",
            )
        )
    kind = _text(rel, lines, meta, "kind") or "信息"
    if kind not in KINDS:
        raise _Reject(
            error(
                rel, "schema", f"信息类型 kind “{kind}” 无效，可选：{'、'.join(KINDS)}", lines.get("kind"), key="kind"
            )
        )
    original = _bool(rel, lines, meta, "original")
    original_reason = _text(rel, lines, meta, "original_reason")
    if original and not original_reason:
        raise _Reject(
            error(
                rel,
                "schema",
                "声明 original: true 时必须用 original_reason 写明理由",
                lines.get("original"),
                key="original_reason",
            )
        )

    channels = _text_list(rel, lines, meta, "channels")
    return Item(
        path=rel,
        slug=slug,
        title=title,
        date=when,
        site=site,
        column=column,
        author=author,
        body=body,
        reviewer=_text(rel, lines, meta, "reviewer"),
        disclosure=disclosure,
        classified=_bool(rel, lines, meta, "classified"),
        kind=kind,
        channels=channels if channels else ("网站",),
        adopted=_text_list(rel, lines, meta, "adopted") or (),
        doc_number=_text(rel, lines, meta, "doc_number"),
        topic=_text(rel, lines, meta, "topic"),
        genre=_text(rel, lines, meta, "genre"),
        summary=_text(rel, lines, meta, "summary"),
        tags=_text_list(rel, lines, meta, "tags") or (),
        attachments=_attachments(rel, lines, meta),
        validity=_text(rel, lines, meta, "validity"),
        original=original,
        original_reason=original_reason,
        changes=_changes(rel, lines, meta, config.portal.tz),
        date_changed_reason=_text(rel, lines, meta, "date_changed_reason"),
        body_line=body_line(raw),
        key_lines=tuple(sorted(lines.items())),
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def _shown(value: Any, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def plausible_range(config: Config, reference: date | None) -> tuple[date, date]:
    """First and last plausible 发布日期: 1 January of ``first_year`` (portal.yaml) and one
    year after the reference day — ``--as-of`` or ``SOURCE_DATE_EPOCH`` when given, else
    today in the portal's time zone (the only use of the clock: a bound, never a figure)."""
    today = reference if reference is not None else datetime.now(config.portal.tz).date()
    try:
        last = today.replace(year=today.year + 1)
    except ValueError:  # 29 February, or the year 9999
        last = date.max if today.year >= date.max.year else today.replace(year=today.year + 1, day=28)
    return date(config.portal.first_year, 1, 1), last


def check_dates(
    items: Iterable[Item], config: Config, reference: date | None
) -> tuple[tuple[Item, ...], tuple[Finding, ...]]:
    """Items dated outside :func:`plausible_range` are withheld with a ``bad-date`` error:
    nothing downstream (statistics, 通报, feeds, 索引号, the annual report) then meets a year
    like 9999 or 1900.  Compared by year first, so no date arithmetic can overflow."""
    first, last = plausible_range(config, reference)
    tz = config.portal.tz

    def outside(when: datetime) -> str | None:
        """None when ``when`` is plausible, else 早于 / 晚于."""
        try:
            day = when.astimezone(tz).date() if first.year <= when.year <= last.year else None
        except (OverflowError, ValueError):  # the year 1 or 9999 shifted across the calendar's end
            day = None
        if day is not None and first <= day <= last:
            return None
        return "早于" if when.year < first.year or (day is not None and day < first) else "晚于"

    def bound(too: str) -> str:
        return (
            f"{first.isoformat()}（portal.yaml 的 first_year）"
            if too == "早于"
            else f"{last.isoformat()}（参照日之后一年）"
        )

    kept: list[Item] = []
    findings: list[Finding] = []
    for item in items:
        too = outside(item.date)
        if too is not None:
            findings.append(
                error(
                    item.path,
                    "bad-date",
                    f"发布日期 {_ymd(item.date)} {too} {bound(too)}，不合常理，本条不发布。请核对年份",
                    item.line_of("date"),
                    key="date",
                )
            )
            continue
        late = next(
            ((n, c, outside(c.date)) for n, c in enumerate(getattr(item, "changes", ()), 1) if outside(c.date)), None
        )
        if late is not None:
            n, change, too = late
            findings.append(
                error(
                    item.path,
                    "bad-date",
                    f"更新记录 changes 中的日期 {_ymd(change.date)} {too} {bound(too)}，不合常理，本条不发布。"
                    "请核对年份",
                    item.line_of("changes"),
                    key="changes",
                )
            )
            continue
        kept.append(item)
    return tuple(kept), tuple(findings)


def _ymd(when: datetime) -> str:
    return f"{when.year:04d}-{when.month:02d}-{when.day:02d}"


def unique_urls(items: Iterable[Item]) -> tuple[tuple[Item, ...], tuple[Finding, ...]]:
    """Two items with one URL (same sub-site, year and file name) are both held back."""
    by_url: dict[str, list[Item]] = {}
    for item in items:
        by_url.setdefault(item.url, []).append(item)
    kept: list[Item] = []
    findings: list[Finding] = []
    for url, group in by_url.items():
        if len(group) == 1:
            kept.append(group[0])
            continue
        paths = "、".join(i.path for i in group)
        for item in group:
            findings.append(
                error(
                    item.path,
                    "duplicate-slug",
                    f"网址 /{url} 被多个文件占用（{paths}），请给其中一个改文件名",
                    1,
                    url="/" + url,
                )
            )
    return tuple(kept), tuple(findings)
