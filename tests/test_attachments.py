"""Issue 12 §3: attachments belong to their items.

The extraction matrix (docx, xlsx with a hidden sheet, pdf, csv, svg: clean and with PII, in
the places a careless editor leaves it), URL routes to a file, ownership (a withheld item's
file stays withheld whoever links it, to a fixed point), and whole builds asserting on what
lands in ``site/``.  Fixtures are generated at test time (tests/attachment_fixtures.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from attachment_fixtures import ID, MOBILE, PNG, csv_bytes, docx_bytes, pdf_bytes, svg_bytes, xlsx_bytes
from conftest import ROOT
from pipeline import attachment_text, attachments, publication
from pipeline.config import load_config
from pipeline.confidentiality import build_scanners

CONFIG = load_config(ROOT / "site_config")
SCANNERS = build_scanners(CONFIG)


def verdict(name: str, data: bytes) -> attachments.Verdict:
    return attachments.verdict_of(name, data, SCANNERS)


def rules(v: attachments.Verdict) -> set[str]:
    return {h[0] for h in v.hits}


# --- extraction: every place a list hides ---------------------------------------------------

CLEAN = [
    ("clean.docx", lambda: docx_bytes("关于开展外贸企业调研的通知", table="江临外贸有限公司", header="江临市商务局")),
    ("clean.xlsx", lambda: xlsx_bytes("江临外贸有限公司")),
    ("clean.pdf", lambda: pdf_bytes("江临市商务局通知 2026")),
    ("clean.csv", lambda: csv_bytes([["企业", "电话"], ["江临外贸有限公司", "0730-8888123"]])),
    ("clean-gbk.csv", lambda: csv_bytes([["企业"], ["江临外贸有限公司"]], "gb18030")),
    ("clean.svg", lambda: svg_bytes("示意图")),
]


@pytest.mark.parametrize("name, make", CLEAN, ids=[c[0] for c in CLEAN])
def test_clean_attachments_have_no_hits(name, make):
    v = verdict(name, make())
    assert v.unreadable is None and not v.hits and not v.unreadable_parts, v


DIRTY = [  # (file, bytes, rule, where the hit must be reported)
    ("body.docx", lambda: docx_bytes(f"联系人 张三 {MOBILE}"), "pii", "正文"),
    ("table.docx", lambda: docx_bytes(table=ID), "pii", "表格"),
    ("header.docx", lambda: docx_bytes(header="机密★"), "marker", "页眉"),
    ("comment.docx", lambda: docx_bytes(comment=f"核对 {ID}"), "pii", "批注"),
    ("deleted.docx", lambda: docx_bytes(deleted=f"删去的 {ID}"), "pii", "正文"),
    ("inserted.docx", lambda: docx_bytes(inserted="内部资料，注意保存"), "marker", "正文"),
    ("hidden-text.docx", lambda: docx_bytes(hidden=MOBILE), "pii", "正文"),
    ("author.docx", lambda: docx_bytes(author=f"张三 {MOBILE}"), "pii", "文档属性"),
    ("hidden-sheet.xlsx", lambda: xlsx_bytes(hidden_sheet=ID), "pii", "工作表“名单”（隐藏）"),
    ("hidden-row.xlsx", lambda: xlsx_bytes(hidden_row=MOBILE), "pii", "（隐藏）"),
    ("hidden-col.xlsx", lambda: xlsx_bytes(hidden_column=ID), "pii", "D 列（隐藏）"),
    ("comment.xlsx", lambda: xlsx_bytes(comment=f"身份证 {ID}"), "pii", "批注"),
    ("title.xlsx", lambda: xlsx_bytes(title="机密★ 名单"), "marker", "文档属性"),
    ("page.pdf", lambda: pdf_bytes(f"名单 {ID}"), "pii", "第 1 页"),
    ("marker.pdf", lambda: pdf_bytes("机密★ 关于某事项的通知"), "marker", "第 1 页"),
    ("meta.pdf", lambda: pdf_bytes("通知", title=f"联系 {MOBILE}"), "pii", "文档属性"),
    ("list.csv", lambda: csv_bytes([["姓名", "身份证号"], ["张三", ID]]), "pii", "第 2 行"),
    ("list-gbk.csv", lambda: csv_bytes([["姓名", "电话"], ["张三", MOBILE]], "gb18030"), "pii", "第 2 行"),
    ("list-bom.csv", lambda: b"\xef\xbb\xbf" + csv_bytes([["秘密★"]]), "marker", "第 1 行"),
    ("word.txt", lambda: "代开发票 请联系".encode(), "sensitive-word", "第 1 行"),
    ("attr.svg", lambda: svg_bytes("图", attribute=ID), "pii", "属性"),
    ("text.svg", lambda: svg_bytes("机密★"), "marker", "文字"),
    ("script.svg", lambda: svg_bytes("图", script=True), "unsafe-html", "源代码"),
    ("renamed-xlsx.png", lambda: xlsx_bytes(hidden_sheet=ID), "pii", "工作表“名单”"),
]


@pytest.mark.parametrize("name, make, rule, where", DIRTY, ids=[d[0] for d in DIRTY])
def test_secret_in_an_attachment_is_found_where_it_is(name, make, rule, where):
    v = verdict(name, make())
    assert v.unreadable is None, v.unreadable
    assert rule in rules(v), v
    assert any(h[0] == rule and where in h[1] for h in v.hits), [h[:2] for h in v.hits]


@pytest.mark.parametrize("name, make, what", [
    ("sheet.xlsx", lambda: xlsx_bytes(hidden_sheet="仅供核对"), "工作表“名单”被隐藏"),
    ("rows.xlsx", lambda: xlsx_bytes(hidden_row="备注"), "行被隐藏"),
    ("cols.xlsx", lambda: xlsx_bytes(hidden_column="备注"), "列被隐藏"),
    ("ins.docx", lambda: docx_bytes(inserted="补充说明"), "未接受的修订"),
    ("del.docx", lambda: docx_bytes(deleted="删去的话"), "未接受的修订"),
    ("vanish.docx", lambda: docx_bytes(hidden="看不见的说明"), "隐藏文字"),
])
def test_hidden_content_is_reported_even_when_clean(name, make, what):
    v = verdict(name, make())
    assert not v.hits
    assert any(what in h for h in v.hidden), v.hidden


@pytest.mark.parametrize("name, data, why", [
    ("broken.docx", b"PK\x03\x04 not really a zip", "损坏"),
    ("broken.xlsx", b"garbage", "损坏"),
    ("broken.pdf", b"%PDF-1.7\n garbage", ""),
    ("locked.pdf", None, "加密"),
    ("x.png", b"MZ\x90\x00 an executable", "不是 png"),
    ("bad.csv", b"\xff\xfe\x00\xd8", "UTF-16"),
])
def test_unreadable_files_say_why(name, data, why):
    data = pdf_bytes("通知", encrypt="secret") if data is None else data
    v = verdict(name, data)
    assert v.unreadable is not None and why in v.unreadable, v


def test_scanned_pdf_page_is_an_unreadable_part():
    v = verdict("scan.pdf", pdf_bytes("", image_only=True))
    assert v.unreadable is None and any("只有图片" in p for p in v.unreadable_parts)


def test_types_that_cannot_be_read_are_unscanned():
    assert verdict("photo.png", PNG).kind == "unscanned"
    assert verdict("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).kind == "unscanned"
    assert attachment_text.kind_of("list.wps", b"PK\x03\x04") == "unscanned"


def test_zip_bomb_is_unreadable(tmp_path):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<a/>")
        zf.writestr("word/big.xml", b"0" * (attachment_text.MAX_UNPACKED + 1))
    v = verdict("bomb.docx", buf.getvalue())
    assert v.unreadable and "解压后" in v.unreadable
