"""Docs-tree writing and the shared render helpers made faster for issue 7: same output as before.

``sync`` must leave unchanged files alone (mtime kept), replace changed ones, create nested
folders and remove what no renderer produced any more; ``excerpt`` (which now stops reading a
body once it has enough text) must give exactly what the plain whole-body substitution gives;
``front_matter`` must still read back, through YAML, as the meta it was given.
"""

from __future__ import annotations

import os
import random
import re

import yaml

from pipeline import docs_tree
from pipeline.render.common import _MD_NOISE, excerpt, front_matter, md_escape


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_sync_writes_keeps_replaces_and_removes(tmp_path):
    root = tmp_path / "docs"
    first = {"index.md": "# 首页\n", "a/b/c.md": "正文", "files/x.bin": b"\x00\x01", "a/keep.md": "留下"}
    report = docs_tree.sync(root, first)
    assert (report.written, report.unchanged, report.removed) == (4, 0, 0)
    assert _tree(root) == {
        "index.md": "# 首页\n".encode(),
        "a/b/c.md": "正文".encode(),
        "files/x.bin": b"\x00\x01",
        "a/keep.md": "留下".encode(),
    }

    old = 1_000_000_000
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (old, old))
    (root / "stray").mkdir()
    (root / "stray" / "old.md").write_text("旧", encoding="utf-8")
    (root / "empty" / "deeper").mkdir(parents=True)

    second = {
        "index.md": "# 首页\n",
        "a/b/c.md": "正文".replace("正", "本"),
        "files/x.bin": b"\x00\x01",
        "new/d.md": "新",
    }
    report = docs_tree.sync(root, second)
    assert (report.written, report.unchanged, report.removed) == (
        2,
        2,
        2,
    )  # c.md (same size, new bytes), d.md; keep.md, old.md
    assert _tree(root) == {k: v.encode() if isinstance(v, str) else v for k, v in second.items()}
    assert (root / "index.md").stat().st_mtime == old and (root / "files" / "x.bin").stat().st_mtime == old
    assert (root / "a" / "b" / "c.md").stat().st_mtime != old
    assert not (root / "stray").exists() and not (root / "empty").exists()
    assert not list(root.rglob("*.tmp"))


def _excerpt_reference(markdown_text: str, limit: int = 160) -> str:
    """The excerpt as it was computed before (whole body substituted, then cut)."""
    text = _MD_NOISE.sub(lambda m: m.group(2) or " ", markdown_text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "……"


def test_excerpt_matches_whole_body_substitution():
    rnd = random.Random(7)
    alphabet = list("ab 中文\n\t!-[]()<>#*_`|~") + ["[链接](x.md)", "![图](a.png)", "<b>", "   ", "\n\n", "**", "——"]
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 90)))
        limit = rnd.choice((0, 1, 4, 10, 25, 160))
        assert excerpt(text, limit) == _excerpt_reference(text, limit), (text, limit)
    long_body = (
        "## 一、总体要求\n\n" + "据统计，**全市**社会消费品零售总额增长 [5.2%](files/a.pdf)。\n\n" * 200 + "<b>尾</b>"
    )
    for limit in (20, 120, 160, 200, 10_000):
        assert excerpt(long_body, limit) == _excerpt_reference(long_body, limit)
    assert excerpt("[通知全文](files/a.pdf) 见附件", 160) == "通知全文 见附件"


def test_front_matter_reads_back_and_md_escape():
    meta = {
        "title": "关于“双品网购节”的通知\u2028第二行",
        "hide": ["navigation", "toc"],
        "item": True,
        "n": 3,
        "第 1 项": "中文键",
        "date": "2024-05-01T09:00:00+08:00",
        "note": None,
    }
    text = front_matter(meta)
    assert text.startswith("---\n") and text.endswith("\n---\n\n") and "\u2028" not in text
    assert yaml.safe_load(text.split("---\n")[1]) == meta
    assert md_escape("商务局") == "商务局"
    # Markdown syntax backslash-escaped; what HTML reads as entities ("\\<" showed a stray backslash)
    assert md_escape("a_b*[c]|<d>#`\\&") == "a\\_b\\*\\[c\\]\\|&lt;d&gt;\\#\\`\\\\&amp;"
