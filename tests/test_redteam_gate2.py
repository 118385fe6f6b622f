"""Red team, second pass on the confidentiality gate (issue 12): classes of leak the earlier
passes (entities, emphasis, zero-width, full-width, traditional, incremental routes) did not try.

Each class is checked where the public receives it: the source gate (an item's body through
:mod:`pipeline.confidentiality`, an attachment through :func:`pipeline.attachments.verdict_of`)
and the output audit (:mod:`pipeline.audit`, the last check before the site goes live), each
with its near misses.  Binary fixtures are made at test time.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from attachment_fixtures import docx_bytes, pdf_of, xlsx_bytes
from helpers import ROOT
from pipeline import attachments, audit
from pipeline.config import load_config
from pipeline.confidentiality import build_scanners
from gate_probe import make_item, rules

CONFIG = load_config(ROOT / "site_config")
SCANNERS = build_scanners(CONFIG)


def gate_rules(name: str, data: bytes) -> set[str]:
    """The rules the source gate blocks an attachment for (unreadable counts as a block)."""
    v = attachments.verdict_of(name, data, SCANNERS)
    found = {rule for rule, *_ in v.hits}
    if v.unreadable or v.unreadable_parts:
        found.add("unscannable-attachment")
    return found


def audit_rules(tmp_path, name: str, data: bytes) -> set[str]:
    """The rules the output audit reports for ``files/<name>`` holding ``data``."""
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / name).write_bytes(data)
    checker = audit.make_checker(tmp_path, CONFIG, audit.Withheld())
    hits, _read, _unscanned, _digest = checker.check_content(f"files/{name}")
    return {rule for rule, *_ in hits}


def audit_text_rules(text: str) -> set[str]:
    """The rules the output audit reports for a text of a built page (feed, JSON, search)."""
    checker = audit._Checker(SCANNERS, audit.Withheld(), ROOT)
    return {rule for rule, *_ in checker.scan_text([text])}


# --- 1. a marking written with a star the hand-made list of stars lacks ---------------------------

STAR_MARKINGS = [
    "机密⭑1年 关于某事项的通知",  # U+2B51 BLACK SMALL STAR
    "机密✴",  # U+2734 EIGHT POINTED BLACK STAR
    "秘密✵启用前",  # U+2735 EIGHT POINTED PINWHEEL STAR
    "绝密⚝",  # U+269D OUTLINED WHITE STAR
    "秘密✱",  # U+2731 HEAVY ASTERISK (drawn as a star)
    "绝密🌠",  # U+1F320 SHOOTING STAR
    "⭒机密",  # U+2B52 WHITE SMALL STAR, before the level word
]


@pytest.mark.parametrize("body", STAR_MARKINGS)
def test_a_marking_with_any_star_glyph_is_withheld(body):
    assert "marker" in rules(make_item(body)), body
    assert "marker" in audit_text_rules(body), body


@pytest.mark.parametrize("body", ["机密工作要求✴落实", "做好保密工作⭑", "✱ 注：秘密文件的管理见保密法"])
def test_a_star_away_from_a_level_word_is_no_marking(body):
    assert "marker" not in rules(make_item(body)), body


# --- 2. a mobile number in 大写 numerals, with ○ for zero, or apart by ~ and _ --------------------

PII_WRITINGS = [
    "联系电话壹叁捌零零壹叁捌零零零",
    "联系电话壹叁捌〇〇壹叁捌〇〇〇",
    "联系电话一三八○○一三八○○○",  # U+25CB WHITE CIRCLE for zero, as in 二○二六年
    "联系电话138~0013~8000",
    "联系电话138～0013～8000",
    "联系电话138_0013_8000",
    "身份证号430602~19850312~1237",
]


def _personal_data_everywhere(body: str) -> None:
    """The gate and the output audit both take ``body`` for personal data."""
    assert "pii" in rules(make_item(body)), body
    assert "pii" in audit_text_rules(body), body


@pytest.mark.parametrize("body", PII_WRITINGS)
def test_a_number_in_any_writing_is_personal_data(body):
    _personal_data_everywhere(body)


@pytest.mark.parametrize(
    "body",
    [
        "二○二六年三月，贰仟叁佰万元",
        "壹万贰仟叁佰肆拾伍元整",
        "第1~3季度，2024~2025年",
        "文件编号 2026_03_15_001",
        "一九八○年代",
    ],
)
def test_dates_amounts_and_ranges_are_no_personal_data(body):
    assert "pii" not in rules(make_item(body)), body
    assert "pii" not in audit_text_rules(body), body


# --- 3. an HTML or SVG attachment: a marking split by tags ----------------------------------------

MARKUP_SPLITS = [
    ("notice.html", "<html><body><p>机<b></b>密★ 关于某事项</p></body></html>"),
    ("notice.html", "<p>机<span>密</span>★ 关于某事项<br></p>"),  # not XML
    ("notice.htm", "<p>电话138<span>0013</span>8000</p>"),
    ("chart.svg", '<svg xmlns="http://www.w3.org/2000/svg"><text>机<tspan>密</tspan>★</text></svg>'),
    ("chart.svg", '<svg xmlns="http://www.w3.org/2000/svg"><text>内部</text><text x="9">资料，注意保存</text></svg>'),
]


@pytest.mark.parametrize("name, text", MARKUP_SPLITS)
def test_a_marking_split_by_tags_of_a_markup_attachment_is_found(tmp_path, name, text):
    data = text.encode("utf-8")
    assert gate_rules(name, data) & {"marker", "pii"}, text
    assert audit_rules(tmp_path, name, data) & {"marker", "pii"}, text


def test_a_clean_markup_attachment_still_passes(tmp_path):
    data = '<svg xmlns="http://www.w3.org/2000/svg"><text>机</text><text>构</text><text>密切配合</text></svg>'
    assert not gate_rules("ok.svg", data.encode())
    assert not audit_rules(tmp_path, "ok.svg", data.encode())


# --- 4. an Office file carrying a part that is neither XML nor a picture nor an embedding ---------


def _with_member(data: bytes, name: str, blob: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        zf.writestr(name, blob)
    return out.getvalue()


OFFICE_MEMBERS = [
    ("notice.docx", docx_bytes, "word/afchunk.mht", "机密★ 关于某事项".encode()),  # an altChunk part
    ("notice.docx", docx_bytes, "word/notes.txt", "联系电话13800138000".encode()),
    ("notice.docx", docx_bytes, "名单.csv", "姓名,电话\n张三,13800138000\n".encode("gb18030")),
    ("list.xlsx", xlsx_bytes, "xl/extra.html", "<p>机<b>密</b>★</p>".encode()),
    ("list.xlsx", xlsx_bytes, "xl/printerSettings/printerSettings1.bin", "机密★".encode("utf-16-le")),
    ("notice.docx", docx_bytes, "word/chunk.rtf", b"{\\rtf1 \\'bb\\'fa\\'c3\\'dc}"),  # a type nothing reads
    # an embedded OLE object stays what nothing reads, whatever its bytes hold
    ("notice.docx", docx_bytes, "word/embeddings/oleObject1.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)),
]


@pytest.mark.parametrize("name, make, member, blob", OFFICE_MEMBERS)
def test_every_member_of_an_office_file_is_read(tmp_path, name, make, member, blob):
    data = _with_member(make(), member, blob)
    assert gate_rules(name, data) & {"marker", "pii", "unscannable-attachment"}, member
    assert audit_rules(tmp_path, name, data) & {"marker", "pii", "audit-unreadable"}, member


def test_an_office_file_with_a_clean_extra_member_still_passes(tmp_path):
    data = _with_member(docx_bytes(), "word/printerSettings/printerSettings1.bin", "HP LaserJet".encode("utf-16-le"))
    assert not gate_rules("ok.docx", data)
    assert not audit_rules(tmp_path, "ok.docx", data)


# --- 5. a cached verdict outliving a change to a module the reading depends on -------------------


def _pipeline_imports(module: str) -> set[str]:
    """The modules of pipeline/ that ``module`` imports (``config`` for the package)."""
    import ast

    base = ROOT / "pipeline"
    path = base / f"{module}.py" if (base / f"{module}.py").exists() else base / module / "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "pipeline":
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("pipeline.")}
    return out


def test_the_attachment_verdict_cache_is_stamped_with_every_module_the_reading_uses():
    """A verdict is reused while the stamp holds: a fix to any module the extraction or the scan
    runs (attachment_base's readers of HTML and SVG, rendered's reader view …) must re-judge
    every file, or a file cleared by the old code is copied on."""
    from pipeline.attachment_memos import VerdictCache

    stamped = {s.removesuffix(".py") for s in VerdictCache.SOURCES}
    seen: set[str] = set()
    todo = ["attachments", "attachment_text"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += sorted(_pipeline_imports(module))
    assert seen <= stamped, f"not in VerdictCache.SOURCES: {sorted(seen - stamped)}"


# --- 6. text a browser shows in another order than it is written (bidi controls, dir="rtl") ------

RLO, RLE, PDF, RLI, PDI = "\u202e", "\u202b", "\u202c", "\u2067", "\u2069"
BIDI = [
    ("marker", f"机{RLO}★密{PDF} 关于某事项的通知"),  # shown 机密★
    ("marker", f"{RLO}★密机{PDF}"),  # shown 机密★
    ("marker", f"机{RLE}★密{PDF}"),  # an embedding: the neutral star moves to the right of 密
    ("marker", f"{RLO}存保意注，料资部内{PDF}"),
    ("marker", f"机密{RLI}1{RLO}★{PDF}{PDI}"),  # nested: shown 机密1★
    ("pii", f"联系电话{RLO}00083100831{PDF}"),  # shown 13800138000
    ("sensitive-word", f"{RLO}票发开代{PDF}"),
]


@pytest.mark.parametrize("rule, body", BIDI)
def test_text_shown_in_another_order_is_judged_as_shown(rule, body):
    assert rule in rules(make_item(body)), ascii(body)
    assert rule in audit_text_rules(body), ascii(body)


@pytest.mark.parametrize("body", [f"阿拉伯文名称{RLO}ةراجتلا{PDF}，机构{RLO}密切{PDF}配合", f"编号{RLE}2026-1{PDF}"])
def test_clean_text_with_bidi_controls_passes(body):
    assert not {"marker", "pii", "sensitive-word"} & rules(make_item(body)), ascii(body)
    assert not audit_text_rules(body), ascii(body)


@pytest.mark.parametrize(
    "body", ['<p dir="rtl">电话 8000 0013 138</p>', '电话 8000 0013 138\n{: dir="rtl" }', '<span dir="RTL">x</span>']
)
def test_right_to_left_direction_is_refused(body):
    """A paragraph set right-to-left shows its number groups in reverse ("138 0013 8000"): a
    Chinese portal has no use for it, so no page may set it."""
    assert "unsafe-html" in rules(make_item(body)), body


def test_the_audit_refuses_a_page_set_right_to_left():
    checker = audit._Checker(SCANNERS, audit.Withheld(), ROOT)
    found = checker.scan_html('<html><body dir="ltr"><p dir="rtl">电话 8000 0013 138</p></body></html>'.encode())
    assert "unsafe-html" in {rule for rule, *_ in found}
    assert not checker.scan_html('<html><body dir="ltr"><p>正文</p></body></html>'.encode())


# --- 7. a text attachment in Big5: GB 18030 decodes any Big5 file, into other characters ----------

BIG5_TEXTS = [
    ("list.csv", "名單,機密★\n張三,備註\n"),
    ("notice.txt", "絕密★啟用前\n關於某事項的通知\n"),
    ("notice.txt", "內部資料，注意保存\n"),
]


@pytest.mark.parametrize("name, text", BIG5_TEXTS)
def test_a_text_attachment_in_big5_is_read_as_big5_too(tmp_path, name, text):
    data = text.encode("big5")
    assert "marker" in gate_rules(name, data), text
    assert "marker" in audit_rules(tmp_path, name, data), text


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf-8"])
def test_a_clean_legacy_text_attachment_still_passes(tmp_path, encoding):
    data = "單位,項目,金額\n商務局,重點項目★評選,1234.5\n".encode(encoding)
    assert not gate_rules("ok.csv", data)
    assert not audit_rules(tmp_path, "ok.csv", data)


# --- 8. a PDF whose text is drawn in another order than it is stored -----------------------------


def _pdf_drawing(chars: str, content: str, annotation: str | None = None) -> bytes:
    """A one-page PDF whose content stream is ``content``, where ``{cN}`` is the hex string of
    the Nth character of ``chars`` (a Type0 font with a ToUnicode map, as in attachment_fixtures);
    with ``annotation``, a FreeText annotation whose appearance stream is that (no /Contents)."""
    codes = {ch: i + 1 for i, ch in enumerate(dict.fromkeys(chars))}
    fields = {f"c{i}": f"<{codes[c]:04X}>" for i, c in enumerate(chars)}
    stream = content.format(**fields).encode()
    cmap_lines = "\n".join(f"<{code:04X}> <{ord(ch):04X}>" for ch, code in codes.items())
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def 1 begincodespacerange <0000> "
        f"<FFFF> endcodespacerange\n{len(codes)} beginbfchar\n{cmap_lines}\nendbfchar endcmap CMapName currentdict /"
        "CMap defineresource pop end end"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R" + (b" /Annots [8 0 R]" if annotation is not None else b"") + b" >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts [6 0 R] "
        b"/ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    if annotation is not None:
        drawn = annotation.format(**fields).encode()
        objects += [
            b"<< /Type /Annot /Subtype /FreeText /Rect [72 600 300 620] /DA (/F1 12 Tf) /AP << /N 9 0 R >> >>",
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 228 20] /Resources << /Font << /F1 5 0 R >> >> "
            b"/Length %d >>\nstream\n" % len(drawn) + drawn + b"\nendstream",
        ]
    return pdf_of(objects)


def test_pdf_text_drawn_out_of_its_stored_order_is_read_as_laid_out(tmp_path):
    """密 and ★ stored first and drawn right of 机, stored last: the page shows 机密★."""
    data = _pdf_drawing(
        "密★机",
        "BT /F1 12 Tf 84 720 Td {c0} Tj ET BT /F1 12 Tf 96 720 Td {c1} Tj ET BT /F1 12 Tf 72 720 Td {c2} Tj ET",
    )
    assert "marker" in gate_rules("notice.pdf", data)
    assert "marker" in audit_rules(tmp_path, "notice.pdf", data)


@pytest.mark.xfail(
    strict=True,
    reason="glyphs of one TJ array moved back over each other by kerning ([机 -1000 ★ 2000 密] shows 机密★) "
    "come out in stored order even in pypdf's layout mode; needs glyph positions sorted by x "
    "(a text visitor with the text matrix per glyph) in pipeline/attachment_pdf.py",
)
def test_pdf_glyphs_reordered_by_kerning_are_read_as_shown(tmp_path):
    data = _pdf_drawing("机★密", "BT /F1 12 Tf 72 720 Td [{c0} -1000 {c1} 2000 {c2}] TJ ET")
    assert "marker" in gate_rules("notice.pdf", data)


# --- 9. text an Office program shows from a formatting part ---------------------------------------


def _replace_member(data: bytes, name: str, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            blob = src.read(info)
            zf.writestr(info, edit(blob.decode("utf-8")).encode("utf-8") if info.filename == name else blob)
    return out.getvalue()


def _xlsx_with_format(code: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.active["A1"].number_format = code
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FORMATTING_TEXTS = [
    # a list label: every numbered paragraph starts with it
    (
        "notice.docx",
        lambda: _replace_member(
            docx_bytes(), "word/numbering.xml", lambda x: x.replace('w:val="%1."', 'w:val="机密★%1"', 1)
        ),
    ),
    # a document variable, shown by a DOCVARIABLE field
    (
        "notice.docx",
        lambda: _replace_member(
            docx_bytes(),
            "word/settings.xml",
            lambda x: x.replace(
                "</w:settings>", '<w:docVars><w:docVar w:name="m" w:val="机密★"/></w:docVars></w:settings>'
            ),
        ),
    ),
    # a number format's literal text, shown in the cell whatever its value
    ("list.xlsx", lambda: _xlsx_with_format('"机密"\\★@')),
    ("list.xlsx", lambda: _xlsx_with_format('"138"0000"8000"')),
]


@pytest.mark.parametrize("name, make", FORMATTING_TEXTS)
def test_text_shown_from_a_formatting_part_is_read(tmp_path, name, make):
    data = make()
    assert gate_rules(name, data) & {"marker", "pii"}
    assert audit_rules(tmp_path, name, data) & {"marker", "pii"}


def test_ordinary_number_formats_and_list_labels_pass(tmp_path):
    for code in ("0.00%", "yyyy-mm-dd", '#,##0.00"元"', "000000"):
        assert not gate_rules("ok.xlsx", _xlsx_with_format(code)), code
    assert not gate_rules("ok.docx", docx_bytes())


# --- 10. text the theme's style sheet hides, splitting a marking the reader then sees whole -------

THEME_HIDDEN = [
    '机<span class="md-toggle">公开</span>密★',  # .md-toggle{display:none}
    '机<span class="portal-print-source">公开</span>密★',  # theme/ CSS: display:none
    "机*公开*{: .md-toggle }密★",
    '机<del class="md-header__source">x</del>密★',
    '<span class="highlight"><code>机<a id="z">公开</a>密★</code></span>',  # .highlight code a[id]{visibility:hidden}
]


@pytest.mark.parametrize("body", THEME_HIDDEN)
def test_the_themes_own_classes_are_refused_in_an_item(body):
    assert "unsafe-html" in rules(make_item(body)), body


@pytest.mark.parametrize(
    "body",
    [
        '!!! note "提示"\n    请按时申报。',
        "```python\nx = 1\n```",
        "说明{: .center }",
        "## 一、工作进展 {#progress}",
        '<span class="mdash">—</span>',
        "[链接](#progress)",
    ],
)
def test_ordinary_classes_and_anchors_still_pass(body):
    assert "unsafe-html" not in rules(make_item(body)), body


# --- 11. look-alike characters: letters for digits, other crosses for the X of an ID, brackets ------

ID_X = "43060219850312004X"  # a valid check digit X
LOOKALIKES = [
    ("pii", "电话138O0138OOO"),  # letter O for zero
    ("pii", "电话l38OOl38OOO"),  # letter l for one
    ("pii", "电话１３８ＯＯ１３８ＯＯＯ"),
    ("pii", "电话138-ОО13-8ООО"),  # Cyrillic О
    ("pii", f"身份证号{ID_X[:-1]}Х"),  # Cyrillic Х
    ("pii", f"身份证号{ID_X[:-1]}×"),  # multiplication sign
    ("marker", "{机密}"),
    ("marker", "｛机密｝"),
    ("marker", "⟦绝密⟧"),
    ("marker", "〘秘密〙"),
]


@pytest.mark.parametrize("rule, body", LOOKALIKES)
def test_look_alike_characters_read_as_what_they_look_like(rule, body):
    assert rule in rules(make_item(body)), body
    assert rule in audit_text_rules(body), body


@pytest.mark.parametrize(
    "body", ["Windows10 与 Office2019", "o2o 平台 2026 年", "l3 级别，1o 号楼", "型号 X200×300", "{保密工作}"]
)
def test_letters_beside_digits_are_no_number(body):
    found = rules(make_item(body)) | audit_text_rules(body)
    assert not found & {"pii", "marker"}, body


@pytest.mark.parametrize("body", ["机宻★", "秘宻★1年", "【绝宻】", "内部朙电", "机\u202e★宻\u202c"])
def test_a_variant_form_of_a_marking_character_is_a_marking(body):
    """宻 (U+5BBB) is a variant form of 密 that neither NFKC nor OpenCC folds (Unihan kSemanticVariant);
    site_config/confidentiality.yaml ``marker_variants`` names such forms, and a text holding one is
    also read with the marking's character in its place — by the gate and by the output audit."""
    assert "marker" in rules(make_item(body)), body
    assert "marker" in audit_text_rules(body), body


@pytest.mark.parametrize("body", ["宻字是密的异体字。", "朙是明的古字，见于《说文》。"])
def test_a_variant_form_in_prose_is_no_marking(body):
    assert not rules(make_item(body)) & {"marker"} and "marker" not in audit_text_rules(body), body


def test_marker_variants_come_from_the_configuration():
    from dataclasses import replace

    from pipeline.confidentiality import build_scanners
    from pipeline.scanners import normalise

    config = replace(CONFIG, confidentiality=replace(CONFIG.confidentiality, marker_variants=()))
    assert not build_scanners(config).marker.scan(normalise("机宻★"))
    config = replace(CONFIG, confidentiality=replace(CONFIG.confidentiality, marker_variants=(("㮊", "机"),)))
    assert build_scanners(config).marker.scan(normalise("㮊密★"))


# --- the classes end to end: one build of the demo with an item of each -------------------------

E2E = {
    "rg-star": ("机密⭑1年 关于某事项。", None),
    "rg-bidi": (f"机{RLO}★密{PDF} 关于某事项。", None),
    "rg-theme": ('机<span class="md-toggle">公开</span>密★ 关于某事项。', None),
    "rg-lookalike": ("联系电话138O0138OOO。", None),
    "rg-numeral": ("联系电话壹叁捌零零壹叁捌零零零。", None),
    "rg-html": ("见附件。", ("files/2026/rg-split.html", "<p>机<b></b>密★ 关于某事项</p>".encode())),
    "rg-big5": ("见附件。", ("files/2026/rg-big5.csv", "名單,機密★\n".encode("big5"))),
    "rg-numbering": (
        "见附件。",
        (
            "files/2026/rg-numbering.docx",
            _replace_member(docx_bytes(), "word/numbering.xml", lambda x: x.replace('w:val="%1."', 'w:val="机密★%1"')),
        ),
    ),
}


@pytest.fixture(scope="module")
def new_classes_build(tmp_path_factory):
    import shutil

    from helpers import build_site
    from gate_probe import reader_text, write_item

    tmp = tmp_path_factory.mktemp("redgate2")
    content = tmp / "content"
    shutil.copytree(ROOT / "content", content)
    paths = {}
    for slug, (body, attachment) in E2E.items():
        extra = {}
        if attachment is not None:
            rel, data = attachment
            (content / rel).parent.mkdir(parents=True, exist_ok=True)
            (content / rel).write_bytes(data)
            extra = {"attachments": [rel]}
        paths[slug] = write_item(content, slug, body, extra)
    paths["rg-clean"] = write_item(content, "rg-clean", "机构密切配合，号码 O2O 平台。", {})  # the control
    site = build_site(tmp, content=content)
    texts = {
        f.relative_to(site.out).as_posix(): reader_text(f.read_bytes())
        for f in site.out.rglob("*")
        if f.is_file() and f.suffix not in (".png", ".jpg", ".woff", ".woff2", ".ico")
    }
    return site, paths, texts


@pytest.mark.parametrize("slug", sorted(E2E))
def test_each_new_class_is_withheld_and_nothing_of_it_is_published(new_classes_build, slug):
    import json

    from gate_probe import canary

    site, paths, texts = new_classes_build
    review = json.loads((site.work / "review.json").read_text(encoding="utf-8"))
    assert paths[slug] in {w["file"] for w in review["withheld_items"]}, f"{slug} was published"
    assert not [name for name, text in texts.items() if canary(slug) in text]
    assert not list(site.out.rglob(f"{slug}*"))


def test_the_control_item_is_published_and_its_canary_found(new_classes_build):
    from gate_probe import canary

    site, paths, texts = new_classes_build
    assert [name for name, text in texts.items() if canary("rg-clean") in text and name.endswith("index.html")]


# --- 12. a Word symbol font: a character drawn as a star ------------------------------------------


def _docx_with_symbol(kind: str, font: str = "Wingdings", char: str = "F0AB") -> bytes:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraph = document.add_paragraph("通知：机密")
    run = paragraph.add_run("«" if kind == "font" else "")  # Wingdings « (0xAB) is drawn as ★
    if kind == "font":
        fonts = run._r.get_or_add_rPr().makeelement(
            qn("w:rFonts"), {qn("w:ascii"): "Wingdings", qn("w:hAnsi"): "Wingdings"}
        )
        run._r.get_or_add_rPr().append(fonts)
    else:
        run._r.append(run._r.makeelement(qn("w:sym"), {qn("w:font"): font, qn("w:char"): char}))
    paragraph.add_run("，关于某事项")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["sym", "font"])
def test_a_star_drawn_by_a_symbol_font_is_read_as_a_star(tmp_path, kind):
    data = _docx_with_symbol(kind)
    assert "marker" in gate_rules("notice.docx", data)
    assert "marker" in audit_rules(tmp_path, "notice.docx", data)


def test_a_symbol_away_from_a_level_word_passes(tmp_path):
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraph = document.add_paragraph("请在方框内打勾：")
    run = paragraph.add_run("")
    run._r.append(run._r.makeelement(qn("w:sym"), {qn("w:font"): "Wingdings", qn("w:char"): "F0A8"}))
    buf = io.BytesIO()
    document.save(buf)
    assert not gate_rules("ok.docx", buf.getvalue())


# --- 13. a workbook formula that shows characters by code or from another sheet -------------------


def _xlsx_formulas(cells: dict[str, dict[str, str]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, values in cells.items():
        ws = wb.create_sheet(title)
        for ref, value in values.items():
            ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FORMULAS = [
    {"表1": {"A1": '=UNICHAR(26426)&UNICHAR(23494)&"★"'}},  # shows 机密★
    {"表1": {"A1": '=CONCAT(CHAR(48122),"密",UNICHAR(9733))'}},  # CHAR: GBK BB FA is 机
    {"表1": {"A1": '="机"&表2!A1'}, "表2": {"A1": "密★"}},  # a cell of another sheet
    {"表1": {"A1": "=\"机\"&'名 单'!$B$2"}, "名 单": {"B2": "密★"}},
    {"表1": {"A1": '="138"&表2!A1&"8000"'}, "表2": {"A1": "0013"}},
]


@pytest.mark.parametrize("cells", FORMULAS, ids=range(len(FORMULAS)))
def test_a_formula_composing_characters_is_read_as_shown(tmp_path, cells):
    data = _xlsx_formulas(cells)
    assert gate_rules("list.xlsx", data) & {"marker", "pii"}
    assert audit_rules(tmp_path, "list.xlsx", data) & {"marker", "pii"}


def test_an_ordinary_formula_passes():
    data = _xlsx_formulas({"表1": {"A1": 12, "A2": '=A1&"元"', "A3": "=SUM(表2!A1:A3)"}, "表2": {"A1": 3}})
    assert not gate_rules("ok.xlsx", data)


# --- 14. digits in other shapes: numerals mixed with digits, dingbat digits, dot-like separators ---

DIGIT_SHAPES = [
    "电话1三8〇〇13八〇〇〇",
    "电话138零零一三8000",
    "电话❶❸❽⓿⓿❶❸❽⓿⓿⓿",  # dingbat negative circled digits: a digit value, but no NFKC form
    "电话➀➂➇⓪⓪➀➂➇⓪⓪⓪",
    "电话⓵⓷⓼00⓵⓷⓼000",
    "电话138‧0013‧8000",  # U+2027 hyphenation point
    "电话138•0013•8000",
    "电话138∙0013∙8000",
]


@pytest.mark.parametrize("body", DIGIT_SHAPES)
def test_digits_in_any_shape_are_read_as_digits(body):
    _personal_data_everywhere(body)


@pytest.mark.parametrize(
    "body", ["2026年一季度完成1三项", "❶ 第一项 ❷ 第二项 ❸ 第三项", "• 2026 • 2025 • 2024", "二〇二六年3月12日"]
)
def test_lists_and_dates_with_such_shapes_pass(body):
    assert "pii" not in rules(make_item(body)) | audit_text_rules(body), body


def test_text_an_annotation_draws_is_read(tmp_path):
    """A FreeText annotation shows what its appearance stream draws, with nothing in /Contents."""
    # codes: 通 1, 知 2, 机 3, 密 4, ★ 5 (or 构 4)
    data = _pdf_drawing(
        "通知机密★", "BT /F1 12 Tf 72 720 Td <00010002> Tj ET", "BT /F1 12 Tf 2 5 Td <000300040005> Tj ET"
    )
    assert "marker" in gate_rules("notice.pdf", data)
    assert "marker" in audit_rules(tmp_path, "notice.pdf", data)
    clean = _pdf_drawing("通知机构", "BT /F1 12 Tf 72 720 Td <00010002> Tj ET", "BT /F1 12 Tf 2 5 Td <00030004> Tj ET")
    assert not gate_rules("ok.pdf", clean)


def test_a_long_formula_is_read_to_its_end(tmp_path):
    """Padding a formula past the first 2,000 characters once hid what it composed."""
    data = _xlsx_formulas({"表1": {"A1": '=""' + '&""' * 1000 + '&"机"&"密★"'}})
    assert "marker" in gate_rules("list.xlsx", data)
    assert "marker" in audit_rules(tmp_path, "list.xlsx", data)


def test_a_symbol_element_naming_a_character_by_its_code_is_read_as_that_character(tmp_path):
    """w:sym in an ordinary font draws the Unicode character of its code: 机密 + (SimSun, 2605) is 机密★,
    and 机 + (SimSun, 5BC6 密) + ★ too."""
    assert "marker" in gate_rules("notice.docx", _docx_with_symbol("sym", "SimSun", "2605"))
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraph = document.add_paragraph("通知：机")
    run = paragraph.add_run("")
    run._r.append(run._r.makeelement(qn("w:sym"), {qn("w:font"): "SimSun", qn("w:char"): "5BC6"}))
    paragraph.add_run("★，关于某事项")
    buf = io.BytesIO()
    document.save(buf)
    assert "marker" in gate_rules("notice.docx", buf.getvalue())
    assert "marker" in audit_rules(tmp_path, "notice.docx", buf.getvalue())


# --- 15. a PDF that runs a script: what it shows (app.alert …) is not the page's text -----------


def _pdf_with_script(script: str, where: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(
        clone_from=PdfReader(io.BytesIO(_pdf_drawing("通知", "BT /F1 12 Tf 72 720 Td <00010002> Tj ET")))
    )
    action = writer._add_object(
        DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)})
    )
    if where == "names":  # the document-level scripts, run when it opens
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    else:
        writer._root_object[NameObject("/OpenAction")] = action
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("where", ["names", "open"])
def test_a_pdf_with_a_script_is_not_published_unchecked(tmp_path, where):
    data = _pdf_with_script('app.alert("\\u673a\\u5bc6\\u2605");', where)  # shows 机密★, written as escapes
    assert gate_rules("notice.pdf", data) & {"marker", "unscannable-attachment"}
    assert audit_rules(tmp_path, "notice.pdf", data) & {"marker", "audit-unreadable"}
