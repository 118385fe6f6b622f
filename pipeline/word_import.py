"""``portal import``: Word documents (.docx) in, items (信息条目) out — planning and writing.

:func:`plan` takes files and folders (a folder: every ``.docx`` directly in it — a month of
报送 in one command), reads each document (:mod:`pipeline.docx_read`), matches its 附件说明
with the files lying beside it, and works out the item exactly as ``portal new`` does
(:mod:`pipeline.new_item`: the sub-site/column check, the slug rule, the item path, the
front-matter text).  Each document becomes an :class:`Outcome`: the item path and text and
the files to copy (images and attachments, named by content hash under
``content/files/<year>/``), what was recognised, what the editor should look at (notes,
also left in the item as HTML comments), or why it was not imported.

It never overwrites: an existing item, or two documents of one run that would make the same
item, are named and not written (a document whose item already exists with the very same
text is reported as imported before).  :func:`write` creates the files; :func:`stage` writes
the planned items into another folder (``--dry-run`` checks them there).  Checking is not
done here — the CLI runs :func:`pipeline.checking.check_content`, as ``portal check`` does.
Nothing here prints.

Why about 460 lines: planning (names, collisions, attachments) and writing (front matter, files, the check
of the new items) are one transaction per document; reading the file is :mod:`pipeline.docx_read`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, time
from pathlib import Path

from pipeline import new_item, parallel
from pipeline.config import Config
from pipeline.docx_read import IMAGE_TOKEN, Converted, Refused, read_docx
from pipeline.new_item import NewItemError
from pipeline.scanners import Scanners, normalise
from pipeline.word_layout import AttachmentLine, squeeze

DOCUMENT_SUFFIXES = (".docx",)
REFUSED_SUFFIXES = (".doc", ".wps", ".pdf", ".docm", ".dotx", ".dot", ".rtf", ".odt")  # named when found in a folder
MAX_ATTACHMENT = 100 * 1024 * 1024  # bytes
MIN_PARALLEL = 8  # documents: below this, reading them in one process is quicker than forking
MIN_RESEARCH_CHARS = 3000  # 调研 (DOMAIN.md: 调研文章 3000 字以上)


class ImportError_(Exception):
    """The import as a whole cannot run (bad --site/--column/--kind); Chinese message."""


@dataclass(frozen=True)
class Options:
    site: str
    column: str
    kind: str = "信息"
    author: str | None = None  # --author: wins over the document's 信息员 line
    fallback_author: str | None = None  # git config user.name, when neither names one
    now: datetime | None = None  # the 发布日期 of a document without a readable 落款 date


@dataclass(frozen=True)
class Outcome:
    source: Path
    item: Path | None = None  # the item file (planned or written)
    text: str | None = None
    files: tuple[tuple[Path, bytes], ...] = ()  # images and attachments to create
    found: tuple[str, ...] = ()  # what was recognised: 标题 …, 文号 …
    notes: tuple[str, ...] = ()  # what the editor should look at
    refused: str | None = None  # why it was not imported
    skipped: str | None = None  # not an error: an attachment of another document, imported before …
    written: bool = False

    @property
    def imported(self) -> bool:
        return self.refused is None and self.skipped is None and self.item is not None


# --- which files -------------------------------------------------------------------------------


def _is_lock_file(path: Path) -> bool:
    return path.name.startswith(("~$", ".~", "._")) or path.name.startswith(".")


def collect(paths: list[Path]) -> tuple[list[Path], list[Outcome]]:
    """Documents to read (in order, each once) and outcomes for what cannot be read at all."""
    documents: list[Path] = []
    outcomes: list[Outcome] = []
    seen: set[Path] = set()

    def add(path: Path, from_folder: bool) -> None:
        key = path.resolve()
        if key in seen:
            return
        seen.add(key)
        suffix = path.suffix.lower()
        if from_folder and _is_lock_file(path):
            if path.name.startswith("~$"):
                outcomes.append(Outcome(path, skipped="Word 打开文档时留下的临时文件，已跳过"))
            return
        if suffix in DOCUMENT_SUFFIXES:
            documents.append(path)
        elif not from_folder or suffix in REFUSED_SUFFIXES:
            documents.append(path)  # read_docx names what it is (.doc, .wps, .pdf …)

    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_symlink():  # a link in a 报送 folder may point anywhere on this machine
                    outcomes.append(
                        Outcome(child, skipped="是符号链接，文件夹导入不跟随链接；确需导入时请直接给出原文件")
                    )
                elif child.is_file():
                    add(child, True)
        elif path.is_file():
            add(path, False)
        elif path.exists():
            outcomes.append(Outcome(path, refused="不是普通文件，无法导入"))
        else:
            outcomes.append(Outcome(path, refused="文件或文件夹不存在，请检查路径"))
    return documents, outcomes


# --- attachments -------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s_\-—·.,，、:：;；()（）\[\]【】〔〕《》<>“”\"'‘’!！?？]+")
_CN = "一二三四五六七八九十"


def _key(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).lower()


def _number_key(stem: str) -> int | None:
    """The attachment number a file is named by: 附件1, 附件一, …-附件2."""
    m = re.search(r"附件\s*0*(\d{1,2}|[" + _CN + r"]{1,3})\s*$", unicodedata.normalize("NFKC", stem))
    if not m:
        return None
    value = m.group(1)
    if value.isdigit():
        return int(value)
    from pipeline.word_layout import cn_number

    return cn_number(value)


def _title_key(stem: str) -> str:
    """A file name without its 附件N prefix (附件1 全市统计表 → 全市统计表)."""
    stem = re.sub(
        r"^附件\s*0*(\d{1,2}|[" + _CN + r"]{1,3})?\s*[:：、.\-_ ]*", "", unicodedata.normalize("NFKC", stem).strip()
    )
    return _key(stem)


def match_attachments(
    lines: tuple[AttachmentLine, ...], beside: list[Path]
) -> tuple[list[tuple[AttachmentLine, Path]], list[str]]:
    """Each 附件 line with the one file beside the document it names; notes for the rest."""
    matched: list[tuple[AttachmentLine, Path]] = []
    notes: list[str] = []
    for line in lines:
        title = _key(line.title)
        exact = [f for f in beside if _title_key(f.stem) == title or _key(f.name) == title]
        partial = [
            f
            for f in beside
            if len(title) >= 4
            and (title in _title_key(f.stem) or (len(_title_key(f.stem)) >= 4 and _title_key(f.stem) in title))
        ]
        numbered = [f for f in beside if line.number is not None and _number_key(f.stem) == line.number]
        for found in (exact, partial, numbered):
            if len(found) == 1:
                matched.append((line, found[0]))
                break
            if len(found) > 1:
                names = "、".join(f.name for f in found)
                notes.append(
                    f"附件{line.number or ''}“{line.title}”对应多个文件（{names}），未自动添加，"
                    "请在 attachments 中手工填写"
                )
                break
        else:
            notes.append(
                f"附件{line.number or ''}“{line.title}”未找到文件：请把附件放在文档旁边（文件名写附件名称或“附件"
                f"{line.number or 1}”）后重新导入，或手工放进 content/files/ 并填写 attachments"
            )
    return matched, notes


def _file_name(data: bytes, suffix: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()[:16]}{suffix.lower()}"


def _comment(note: str) -> str:
    text = " ".join(note.split()).replace("--", "—").replace("<", "＜").replace(">", "＞")
    return f"<!-- 导入提示：{text} -->"


# --- planning ----------------------------------------------------------------------------------


def read_one(path: Path) -> Converted | Refused:
    """One document read and converted, or why not (never raises for a bad file)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Refused(f"无法读取文件（{exc.strerror or exc}）")
    try:
        return read_docx(data, path.suffix)
    except Refused as refused:
        return refused


def plan(
    paths: list[Path], content: Path, config: Config, options: Options, jobs: int | None = None
) -> tuple[Outcome, ...]:
    """What importing ``paths`` would do; documents are read on up to ``jobs`` processes
    (:mod:`pipeline.parallel`; the result does not depend on their number)."""
    try:
        new_item.check_place(config, options.site, options.column, options.kind)
    except NewItemError as exc:
        raise ImportError_(str(exc)) from None
    documents, outcomes = collect(paths)
    read: dict[Path, Converted | Refused] = dict(
        zip(documents, parallel.map_ordered(read_one, documents, jobs, min_tasks=MIN_PARALLEL))
    )

    # attachments: files beside each document; a .docx named as another document's attachment
    # is that attachment, not an item of its own
    claimed: dict[Path, Path] = {}
    matches: dict[Path, tuple[list, list[str]]] = {}
    for path, result in read.items():
        if isinstance(result, Converted) and result.layout.attachments:
            # never a symbolic link: an "attachment" linking to a file elsewhere on this machine would be published
            beside = sorted(
                f
                for f in path.parent.iterdir()
                if not f.is_symlink() and f.is_file() and f.resolve() != path.resolve() and not _is_lock_file(f)
            )
            matches[path] = match_attachments(result.layout.attachments, beside)
            for _, file in matches[path][0]:
                claimed.setdefault(file.resolve(), path)

    scanners = Scanners(config.confidentiality, config.portal.public_phones)
    planned: dict[Path, Path] = {}  # item path → source document
    for path in documents:
        owner = claimed.get(path.resolve())
        if owner is not None:
            outcomes.append(Outcome(path, skipped=f"是 {owner.name} 的附件，随该文档导入"))
            continue
        result = read[path]
        if isinstance(result, Refused):
            outcomes.append(Outcome(path, refused=str(result)))
            continue
        outcome = _outcome(path, result, matches.get(path, ([], [])), content, config, options, scanners)
        if outcome.item is not None and outcome.refused is None:
            first = planned.get(outcome.item)
            if first is not None:
                outcome = replace(
                    outcome,
                    refused=f"与 {first.name} 生成同一个条目 {outcome.item.name}（标题和日期相同，可能是重复报送）；"
                    f"已导入 {first.name}，本文件未导入。如确是两条信息，请修改其中一份的标题后再导入",
                )
            else:
                planned[outcome.item] = path
        outcomes.append(outcome)
    order = {p: n for n, p in enumerate(documents)}
    return tuple(sorted(outcomes, key=lambda o: (order.get(o.source, -1), str(o.source))))


def _outcome(
    path: Path,
    doc: Converted,
    attachment_match: tuple[list, list[str]],
    content: Path,
    config: Config,
    options: Options,
    scanners: Scanners,
) -> Outcome:
    layout = doc.layout
    # headers, footers and properties are not imported, nor a note on a recognised line (title,
    # 落款): a 密级标志 there must not vanish with them
    for where, texts, how in (
        ("页眉或页脚", doc.margins, "在 Word 中删去标志"),
        ("文档属性", doc.properties, "在 Word 的“文件 → 信息 → 属性”中删去密级"),
        ("脚注或尾注", doc.notes_text, "在 Word 中删去标志"),
    ):
        for text in texts:
            marks = [hit.match for hit in scanners.marker.scan(normalise(text))]
            if marks:
                return Outcome(
                    path,
                    refused=f"{where}中有密级标志“{marks[0]}”：涉密信息不公开，不能导入。如已按规定解密，"
                    f"请先{how}并由审签领导确认后再导入",
                )
    notes = list(doc.notes)
    found: list[str] = []
    remarks = [f"导入自 {path.name}（portal import）"]

    title = layout.title
    if title:
        found.append(f"标题 {title}")
    else:
        title = squeeze(path.stem) or "未命名"
        notes.append(f"未识别标题（第一段既不是标题样式也不居中），暂用文件名“{title}”，请核对")

    tz = config.portal.tz
    if layout.signed:
        when = datetime.combine(layout.signed, time(0, 0), tz)
        date_only = True
        found.append(f"落款日期 {layout.signed.isoformat()}")
    else:
        when = (options.now or datetime.now(tz)).astimezone(tz).replace(second=0, microsecond=0)
        date_only = False
        notes.append(f"未识别落款日期，发布日期暂用导入时间 {when:%Y-%m-%d %H:%M}，请核对")
    if layout.unit:
        site_name = config.site_by_id[options.site].name
        found.append(f"落款 {layout.unit}")
        if _key(layout.unit) not in _key(site_name) and _key(site_name) not in _key(layout.unit):
            notes.append(f"落款单位“{layout.unit}”与子站“{site_name}”（--site {options.site}）不一致，请核对子站")
    if layout.unit or layout.signed_text:
        remarks.append("落款：" + " ".join(part for part in (layout.unit, layout.signed_text) if part))

    if options.author:
        author = options.author.strip()
        if layout.author and layout.author != author:
            notes.append(f"文档中的信息员是“{layout.author}”，已按 --author 写为“{author}”")
    elif layout.author:
        author = layout.author
        found.append(f"信息员 {author}")
    elif options.fallback_author:
        author = options.fallback_author
        notes.append(f"文档中没有信息员（供稿、撰稿）行，信息员暂用 git 用户名“{author}”，请核对")
    else:
        return Outcome(
            path,
            refused="文档中没有信息员（供稿、撰稿）行，也没有用 --author 指定：请用 --author 填写信息员姓名后再导入",
        )

    fields: dict[str, str] = {}
    if layout.doc_number:
        fields["doc_number"] = layout.doc_number
        written = f"（原文“{layout.doc_number_written}”，已按公文格式统一括号）" if layout.doc_number_written else ""
        found.append(f"文号 {layout.doc_number}{written}")

    if options.kind == "调研" and doc.chars < MIN_RESEARCH_CHARS:
        notes.append(f"调研文章不少于 {MIN_RESEARCH_CHARS} 字，本文约 {doc.chars} 字；字数不够时请改用 --kind 信息")

    try:
        item = new_item.item_path(content, options.site, when, new_item.slug_for(title))
    except NewItemError as exc:
        return Outcome(path, refused=str(exc))
    year = when.year
    files: list[tuple[Path, bytes]] = []
    body = doc.markdown
    for image in doc.images:
        files.append((content / "files" / str(year) / image.name, image.data))
        body = body.replace(IMAGE_TOKEN + image.name, f"../../files/{year}/{image.name}")
    if doc.images:
        found.append(f"图片 {len(doc.images)} 张")

    attachments: list[tuple[str, str]] = []
    matched, missing = attachment_match
    notes.extend(n for n in missing if not _inline(n, layout))
    for line, file in matched:
        suffix = file.suffix.lower()  # which types may be published is the attachment check's call (portal check)
        try:
            if file.stat().st_size > MAX_ATTACHMENT:
                notes.append(f"附件“{file.name}”超过 {MAX_ATTACHMENT // (1024 * 1024)} MB，未添加，请压缩后手工添加")
                continue
            data = file.read_bytes()
        except OSError as exc:
            notes.append(f"附件“{file.name}”无法读取（{exc.strerror or exc}），未添加")
            continue
        name = _file_name(data, suffix)
        files.append((content / "files" / str(year) / name, data))
        shown = line.title if line.title.lower().endswith(suffix) else f"{line.title}{suffix}"
        attachments.append((shown, f"files/{year}/{name}"))
    if attachments:
        found.append(f"附件 {len(attachments)} 个")
    for number in layout.inline_attachments:
        if any(line.number == number for line in layout.attachments):
            found.append(f"附件{number} 在正文落款之后（保留在正文中）")

    comments = "\n".join(_comment(n) for n in notes)
    text = new_item.item_text(
        title,
        when,
        options.site,
        options.column,
        author,
        options.kind,
        config,
        fields=fields,
        attachments=tuple(attachments),
        remarks=tuple(remarks),
        body=(comments + "\n\n" + body) if comments else body,
        date_only=date_only,
    )
    outcome = Outcome(path, item, text, tuple(files), tuple(found), tuple(notes))
    if item.exists():
        try:
            same = item.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if same:
            return replace(outcome, skipped="已导入过（条目内容相同），未重复写入")
        return replace(
            outcome,
            refused=f"条目 {item.name} 已存在，不会覆盖。如是更新稿，请先删除或改名原条目；如是另一条信息，"
            "请修改标题后再导入",
        )
    return outcome


def _inline(note: str, layout) -> bool:
    """A missing attachment whose text is printed after the 落款 is not missing."""
    return any(note.startswith(f"附件{number}“") for number in layout.inline_attachments)


# --- writing -----------------------------------------------------------------------------------


def _create(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data``; an existing file with the same bytes is fine (files are
    named by content), any other existing file is never replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("xb") as handle:
            handle.write(data)
    except FileExistsError:
        if path.read_bytes() != data:
            raise NewItemError(f"文件 {path} 已存在且内容不同，不会覆盖") from None


def write(outcomes: tuple[Outcome, ...]) -> tuple[Outcome, ...]:
    """Create the planned files, each item last (so an item never links a missing file)."""
    done: list[Outcome] = []
    for outcome in outcomes:
        if not outcome.imported:
            done.append(outcome)
            continue
        try:
            for path, data in outcome.files:
                _create(path, data)
            new_item.write(new_item.NewItem(outcome.item, outcome.text))
        except NewItemError as exc:
            done.append(replace(outcome, refused=str(exc)))
            continue
        except OSError as exc:
            done.append(replace(outcome, refused=f"无法写入（{exc.strerror or exc}）"))
            continue
        done.append(replace(outcome, written=True))
    return tuple(done)


def stage(outcomes: tuple[Outcome, ...], content: Path, folder: Path) -> None:
    """The planned items and their files, at the same relative paths under ``folder`` (for
    checking a dry run without touching ``content``)."""
    for outcome in outcomes:
        if not outcome.imported:
            continue
        for path, data in ((outcome.item, outcome.text.encode("utf-8")), *outcome.files):
            target = folder / os.path.relpath(path, content)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
