"""The one walk over ``content/``: which files each loader takes, and what is refused or ignored.

Every file under the content folder is looked at once, by the route an editor sees
(``items/bureau/2026/x.md``), and ends up in exactly one of these:

- an item (``items/**/*.md``), a static page (``pages/*.md``), an attachment
  (``files/**``) or a known data file (``index_numbers.yaml``, ``README.md``, and the
  folders ``disclosure/``, ``website-report/`` and ``upstream/``);
- an ``ignored-file`` warning: a file that looks like an item but that no loader takes —
  ``*.MD``, ``*.markdown``, ``x.md.txt``, a ``.md`` outside the known folders, a page in a
  sub-folder of ``pages/``, anything else inside ``items/`` (pictures belong in
  ``files/``), a hidden item file, or a hidden folder holding such files.  Nothing is
  dropped without a word;
- a ``symlink`` error: a symbolic link whose target is outside the content folder (it is
  not read, whatever it points to), a broken link, or a link to something that is not a
  regular file or folder.

A symbolic link that stays inside the content folder is followed: a linked file is read
from its target under the link's route; a linked folder is walked under the link's route
unless that folder was already walked for the same top folder (``items/`` …) by its own
route or another link — the files are then taken from there, which a ``symlink`` warning
says.  A real folder is walked at most once per top folder, so links can neither loop nor
multiply the work.  FIFOs, devices and sockets are never opened.  This module reads no file
contents and never prints.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pipeline.findings import Finding, error, warning

ITEM_LIKE = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdtext", ".mdx", ".md.txt", ".txt")
KNOWN_ROOT_FILES = ("index_numbers.yaml", "README.md")
DATA_FOLDERS = ("disclosure", "upstream", "website-report")
SKIPPED_QUIETLY = (".git", ".gitkeep", ".gitignore", ".gitattributes", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class ContentFile:
    rel: str  # the route, relative to the content folder, posix separators
    path: Path  # where to read it (the route itself, or a link's target inside content/)


@dataclass(frozen=True)
class Walk:
    items: tuple[ContentFile, ...]
    pages: tuple[ContentFile, ...]
    files: tuple[ContentFile, ...]  # content/files/**
    findings: tuple[Finding, ...]

    @property
    def item_rels(self) -> tuple[str, ...]:
        return tuple(f.rel for f in self.items)


def walk(content_dir: Path | str) -> Walk:
    content = Path(content_dir)
    items: list[ContentFile] = []
    pages: list[ContentFile] = []
    files: list[ContentFile] = []
    findings: list[Finding] = []
    if not content.is_dir():
        return Walk((), (), (), ())
    root = os.path.realpath(content)
    entered: dict[tuple[str, str], str] = {}  # (real folder, area) → the route it was walked by
    links: list[tuple[str, str]] = []  # (route, real target) of linked folders, walked after the real tree

    def inside(real: str) -> bool:
        return real == root or real.startswith(root + os.sep)

    def take(rel: str, path: Path) -> None:
        kind = _classify(rel)
        if kind == "item":
            items.append(ContentFile(rel, path))
        elif kind == "page":
            pages.append(ContentFile(rel, path))
        elif kind == "file":
            files.append(ContentFile(rel, path))
        elif kind is not None:
            findings.append(warning(rel, "ignored-file", kind))

    def visit(start: str, start_route: str) -> None:
        """Walk one folder tree without following links (a stack, not recursion: any depth)."""
        stack = [(start, start_route)]
        while stack:
            folder, route = stack.pop()
            entered[(os.path.realpath(folder), _area(route))] = route
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                findings.append(error(route or ".", "unreadable", f"无法读取文件夹：{exc.strerror or exc}"))
                continue
            for entry in entries:
                rel = f"{route}/{entry.name}" if route else entry.name
                _entry(entry, rel, stack)

    def _entry(entry: os.DirEntry, rel: str, stack: list) -> None:
        if entry.name in SKIPPED_QUIETLY:
            return
        try:
            if entry.is_symlink():
                _link(entry, rel)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name.startswith("."):
                    _hidden_folder(entry.path, rel)
                else:
                    stack.append((entry.path, rel))
            elif entry.is_file(follow_symlinks=False):
                take(rel, Path(entry.path))
            else:
                findings.append(error(rel, "unreadable", "不是普通文件（管道、设备或套接字），不会读取"))
        except OSError as exc:
            findings.append(error(rel, "unreadable", f"无法读取：{exc.strerror or exc}"))

    def _link(entry: os.DirEntry, rel: str) -> None:
        target = os.path.realpath(entry.path)
        shown = os.readlink(entry.path)
        if not inside(target):
            findings.append(
                error(
                    rel,
                    "symlink",
                    f"这是指向 content/ 之外（{_short(shown)}）的符号链接，不会读取。请把文件本身放进 content/",
                )
            )
            return
        try:
            info = os.stat(target)
        except OSError:
            findings.append(error(rel, "symlink", f"符号链接的目标 “{_short(shown)}” 不存在"))
            return
        if stat.S_ISDIR(info.st_mode):
            if entry.name.startswith("."):
                _hidden_folder(target, rel)
            else:
                links.append((rel, target))
        elif stat.S_ISREG(info.st_mode):
            take(rel, Path(target))
        else:
            findings.append(error(rel, "symlink", "符号链接指向的不是普通文件或文件夹，不会读取"))

    def _hidden_folder(folder: str, rel: str) -> None:
        """Hidden folders are not published; say so when one holds item-like files."""
        count = 0
        for _base, dirs, names in os.walk(folder):  # never follows links
            dirs[:] = [d for d in dirs if d != ".git"]
            count += sum(1 for n in names if _item_like(n))
            if count:
                break
        if count:
            findings.append(
                warning(rel, "ignored-file", "隐藏文件夹（名称以 . 开头）中的文件不会发布；要发布请移出该文件夹")
            )

    visit(str(content), "")
    while links:
        route, target = links.pop(0)
        if (target, _area(route)) in entered:
            where = entered[(target, _area(route))] or "content/"
            findings.append(
                warning(
                    route, "symlink", f"文件夹链接指向已经读取的文件夹 “{where}”，其中的文件按原位置读取，不重复读取"
                )
            )
            continue
        visit(target, route)  # may queue more links
        links.sort()
    order = lambda f: f.rel  # noqa: E731
    return Walk(
        tuple(sorted(items, key=order)),
        tuple(sorted(pages, key=order)),
        tuple(sorted(files, key=order)),
        tuple(sorted(findings, key=lambda f: (f.path, f.rule))),
    )


def leaves_content(path: Path | str, content_dir: Path | str) -> bool:
    """True when ``path`` (a data file under the content folder) resolves outside it through a
    symbolic link: such a file is never read (the walk reports it as ``symlink``)."""
    root = os.path.realpath(content_dir)
    return not os.path.realpath(path).startswith(root + os.sep)


def _area(route: str) -> str:
    """What a route's files are taken as: the top folder (items, pages, files …)."""
    return route.split("/", 1)[0]


def _item_like(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(ITEM_LIKE) or ".md." in lower


def _classify(rel: str) -> str | None:
    """``item``, ``page``, ``file``, None (a known file, taken elsewhere or quietly kept) or
    the Chinese reason of an ``ignored-file`` warning."""
    parts = rel.split("/")
    name = parts[-1]
    top = parts[0]
    hidden = name.startswith(".")
    if top == "files" and len(parts) > 1:
        return "file"
    if top == "items" and len(parts) > 1:
        if hidden:
            return "隐藏文件（名称以 . 开头）不会发布；要发布请去掉文件名开头的 ." if _item_like(name) else None
        if name.endswith(".md"):
            return "item"
        if name.lower().endswith(".md") or name.lower().endswith(".markdown") or ".md." in name.lower():
            return f"扩展名不是小写 .md，不会作为信息读取；请改名为 {name.split('.')[0]}.md"
        return "items/ 下只放信息条目（.md 文件），这个文件不会发布；附件请放在 content/files/ 下"
    if top == "pages" and len(parts) > 1:
        if hidden:
            return "隐藏文件（名称以 . 开头）不会发布" if _item_like(name) else None
        if len(parts) == 2 and name.endswith(".md"):
            return "page"
        if _item_like(name):
            return (
                "pages/ 只读取直接放在其中的 .md 页面，子文件夹中的不会发布"
                if len(parts) > 2
                else f"扩展名不是小写 .md，不会作为页面读取；请改名为 {name.split('.')[0]}.md"
            )
        return None
    if len(parts) == 1 and name in KNOWN_ROOT_FILES:
        return None
    if top in DATA_FOLDERS and len(parts) > 1:
        return (
            None
            if not _item_like(name) or name == "README.md" or top == "upstream"
            else (f"{top}/ 中的 Markdown 文件不会发布；信息请放在 content/items/<子站>/<年份>/ 下")
        )
    if name == "README.md" or hidden:
        return None
    if _item_like(name):
        return (
            "不在 items/ 或 pages/ 下，不会发布；信息请放在 content/items/<子站>/<年份>/ 下，页面放在 content/pages/ 下"
        )
    return None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
