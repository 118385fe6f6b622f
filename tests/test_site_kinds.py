"""Sub-site kinds are configuration (issue 17 §3): adding 乡镇 to a county bureau's portal is a
change of site_config/sites.yaml only — nav, home directory, statistics tables and ranks follow."""

from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from pipeline import build, publication
from pipeline.config import ConfigError, load_config

TOWN_ITEM = """---
title: 青石镇召开电商进农村工作推进会
date: 2026-11-10 09:00
site: qingshi
column: local
author: 镇信息员
reviewer: 镇长
---
{body}
"""


@pytest.fixture
def town_portal(tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    sites = config_dir / "sites.yaml"
    text = sites.read_text(encoding="utf-8")
    text = text.replace(
        "  - {id: 开发区,   label: 开发区,   table: zones}\n",
        "  - {id: 开发区,   label: 开发区,   table: zones}\n  - {id: 乡镇,     label: 乡镇街道, table: towns}\n",
    )
    text = text.replace(
        "  - {id: zones,        title: 开发区子站信息量统计表}\n",
        "  - {id: zones,        title: 开发区子站信息量统计表}\n  - {id: towns,        title: 乡镇子站信息量统计表}\n",
    )
    text += (
        "  - {id: qingshi,     name: 青石镇人民政府,           kind: 乡镇,     order: 50, columns: [local, notices]}\n"
    )
    text += (
        "  - {id: baisha,      name: 白沙镇人民政府,           kind: 乡镇,     order: 51, columns: [local, notices]}\n"
    )
    sites.write_text(text, encoding="utf-8")
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    item = content / "items" / "qingshi" / "2026" / "2026-11-10-town-ecommerce.md"
    item.parent.mkdir(parents=True)
    item.write_text(
        TOWN_ITEM.format(body="青石镇组织召开电商进农村工作推进会，部署农产品上行和快递进村工作。" * 10),
        encoding="utf-8",
    )
    return config_dir, content


def test_a_new_kind_is_a_config_change_only(town_portal):
    config_dir, content = town_portal
    config = load_config(config_dir)
    assert [k.id for k in config.kinds][-1] == "乡镇"
    pub = publication.run(content, config, upstream_db=None)
    assert any(i.site == "qingshi" for i in pub.published)
    files, nav, _ = build.docs_tree_files(pub, config, content)
    groups = {next(iter(entry)): entry[next(iter(entry))] for entry in nav}
    assert [next(iter(s)) for s in groups["乡镇街道"]] == ["青石镇人民政府", "白沙镇人民政府"]
    assert "**乡镇**：[青石镇人民政府](qingshi/index.md) · [白沙镇人民政府](baisha/index.md)" in files["index.md"]
    year = files["stats/2026/index.md"]
    assert "乡镇子站信息量统计表" in year
    towns = files["stats/2026/towns.csv"]
    assert "青石镇人民政府,0,1,1,1," in towns and "白沙镇人民政府,0,1,0,2," in towns  # ranked within the kind


@pytest.mark.parametrize(
    "change, message",
    [
        (("table: zones}\n", "table: nowhere}\n"), "table “nowhere” 不在 stats_tables 中"),
        (("kind: 开发区,   order: 40", "kind: 街道,   order: 40"), "kind “街道” 无效"),
        (
            (
                "  - {id: 科室,     label: 科室,     table: sections}\n",
                "  - {id: 科室,     label: 科室,     table: sections, ranked: 否}\n",
            ),
            "ranked 只能是 true 或 false",
        ),
    ],
)
def test_kind_errors_name_the_file_and_the_kind(tmp_path, change, message):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    sites = config_dir / "sites.yaml"
    text = sites.read_text(encoding="utf-8")
    assert change[0] in text
    sites.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert "sites.yaml" in str(caught.value) and message in str(caught.value)
