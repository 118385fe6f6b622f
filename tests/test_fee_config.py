"""信息处理费标准 as configuration (issue 17 §4): site_config/fees.yaml, with its source named."""

from __future__ import annotations

import shutil

import pytest

from helpers import ROOT
from pipeline.config import ConfigError, load_config
from pipeline.config import NATIONAL_2020
from pipeline.render import disclosure


def test_the_shipped_file_is_the_2020_national_schedule():
    fees = load_config(ROOT / "site_config").fees
    assert fees == NATIONAL_2020 and fees.document == "国办函〔2020〕109号"
    # 11—30 at 100, then 31—40 at 200, 41—45 at 300
    assert fees.by_requests.fee(45) == 20 * 100 + 10 * 200 + 5 * 300
    assert fees.by_pages.fee(250) == 70 * 10 + 100 * 20 + 50 * 40


def test_a_changed_schedule_reaches_the_apply_page(tmp_path):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    text = (config_dir / "fees.yaml").read_text(encoding="utf-8")
    (config_dir / "fees.yaml").write_text(
        text.replace("free_up_to: 30", "free_up_to: 50").replace("国办函〔2020〕109号", "某省办函〔2027〕1号"),
        encoding="utf-8",
    )
    config = load_config(config_dir)
    _, page = disclosure.apply_page(config, ())
    assert "| 50页以下（含50页） | 不收费 |" in page and "| 51—100页（含100页）的部分 | 10元/页 |" in page
    assert "（某省办函〔2027〕1号）" in page and "一件申请提供 45 页，收费 0 元" in page


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("    - {up_to: 200, rate: 20}\n", "    - {up_to: 90, rate: 20}\n", "应大于上一档"),
        ("    - {rate: 40}          # 200页以上的部分\n", "", "没有说明最后一档以上如何收费"),
        ("  free_up_to: 10", "  free_up_to: 十", "free_up_to 应当是非负整数"),
    ],
)
def test_fee_errors_name_the_file_and_the_key(tmp_path, old, new, message):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    text = (config_dir / "fees.yaml").read_text(encoding="utf-8")
    assert old in text
    (config_dir / "fees.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert "fees.yaml" in str(caught.value) and message in str(caught.value)
