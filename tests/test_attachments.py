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

from attachment_fixtures import (
    ID,
    MOBILE,
    PNG,
    csv_bytes,
    docx_bytes,
    gif_bytes,
    jpeg_bytes,
    pdf_bytes,
    pdf_revised,
    png_bytes,
    svg_bytes,
    webp_bytes,
    xlsx_bytes,
)
from helpers import ROOT, build_site, run_portal
from pipeline import attachment_text, attachments, audit_cache, publication
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
    ("page.md", lambda: "# 说明\n\n<script>alert(1)</script>\n".encode(), "unsafe-html", "源代码"),
    ("renamed-xlsx.png", lambda: xlsx_bytes(hidden_sheet=ID), "pii", "工作表“名单”"),
]


@pytest.mark.parametrize("name, make, rule, where", DIRTY, ids=[d[0] for d in DIRTY])
def test_secret_in_an_attachment_is_found_where_it_is(name, make, rule, where):
    v = verdict(name, make())
    assert v.unreadable is None, v.unreadable
    assert rule in rules(v), v
    assert any(h[0] == rule and where in h[1] for h in v.hits), [h[:2] for h in v.hits]


@pytest.mark.parametrize(
    "name, make, what",
    [
        ("sheet.xlsx", lambda: xlsx_bytes(hidden_sheet="仅供核对"), "工作表“名单”被隐藏"),
        ("rows.xlsx", lambda: xlsx_bytes(hidden_row="备注"), "行被隐藏"),
        ("cols.xlsx", lambda: xlsx_bytes(hidden_column="备注"), "列被隐藏"),
        ("ins.docx", lambda: docx_bytes(inserted="补充说明"), "未接受的修订"),
        ("del.docx", lambda: docx_bytes(deleted="删去的话"), "未接受的修订"),
        ("vanish.docx", lambda: docx_bytes(hidden="看不见的说明"), "隐藏文字"),
    ],
)
def test_hidden_content_is_reported_even_when_clean(name, make, what):
    v = verdict(name, make())
    assert not v.hits
    assert any(what in h for h in v.hidden), v.hidden


@pytest.mark.parametrize(
    "name, data, why",
    [
        ("broken.docx", b"PK\x03\x04 not really a zip", "损坏"),
        ("broken.xlsx", b"garbage", "损坏"),
        ("broken.pdf", b"%PDF-1.7\n garbage", ""),
        ("locked.pdf", None, "加密"),
        ("x.png", b"MZ\x90\x00 an executable", "不是 png"),
        ("bad.csv", b"\xff\xfe\x00\xd8", "UTF-16"),
    ],
)
def test_unreadable_files_say_why(name, data, why):
    data = pdf_bytes("通知", encrypt="secret") if data is None else data
    v = verdict(name, data)
    assert v.unreadable is not None and why in v.unreadable, v


def test_scanned_pdf_page_is_an_unreadable_part():
    v = verdict("scan.pdf", pdf_bytes("", image_only=True))
    assert v.unreadable is None and any("只有图片" in p for p in v.unreadable_parts)


def test_types_that_cannot_be_read_are_unscanned():
    assert verdict("photo.png", PNG).kind == "image"  # its metadata is read, its pixels are not
    assert attachment_text.pixels_unread("image") and attachment_text.pixels_unread("unscanned")
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


# --- ownership and what is copied (publication.run on a small content folder) ------------------

SECRET = "名单,金丝雀附件秘文\n张三,备注\n"


def item_text(title: str, body: str, **front) -> str:
    meta = {
        "title": title,
        "date": "2026-03-02 10:00",
        "site": "bureau",
        "column": "news",
        "author": "李晓梅",
        "reviewer": "陈立新",
    }
    meta.update(front)
    lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items()] + ["---", ""]
    return "\n".join(lines) + body + "\n\n" + "商务工作稳步推进，外贸企业座谈会顺利召开。" * 20 + "\n"


class Content:
    """A content folder with a few items and files under content/files/."""

    def __init__(self, root: Path):
        self.root = root
        (root / "items" / "bureau" / "2026").mkdir(parents=True)
        (root / "files" / "2026").mkdir(parents=True)

    def item(self, slug: str, body: str = "", **front) -> str:
        path = self.root / "items" / "bureau" / "2026" / f"2026-03-02-{slug}.md"
        path.write_text(item_text(f"测试条目 {slug}", body, **front), encoding="utf-8")
        return path.relative_to(self.root).as_posix()

    def file(self, rel: str, data: bytes | str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def run(self, config=CONFIG, cache_dir=None):
        return publication.run(self.root, config, reference=None, cache_dir=cache_dir, jobs=1)


@pytest.fixture()
def content(tmp_path) -> Content:
    return Content(tmp_path / "content")


def withheld_rules(pub) -> dict[str, set[str]]:
    return {w.item.path: {f.rule for f in w.findings if f.severity == "error"} for w in pub.withheld}


def attached_paths(pub) -> set[str]:
    return {a.path for a in pub.attached}


ROUTES = [  # a published item's ways to the classified item's files/2026/secret-notice.csv
    ("md", "[下载](../../../files/2026/secret-notice.csv)", {}),
    ("docs-relative", "[下载](../../files/2026/secret-notice.csv)", {}),
    ("image", "![](../../../files/2026/secret-notice.csv)", {}),
    ("percent", '<a href="../../../files/2026/%73ecret-notice.csv">下载</a>', {}),
    ("double-percent", "[下载](../../../files/2026/%2573ecret-notice.csv)", {}),
    ("dotdot-encoded", "[下载](../../../files/2026/x/%2e%2e/secret-notice.csv)", {}),
    ("backslash", '<a href="..\\..\\..\\files\\2026\\secret-notice.csv">下载</a>', {}),
    ("front", "见附件。", {"attachments": ["files/2026/secret-notice.csv"]}),
    ("front-dict", "见附件。", {"attachments": [{"name": "名单", "file": "/files/2026/secret-notice.csv"}]}),
    ("root", "[下载](/files/2026/secret-notice.csv)", {}),
    ("same-host", "[下载](https://swj.jianglin.gov.cn/files/2026/secret-notice.csv)", {}),
    ("same-host-www", "[下载](http://www.swj.jianglin.gov.cn:8080/files/2026/secret-notice.csv)", {}),
    ("protocol-relative", '<img src="//swj.jianglin.gov.cn/files/2026/secret-notice.csv">', {}),
    ("dot-fragment", "[下载](../../../files/2026/./secret-notice.csv#p2)", {}),
    ("query", "[下载](../../../files/2026/secret-notice.csv?v=2)", {}),
    ("reference", "[下载][f]\n\n[f]: ../../../files//2026/secret-notice.csv", {}),
    ("autolink", "<https://swj.jianglin.gov.cn/files/2026/secret-notice.csv>", {}),
    ("entity", '<a href="../../../&#102;iles/2026/secret-notice.csv">下载</a>', {}),
    ("srcset", '<img srcset="a.png 1x, ../../../files/2026/secret-notice.csv 2x">', {}),
    ("video-poster", '<video poster="../../../files/2026/secret-notice.csv"></video>', {}),
    ("attr-list", '[下载](https://example.com/){: href="../../../files/2026/secret-notice.csv" }', {}),
    ("case", "[下载](../../../FILES/2026/Secret-Notice.CSV)", {}),
    ("too-many-dotdots", "[下载](../../../../../../../files/2026/secret-notice.csv)", {}),
    ("tab-entity", '<a href="../../../fi&#9;les/2026/secret-notice.csv">下载</a>', {}),  # browsers drop tabs in URLs
    ("plain-text", "附件见 files/2026/secret-notice.csv 。", {}),
    ("no-extension", "[下载](../../../files/2026/secret-notice)", {}),  # MultiViews serves secret-notice.csv
    ("md-escape", "[下载](../../../files/2026/secret\\-notice.csv)", {}),  # Markdown drops the backslash
]


@pytest.mark.parametrize("slug, body, front", ROUTES, ids=[r[0] for r in ROUTES])
def test_a_withheld_items_file_is_withheld_whoever_links_it(content, slug, body, front):
    content.file("files/2026/secret-notice.csv", SECRET)
    content.item("owner", "内部通知，见附件。", classified=True, attachments=["files/2026/secret-notice.csv"])
    linker = content.item(slug, body, **front)
    pub = content.run()
    found = withheld_rules(pub).get(linker, set())
    # withheld-attachment, unless the sanitiser already withheld the markup itself (srcset …)
    assert "withheld-attachment" in found or found == {"unsafe-html"}, withheld_rules(pub)
    assert not attached_paths(pub)
    assert linker not in {i.path for i in pub.published}


@pytest.mark.parametrize(
    "owner_front",
    [{"classified": True}, {"disclosure": "依申请公开"}, {"reviewer": None}],
    ids=["classified", "not-public", "unreviewed"],
)
def test_any_reason_to_withhold_owns_the_file(content, owner_front):
    content.file("files/2026/a.csv", "企业,地址\n")
    owner = content.item("owner", "[附件](../../../files/2026/a.csv)", **owner_front)
    linker = content.item("linker", "[附件](../../../files/2026/a.csv)")
    pub = content.run()
    assert owner in withheld_rules(pub)
    assert "withheld-attachment" in withheld_rules(pub)[linker]


def test_withholding_cascades_to_a_fixed_point(content):
    content.file("files/2026/one.csv", "企业\n甲\n")
    content.file("files/2026/two.csv", "企业\n乙\n")
    content.file("files/2026/three.csv", "企业\n丙\n")
    content.item("owner", "[1](../../../files/2026/one.csv)", classified=True)
    b = content.item("b", "[1](../../../files/2026/one.csv) [2](../../../files/2026/two.csv)")
    c = content.item("c", "[2](../../../files/2026/two.csv)")
    d = content.item("d", "[3](../../../files/2026/three.csv)")
    pub = content.run()
    rules_ = withheld_rules(pub)
    assert "withheld-attachment" in rules_[b] and "withheld-attachment" in rules_[c]
    assert d not in rules_
    assert attached_paths(pub) == {"files/2026/three.csv"}


def test_a_copy_of_a_withheld_file_is_withheld_too(content):
    content.file("files/2026/secret.csv", SECRET)
    content.file("files/2026/copy-of-it.csv", SECRET)
    content.item("owner", "[附件](../../../files/2026/secret.csv)", classified=True)
    linker = content.item("linker", "[附件](../../../files/2026/copy-of-it.csv)")
    pub = content.run()
    assert "withheld-attachment" in withheld_rules(pub)[linker]
    assert not attached_paths(pub)


COPY_TEXT = (
    "关于二〇二六年第三季度重点外贸企业出口情况的内部通报，请各县市区商务主管部门对照名单逐一核实并于十月底前报送"
)


@pytest.mark.parametrize(
    "name, make",
    [
        ("resaved.docx", lambda: docx_bytes(COPY_TEXT, author="另存的人")),
        ("converted.pdf", lambda: pdf_bytes(COPY_TEXT)),
        ("as-text.txt", lambda: (COPY_TEXT[:30] + "\n" + COPY_TEXT[30:] + "\n").encode("utf-8")),
        (
            "traditional.csv",
            lambda: (
                "關於二〇二六年第三季度重點外貿企業出口情況的內部通報，請各縣市區商務主管部門對照名單逐一核實並於十月底前報送".encode(
                    "utf-8"
                )
            ),
        ),
    ],
    ids=["resaved", "converted", "retyped-lines", "traditional"],
)
def test_the_same_text_in_other_bytes_is_withheld_too(content, name, make):
    """A withheld item's document saved again, converted to PDF, pasted into a text file or
    turned into 繁体 is the same document to a reader: withheld like the original."""
    content.file("files/2026/neibu.docx", docx_bytes(COPY_TEXT))
    content.file(f"files/2026/{name}", make())
    content.item("owner", "[附件](../../../files/2026/neibu.docx)", classified=True)
    linker = content.item("linker", f"[附件](../../../files/2026/{name})")
    pub = content.run()
    assert "withheld-attachment" in withheld_rules(pub).get(linker, set()), withheld_rules(pub)
    assert not attached_paths(pub)


def test_a_short_shared_text_is_not_a_copy(content):
    """A heading two files share ("附件1") is not the same document."""
    content.file("files/2026/a.csv", "附件1：企业名单\n".encode("utf-8"))
    content.file("files/2026/b.csv", "附件1：企业名单\r\n".encode("utf-8"))
    content.item("owner", "[附件](../../../files/2026/a.csv)", classified=True)
    linker = content.item("linker", "[附件](../../../files/2026/b.csv)")
    pub = content.run()
    assert linker not in withheld_rules(pub)
    assert attached_paths(pub) == {"files/2026/b.csv"}


def test_symlinks(content, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("外部文件\n", encoding="utf-8")
    (content.root / "files" / "2026" / "out.csv").symlink_to(outside)
    content.file("files/2026/secret.csv", SECRET)
    (content.root / "files" / "2026" / "alias.csv").symlink_to(content.root / "files" / "2026" / "secret.csv")
    content.item("owner", "[附件](../../../files/2026/secret.csv)", classified=True)
    out_linker = content.item("out", "[附件](../../../files/2026/out.csv)")
    alias_linker = content.item("alias", "[附件](../../../files/2026/alias.csv)")
    pub = content.run()
    rules_ = withheld_rules(pub)
    assert "symlink" in rules_[out_linker]
    assert "withheld-attachment" in rules_[alias_linker]
    assert not attached_paths(pub)


def test_only_referenced_clean_files_are_copied(content):
    content.file("files/2026/public.csv", "企业,地址\n江临外贸,滨江大道\n")
    content.file("files/2026/nobody.csv", "无人链接\n")
    item = content.item("ok", "[名录](../../../files/2026/public.csv) [缺](../../../files/2026/gone.pdf)")
    pub = content.run()
    assert item in {i.path for i in pub.published}
    assert attached_paths(pub) == {"files/2026/public.csv"}
    by_rule = {(f.rule, f.path) for f in pub.findings}
    assert ("missing-attachment", item) in by_rule
    assert ("unreferenced-attachment", "files/2026/nobody.csv") in by_rule
    assert attachments.verified_bytes(pub.attached[0]) == (content.root / "files/2026/public.csv").read_bytes()


MATRIX = [  # (file, clean bytes, bytes with PII)
    ("list.docx", lambda: docx_bytes(table="江临外贸"), lambda: docx_bytes(table=ID)),
    ("list.xlsx", lambda: xlsx_bytes(hidden_sheet="仅供核对"), lambda: xlsx_bytes(hidden_sheet=ID)),
    ("list.pdf", lambda: pdf_bytes("企业名录 2026"), lambda: pdf_bytes(f"名单 {ID}")),
    ("list.csv", lambda: csv_bytes([["企业"], ["江临外贸"]]), lambda: csv_bytes([["姓名", "电话"], ["张三", MOBILE]])),
    ("photo.jpg", lambda: jpeg_bytes(description="座谈会现场"), lambda: jpeg_bytes(xp_comment=f"联系人 {ID}")),
    ("photo.png", lambda: png_bytes(text="座谈会现场"), lambda: png_bytes(text=f"身份证 {ID}")),
]


@pytest.mark.parametrize("name, clean, dirty", MATRIX, ids=[m[0] for m in MATRIX])
def test_attachment_matrix(content, name, clean, dirty):
    content.file(f"files/2026/clean-{name}", clean())
    content.file(f"files/2026/dirty-{name}", dirty())
    content.file(
        f"files/2026/owned-{name}", clean() + b"owned"
    )  # other bytes than the clean one (same bytes would be withheld too)
    ok = content.item("ok", f"[附件](../../../files/2026/clean-{name})")
    bad = content.item("bad", f"[附件](../../../files/2026/dirty-{name})")
    content.item("owner", f"[附件](../../../files/2026/owned-{name})", classified=True)
    linker = content.item("linker", f'<a href="/files/2026/owned-{name}">附件</a>')
    pub = content.run()
    rules_ = withheld_rules(pub)
    assert ok not in rules_, rules_.get(ok)
    assert "pii" in rules_[bad]
    assert "withheld-attachment" in rules_[linker]
    assert attached_paths(pub) == {f"files/2026/clean-{name}"}
    if name.endswith(".xlsx"):  # a hidden sheet is a warning even when clean
        assert any(f.rule == "hidden-content" and f.path == ok for f in pub.findings)


def test_unscannable_types_follow_the_configuration(content, tmp_path):
    content.file("files/2026/photo.png", PNG)
    content.file("files/2026/pack.zip", b"PK\x05\x06" + b"\0" * 18)
    photo = content.item("photo", "![](../../../files/2026/photo.png)")
    pack = content.item("pack", "[下载](../../../files/2026/pack.zip)")
    pub = content.run()
    assert photo not in withheld_rules(pub)
    assert "unscannable-attachment" in withheld_rules(pub)[pack]
    config_dir = tmp_path / "cfg"
    shutil.copytree(ROOT / "site_config", config_dir)
    yaml_file = config_dir / "confidentiality.yaml"
    yaml_file.write_text(
        yaml_file.read_text(encoding="utf-8").replace(
            "unscanned_attachment_types: [jpg, jpeg, png, gif, webp]", "unscanned_attachment_types: [zip]"
        ),
        encoding="utf-8",
    )
    pub = content.run(load_config(config_dir))
    assert "unscannable-attachment" in withheld_rules(pub)[photo]
    assert pack not in withheld_rules(pub)


def test_static_pages_and_broken_items_own_files_too(content):
    content.file("files/2026/a.csv", SECRET)
    content.file("files/2026/b.csv", "企业\n乙\n")
    (content.root / "pages").mkdir()
    (content.root / "pages" / "contact.md").write_text(
        "---\ntitle: 联系我们\n---\n[表](../../files/2026/b.csv)\n", encoding="utf-8"
    )
    broken = content.root / "items" / "bureau" / "2026" / "2026-03-02-broken.md"
    broken.write_text("---\ntitle: [unclosed\nclassified: true\n---\n见 files/2026/a.csv\n", encoding="utf-8")
    content.item("owner-b", "[附件](../../../files/2026/b.csv)", classified=True)
    linker = content.item("linker", "[附件](../../../files/2026/a.csv)")
    pub = content.run()
    assert "withheld-attachment" in withheld_rules(pub)[linker]
    assert not pub.pages  # the page links a withheld item's file
    assert any(f.rule == "withheld-attachment" and f.path == "pages/contact.md" for f in pub.findings)
    assert not attached_paths(pub)


def test_verdicts_are_cached_as_json_and_a_planted_cache_is_ignored(content, tmp_path):
    content.file("files/2026/list.csv", csv_bytes([["姓名", "电话"], ["张三", MOBILE]]))
    item = content.item("x", "[附件](../../../files/2026/list.csv)")
    cache = tmp_path / "cache"
    first = content.run(cache_dir=cache)
    key = audit_cache.cache_key(cache)
    stored = json.loads(audit_cache.unseal(key, (cache / "attachments.json").read_bytes()))
    assert len(stored["entries"]) == 1
    # a forged "clean" verdict under another stamp, then under the right one but not sealed with the
    # work folder's key (a restored CI cache), then garbage: all ignored
    clean = {"kind": "text", "hits": [], "hidden": [], "unreadable": None, "unreadable_parts": [], "text_key": None}
    forged = {"stamp": "forged", "entries": {k: clean for k in stored["entries"]}}
    (cache / "attachments.json").write_bytes(audit_cache.seal(key, json.dumps(forged).encode()))
    assert "pii" in withheld_rules(content.run(cache_dir=cache))[item]
    forged["stamp"] = stored["stamp"]
    for planted in (json.dumps(forged).encode(), audit_cache.seal(bytes(32), json.dumps(forged).encode())):
        (cache / "attachments.json").write_bytes(planted)
        assert "pii" in withheld_rules(content.run(cache_dir=cache))[item]
    (cache / "attachments.json").write_bytes(audit_cache.seal(key, json.dumps(forged).encode()))
    assert "pii" not in withheld_rules(content.run(cache_dir=cache)).get(item, ())  # what the seal keeps out
    (cache / "attachments.json").write_bytes(b"\x80\x04garbage")
    assert "pii" in withheld_rules(content.run(cache_dir=cache))[item]
    urls = json.loads(audit_cache.unseal(key, (cache / "attachment-urls.json").read_bytes()))
    assert ["../../../files/2026/list.csv"] in [u[:1] for u in urls["entries"].values()]
    # the URL list of the item with the file taken out, right stamp, no seal: the file is still its
    planted = {"stamp": urls["stamp"], "entries": {k: [] for k in urls["entries"]}}
    (cache / "attachment-urls.json").write_text(json.dumps(planted), encoding="utf-8")
    assert "pii" in withheld_rules(content.run(cache_dir=cache))[item]
    (cache / "attachment-urls.json").write_text('{"stamp": "x", "entries": {"a": 1}}', encoding="utf-8")
    assert "pii" in withheld_rules(content.run(cache_dir=cache))[item]
    assert "pii" in withheld_rules(first)[item]


def test_an_items_urls_are_remembered_by_its_file_and_follow_a_same_size_same_time_edit(content, tmp_path, monkeypatch):
    """attachment-urls.json knows an item's URLs by its file (path and SHA-256 of its bytes):
    a warm run hashes no item's texts; an item edited to link a withheld item's file — same
    size, same modification time — is read again and withheld with it; a page is still known
    by its text."""
    import os

    from pipeline import attachment_memos

    content.file("files/2026/secret.csv", "名单\n甲\n")
    content.item("secret", "[名单](../../../files/2026/secret.csv)", classified=True)
    plain = content.item("plain", "本局召开会议。" + "无附件" * 20)
    cache = tmp_path / "cache"
    cold = content.run(cache_dir=cache)
    assert plain in {i.path for i in cold.published}
    hashed = []
    original = attachment_memos.UrlCache.key
    monkeypatch.setattr(
        attachment_memos.UrlCache, "key", staticmethod(lambda o, *a: hashed.append(o.path) or original(o, *a))
    )
    assert content.run(cache_dir=cache) == cold and not [p for p in hashed if p.startswith("items/")]
    file = content.root / plain
    before = file.read_bytes()
    body = "本局召开会议。[附件](../../../files/2026/secret.csv)"
    data = before.replace(("本局召开会议。" + "无附件" * 20).encode(), body.encode())
    data += b"\n" * (len(before) - len(data))
    stat = file.stat()
    file.write_bytes(data)
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file.stat().st_size == stat.st_size and file.stat().st_mtime_ns == stat.st_mtime_ns
    warm = content.run(cache_dir=cache)
    assert withheld_rules(warm)[plain] == {"withheld-attachment"}
    assert warm == content.run()


def test_a_file_changed_after_its_scan_is_not_copied(content):
    path = content.file("files/2026/a.csv", "企业\n甲\n")
    content.item("x", "[附件](../../../files/2026/a.csv)")
    pub = content.run()
    path.write_text(f"企业\n{ID}\n", encoding="utf-8")
    with pytest.raises(attachments.ChangedFile):
        attachments.verified_bytes(pub.attached[0])


# --- property: no byte of a withheld item's attachments, whatever links it ----------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PREFIXES = [
    "../../../",
    "../../",
    "/",
    "https://swj.jianglin.gov.cn/",
    "//swj.jianglin.gov.cn/",
    "HTTPS://SWJ.JIANGLIN.GOV.CN/",
    "../../../../../../",
    "./../../../",
    "https:/",
    "..\\..\\..\\",
    "%2e%2e/%2e%2e/%2e%2e/",
]
WRAPPERS = [
    "[下载]({u})",
    "![]({u})",
    '<a href="{u}">下载</a>',
    "<img src='{u}'>",
    '<img srcset="x.png 1x, {u} 2x">',
    "[下载][r]\n\n[r]: {u}",
    "<{u}>",
    '<video poster="{u}"></video>',
    '[x](https://example.com/){{: href="{u}" }}',
]


@st.composite
def routes(draw):
    segments = ["files", "2026", "secret.csv"]
    out = []
    for seg in segments:
        chars = []
        for ch in seg:
            how = draw(st.sampled_from(["plain", "plain", "upper", "pct", "pct2"]))
            chars.append({"plain": ch, "upper": ch.upper(), "pct": f"%{ord(ch):02X}", "pct2": f"%25{ord(ch):02X}"}[how])
        out.append("".join(chars))
        out.append(draw(st.sampled_from(["/", "/", "//", "/./", "/x/../", "\\", "/%2e/"])))
    path = "".join(out[:-1]) + draw(st.sampled_from(["", "#p", "?v=1", "?a#b"]))
    prefix = draw(st.sampled_from(PREFIXES))
    if prefix.startswith(("http", "HTTP", "//")) and path.startswith(("/", "\\")):
        path = path.lstrip("/\\")
    return draw(st.sampled_from(WRAPPERS)).format(u=prefix + path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(link=routes(), via_front=st.booleans())
def test_property_no_byte_of_a_withheld_file_is_copied(tmp_path_factory, link, via_front):
    content = Content(tmp_path_factory.mktemp("prop") / "content")
    content.file("files/2026/secret.csv", SECRET)
    content.file("files/2026/public.csv", "企业\n甲\n")
    content.item("owner", "内部通知。", classified=True, attachments=["files/2026/secret.csv"])
    front = {"attachments": [link]} if via_front else {}
    content.item("linker", "[名录](../../../files/2026/public.csv)\n\n" + ("见附件。" if via_front else link), **front)
    pub = content.run()
    copied = b"".join(attachments.verified_bytes(a) for a in pub.attached)
    assert SECRET.encode() not in copied
    assert all(a.path != "files/2026/secret.csv" for a in pub.attached)


# --- the whole build and portal check ------------------------------------------------------------


def test_build_copies_only_published_attachments_and_check_reports(content_copy, tmp_path):
    files = content_copy / "files" / "2026"
    files.mkdir(parents=True)
    (files / "secret-notice.csv").write_text(SECRET, encoding="utf-8")
    (files / "public-list.xlsx").write_bytes(xlsx_bytes("江临外贸有限公司"))
    (files / "pii-list.docx").write_bytes(docx_bytes(table=ID))
    items = content_copy / "items" / "bureau" / "2026"
    (items / "2026-03-02-att-owner.md").write_text(
        item_text("内部通知", "见附件。", classified=True, attachments=["files/2026/secret-notice.csv"]),
        encoding="utf-8",
    )
    (items / "2026-03-02-att-link.md").write_text(
        item_text("转发通知", "[下载](../../../files/2026/secret-notice.csv)"), encoding="utf-8"
    )
    (items / "2026-03-02-att-ok.md").write_text(
        item_text("企业名录", "[名录](../../../files/2026/public-list.xlsx)"), encoding="utf-8"
    )
    (items / "2026-03-02-att-pii.md").write_text(
        item_text("名单", "[名单](../../../files/2026/pii-list.docx)"), encoding="utf-8"
    )
    site = build_site(tmp_path, content=content_copy, search=False)
    assert sorted(p.name for p in (site.out / "files").rglob("*") if p.is_file()) == ["public-list.xlsx"]
    assert (site.out / "files" / "2026" / "public-list.xlsx").read_bytes() == (files / "public-list.xlsx").read_bytes()
    assert 'href="../../../files/2026/public-list.xlsx"' in site.html("bureau/2026/2026-03-02-att-ok/")
    for path in site.out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert "金丝雀附件秘文".encode() not in data and ID.encode() not in data, path
    review = json.loads((site.work / "review.json").read_text(encoding="utf-8"))
    withheld = {w["file"]: {f["rule"] for f in w["findings"]} for w in review["withheld_items"]}
    assert "withheld-attachment" in withheld["items/bureau/2026/2026-03-02-att-link.md"]
    assert "pii" in withheld["items/bureau/2026/2026-03-02-att-pii.md"]
    done = run_portal("check", "--content", str(content_copy), "--format", "json")
    found = {(f["path"], f["rule"]) for f in json.loads(done.stdout)}
    assert ("items/bureau/2026/2026-03-02-att-link.md", "withheld-attachment") in found
    assert ("items/bureau/2026/2026-03-02-att-pii.md", "pii") in found
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_a_check_that_breaks_is_a_gate_failure_and_never_cached(content, tmp_path, monkeypatch):
    content.file("files/2026/a.csv", "企业\n甲\n")
    item = content.item("x", "[附件](../../../files/2026/a.csv)")

    def broken(name, data, depth=0):
        raise RuntimeError("boom")

    monkeypatch.setattr(attachment_text, "extract", broken)
    pub = content.run(cache_dir=tmp_path / "cache")
    assert "gate-failure" in withheld_rules(pub)[item]
    assert not attached_paths(pub)
    monkeypatch.undo()
    pub = content.run(cache_dir=tmp_path / "cache")  # the failure was not remembered
    assert item in {i.path for i in pub.published}


IMAGE_HIDEOUTS = [  # (file name, bytes with the secret in its metadata)
    ("exif-description.jpg", lambda t: jpeg_bytes(description=t)),
    ("exif-description-gbk.jpg", lambda t: jpeg_bytes(description=t, gbk=True)),
    ("exif-xpcomment.jpg", lambda t: jpeg_bytes(xp_comment=t)),
    ("jpeg-comment.jpg", lambda t: jpeg_bytes(comment=t)),
    ("xmp-title.jpg", lambda t: jpeg_bytes(xmp=t)),
    ("png-text.png", lambda t: png_bytes(text=t, where="tEXt")),
    ("png-ztxt.png", lambda t: png_bytes(text=t, where="zTXt")),
    ("png-itxt.png", lambda t: png_bytes(text=t, where="iTXt")),
    ("gif-comment.gif", lambda t: gif_bytes(comment=t)),
    ("webp-exif.webp", lambda t: webp_bytes(description=t)),
]


@pytest.mark.parametrize("name, make", IMAGE_HIDEOUTS, ids=[h[0] for h in IMAGE_HIDEOUTS])
def test_text_in_an_images_metadata_is_scanned(name, make):
    """A photo keeps what a camera, Windows' 属性 dialog or an editor wrote into it; the public
    can read all of it.  The marker and the ID number are found, named by where they are."""
    marked = verdict(name, make("机密★5年 座谈会现场"))
    assert marked.kind == "image" and "marker" in {h[0] for h in marked.hits}, marked
    assert all(h[1].startswith("图片元数据") for h in marked.hits)
    assert "pii" in {h[0] for h in verdict(name, make(f"联系人身份证 {ID}")).hits}
    assert verdict(name, make("江临市外贸企业座谈会现场")).hits == ()


@pytest.mark.parametrize("cut", [10, 40, 90, 200])
def test_a_damaged_image_header_is_still_read_and_never_raises(cut):
    data = jpeg_bytes(xp_comment=f"联系人 {ID}", comment=f"身份证 {ID}")
    damaged = data[:cut] + b"\xff" * 7 + data[cut:]
    v = verdict("photo.jpg", damaged)
    assert v.kind == "image" and v.unreadable is None


def test_pictures_inside_a_word_document_are_read_too():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr("word/media/image9.jpeg", jpeg_bytes(description=f"身份证 {ID}"))
    v = verdict("notice.docx", buf.getvalue())
    assert any(h[0] == "pii" and "image9" in h[1] for h in v.hits), v.hits


def test_an_image_still_needs_the_configured_allowance(content):
    """Only the metadata is read, never the pixels (a photographed 红头文件 is still a picture):
    an image type not in unscanned_attachment_types stays unpublishable."""
    content.file("files/2026/scan.tif", jpeg_bytes()[:0] + b"II*\x00" + b"\x08\x00\x00\x00" + b"\x00" * 16)
    item = content.item("tif", "[扫描件](../../../files/2026/scan.tif)")
    pub = content.run()
    assert "unscannable-attachment" in withheld_rules(pub)[item]


def test_text_deleted_in_a_later_pdf_revision_is_still_found():
    """An incrementally saved PDF keeps every earlier revision in the file: a name list 'deleted'
    by saving over it is downloaded with the final version."""
    first = f"名单 {ID}"
    v = verdict("notice.pdf", pdf_revised(first, "名单"))
    assert any(h[0] == "pii" and h[1].startswith("早期版本") for h in v.hits), v.hits
    assert any("早期版本" in h for h in v.hidden)
    clean = verdict("notice.pdf", pdf_revised("名单 2026", "名单"))
    assert clean.hits == () and clean.unreadable is None


def test_pdf_bookmarks_are_read():
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("企业名录 2026"))))
    writer.add_outline_item(title=f"附：联系人身份证 {ID}", page_number=0)
    buf = io.BytesIO()
    writer.write(buf)
    assert any(h[0] == "pii" and h[1] == "书签" for h in verdict("list.pdf", buf.getvalue()).hits)


@pytest.mark.parametrize(
    "formula",
    [f'="{ID[:6]}"&"{ID[6:]}"', "=A1&B1", f'=CONCATENATE("{ID[:9]}",B2)', f'=$A$1&"{ID[6:]}"'],
    ids=["literals", "cells", "concatenate", "absolute"],
)
def test_an_id_number_composed_by_a_formula_is_found(formula):
    """No cell holds the number and a file written by a program has no computed value: the
    concatenation shows it all the same."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["B2"], ws["C1"] = ID[:6], ID[6:], ID[9:], formula
    buf = io.BytesIO()
    wb.save(buf)
    hits = verdict("list.xlsx", buf.getvalue()).hits
    assert any(h[0] == "pii" and "公式拼接" in h[1] for h in hits), hits
