"""A control character written as a YAML escape ("\\x01", "\\x0c") is refused like one typed
in: the loader's raw-text check cannot see it, and feeds and the sitemap (XML) cannot carry it,
so it would otherwise stop the build at the feed writer."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import publication, safe_yaml
from pipeline.config import load_config

ROOT = Path(__file__).resolve().parents[1]
ITEM = "items/bureau/2026/2026-03-15-escape.md"


@pytest.mark.parametrize("field", ["title", "summary", "tags"])
@pytest.mark.parametrize("escape", ["\\x01", "\\x0c", "\\u001f", "\\uffff", "\\ud800"])
def test_an_escaped_control_character_is_the_editors_error(tmp_path, field, escape):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    value = f'"外贸企业座谈会{escape}召开"'
    fields = {"title": '"测试信息"', "summary": '"摘要"', "tags": '["外贸"]'}
    fields[field] = f"[{value}]" if field == "tags" else value
    front = "".join(f"{k}: {v}\n" for k, v in fields.items())
    front += "date: 2026-03-15 09:30\nsite: bureau\ncolumn: news\nauthor: 李晓梅\nreviewer: 王建国\n"
    (content / ITEM).write_text(f"---\n{front}---\n\n正文内容，江临市商务局召开外贸企业座谈会。\n", encoding="utf-8")
    pub = publication.run(content, load_config(ROOT / "site_config"), upstream_db=None, reference=date(2026, 11, 28))
    mine = [f for f in pub.findings if f.path == ITEM]
    assert [f.rule for f in mine] == ["bad-yaml"], mine
    assert ITEM not in {i.path for i in pub.published}


def test_ordinary_escapes_still_load():
    assert safe_yaml.load('a: "tab\\there\\nnew line"\nb: "C:\\\\files"') == {
        "a": "tab\there\nnew line",
        "b": "C:\\files",
    }
