"""Static pages (机构职能, 公开指南, 联系我们 …) and attachment files.

``content/pages/<name>.md`` is published at ``/about/<name>/`` with its own front matter
(``title``, optional ``order`` for the 关于 menu); ``content/files/**`` is copied as is, so
items' attachments resolve.  Pages are written by the bureau's office, not by 信息员, and are
not items: they are not counted and carry no 索引号.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from pipeline.findings import Finding, error
from pipeline.render.common import front_matter


@dataclass(frozen=True)
class StaticPage:
    name: str  # file stem
    title: str
    order: int
    meta: tuple
    body: str

    @property
    def docs_path(self) -> str:
        return f"about/{self.name}.md"


def load_pages(content_dir: Path) -> tuple[tuple[StaticPage, ...], tuple[Finding, ...]]:
    pages, findings = [], []
    root = content_dir / "pages"
    for file in sorted(root.glob("*.md")) if root.is_dir() else []:
        rel = file.relative_to(content_dir).as_posix()
        try:
            post = frontmatter.loads(file.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            findings.append(error(rel, "encoding", "页面文件不是 UTF-8 编码，请另存为 UTF-8"))
            continue
        except yaml.YAMLError as exc:
            findings.append(error(rel, "bad-yaml", f"页面 front matter 不是有效的 YAML：{getattr(exc, 'problem', exc)}"))
            continue
        title = post.metadata.get("title")
        if not isinstance(title, str) or not title.strip():
            findings.append(error(rel, "schema", "页面缺少 title"))
            continue
        order = post.metadata.get("order", 100)
        meta = tuple((k, v) for k, v in post.metadata.items() if k != "order")
        pages.append(StaticPage(file.stem, title.strip(), order if isinstance(order, int) else 100, meta, post.content))
    return tuple(sorted(pages, key=lambda p: (p.order, p.name))), tuple(findings)


def render(pages, content_dir: Path) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {}
    for page in pages:
        out[page.docs_path] = front_matter(dict(page.meta)) + page.body.strip() + "\n"
    files = content_dir / "files"
    if files.is_dir():
        for file in sorted(files.rglob("*")):
            if file.is_file():
                out[file.relative_to(content_dir).as_posix()] = file.read_bytes()
    return out
