"""Reading one Word file for ``portal import``: refuse what cannot be imported, convert the rest.

:func:`read_docx` takes the file's bytes and either raises :class:`Refused` — a Chinese
message that names what the file is and what the editor should do (an old .doc, a .wps, a
PDF, a password-protected or damaged file, an empty document, a document with unaccepted
tracked changes, comments or hidden text) — or returns a :class:`Converted` document:

- the layout read by :mod:`pipeline.word_layout` (标题, 文号, 落款, 信息员, 附件) from
  mammoth's document model, with the recognised paragraphs taken out of the body;
- the body as Markdown: mammoth turns the docx into semantic HTML (headings, lists, tables,
  bold, links, images), markdownify turns that into Markdown.  Text is escaped so that
  nothing in a Word document becomes HTML or Markdown syntax (``<script>`` stays text,
  ``{: …}`` is no attribute list).  Tables with merged cells are kept as plain HTML tables,
  the others become pipe tables.  Body headings start at level 2 (the page's level 1 is the
  title);
- the text of headers and footers, which is not imported but may carry a 密级标志;
- the images, by content (SHA-256) and type; only PNG, JPEG, GIF and WebP whose bytes say
  so — others (EMF/WMF drawings, BMP, SVG) are left out and noted.

Tracked changes, comments and hidden text are refused rather than resolved: mammoth would
quietly drop deleted text and keep hidden text, and importing would publish text that its
author deleted or hid.  This module neither writes files nor prints.

Why about 540 lines: every refusal and every conversion of a Word file (fields, tracked changes, tables,
images, hidden text) works on the same parsed document; the page layout rules are :mod:`pipeline.word_layout`.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

import mammoth
import mammoth.documents as mdoc
from lxml import etree
from markdownify import MarkdownConverter

from pipeline import word_layout
from pipeline.word_layout import Block, Layout

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNPACKED = 200 * 1024 * 1024  # bytes a docx may unpack to (zip bombs)
MAX_PART = 64 * 1024 * 1024  # bytes of one XML part
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
IMAGE_TOKEN = "portal-import-image:"
IMAGE_TYPES = {  # magic bytes → extension
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
}


# what reading a damaged zip member can raise (a bad CRC, a broken deflate stream, an unknown method …)
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    KeyError,
)


class Refused(Exception):
    """The file cannot be imported; ``str()`` says why and what to do, in Chinese."""


@dataclass(frozen=True)
class Image:
    name: str  # <sha256[:16]>.<ext>
    data: bytes


@dataclass(frozen=True)
class Converted:
    layout: Layout
    markdown: str  # the body, recognised layout lines removed
    images: tuple[Image, ...] = ()
    notes: tuple[str, ...] = ()  # what the editor should look at (layout and conversion)
    chars: int = 0  # characters of body text, whitespace not counted (字数)
    margins: tuple[str, ...] = ()  # text of the headers and footers (not imported; 密级标志 live there too)
    properties: tuple[str, ...] = ()  # text of the document properties (title, subject, custom 密级 …; not imported)
    notes_text: tuple[str, ...] = ()  # text of the footnotes and endnotes (imported only with their paragraph)


# --- what the bytes are ------------------------------------------------------------------------

WPS_SAVE_AS = (
    "这是 WPS 文字的 .wps 格式，不能直接导入。请在 WPS 中打开，选择“文件 → 另存为”，"
    "文件类型选“Word 文件（*.docx）”，再导入新的 .docx 文件"
)
SAVE_AS = "请用 Word 或 WPS 打开，选择“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，再导入新的 .docx 文件"


def sniff(data: bytes, suffix: str) -> None:
    """Refuse anything that is not a readable .docx, naming what it is."""
    suffix = suffix.lower()
    if not data:
        raise Refused("文件是空的（0 字节），可能保存或拷贝时没有完成。请向报送单位重新索要文件")
    if data.startswith(b"%PDF-") or suffix == ".pdf":
        raise Refused(
            "这是 PDF 文件，无法还原成可编辑的正文（段落、表格会错乱）。请向报送单位索要 Word 原稿（.docx）；"
            "只有 PDF 时，请在 WPS 或 Word 中转换为 .docx 并核对后再导入"
        )
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise Refused(
                "文档设置了打开密码（已加密），无法读取。请在 Word 中打开，选择“文件 → 信息 → 保护文档 → "
                "用密码进行加密”，清空密码后保存，再导入"
            )
        if suffix == ".wps":
            raise Refused(WPS_SAVE_AS)
        if suffix == ".docx":
            raise Refused(f"文件扩展名是 .docx，内容却是旧版 Word（.doc）格式，可能是直接改了扩展名。{SAVE_AS}")
        raise Refused(f"这是旧版 Word（.doc）或其他旧版 Office 格式，不能可靠地转换。{SAVE_AS}")
    if suffix == ".wps":
        raise Refused(WPS_SAVE_AS)
    if suffix == ".doc":
        if data.lstrip().startswith(b"{\\rtf"):
            raise Refused(f"这是 RTF 格式（扩展名为 .doc）。{SAVE_AS}")
        raise Refused(f"这是旧版 Word（.doc）格式，不能可靠地转换。{SAVE_AS}")
    if data.lstrip().startswith(b"{\\rtf"):
        raise Refused(f"这是 RTF 格式，不是 .docx。{SAVE_AS}")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"mime-version")) or b"<html" in head:
        raise Refused(f"这是网页（HTML/MHT）格式，不是 .docx。{SAVE_AS}")
    if not data.startswith(ZIP_MAGIC):
        raise Refused(
            "不是 Word 文档（.docx）：内容无法识别，可能文件不完整或不是文档。请确认文件能用 Word 打开；"
            f"能打开时{SAVE_AS[1:]}"
        )


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except ZIP_ERRORS:
        raise Refused(
            "文件已损坏（.docx 的 zip 结构无法读取），可能下载或拷贝不完整。请向报送单位重新索要文件"
        ) from None
    if "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise Refused(
                "这是 Excel 表格（.xlsx），不是 Word 文档。表格请作为附件放在对应文档旁边，或先把内容放进 Word 文档"
            )
        if "ppt/presentation.xml" in names:
            raise Refused("这是 PowerPoint 演示文稿（.pptx），不是 Word 文档")
        raise Refused("是压缩文件，但不是 Word 文档（缺少 word/document.xml）。请确认文件能用 Word 打开并另存为 .docx")
    total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNPACKED or any(
        info.file_size > MAX_PART for info in archive.infolist() if info.filename.endswith(".xml")
    ):
        raise Refused(
            f"文档解压后过大（{total // (1024 * 1024)} MB），不像一份普通的信息稿。请检查文件，或把大图片压缩后另存"
        )
    return archive


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _xml(archive: zipfile.ZipFile, name: str):
    try:
        data = archive.read(name)
    except KeyError:
        return None
    except ZIP_ERRORS:
        raise Refused(f"文件已损坏（{name} 无法解压）。请向报送单位重新索要文件") from None
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError:
        raise Refused(f"文件已损坏（{name} 不是有效的 XML）。请用 Word 打开后另存为 .docx 再导入") from None


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _snippet(text: str, limit: int = 20) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _on(element) -> bool:
    """A toggle property (w:vanish …) that is switched on."""
    return element.get(_w("val"), "true").lower() not in ("0", "false", "off")


def inspect(archive: zipfile.ZipFile, styles=None) -> tuple[str, ...]:
    """Refuse tracked changes, comments and hidden text; return notes on content that will
    not survive the conversion (charts, SmartArt, embedded objects, equations)."""
    parts = ["word/document.xml", *note_parts(archive)]
    roots = {name: _xml(archive, name) for name in parts}
    roots = {name: root for name, root in roots.items() if root is not None}
    document = roots.get("word/document.xml")
    if document is None or document.tag != _w("document"):
        if document is not None and "purl.oclc.org/ooxml" in str(document.tag):
            raise Refused(f"这是“Strict Open XML 文档”格式，无法可靠转换。{SAVE_AS}")
        raise Refused(f"文件已损坏（word/document.xml 不是 Word 正文）。{SAVE_AS}")
    problems: list[str] = []

    changes: list[str] = []
    for root in roots.values():
        for tag, what in (("del", "删除"), ("ins", "插入"), ("moveFrom", "移走"), ("moveTo", "移入")):
            for el in root.iter(_w(tag)):
                text = "".join(el.itertext())
                who = el.get(_w("author")) or "某人"
                changes.append(f"{who} {what}“{_snippet(text)}”" if text.strip() else f"{who} {what}了段落标记")
    if changes:
        problems.append(
            f"有 {len(changes)} 处未接受的修订（例如：{'；'.join(changes[:3])}）。"
            "请在 Word 中选择“审阅 → 接受 → 接受所有修订”（或逐条接受、拒绝），保存后再导入"
        )

    comments: list[str] = []
    for name in sorted({"word/comments.xml"} | _related(archive, RELS, "word", ("/comments",))):
        comment_root = _xml(archive, name)
        for el in comment_root.iter(_w("comment")) if comment_root is not None else ():
            comments.append(f"{el.get(_w('author')) or '某人'}：“{_snippet(''.join(el.itertext()))}”")
    refs = sum(1 for root in roots.values() for _ in root.iter(_w("commentReference")))
    if comments or refs:
        examples = f"（例如 {'；'.join(comments[:3])}）" if comments else ""
        problems.append(
            f"有 {max(len(comments), refs)} 条批注{examples}。请在 Word 中选择“审阅 → 删除 → 删除文档中的所有批注”，"
            "保存后再导入"
        )

    hidden_styles = set()
    if styles is not None:
        for style in styles.iter(_w("style")):
            rpr = style.find(_w("rPr"))
            vanish = rpr.find(_w("vanish")) if rpr is not None else None
            if vanish is not None and _on(vanish):
                hidden_styles.add(style.get(_w("styleId")))
    hidden: list[str] = []
    for root in roots.values():
        for run in root.iter(_w("r")):
            rpr = run.find(_w("rPr"))
            vanish = rpr.find(_w("vanish")) if rpr is not None else None
            style = rpr.find(_w("rStyle")) if rpr is not None else None
            is_hidden = (vanish is not None and _on(vanish)) or (
                style is not None and style.get(_w("val")) in hidden_styles
            )
            if not is_hidden and hidden_styles:
                paragraph = run.getparent()
                while paragraph is not None and paragraph.tag != _w("p"):
                    paragraph = paragraph.getparent()
                pstyle = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}") if paragraph is not None else None
                is_hidden = pstyle is not None and pstyle.get(_w("val")) in hidden_styles and vanish is None
            text = "".join(t.text or "" for t in run.iter(_w("t")))
            if is_hidden and text.strip():
                hidden.append(text)
    if hidden:
        problems.append(
            f"有 {len(hidden)} 处隐藏文字（例如“{_snippet(''.join(hidden))}”）。"
            "请在 Word 中点“开始 → 显示/隐藏编辑标记”，删除隐藏文字或取消“隐藏”格式，保存后再导入"
        )
    if problems:
        raise Refused("文档不能导入，导入会把作者已删除、批注或隐藏的文字发布出去：" + "；".join(problems))

    notes: list[str] = []
    # content that mammoth cannot convert
    lost = (
        ("{http://schemas.openxmlformats.org/drawingml/2006/chart}chart", "图表"),
        ("{http://schemas.openxmlformats.org/drawingml/2006/diagram}relIds", "SmartArt 图形"),
        (_w("object"), "嵌入对象（OLE）"),
        ("{http://schemas.openxmlformats.org/officeDocument/2006/math}oMath", "公式"),
        (_w("altChunk"), "嵌入的其他文档"),
    )
    for tag, what in lost:
        if next(document.iter(tag), None) is not None:
            notes.append(f"文档中有{what}，导入后不会显示；请在 Word 中把它另存为图片插入，或在正文中用文字说明")
    return tuple(notes)


# --- conversion --------------------------------------------------------------------------------

STYLE_MAP = "\n".join(
    [
        f"p[style-name='{name} {n}'] => h{min(n + 1, 6)}:fresh"
        for name in ("heading", "Heading", "标题")
        for n in range(1, 7)
    ]
    + ["p[style-name='Title'] => h2:fresh", "p[style-name='标题'] => h2:fresh", "p[style-name='Subtitle'] => p:fresh"]
)


def _text_of(element) -> str:
    if isinstance(element, mdoc.Text):
        return element.value
    if isinstance(element, mdoc.Tab):
        return " "
    if isinstance(element, mdoc.Break):
        return "\n"
    return "".join(_text_of(child) for child in getattr(element, "children", ()) or ())


def _block(element) -> Block:
    if not isinstance(element, mdoc.Paragraph):
        return Block("", paragraph=False)
    style = (element.style_name or "").lower()
    heading = style.startswith(("heading", "title", "标题"))
    return Block(
        _text_of(element),
        centred=element.alignment == "center",
        heading=heading,
        numbered=element.numbering is not None,
    )


class _Markdown(MarkdownConverter):
    """markdownify with text escaped for Python-Markdown and mkdocs' extensions."""

    def escape(self, text, parent_tags):
        if not text:
            return ""
        text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = re.sub(r"([`*_{}\[\]!])", r"\\\1", text)
        text = re.sub(
            r"(^|\n)(\s*)(:(?=\s)|\?\?\?)",
            lambda m: m[1] + m[2] + m[3].replace(":", "&#58;").replace("?", "&#63;"),
            text,
        )
        text = re.sub(
            r"(^|\n)(\s*)([#+-]|\d{1,9}[.)])(?=\s|$)", lambda m: m[1] + m[2] + m[3][:-1] + "\\" + m[3][-1], text
        )
        if parent_tags and ("td" in parent_tags or "th" in parent_tags):
            text = text.replace("|", "&#124;")
        return text

    def convert_p(self, el, text, parent_tags):
        return super().convert_p(el, text.lstrip(" \u3000\t"), parent_tags)

    def convert_img(self, el, text, parent_tags):
        alt = re.sub(r"([\[\]\\])", r"\\\1", " ".join((el.attrs.get("alt") or "图片").split()))
        return f"![{alt}]({el.attrs.get('src', '')})"

    def convert_table(self, el, text, parent_tags):
        cells = el.find_all(["td", "th"])
        merged = any(str(c.get("colspan", "1")) != "1" or str(c.get("rowspan", "1")) != "1" for c in cells)
        nested = el.find(["table", "ul", "ol", "img"]) is not None
        if merged or nested:
            return "\n\n" + self._html_table(el) + "\n\n"
        return super().convert_table(el, text, parent_tags)

    def _html_table(self, el) -> str:
        """A merged-cell table as plain HTML: rows, cells, spans and escaped cell text only."""
        import html as html_mod

        rows = []
        for tr in el.find_all("tr"):
            if tr.find_parent("table") is not el:
                continue
            cells = []
            for cell in tr.find_all(["td", "th"], recursive=False):
                spans = "".join(
                    f' {a}="{int(v)}"'
                    for a in ("colspan", "rowspan")
                    if (v := str(cell.get(a, "1"))).isdigit() and v != "1"
                )
                lines = [" ".join(p.get_text(" ").split()) for p in (cell.find_all("p") or [cell])]
                body = "<br>".join(html_mod.escape(line) for line in lines if line)
                cells.append(f"<{cell.name}{spans}>{body}</{cell.name}>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return "<table>\n" + "\n".join(rows) + "\n</table>"


def _image_name(data: bytes) -> str | None:
    for magic, ext in IMAGE_TYPES.items():
        if data.startswith(magic):
            return f"{hashlib.sha256(data).hexdigest()[:16]}.{ext}"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return f"{hashlib.sha256(data).hexdigest()[:16]}.webp"
    return None


def _slim_styles(styles) -> bytes:
    """styles.xml with only what mammoth reads (id, type, name; a numbering style's numId).
    Word's own styles.xml carries hundreds of full definitions and latent styles; mammoth
    parses XML with minidom, and the slim copy makes reading a document several times faster."""
    root = etree.Element(_w("styles"), nsmap={"w": W})
    for style in styles.iter(_w("style")):
        kept = etree.SubElement(
            root, _w("style"), {k: v for k, v in style.attrib.items() if k in (_w("type"), _w("styleId"))}
        )
        name = style.find(_w("name"))
        if name is not None:
            etree.SubElement(kept, _w("name"), {_w("val"): name.get(_w("val"), "")})
        num_id = style.find(f"{_w('pPr')}/{_w('numPr')}/{_w('numId')}")
        if num_id is not None:
            etree.SubElement(
                etree.SubElement(etree.SubElement(kept, _w("pPr")), _w("numPr")),
                _w("numId"),
                {_w("val"): num_id.get(_w("val"), "")},
            )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _for_mammoth(archive: zipfile.ZipFile, styles) -> bytes:
    """The package again, uncompressed, with a slim styles.xml and without the parts mammoth
    never reads (stylesWithEffects.xml, thumbnails)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as packed:
        for info in archive.infolist():
            name = info.filename
            if name in ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "docProps/thumbnail.wmf"):
                continue
            try:
                data = _slim_styles(styles) if name == "word/styles.xml" and styles is not None else archive.read(name)
            except ZIP_ERRORS:
                raise Refused(f"文件已损坏（{name} 无法解压）。请向报送单位重新索要文件") from None
            packed.writestr(name, data)
    return out.getvalue()


REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _related(archive: zipfile.ZipFile, rels: str, base: str, kinds: tuple[str, ...]) -> set[str]:
    """The part names ``rels`` links with a relationship type ending in one of ``kinds`` (a part's
    name is its producer's choice: Word writes header1.xml, another tool need not)."""
    root = _xml(archive, rels)
    found = set()
    for rel in root.iter(REL) if root is not None else ():
        kind, target = rel.get("Type") or "", rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target or not kind.endswith(kinds):
            continue
        found.add(target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target)))
    return {name for name in found if name in archive.namelist()}


RELS = "word/_rels/document.xml.rels"


def note_parts(archive: zipfile.ZipFile) -> list[str]:
    """The footnote and endnote parts: Word's names and whatever the document relates as such."""
    names = {"word/footnotes.xml", "word/endnotes.xml"} & set(archive.namelist())
    return sorted(names | _related(archive, RELS, "word", ("/footnotes", "/endnotes")))


def note_texts(archive: zipfile.ZipFile) -> tuple[str, ...]:
    """The text of the footnotes and endnotes, one string per part.  A note is imported only with
    the paragraph it is attached to: one on the title or the 落款 leaves with that line."""
    return _paragraph_texts(archive, note_parts(archive))


def _paragraph_texts(archive: zipfile.ZipFile, names) -> tuple[str, ...]:
    """The text of each part of ``names`` that has any, its paragraphs on lines."""
    texts = []
    for name in names:
        root = _xml(archive, name)
        if root is None:
            continue
        lines = ["".join(t.text or "" for t in p.iter(_w("t"))) for p in root.iter(_w("p"))]
        text = "\n".join(line for line in lines if line.strip())
        if text:
            texts.append(text)
    return tuple(texts)


def property_texts(archive: zipfile.ZipFile) -> tuple[str, ...]:
    """The text of the document properties — core (title, subject, keywords …), extended and
    custom (name：value) — one string per part.  Not imported; a 密级 set there by an OA system
    marks the whole document."""
    names = {"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"} & set(archive.namelist())
    names |= _related(archive, "_rels/.rels", "", ("/core-properties", "/extended-properties", "/custom-properties"))
    texts = []
    for name in sorted(names):
        root = _xml(archive, name)
        if root is None:
            continue
        lines = []
        for el in root.iter():
            value = (el.text or "").strip() if len(el) == 0 else ""
            if not value:
                continue
            label = el.getparent().get("name") if el.getparent() is not None else None
            lines.append(f"{label}：{value}" if label else value)
        if lines:
            texts.append("\n".join(lines))
    return tuple(texts)


def margin_texts(archive: zipfile.ZipFile) -> tuple[str, ...]:
    """The text of every header and footer part, one string per part (paragraphs on lines):
    the parts ``word/document.xml`` relates as headers and footers, and any named like Word's."""
    names = {n for n in archive.namelist() if re.fullmatch(r"word/(header|footer)\d*\.xml", n)}
    names |= _related(archive, RELS, "word", ("/header", "/footer"))
    return _paragraph_texts(archive, sorted(names))


def read_docx(data: bytes, suffix: str = ".docx") -> Converted:
    sniff(data, suffix)
    archive = _open_zip(data)
    styles = _xml(archive, "word/styles.xml")
    notes = list(inspect(archive, styles))
    package = _for_mammoth(archive, styles)
    layouts: list[Layout] = []
    blocks_seen: list[int] = []

    def transform(document):
        children = list(document.children)
        layout = word_layout.recognise([_block(child) for child in children])
        layouts.append(layout)
        blocks_seen.append(len(children))
        return document.copy(children=[child for i, child in enumerate(children) if i not in layout.removed])

    images: dict[str, Image] = {}
    skipped: list[str] = []

    def image(img):
        try:
            with img.open() as handle:
                blob = handle.read(MAX_PART + 1)
        except ZIP_ERRORS + (KeyError,):
            skipped.append("无法读取的图片")
            return {"src": f"{IMAGE_TOKEN}skip"}
        name = _image_name(blob) if len(blob) <= MAX_PART else None
        if name is None:
            kind = (img.content_type or "未知格式").split("/")[-1].upper().replace("X-", "")
            skipped.append(kind)
            return {"src": f"{IMAGE_TOKEN}skip"}
        images.setdefault(name, Image(name, blob))
        return {"src": IMAGE_TOKEN + name}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(package),
            style_map=STYLE_MAP,
            transform_document=transform,
            convert_image=mammoth.images.img_element(image),
        )
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the converter is the same advice
        raise Refused(f"无法转换（{type(exc).__name__}），文件可能已损坏或不是标准的 .docx。{SAVE_AS}") from None
    if not layouts:
        raise Refused("文档没有正文（读不到任何段落）。请确认是否发错了文件")
    layout = layouts[0]
    markdown = _Markdown(
        heading_style="ATX",
        bullets="-",
        table_infer_header=True,
        escape_misc=False,
        escape_asterisks=False,
        escape_underscores=False,
    ).convert(result.value)
    if skipped:
        notes.append(
            f"有 {len(skipped)} 张图片未导入（{'、'.join(sorted(set(skipped)))}：不是网页用的图片格式或无法读取）；"
            "请在 Word 中把它们另存为 PNG 或 JPG 后重新插入"
        )
        markdown = re.sub(
            r"!\[[^\]]*\]\(" + re.escape(IMAGE_TOKEN) + r"skip\)", "<!-- 此处原有一张未能导入的图片 -->", markdown
        )
    for message in result.messages:
        if "unrecognised element" in message.message.lower() or "unrecognized element" in message.message.lower():
            what = message.message.rsplit(":", 1)[-1].strip()
            notes.append(f"文档中有无法转换的内容（{what}），导入后不会显示，请核对原文")
    markdown = _tidy(markdown)
    chars = len("".join(re.sub(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>", "", markdown).split()))
    if not markdown.strip() and not images:
        if layout.title or layout.removed:
            raise Refused("文档除标题、文号、落款等之外没有正文。请确认是否发错了文件，或补上正文后再导入")
        raise Refused("文档是空的（没有文字）。请确认是否发错了文件")
    return Converted(
        layout,
        markdown,
        tuple(images.values()),
        tuple(notes) + layout.notes,
        chars,
        margin_texts(archive),
        property_texts(archive),
        note_texts(archive),
    )


def _list_kind(line: str) -> str | None:
    if re.match(r"\d{1,9}\. ", line):
        return "ol"
    if line.startswith("- "):
        return "ul"
    return None


def _tidy(markdown: str) -> str:
    """Trailing spaces off (hard breaks kept), at most one blank line, and a numbered list
    followed by a bulleted one (or the reverse) kept apart — Python-Markdown would merge them."""
    out: list[str] = []
    previous = None  # list kind of the last non-blank line
    for line in markdown.splitlines():
        line = line if line.endswith("  ") and line.strip() else line.rstrip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        kind = _list_kind(line)
        if kind and previous and kind != previous and out and not out[-1]:
            out.extend(["<!-- -->", ""])
        previous = kind if kind or line.startswith(" ") else None
        out.append(line)
    return "\n".join(out).strip() + "\n"
