"""Variants the red-team pass published before (issue 12): star look-alikes, a star before the
level, 密级 written other ways, more brackets, marks between the characters of a phrase or a
word, combining marks, numbers split by slashes, 、 or brackets — and near misses that publish."""

from __future__ import annotations

import pytest

from helpers import ROOT
from pipeline.config import load_config
from pipeline.scanners import Scanners

CONFIG = load_config(ROOT / "site_config")
SCANNERS = Scanners(CONFIG.confidentiality, CONFIG.portal.public_phones)

CAUGHT = (
    [
        ("marker", t)
        for t in (
            "机密⭐",
            "绝密✭启用前",
            "秘密✩1年",
            "机密🟊",
            "机密✯",
            "★机密",
            "机\u0301密★",
            "【密级】机密",
            "密级为机密",
            "《机密》",
            "〈机密〉",
            "<机密>",
            "内部资料·注意保存",
            "内部资料——注意保存",
            "内部资料（注意保存）",
            "内部资料！注意保存",
            "不得·外传",
            "不·得·外·传",
            "绝密·启用前",
        )
    ]
    + [("sensitive-word", t) for t in ("代·开发票", "代_开_发票", "代\u0301开发票", "代／开／发票")]
    + [
        ("pii", t)
        for t in (
            "138/0013/8000",
            "138、0013、8000",
            "(138)0013-8000",
            "138 - 0013 - 8000",
            "（138）0013 8000",
            "138,0013,8000",
            "138，0013，8000",
            "电话一三八〇〇一三八〇〇〇",
            "幺三八零零幺三八零零零",
            "身份证四三〇六〇二一九八五〇三一二一二三七",
        )
    ]
)
PUBLISHED = [
    "保密工作",
    "商业秘密保护",
    "做好机密文件管理工作",
    "0730-8888123",
    "1—10月全市社会消费品零售总额1234.5亿元",
    "2025/2026年度",
    "第12、13、14期",
    "（2026）12号",
    "开发区、综保区、高新区",
    "进出口总额13,800,138,000元",
    "2019,2020,2021年",
    "二〇二五年一二月",
    "第一二三四五六七八期",
]


@pytest.mark.parametrize("rule, text", CAUGHT)
def test_variant_is_caught(rule, text):
    assert rule in {h.rule for h in SCANNERS.scan(f"本局召开会议。{text}。会议要求抓好落实。")}, text


@pytest.mark.parametrize("text", PUBLISHED)
def test_near_miss_publishes(text):
    assert SCANNERS.scan(f"本局召开会议。{text}。会议要求抓好落实。") == [], text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_without_a_byte_order_mark_is_read_as_text(encoding):
    from pipeline import attachment_text

    data = "姓名,手机\n张三,13800138000\n".encode(encoding)
    text = " ".join(piece.text for piece in attachment_text.extract("名单.csv", data).pieces)
    assert "13800138000" in text
    assert "pii" in {h.rule for h in SCANNERS.scan(text)}


def test_the_bare_view_drops_exactly_what_is_not_a_letter_digit_or_star():
    """``_NOT_BARE`` (one pattern) removes the same characters as the per-character test ``_bare``."""
    from pipeline import scanners

    everything = "".join(chr(cp) for cp in range(0x110000))
    assert scanners._NOT_BARE.sub("", everything) == "".join(ch for ch in everything if scanners._bare(ch))


def test_the_fold_table_equals_folding_every_code_point():
    """fold_table skips the unified ideographs OpenCC leaves alone: the same table, in the same order."""
    from pipeline import scanners

    t2s = scanners._t2s_table()
    everything = scanners._build_fold_table(range(0x30000), t2s)
    assert list(scanners.fold_table().items()) == list(everything.items())
