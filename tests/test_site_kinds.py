"""Sub-site kinds are configuration (issue 17 §3): adding 乡镇 to a county bureau's portal, or 驻外办事处
(listed, not ranked) to a city bureau's, is a change of site_config/sites.yaml only — nav label, home
directory, statistics table, ranks and the statistics page's note follow."""

from __future__ import annotations

import shutil

import pytest

from helpers import ROOT
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


def _portal_with(tmp_path, kind: str, table: str, sites: str, items: dict[str, tuple[str, str]]):
    """A copy of the demo site_config with one more kind (and statistics table) and its sub-sites,
    and a copy of the demo content with ``items`` (path under content/items → site id, body) added."""
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    path = config_dir / "sites.yaml"
    text = path.read_text(encoding="utf-8")
    last_kind = "  - {id: 开发区,   label: 开发区,   table: zones}\n"
    last_table = "  - {id: zones,        title: 开发区子站信息量统计表}\n"
    assert last_kind in text and last_table in text
    text = text.replace(last_kind, last_kind + kind).replace(last_table, last_table + table)
    path.write_text(text + sites, encoding="utf-8")
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    for rel, (site, body) in items.items():
        item = content / "items" / rel
        item.parent.mkdir(parents=True, exist_ok=True)
        item.write_text(TOWN_ITEM.format(body=body * 10).replace("site: qingshi", f"site: {site}"), encoding="utf-8")
    return config_dir, content


@pytest.fixture
def town_portal(tmp_path):
    return _portal_with(
        tmp_path,
        "  - {id: 乡镇,     label: 乡镇街道, table: towns}\n",
        "  - {id: towns,        title: 乡镇子站信息量统计表}\n",
        "  - {id: qingshi, name: 青石镇人民政府, kind: 乡镇, order: 50, columns: [local, notices]}\n"
        "  - {id: baisha, name: 白沙镇人民政府, kind: 乡镇, order: 51, columns: [local, notices]}\n",
        {
            "qingshi/2026/2026-11-10-town-ecommerce.md": (
                "qingshi",
                "青石镇组织召开电商进农村工作推进会，部署农产品上行和快递进村工作。",
            )
        },
    )


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
    assert "市站不参加排名" in year


def test_an_unranked_kind_is_a_config_change_only(tmp_path):
    """驻外办事处: its own nav label and statistics table, listed there without ranks."""
    config_dir, content = _portal_with(
        tmp_path,
        "  - {id: 驻外办事处, label: 驻外机构, ranked: false, table: offices}\n",
        "  - {id: offices,      title: 驻外办事处信息量统计表}\n",
        "  - {id: sz-office, name: 江临市商务局驻深圳办事处, kind: 驻外办事处, order: 60, columns: [news, notices]}\n"
        "  - {id: sh-office, name: 江临市商务局驻上海办事处, kind: 驻外办事处, order: 61, columns: [news, notices]}\n",
        {
            "sz-office/2026/2026-11-10-sz-fair.md": (
                "sz-office",
                "驻深圳办事处在高交会上推介江临经开区的电子信息产业园。",
            ),
            "sz-office/2026/2026-11-12-sz-fair.md": (
                "sz-office",
                "深圳三家跨境电商企业来江临考察综合保税区的仓储条件。",
            ),
            "sh-office/2026/2026-11-11-sh-fair.md": (
                "sh-office",
                "驻上海办事处组织本市食品企业参加进博会配套采购对接。",
            ),
        },
    )
    for item in (content / "items").glob("*-office/2026/*.md"):
        text = item.read_text(encoding="utf-8").replace("column: local", "column: news")
        item.write_text(
            text.replace("title: 青石镇召开电商进农村工作推进会", f"title: 办事处工作动态 {item.stem}"),
            encoding="utf-8",
        )
    config = load_config(config_dir)
    assert config.kind("驻外办事处").ranked is False and config.kinds_in_table("offices") == ("驻外办事处",)
    pub = publication.run(content, config, upstream_db=None)
    assert {i.site for i in pub.published} >= {"sz-office", "sh-office"}
    files, nav, _ = build.docs_tree_files(pub, config, content)
    groups = {next(iter(entry)): entry[next(iter(entry))] for entry in nav}
    assert [next(iter(s)) for s in groups["驻外机构"]] == ["江临市商务局驻深圳办事处", "江临市商务局驻上海办事处"]
    assert "**驻外办事处**：[江临市商务局驻深圳办事处](sz-office/index.md)" in files["index.md"]
    year = files["stats/2026/index.md"]
    assert "驻外办事处信息量统计表" in year and "市站、驻外办事处不参加排名" in year
    offices = files["stats/2026/offices.csv"]
    assert "江临市商务局驻深圳办事处,0,,2,," in offices and "江临市商务局驻上海办事处,0,,1,," in offices  # not ranked
    assert "驻深圳办事处" not in files["stats/2026/county.csv"]  # only in its own table


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
