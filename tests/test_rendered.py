"""The reader's view of rendered Markdown: what the gate and the output audit judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rendered import MarkdownSettings, SettingsError, reader_view, render_html

ROOT = Path(__file__).resolve().parent.parent
SITE = MarkdownSettings.from_mkdocs(ROOT / "mkdocs.yml")


def test_settings_come_from_mkdocs_yml():
    assert "attr_list" in SITE.extensions and "md_in_html" in SITE.extensions
    assert '"permalink": false' in SITE.configs_json


def test_bad_mkdocs_yml_is_a_chinese_error(tmp_path):
    bad = tmp_path / "mkdocs.yml"
    bad.write_text("markdown_extensions: [[1, 2]]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="markdown_extensions"):
        MarkdownSettings.from_mkdocs(bad)
    with pytest.raises(SettingsError, match="无法读取"):
        MarkdownSettings.from_mkdocs(tmp_path / "missing.yml")


@pytest.mark.parametrize(
    "source, seen",
    [
        ("&#26426;&#23494;&#9733;", "机密★"),
        ("机**密**★", "机密★"),
        ("机<span></span>密★", "机密★"),
        ("&#x673A;&#x5BC6;&#x2605;", "机密★"),
        ("138**0013**8000", "13800138000"),
    ],
)
def test_reader_sees_decoded_text(source, seen):
    assert seen in reader_view(render_html(source, SITE)).text


def test_attributes_and_urls_are_decoded():
    view = reader_view(
        render_html('[x](https://example.com/){: href="&#106;avascript:alert(1)" }\n\n![图](files/a.png "t")', SITE)
    )
    assert "javascript:alert(1)" in view.urls and "files/a.png" in view.urls
    assert ("img", "alt", "图") in view.attributes and ("img", "title", "t") in view.attributes


def test_blocks_separate_words_and_comments_are_kept():
    view = reader_view(render_html("第一段\n\n第二段\n\n<!-- 机密★ -->\n", SITE))
    assert "第一段\n" in view.text and view.comments == (" 机密★ ",)
