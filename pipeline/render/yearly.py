"""Layout shared by the two yearly reports (年度报告, :mod:`pipeline.render.disclosure_report`;
网站工作年度报表, :mod:`pipeline.render.website_report`): how a figure is written, the line of
downloads under the title, the byline and the listing page of every year."""

from __future__ import annotations

from pipeline.render.common import front_matter, md_escape, rel


def num(value) -> str:
    """A figure as the reports write it: ``12``, ``3.5`` (a float without trailing zeros)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def md_cell(value) -> str:
    """Text inside a Markdown table cell (a ``|`` would end the cell)."""
    return str(value).replace("|", "\\|")


def byline(label: str, when: str) -> str:
    return f"{label}：{when}\n{{ .item-byline }}\n\n"


def downloads(doc: str, files: tuple[tuple[str, str], ...]) -> str:
    """``下载：[label](file) · …`` under the title; ``files``: (label, docs path)."""
    links = " · ".join(f"[{label}]({rel(doc, path)})" for label, path in files)
    return f"下载：{links}\n{{ .report-downloads }}\n\n"


def listing_page(doc: str, title: str, lead: str, entries, empty: str) -> str:
    """The page listing every year's report, newest first.  ``entries``: (title, docs path,
    the grey text after it); ``empty``: what the page says when there is none."""
    body = [front_matter({"title": title}), f"# {title}\n\n", lead]
    if entries:
        body.append('<div class="item-list" markdown>\n\n')
        body.extend(
            f'- [{md_escape(name)}]({rel(doc, path)}) <span class="item-date">{note}</span>\n'
            for name, path, note in entries
        )
        body.append("\n</div>\n")
    else:
        body.append(empty)
    return "".join(body)
