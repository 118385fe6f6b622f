"""索引号 numbering stage: give every published item a permanent 索引号, recorded in a ledger.

The ledger ``content/index_numbers.yaml`` is committed with the content.  It is keyed by the
item's identity — its path under ``content/items/`` without ``.md`` (``bureau/2025/x``),
the same thing the URL is made of — and holds the number, the 发布日期 and title at the time
of assignment.  A number is assigned once, in the configured format (``portal.yaml``
``index_format``, default ``{org_code}/{year}-{seq:05d}``), with a sequence per year in
publication order among the items numbered in the same run; it is never changed or reused:
entries of withdrawn items stay in the ledger, so the next number of a year is always
``max(seq) + 1``.  Editing an item changes nothing.  Moving an item to another sub-site (or
year folder) changes its path: when a ledger entry's file no longer exists and exactly one
new published item has the same file name, the number follows the item and the entry
records the old key under ``moved_from``; a move *and* rename is a withdrawal plus a new
item (new number).  A broken ledger — YAML errors, a number that does not fit the format, two
entries with one number, a gap in a year's sequence (a deleted entry whose number could
be reused), a format or 统一社会信用代码 different from ``portal.yaml`` — is reported as
``index-ledger`` error findings naming the entry; then no new number is assigned (items
keep the valid numbers they have) and the ledger is not rewritten.  This module never
writes on its own: :func:`write_ledger` is called by the CLI (``portal number``) and by
``portal build``, each under :func:`ledger_lock` from reading the ledger to writing it;
:func:`number` is pure.
"""

from __future__ import annotations

import fcntl
import os
import re
import string
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import yaml

from pipeline import content_walk, safe_yaml
from pipeline.config import Config
from pipeline.findings import Finding, error, warning
from pipeline.publish import write_atomic

LEDGER_FILE = "index_numbers.yaml"
RULE = "index-ledger"

LEDGER_HEADER = """\
# 索引号台账：由 `portal number` / `portal build` 自动维护并提交，请勿手工修改。
# 键为条目在 content/items/ 下的路径（不含 .md）；索引号一经分配永不更改、永不重用，
# 撤下的条目也保留在这里。条目移到其他子站时，索引号随条目走，旧路径记在 moved_from。
"""


@dataclass(frozen=True)
class LedgerEntry:
    key: str  # item path under content/items/, without .md
    number: str
    year: int
    seq: int
    date: str  # 发布日期 when the number was assigned
    title: str
    moved_from: tuple[str, ...] = ()
    line: int | None = None  # line in the ledger file (for findings)


@dataclass(frozen=True)
class Ledger:
    format: str
    org_code: str
    entries: tuple[LedgerEntry, ...] = ()


@dataclass(frozen=True)
class Numbered:
    items: tuple  # the published items, with index_number set where known
    ledger: Ledger | None  # the new ledger; None when the ledger file is broken
    assigned: tuple[tuple[str, str], ...]  # (key, number) assigned in this run
    moved: tuple[tuple[str, str], ...]  # (old key, new key)
    findings: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        return self.ledger is not None and bool(self.assigned or self.moved)


def key_of_path(path: str) -> str:
    """Ledger key of an item file given relative to ``content/items/`` (or ``content/``)."""
    path = path[len("items/") :] if path.startswith("items/") else path
    return path[:-3] if path.endswith(".md") else path


def item_key(item) -> str:
    """The ledger key of an item: its path under ``items/`` without the extension."""
    return key_of_path(item.path)


def number_pattern(fmt: str, org_code: str) -> re.Pattern:
    """A regex that matches exactly the numbers ``fmt`` makes, capturing year and seq."""
    parts = []
    for literal, name, spec, _ in string.Formatter().parse(fmt):
        parts.append(re.escape(literal))
        if name == "org_code":
            parts.append(re.escape(org_code))
        elif name == "year":
            parts.append(r"(?P<year>\d{4})")
        elif name == "seq":
            width = re.match(r"0?(\d+)", spec or "")
            parts.append(r"(?P<seq>\d{%d,})" % int(width.group(1)) if width else r"(?P<seq>\d+)")
    return re.compile("^" + "".join(parts) + "$")


def make_number(fmt: str, org_code: str, year: int, seq: int) -> str:
    return fmt.format(org_code=org_code, year=year, seq=seq)


# --- reading -----------------------------------------------------------------------------


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the ledger grows with every item
_SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_ENTRY_LINE = re.compile(r"^  (?:'([^']*)'|\"([^\"]*)\"|([^\s'\"#][^:#]*?)):\s*$")


def _key_lines(text: str) -> dict[str, int]:
    """Line of each entry key under ``items:`` (the layout :func:`dump_ledger` writes; a
    text scan, because a second, line-keeping YAML parse of a 50,000-entry ledger is slow)."""
    out: dict[str, int] = {}
    inside = False
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith(" "):
            inside = line.rstrip() == "items:"
            continue
        m = _ENTRY_LINE.match(line) if inside else None
        if m:
            out.setdefault(next(g for g in m.groups() if g is not None), n)
    return out


def parse_ledger(text: str, config: Config, path: str = LEDGER_FILE) -> tuple[Ledger | None, tuple[Finding, ...]]:
    """The ledger in ``text`` and its conflicts; ``None`` when it cannot be trusted."""
    portal = config.portal
    try:
        data = safe_yaml.load(text, _SAFE_LOADER) if text.strip() else {}  # no aliases, tags or deep nesting
    except safe_yaml.UnsafeYaml as exc:
        where = f"（{exc.field}）" if exc.field else ""
        return None, (error(path, RULE, f"索引号台账{where}：{exc.problem} [{exc.rule}]", exc.line),)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, (
            error(
                path,
                RULE,
                f"索引号台账不是有效的 YAML：{safe_yaml.explain(exc)}",
                mark.line + 1 if mark else None,
            ),
        )
    data = data or {}
    if not isinstance(data, dict):
        return None, (error(path, RULE, "索引号台账应当是键值对（format、org_code、items）", 1),)
    fmt = str(data.get("format") or portal.index_format)
    org_code = str(data.get("org_code") or portal.org_code)
    findings: list[Finding] = []
    if fmt != portal.index_format or org_code != portal.org_code:
        findings.append(
            error(
                path,
                RULE,
                f"台账中的索引号格式 “{fmt}”（机构代码 {org_code}）与 portal.yaml 的 “{portal.index_format}”"
                f"（{portal.org_code}）不一致。已发布的索引号不能更改：请恢复 portal.yaml 的设置，"
                "或在台账中整体登记新格式的起用办法后再改",
                1,
            )
        )
    raw_items = data.get("items") or {}
    if not isinstance(raw_items, dict):
        return None, tuple(findings) + (error(path, RULE, "“items” 应当是 条目路径: {number: …} 的映射", 1),)
    lines = _key_lines(text)
    pattern = number_pattern(fmt, org_code)
    entries: list[LedgerEntry] = []
    for key, value in raw_items.items():
        key = str(key)
        line = lines.get(key)
        where = f"台账条目 “{key}”"
        if not isinstance(value, dict) or not value.get("number"):
            findings.append(error(path, RULE, f"{where}缺少 number（索引号）", line, entry=key))
            continue
        number = str(value["number"])
        m = pattern.match(number)
        if not m or make_number(fmt, org_code, int(m.group("year")), int(m.group("seq"))) != number:
            findings.append(
                error(path, RULE, f"{where}的索引号 “{number}” 不符合格式 “{fmt}”（是否被手工改动？）", line, entry=key)
            )
            continue
        date = str(value.get("date") or "")
        year, seq = int(m.group("year")), int(m.group("seq"))
        if date[:4].isdigit() and int(date[:4]) != year:
            findings.append(
                error(
                    path,
                    RULE,
                    f"{where}的索引号 “{number}” 年份与登记的发布日期 {date} 不符（是否被手工改动？）",
                    line,
                    entry=key,
                )
            )
        moved = value.get("moved_from") or []
        moved = tuple(str(m) for m in (moved if isinstance(moved, list) else [moved]))
        entries.append(LedgerEntry(key, number, year, seq, date, str(value.get("title") or ""), moved, line))
    by_number: dict[str, list[LedgerEntry]] = {}
    for e in entries:
        by_number.setdefault(e.number, []).append(e)
    for number, group in sorted(by_number.items()):
        if len(group) > 1:
            keys = "、".join(f"“{e.key}”" for e in group)
            for e in group:
                findings.append(
                    error(
                        path,
                        RULE,
                        f"索引号 “{number}” 被多个台账条目占用：{keys}。一个索引号只能属于一条信息",
                        e.line,
                        entry=e.key,
                        number=number,
                    )
                )
    by_year: dict[int, set[int]] = {}
    for e in entries:
        by_year.setdefault(e.year, set()).add(e.seq)
    for year, seqs in sorted(by_year.items()):
        missing = sorted(set(range(1, max(seqs) + 1)) - seqs)
        if missing:
            shown = "、".join(make_number(fmt, org_code, year, s) for s in missing[:5]) + (
                "……" if len(missing) > 5 else ""
            )
            findings.append(
                error(
                    path,
                    RULE,
                    f"{year} 年的索引号不连续，缺少 {shown}：台账条目不能删除（撤下的信息也要保留），"
                    "否则索引号会被重新分配",
                    None,
                    year=year,
                )
            )
    if findings:
        return Ledger(fmt, org_code, tuple(e for e in entries if len(by_number[e.number]) == 1)), tuple(findings)
    return Ledger(fmt, org_code, tuple(entries)), ()


def ledger_text(content_dir: Path | str) -> str | Finding | None:
    """The text of ``content/index_numbers.yaml``; None when there is none (an empty ledger);
    the ``index-ledger`` error when it cannot be read."""
    file = Path(content_dir) / LEDGER_FILE
    if not file.exists() and not file.is_symlink():
        return None
    if not file.is_file():
        return error(LEDGER_FILE, RULE, "索引号台账不是普通文件（是目录或断开的链接），无法读取")
    if content_walk.leaves_content(file, content_dir):
        return error(
            LEDGER_FILE,
            RULE,
            "索引号台账是指向 content/ 之外的符号链接，不会读取 [symlink]；请把台账文件本身放进 content/",
        )
    try:
        return safe_yaml.decode(file.read_bytes())  # UTF-8, no control character
    except safe_yaml.NotText as exc:
        return error(LEDGER_FILE, RULE, f"索引号台账{exc.problem.removeprefix('文件')} [{exc.rule}]", exc.line)
    except OSError as exc:
        return error(LEDGER_FILE, RULE, f"无法读取索引号台账：{exc.strerror or exc}")


def ledger_of(
    text: str | Finding | None, config: Config, parsed: tuple[Ledger | None, tuple[Finding, ...]] | None = None
) -> tuple[Ledger | None, tuple[Finding, ...], bool]:
    """(ledger, findings, trusted) for :func:`ledger_text`'s answer; ``parsed``: its
    :func:`parse_ledger` when the caller has it."""
    if text is None:
        return Ledger(config.portal.index_format, config.portal.org_code), (), True
    if isinstance(text, Finding):
        return None, (text,), False
    ledger, findings = parsed if parsed is not None else parse_ledger(text, config)
    return ledger, findings, not findings


def read_ledger(content_dir: Path | str, config: Config) -> tuple[Ledger | None, tuple[Finding, ...], bool]:
    """(ledger, findings, trusted) for ``content/index_numbers.yaml``; a missing file is an empty ledger."""
    return ledger_of(ledger_text(content_dir), config)


# --- the stage ---------------------------------------------------------------------------


def _numbered(item, number: str | None):
    """``replace(item, index_number=number)`` (None: the item as it is).  An item's ``__init__``
    only stores its fields, so the copy is made from its fields directly, without the frozen
    ``__setattr__`` per field (ten thousand items a run); a record type with more to its
    ``__init__`` goes through :func:`dataclasses.replace`."""
    if number is None or item.index_number == number:
        return item
    kind = type(item)
    if hasattr(kind, "__post_init__") or "__slots__" in kind.__dict__ or not hasattr(item, "__dict__"):
        return replace(item, index_number=number)
    copy = object.__new__(kind)
    copy.__dict__.update(item.__dict__)
    copy.__dict__["index_number"] = number
    return copy


def number(
    published: Iterable, ledger: Ledger | None, config: Config, existing_keys: Iterable[str] = (), trusted: bool = True
) -> Numbered:
    """Set ``index_number`` on every published item; assign new numbers when the ledger is trusted.

    ``existing_keys`` are the keys of every item file that still exists (published or
    withheld); a ledger entry whose file is gone may be taken over by a moved item.
    """
    items = tuple(published)
    if ledger is None:
        return Numbered(items, None, (), (), ())
    entries = {e.key: e for e in ledger.entries}
    findings: list[Finding] = []
    assigned: list[tuple[str, str]] = []
    moved: list[tuple[str, str]] = []
    keys = [item_key(i) for i in items]  # once per item
    if trusted:
        existing = set(existing_keys)
        existing.update(keys)
        orphans_by_name: dict[str, list[str]] = {}
        for key in entries:
            if key not in existing:
                orphans_by_name.setdefault(key.rsplit("/", 1)[-1], []).append(key)
        new_items = sorted((i for i, k in zip(items, keys) if k not in entries), key=lambda i: (i.date, item_key(i)))
        next_seq: dict[int, int] = {}
        for e in entries.values():
            next_seq[e.year] = max(next_seq.get(e.year, 0), e.seq)
        for item in new_items:
            key = item_key(item)
            candidates = orphans_by_name.get(key.rsplit("/", 1)[-1], [])
            if len(candidates) == 1:
                old = entries.pop(candidates.pop())
                entries[key] = replace(old, key=key, moved_from=old.moved_from + (old.key,), line=None)
                moved.append((old.key, key))
                continue
            if len(candidates) > 1:
                findings.append(
                    warning(
                        item.path,
                        RULE,
                        f"台账中有多个已不存在的同名条目（{'、'.join(candidates)}），无法判断本条是从哪里移来的，"
                        "已分配新索引号",
                        1,
                    )
                )
            year = item.date.year
            next_seq[year] = next_seq.get(year, 0) + 1
            num = make_number(ledger.format, ledger.org_code, year, next_seq[year])
            entries[key] = LedgerEntry(key, num, year, next_seq[year], item.date.strftime("%Y-%m-%d"), item.title)
            assigned.append((key, num))
    numbers = {key: e.number for key, e in entries.items()}
    out = tuple(_numbered(i, numbers.get(k)) for i, k in zip(items, keys))
    new_ledger = (
        Ledger(ledger.format, ledger.org_code, tuple(sorted(entries.values(), key=lambda e: (e.year, e.seq))))
        if trusted
        else None
    )
    return Numbered(out, new_ledger, tuple(assigned), tuple(moved), tuple(findings))


# --- writing -----------------------------------------------------------------------------


def dump_ledger(ledger: Ledger) -> str:
    items: dict[str, Any] = {}
    for e in ledger.entries:
        value: dict[str, Any] = {"number": e.number, "date": e.date, "title": e.title}
        if e.moved_from:
            value["moved_from"] = list(e.moved_from)
        items[e.key] = value
    data = {"format": ledger.format, "org_code": ledger.org_code, "items": items}
    return LEDGER_HEADER + yaml.dump(data, Dumper=_SAFE_DUMPER, allow_unicode=True, sort_keys=False, width=10_000)


@contextmanager
def ledger_lock(content_dir: Path | str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on the content folder (``flock`` on the directory itself: no lock
    file is left in content/) from reading the ledger to writing it, so two runs — ``portal
    number`` and a build, or two builds with different work folders — cannot both hand out the
    next free number of a year, and the second write does not drop the first's entries."""
    try:
        fd = os.open(Path(content_dir), os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # no content folder: the run itself reports that
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"另一个进程正在分配索引号（{content_dir}），等待它完成……")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_ledger(content_dir: Path | str, ledger: Ledger) -> Path:
    """Write the ledger (only the CLI and ``portal build`` call this)."""
    path = Path(content_dir) / LEDGER_FILE
    text = dump_ledger(ledger)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)
    return path
