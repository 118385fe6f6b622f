"""A private copy of the demo portal that changes between builds, for the incremental-build tests.

:class:`Portal` copies content, site_config, mkdocs.yml and theme into a folder, builds it
(incrementally or not) and performs an editor's actions on it — edit, add, delete, withhold and
move items, rename a column, change the theme.  :func:`comparable` is a built site's digest
without Pagefind's known nondeterministic files; :func:`all_text` is everything the public can
download, as text.  Shared by ``test_incremental.py`` and ``test_redteam_incremental.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

from helpers import ROOT, reproducible
from pipeline import build as build_mod
from pipeline.config import load_config


def digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def comparable(folder: Path) -> dict[str, str]:
    """The digest without Pagefind's nondeterministic files, in every bundle (pagefind-1/ …)."""
    kept = {}
    for key, value in digest(folder).items():
        top, _, rest = key.partition("/")
        if reproducible({("pagefind/" + rest) if top.startswith("pagefind") else key: value}):
            kept[key] = value
    return kept


def all_text(site: Path) -> str:
    """Everything the public can download, as text: pages, feeds, the gzipped sitemap, search."""
    parts = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix in (".gz", ".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter"):
            try:
                data = gzip.decompress(data)
            except OSError:
                pass
        parts.append(data.decode("utf-8", "replace"))
    return "".join(parts).replace("\u200b", "").lower()


ITEM = """---
title: {title}
date: 2026-{month:02d}-{day:02d}
site: bureau
column: {column}
author: 张三
reviewer: 李四
---
{body}
"""


class Portal:
    """A private portal (content, site_config, mkdocs.yml, theme) built two ways after each step."""

    def __init__(self, tmp: Path, rng: random.Random):
        self.tmp, self.rng = tmp, rng
        self.content = tmp / "content"
        shutil.copytree(ROOT / "content", self.content)
        self.config_dir = tmp / "site_config"
        shutil.copytree(ROOT / "site_config", self.config_dir)
        portal_yaml = self.config_dir / "portal.yaml"  # several search bundles (month-contiguous shards) at demo size
        text = re.sub(r"(?m)^search_shard(s_from|_pages):.*$", "", portal_yaml.read_text(encoding="utf-8"))
        portal_yaml.write_text(text + "\nsearch_shard_pages: 40\nsearch_shards_from: 1\n", encoding="utf-8")
        shutil.copytree(ROOT / "theme", tmp / "theme")
        shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
        self.tokens: dict[Path, str] = {}  # items we added: their path → a word only they contain
        self.gone: list[tuple[str, str]] = []  # (token, page folder) of deleted / withheld items
        self.count = 0
        for _ in range(3):
            self.add()

    def options(self, name: str = "inc", incremental: bool = True, **changes) -> build_mod.BuildOptions:
        """The build options of the site ``name`` (``site-<name>``, ``work-<name>``), as ``portal build``
        gives them: incremental builds stop early when nothing changed."""
        options = build_mod.BuildOptions(
            content=self.content,
            config_dir=self.config_dir,
            out=self.tmp / f"site-{name}",
            work=self.tmp / f"work-{name}",
            mkdocs_file=self.tmp / "mkdocs.yml",
            incremental=incremental,
            skip_unchanged=incremental,
        )
        return replace(options, **changes)

    def build(self, name: str, incremental: bool) -> tuple[Path, build_mod.BuildResult]:
        options = self.options(name, incremental)
        return options.out, build_mod.build(options, load_config(self.config_dir))

    def items(self) -> list[Path]:
        return sorted((self.content / "items").rglob("*.md"))

    # --- editor actions -------------------------------------------------------------------------
    def add(self) -> str:
        self.count += 1
        token = f"tokq{self.count}z{self.rng.randrange(10**6)}"
        path = self.content / "items" / "bureau" / "2026" / f"2026-05-{self.count:02d}-added-{self.count}.md"
        path.write_text(
            ITEM.format(
                title=f"新增测试条目{self.count}号 {token}",
                month=5,
                day=min(self.count, 28),
                column="news",
                body=f"本条用于增量构建测试，编号 {token}。" + "江临市商务局召开外贸企业座谈会，听取企业意见建议。" * 4,
            ),
            encoding="utf-8",
        )
        self.tokens[path] = token
        return f"add {path.name}"

    def edit(self) -> str:
        path = self.rng.choice(self.items())
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n补充说明：第 {self.rng.randrange(1000)} 次修改。\n", encoding="utf-8"
        )
        return f"edit {path.name}"

    def _victim(self) -> Path:
        ours = [p for p in self.tokens if p.exists()]
        return self.rng.choice(ours) if ours else self.rng.choice(self.items())

    def _forget(self, path: Path) -> None:
        self.gone.append((self.tokens.pop(path, ""), path.stem + "/"))

    def delete(self) -> str:
        path = self._victim()
        path.unlink()
        self._forget(path)
        return f"delete {path.name}"

    def withhold(self) -> str:
        path = self._victim()
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n---\n", "\nclassified: true\n---\n", 1), encoding="utf-8")
        self._forget(path)
        return f"withhold {path.name}"

    def move(self) -> str:
        """Another URL (renamed file) and another column: the item leaves one list for another."""
        path = self.rng.choice(
            [
                p
                for p in self.items()
                if p.parent == self.content / "items" / "bureau" / "2026"
                and "\ncolumn: news\n" in p.read_text(encoding="utf-8")
            ]
        )
        target = path.with_name(path.stem + "-moved.md")
        target.write_text(
            path.read_text(encoding="utf-8").replace("\ncolumn: news\n", "\ncolumn: notices\n", 1), encoding="utf-8"
        )
        path.unlink()
        if path in self.tokens:
            self.tokens[target] = self.tokens.pop(path)
        self.gone.append(("", path.stem + "/"))
        return f"move {path.name} → {target.name}"

    def rename_column(self) -> str:
        file = self.config_dir / "columns.yaml"
        self.count += 1
        file.write_text(
            re.sub(r"name: 商务动态\d*,", f"name: 商务动态{self.count},", file.read_text(encoding="utf-8"), count=1),
            encoding="utf-8",
        )
        return "rename column"

    def change_theme(self) -> str:
        file = self.tmp / "theme" / "partials" / "copyright.html"
        self.count += 1
        file.write_text(file.read_text(encoding="utf-8") + f"<!-- theme revision {self.count} -->\n", encoding="utf-8")
        return "change theme"


def clone(base: Path, tmp: Path) -> Portal:
    """A private copy of the portal built in ``base`` (``site-inc``, ``work-inc``), built once in
    its new place (so the page record, the audit cache and the file marks describe this copy's
    live site)."""
    for name in ("content", "site_config", "theme", "site-inc", "work-inc"):
        shutil.copytree(base / name, tmp / name, symlinks=True)
    shutil.copy(base / "mkdocs.yml", tmp / "mkdocs.yml")
    portal = Portal.__new__(Portal)
    portal.tmp, portal.content, portal.config_dir = tmp, tmp / "content", tmp / "site_config"
    portal.rng, portal.tokens, portal.gone, portal.count = random.Random(1), {}, [], 100
    portal.build("inc", incremental=True)
    return portal


def build_checked(portal: Portal, checks=None) -> build_mod.BuildResult:
    """``portal build`` of ``site-inc`` with ``checks`` instead of the publish checks (None: those)."""
    return build_mod.build(portal.options("inc"), load_config(portal.config_dir), checks)


def leftovers(portal: Portal) -> list[str]:
    """Staging and holding folders of a build left beside ``site-inc`` (the spare is kept on purpose)."""
    return sorted(
        p.name
        for p in portal.tmp.iterdir()
        if p.name.startswith("site-inc") and p.name != "site-inc" and not p.name.endswith(".spare")
    )
