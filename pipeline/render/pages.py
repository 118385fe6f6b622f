"""Static pages (机构职能, 公开指南, 联系我们 …) and attachment files.

``content/pages/<name>.md`` is published at ``/about/<name>/`` with its own front matter
(``title``, optional ``order`` for the 关于 menu); with ``section: xxgk`` it is published at
``/xxgk/<name>/`` in the 政府信息公开专栏 instead (see :mod:`pipeline.render.disclosure`).  Of
``content/files/**`` only the files that :mod:`pipeline.attachments` lets through are copied:
those a published item or page refers to, scanned, and referred to by no withheld item — a
stray file nobody links is never published.  Pages are written by the bureau's office, not by 信息员, and are
not items: they are not counted and carry no 索引号.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml

from pipeline import content_walk, safe_yaml
from pipeline.attachments import verified_bytes
from pipeline.findings import Finding, error
from pipeline.load import TooLarge, body_line, read_bounded
from pipeline.render.common import Output, front_matter


SECTIONS = ("about", "xxgk")  # where a page is published: /about/<name>/ or /xxgk/<name>/


@dataclass(frozen=True)
class StaticPage:
    name: str  # file stem
    title: str
    order: int
    meta: tuple
    body: str
    body_line: int = 1  # file line where the body starts (for findings)
    section: str = "about"  # front matter ``section``: about (关于) | xxgk (政府信息公开专栏)

    @property
    def docs_path(self) -> str:
        return f"{self.section}/{self.name}.md"


class _PageHandler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs) -> object:
        # no anchors, aliases, tags, deep nesting or control characters (``fm`` starts with the end
        # of the opening --- line: its lines are the file's)
        return safe_yaml.load(fm)


PAGE_MAX = 4 * 1024 * 1024  # a static page over 4 MB is not a page


def load_pages(
    content_dir: Path, walked: content_walk.Walk | None = None
) -> tuple[tuple[StaticPage, ...], tuple[Finding, ...]]:
    """Pages as :mod:`pipeline.content_walk` finds them (``pages/*.md``; links leaving
    content/ are refused there, and reported once by the item loader); ``walked``: the
    content folder's walk when the caller has it (None: walked here)."""
    pages, findings = [], []
    for entry in (content_walk.walk(content_dir) if walked is None else walked).pages:
        rel = entry.rel
        try:
            text = safe_yaml.decode(read_bounded(entry.path, PAGE_MAX))  # UTF-8, no control character
            post = frontmatter.loads(text, handler=_PageHandler())
        except TooLarge as big:
            findings.append(
                error(
                    rel, "body-too-large", f"页面文件有 {big.size // 1024} KB，超过 {PAGE_MAX // 1024 // 1024} MB 上限"
                )
            )
            continue
        except OSError as exc:
            findings.append(error(rel, "unreadable", f"无法读取页面文件：{exc.strerror or exc}"))
            continue
        except safe_yaml.NotText as exc:  # not UTF-8, or a control character: named with its line and column
            findings.append(error(rel, exc.rule, f"页面{exc.problem}", exc.line))
            continue
        except safe_yaml.UnsafeYaml as exc:
            where = f"字段 “{exc.field}”：" if exc.field else ""
            findings.append(error(rel, exc.rule, f"页面 front matter {where}{exc.problem}", exc.line))
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            findings.append(
                error(
                    rel,
                    "bad-yaml",
                    f"页面 front matter 不是有效的 YAML：{safe_yaml.explain(exc)}",
                    mark.line + 1 if mark else None,  # front matter's lines are the file's
                )
            )
            continue
        title = post.metadata.get("title")
        if not isinstance(title, str) or not title.strip():
            findings.append(error(rel, "schema", "页面缺少 title"))
            continue
        order = post.metadata.get("order", 100)
        section = post.metadata.get("section", "about")
        if section not in SECTIONS:
            findings.append(
                error(
                    rel,
                    "schema",
                    f"页面 section “{section}” 无效，可选：{'、'.join(SECTIONS)}（xxgk = 政府信息公开专栏）",
                )
            )
            continue
        meta = tuple((k, v) for k, v in post.metadata.items() if k not in ("order", "section"))
        pages.append(
            StaticPage(
                Path(entry.rel).stem,
                title.strip(),
                order if isinstance(order, int) else 100,
                meta,
                post.content,
                body_line(text),
                section,
            )
        )
    return tuple(sorted(pages, key=lambda p: (p.order, p.name))), tuple(findings)


def render(pages, attached=()) -> Output:
    """Page documents plus the ``attached`` files (:attr:`pipeline.publication.Publication.attached`:
    what published items and pages refer to and the attachment check let through — nothing
    else), each with exactly the bytes that were hashed and scanned."""
    out: dict[str, str | bytes] = {}
    for page in pages:
        out[page.docs_path] = front_matter(dict(page.meta)) + page.body.strip() + "\n"
    for att in attached:
        out[att.path] = verified_bytes(att)
    return Output(out)
