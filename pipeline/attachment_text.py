"""Text of an attachment (附件) as the public could read it: every part, hidden or not.

:func:`extract` takes a file's name and its bytes (the very bytes that will be published —
the caller reads a file once) and returns :class:`Extracted`: text :class:`Piece` records,
each labelled with where it is (``工作表“名单”（隐藏）第 3 行 B 列``, ``第 2 页``, ``批注``),
and the hidden content found on the way (hidden sheets, rows and columns, unaccepted
revisions, hidden text) — which is published with the file even though a reader of the
rendered document does not see it.  Kept libraries read the formats: python-docx (.docx),
openpyxl (.xlsx), pypdf (.pdf); .csv/.txt/.md are decoded (UTF-8, UTF-8 with BOM, UTF-16
with BOM, GB 18030); .svg/.html are XML/HTML whose text, attribute values and markup are all
scanned; images (kind ``image``) are checked to be the image their extension names and the text
their metadata carries is read (:mod:`pipeline.image_meta`: EXIF, XMP, IPTC, comments, PNG
text chunks) — their pixels are not, so they still need ``unscanned_attachment_types``.  Office
files are additionally swept part by part: every text node of every XML
part (shared strings no cell uses any more, custom XML, document properties …) is a piece,
embedded Office/PDF files are extracted in turn, and so is any other member of the zip (an
``altChunk`` HTML part, a list dropped into the package); Office's own binary parts (macros,
printer settings, fonts) are read for the text their bytes hold, anything else is an unreadable part.

A file that claims a readable type but cannot be read (corrupt, encrypted, a zip bomb, a PDF
page that is only a scanned image) raises :class:`Unreadable` with a Chinese reason.  A type
this module does not read returns ``kind="unscanned"``; whether it may be published is the
configuration's decision (:mod:`pipeline.attachments`).  The type is taken from the bytes
first (``%PDF``, a zip with ``word/`` or ``xl/``), then from the extension, so a list renamed
to ``.png`` is still read as the workbook it is.  Pure: nothing here reads files on its own,
prints, or decides.  PDFs are read by :mod:`pipeline.attachment_pdf`, image metadata by
:mod:`pipeline.image_meta`; the Office readers stay here (about 440 lines) because they share
the package sweep and the recursion into embedded files.
"""

from __future__ import annotations

import io
import re
import posixpath
import zipfile
from pipeline import attachment_pdf, image_meta
from pipeline.attachment_base import (  # noqa: F401 - the records and readers are this module's API too
    MAX_DEPTH,
    Extracted,
    Piece,
    Unreadable,
    decode_text,
    embedded,
    markup,
    markup_pieces,
    other_decodings,
    safe_parser,
)

# Decompressed size and member count an Office file may have (a zip bomb is unreadable).
MAX_UNPACKED = 512 * 1024 * 1024
MAX_MEMBERS = 20_000

TEXT_TYPES = frozenset({"csv", "txt", "md", "markdown", "tsv"})
MARKUP_TYPES = frozenset({"svg", "html", "htm", "xml"})
SCANNED_TYPES = frozenset({"docx", "xlsx", "pdf"}) | TEXT_TYPES | MARKUP_TYPES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def extension(name: str) -> str:
    base = posixpath.basename(name.replace("\\", "/"))
    return base.rsplit(".", 1)[1].lower().strip() if "." in base else ""


def sniff(data: bytes) -> str | None:
    """The type the bytes themselves declare, whatever the file is called."""
    head = data[:8]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except Exception:  # noqa: BLE001 - a broken zip is not an Office file
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"  # .doc / .xls / .wps / .et: the old binary formats
    return None


# What an image's bytes start with: an allowed image type must be that image (a workbook renamed
# to .png is not an image a reader looks at, it is a list anyone can download).
IMAGE_MAGIC = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
}


def disguised(name: str, data: bytes) -> str | None:
    """Why the bytes are not the image the extension says (None: they are, or it is no image type)."""
    ext = extension(name)
    if ext == "webp":
        return None if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "内容不是 webp 图片"
    magic = IMAGE_MAGIC.get(ext)
    if magic is None or data.startswith(magic):
        return None
    real = sniff(data)
    return f"扩展名是 .{ext}，内容却不是 {ext} 图片" + (f"（实际是 {real}）" if real else "")


def kind_of(name: str, data: bytes) -> str:
    """``docx``/``xlsx``/``pdf``/``text``/``markup`` (read) or ``unscanned``."""
    sniffed = sniff(data)
    if sniffed in ("docx", "xlsx", "pdf"):
        return sniffed
    ext = extension(name)
    if ext in ("docx", "xlsx", "pdf"):
        return ext  # claims a readable type: must be read (a broken one is Unreadable)
    if sniffed in ("zip", "ole"):
        return "unscanned"
    if ext in TEXT_TYPES:
        return "text"
    if ext in MARKUP_TYPES or data.lstrip()[:5].lower() in (b"<svg ", b"<?xml", b"<html", b"<!doc"):
        return "markup"
    if ext in IMAGE_MAGIC or ext == "webp":
        return "image"
    return "unscanned"


def pixels_unread(kind: str) -> bool:
    """Whether part of the file is not read at all (another type, or an image's pixels): such a
    file is published only when ``unscanned_attachment_types`` lists its extension."""
    return kind in ("unscanned", "image")


def extract(name: str, data: bytes, depth: int = 0) -> Extracted:
    kind = kind_of(name, data)
    if kind in ("unscanned", "image"):
        problem = disguised(name, data)
        if problem:
            raise Unreadable(problem)
        if kind == "image":  # the pixels are not read; the text it carries is
            return Extracted("image", tuple(Piece(f"图片元数据：{w}", t) for w, t in image_meta.labelled(data)))
        return Extracted("unscanned")
    if kind == "text":
        text = decode_text(data)
        pieces = _lines(text, "")
        for encoding, other in other_decodings(data):  # what a reader set to Big5 sees
            pieces += _lines(other, f"其他编码（{encoding}）读出的")
        if extension(name) in ("md", "markdown"):  # mkdocs renders it into a page: its HTML runs
            pieces.append(Piece("源代码", text, markup=True))
        return Extracted("text", tuple(pieces))
    if kind == "markup":
        return markup(data)
    _check_zip(data) if kind in ("docx", "xlsx") else None
    try:
        if kind == "docx":
            return _docx(data, depth)
        if kind == "xlsx":
            return _xlsx(data, depth)
        return attachment_pdf.read(data, depth, extract)
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the reader: the file cannot be checked
        raise Unreadable(f"无法读取 {kind} 文件（{type(exc).__name__}: {str(exc)[:200]}），可能已损坏") from None


# --- text -------------------------------------------------------------------------------------


def _lines(text: str, prefix: str) -> list[Piece]:
    return [Piece(f"{prefix}第 {n} 行", line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


# --- Office packages --------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # noqa: BLE001
        raise Unreadable("文件不是有效的 Office 文档（zip 包无法打开），可能已损坏") from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise Unreadable(f"解压后超过 {MAX_UNPACKED // 1024 // 1024} MB 或 {MAX_MEMBERS} 个部件，无法安全读取")


# attributes of Office XML that hold text someone wrote (not styles, colours or ids)
_TEXT_ATTRIBUTES = frozenset(
    {"name", "descr", "title", "author", "initials", "instr", "display", "tooltip", "text", "alt"}
)


# parts that only hold formatting (their attribute values are style and font names)
_FORMATTING = re.compile(
    r"(?:^|/)(?:styles|styleswitheffects|fonttable|numbering|settings|websettings|theme\d*)\.xml$|/theme/"
)
_ATTRIBUTE_XPATH = None


def _NONBLANK_TEXT(root):  # noqa: N802 - a compiled XPath, built on first use
    global _TEXT_XPATH
    if _TEXT_XPATH is None:
        from lxml import etree

        _TEXT_XPATH = etree.XPath("//text()[normalize-space()]")
    return _TEXT_XPATH(root)


_TEXT_XPATH = None


def _text_attributes():
    global _ATTRIBUTE_XPATH
    if _ATTRIBUTE_XPATH is None:
        from lxml import etree

        names = " or ".join(f"local-name()='{n}'" for n in sorted(_TEXT_ATTRIBUTES))
        _ATTRIBUTE_XPATH = etree.XPath(f"//@*[{names}]")
    return _ATTRIBUTE_XPATH


def _package_sweep(
    data: bytes, depth: int, label: str, parsed: dict | None = None, covered: frozenset[str] = frozenset()
) -> tuple[list[Piece], list[str], list[str]]:
    """Every text node and attribute value of every XML part, and embedded files extracted
    in turn; (pieces, hidden, unreadable parts).  ``parsed``: parts already parsed by the
    format's library (zip member name → element), not parsed twice; ``covered``: parts whose
    text the format's reader already took (only their attributes are swept).  Formatting parts
    (styles, themes, fonts, numbering, settings) hold no text a document shows and are skipped."""
    from lxml import etree

    pieces: list[Piece] = []
    hidden: list[str] = []
    unreadable: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir():
                continue
            lower = name.lower()
            if _FORMATTING.search(lower):
                if lower.endswith(".xml") and "/theme/" not in lower:
                    pieces += _shown_from_formatting(name, zf.read(info), label)
                continue
            root = (parsed or {}).get(name)
            blob = zf.read(info) if root is None else b""
            if root is not None or lower.endswith((".xml", ".rels", ".vml")):
                try:
                    root = etree.fromstring(blob, safe_parser()) if root is None else root
                except Exception:  # noqa: BLE001
                    raise Unreadable(f"{label}内部部件 {name} 不是有效的 XML") from None
                texts = [] if name in covered else [str(t) for t in _NONBLANK_TEXT(root)]
                if texts:
                    pieces.append(Piece(f"{label}内部部件 {name}", "\n".join(texts)))
                if not lower.endswith(".rels"):  # attributes that carry words: alt text, authors, sheet names …
                    attrs = [str(v) for v in _text_attributes()(root) if str(v).strip()]
                    if attrs:
                        pieces.append(Piece(f"{label}内部部件 {name} 的属性", "\n".join(attrs)))
                else:
                    targets = [v for el in root.iter() for k, v in el.items() if k == "Target"]
                    if targets:
                        pieces.append(Piece(f"{label}内部部件 {name} 的链接", "\n".join(targets)))
            elif "/media/" in lower:  # pictures in the document: the text their metadata carries
                pieces += [Piece(f"{label}图片 {name} 的{w}", t) for w, t in image_meta.labelled(blob)]
            else:  # embeddings, custom XML, ActiveX — and any other part someone who unzips the file reads
                inner_pieces, inner_hidden, inner_unreadable = _other_part(name, blob, depth, label)
                pieces += inner_pieces
                hidden += inner_hidden
                unreadable += inner_unreadable
    return pieces, hidden, unreadable


# Binary parts Office itself writes (macros, printer settings, embedded fonts, signatures, pictures
# in formats no reader here knows): no reader for them, so the text that can be read out of their
# bytes (UTF-8 and UTF-16 runs: a printer's name, a macro's strings) is scanned.
_BINARY_PART = re.compile(r"\.(?:bin|odttf|fntdata|emf|wmf|sigs|psdsor)$")
_READABLE_RUN = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f\ufffd]{2,}")


def _readable_runs(blob: bytes) -> str:
    """The runs of printable text in ``blob`` read as UTF-8 and as UTF-16 (both byte orders,
    from both offsets), one a line."""
    views = [blob.decode("utf-8", "replace")]
    for start in (0, 1):
        body = blob[start : start + (len(blob) - start) // 2 * 2]
        views += [body.decode("utf-16-le", "replace"), body.decode("utf-16-be", "replace")]
    return "\n".join(run for view in views for run in _READABLE_RUN.findall(view) if not run.isspace())


def _other_part(name: str, blob: bytes, depth: int, label: str) -> tuple[list[Piece], list[str], list[str]]:
    """A member of an Office package that is neither XML nor a picture of the document: an
    embedded or attached file (an ``altChunk`` HTML or text part, a list dropped into the zip) is
    read with :func:`extract` like any attachment; a binary part Office writes, by the text its
    bytes hold; anything else is an unreadable part (the file is not published unchecked)."""
    lower = name.lower()
    if "/embeddings/" in lower or lower.startswith("customxml/") or "/activex/" in lower:
        return embedded(name, blob, depth, extract, label)  # an embedded object is read as a file, or unreadable
    kind = kind_of(name, blob)
    if kind == "image" and not disguised(name, blob):  # a thumbnail (docProps/thumbnail.jpeg): its metadata
        return [Piece(f"{label}内部部件 {name} 的{w}", t) for w, t in image_meta.labelled(blob)], [], []
    if kind != "unscanned" or not _BINARY_PART.search(lower):
        return embedded(name, blob, depth, extract, label)
    text = _readable_runs(blob)
    return ([Piece(f"{label}内部部件 {name} 中可读出的文字", text)] if text else []), [], []


# Text a formatting part makes an Office program show: a list level's label (numbering.xml, before
# every numbered paragraph), a document variable (settings.xml, shown by a DOCVARIABLE field) and a
# number format's literal text (styles.xml of a workbook: '"机密"\★@' shows 机密★ whatever the value).
_SHOWN_ATTRIBUTES = "//*[local-name()='lvlText' or local-name()='docVar']/@*[local-name()='val'] | //@formatCode"
_SHOWN_XPATH = None


def _shown_from_formatting(name: str, blob: bytes, label: str) -> list[Piece]:
    """The texts of a formatting part that are shown (see above); a number format as shown: its
    quotes and escapes dropped."""
    global _SHOWN_XPATH
    from lxml import etree

    if _SHOWN_XPATH is None:
        _SHOWN_XPATH = etree.XPath(_SHOWN_ATTRIBUTES)
    try:
        root = etree.fromstring(blob, safe_parser())
    except Exception:  # noqa: BLE001
        raise Unreadable(f"{label}内部部件 {name} 不是有效的 XML") from None
    texts = []
    for value in _SHOWN_XPATH(root):
        text = str(value)
        if value.attrname == "formatCode":
            text = text.replace('"', "").replace("\\", "")
        if text.strip():
            texts.append(text)
    return [Piece(f"{label}内部部件 {name} 中显示的格式文字", "\n".join(texts))] if texts else []


def _docx(data: bytes, depth: int) -> Extracted:
    import docx

    document = docx.Document(io.BytesIO(data))
    pieces: list[Piece] = []
    hidden: list[str] = []
    revisions = hidden_runs = 0
    # tables first: their cells are paragraphs of the body too, and a hit is named by its cell
    for n, table in enumerate(document.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                if cell.text.strip():
                    pieces.append(Piece(f"表格 {n} 第 {r} 行第 {c} 列", cell.text))
    parsed: dict = {}
    for part in document.part.package.iter_parts():
        partname = str(part.partname)
        if getattr(part, "_element", None) is not None:
            parsed[partname.lstrip("/")] = part._element  # python-docx parsed it already
        if not partname.startswith("/word/") or not partname.endswith(".xml"):
            continue
        element = getattr(part, "element", None)
        if element is None:
            continue
        where = _docx_part_label(partname)
        for n, p in enumerate(element.iter(f"{W}p"), 1):
            text = "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}delText", f"{W}instrText"))
            if text.strip():
                pieces.append(Piece(f"{where}第 {n} 段", text))
            drawn = _with_symbols(p)
            if drawn is not None:
                pieces.append(Piece(f"符号字体 {where}第 {n} 段", drawn))
        revisions += sum(1 for _ in element.iter(f"{W}ins", f"{W}del", f"{W}moveFrom", f"{W}moveTo"))
        for vanish in element.iter(f"{W}vanish", f"{W}specVanish"):
            if vanish.get(f"{W}val") not in ("0", "false", "off"):
                hidden_runs += 1
    props = document.core_properties
    for key in (
        "title",
        "subject",
        "author",
        "keywords",
        "comments",
        "category",
        "last_modified_by",
        "content_status",
        "identifier",
    ):
        value = getattr(props, key, None)
        if value:
            pieces.append(Piece(f"文档属性 {key}", str(value)))
    if revisions:
        hidden.append(f"有 {revisions} 处未接受的修订（修订模式下删除或插入的文字仍在文件里）")
    if hidden_runs:
        hidden.append(f"有 {hidden_runs} 处隐藏文字（字体设为“隐藏”）")
    covered = frozenset(name for name in parsed if name.startswith("word/"))  # their paragraphs were read above
    swept, inner_hidden, unreadable = _package_sweep(data, depth, "", parsed, covered)
    return Extracted("docx", tuple(pieces + swept), tuple(hidden + inner_hidden), tuple(unreadable))


# Fonts that draw pictures for letters: in Wingdings « (0xAB) is a ★, and a w:sym element names
# such a font and a code.  What they draw is not the text's characters, so a paragraph with any is
# read once more with each such character as ★ (机密 + Wingdings « shows 机密★), and a w:sym of an
# ordinary font as the character of its code (its text holds nothing at all).
_SYMBOL_FONTS = ("wingdings", "webdings", "symbol", "zapf dingbats", "zapfdingbats", "marlett", "mt extra")


def _with_symbols(paragraph) -> str | None:
    """The paragraph's text with every character drawn by a symbol font (and every ``w:sym``)
    read as ★; None when it has none."""
    out: list[str] = []
    found = False
    for run in paragraph.iter(f"{W}r"):
        fonts = run.find(f"{W}rPr/{W}rFonts")
        names = [v.lower() for v in (fonts.attrib.values() if fonts is not None else ())]
        symbolic = any(name.startswith(_SYMBOL_FONTS) for name in names)
        for child in run:
            if child.tag in (f"{W}t", f"{W}delText", f"{W}instrText"):
                text = child.text or ""
                out.append("★" * len(text) if symbolic and text.strip() else text)
                found = found or (symbolic and bool(text.strip()))
            elif child.tag == f"{W}sym":
                out.append(_sym_char(child))
                found = True
    return "".join(out) if found else None


def _sym_char(sym) -> str:
    """What a ``w:sym`` draws: a symbol font's code (F0xx, or any code in Wingdings …) as ★; in an
    ordinary font the Unicode character of its code (SimSun 5BC6 is 密)."""
    font = (sym.get(f"{W}font") or "").lower()
    try:
        code = int(sym.get(f"{W}char") or "", 16)
    except ValueError:
        return "★"
    if font.startswith(_SYMBOL_FONTS) or 0xF000 <= code <= 0xF0FF or not 0 < code <= 0x10FFFF:
        return "★"
    return "★" if 0xD800 <= code <= 0xDFFF else chr(code)


def _docx_part_label(partname: str) -> str:
    name = partname.rsplit("/", 1)[-1]
    for prefix, label in (
        ("document", "正文"),
        ("header", "页眉"),
        ("footer", "页脚"),
        ("comments", "批注"),
        ("footnotes", "脚注"),
        ("endnotes", "尾注"),
    ):
        if name.startswith(prefix):
            return label
    return f"部件 {name} "


_FORMULA_TOKEN = re.compile(
    r'"((?:[^"]|"")*)"'  # a string literal
    r"|((?:UNI|N)?CHAR)\(\s*(\d{1,7})\s*\)"  # a character by its code: UNICHAR(26426) is 机
    # [sheet!]cell; a sheet name has at most 31 characters (bounded: no quadratic backtracking)
    r"|(?:'((?:[^']|''){1,31})'!|([\w.]{1,31})!)?(?<![A-Za-z_$])(\$?[A-Z]{1,3}\$?\d{1,7})(?![\w(])"
    r"|(\d+(?:\.\d+)?)",  # a number
    re.IGNORECASE,
)


_CONCATENATES = re.compile(r"&|CONCAT|TEXTJOIN|REPT|CHAR", re.I)


def _char(function: str, code: str) -> str:
    """What UNICHAR/CHAR show for ``code``: a Unicode code point; CHAR above 255 a code of the
    system's code page, GBK on a Chinese Windows (CHAR(48122) is 机)."""
    n = int(code)
    if function.upper() == "UNICHAR" or n < 256:
        return chr(n) if 0 < n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else ""
    try:
        return bytes([n >> 8 & 0xFF, n & 0xFF]).decode("gbk") if n < 0x10000 else ""
    except UnicodeDecodeError:
        return ""


def _formula_text(formula: str, ws) -> str:
    """What a concatenating formula shows, roughly: its string and number literals, the characters
    it names by code (UNICHAR, CHAR) and the values of the cells it names (of any sheet), in order
    (``="4306"&"02…"``, ``=A1&B1`` or ``=UNICHAR(26426)&…`` composes a text no single cell holds;
    the file may carry no computed value).  Read to its end: a cell holds at most 32,767 characters,
    and padding a formula must not hide what it composes."""
    parts: list[str] = []
    for literal, function, code, quoted, sheet, ref, number in _FORMULA_TOKEN.findall(formula):
        if function:
            parts.append(_char(function, code))
        elif ref:
            name = quoted.replace("''", "'") if quoted else sheet
            try:
                target = ws.parent[name] if name else ws  # a cell of another sheet: ='名单'!B2
                value = target[ref.replace("$", "")].value
            except Exception:  # noqa: BLE001 - no such sheet or cell
                value = None
            parts.append("" if value is None or str(value).startswith("=") else str(value))
        else:
            parts.append(literal.replace('""', '"') if literal or not number else number)
    return "".join(parts)


def _xlsx(data: bytes, depth: int) -> Extracted:
    import openpyxl
    from openpyxl.utils import get_column_letter

    pieces: list[Piece] = []
    hidden: list[str] = []
    # full mode: hidden rows and columns and comments are not known in read-only mode
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False, keep_links=False)
    try:
        for ws in wb.worksheets:
            state = ws.sheet_state
            sheet_hidden = state != "visible"
            label = f"工作表“{ws.title}”" + ("（隐藏）" if sheet_hidden else "")
            if sheet_hidden:
                hidden.append(f"工作表“{ws.title}”被隐藏（{state}）")
            hidden_rows = {r for r, d in ws.row_dimensions.items() if d.hidden or d.height == 0}
            hidden_cols: set[int] = set()
            for d in ws.column_dimensions.values():
                if d.hidden or d.width == 0:
                    hidden_cols.update(range(d.min or 1, (d.max or d.min or 1) + 1))
            if hidden_rows:
                hidden.append(f"{label}有 {len(hidden_rows)} 行被隐藏")
            if hidden_cols:
                hidden.append(f"{label}有 {len(hidden_cols)} 列被隐藏")
            for row in ws.iter_rows():
                for cell in row:
                    col = cell.column
                    value = cell.value
                    where = f"{label}第 {cell.row} 行 {get_column_letter(col)} 列"
                    if cell.row in hidden_rows or col in hidden_cols:
                        where += "（隐藏）"
                    if value is not None and str(value).strip():
                        pieces.append(Piece(where, str(value)))
                    if isinstance(value, str) and value.startswith("=") and _CONCATENATES.search(value):
                        shown = _formula_text(value, ws)
                        if shown:
                            pieces.append(Piece(where + "（公式拼接）", shown))
                    if cell.comment is not None and cell.comment.text:
                        pieces.append(Piece(where + "的批注", cell.comment.text))
            for key in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
                hf = getattr(ws, key, None)
                for part in ("left", "center", "right"):
                    text = getattr(getattr(hf, part, None), "text", None)
                    if text:
                        pieces.append(Piece(f"{label}页眉页脚", text))
        props = wb.properties
        for key in (
            "title",
            "subject",
            "creator",
            "keywords",
            "description",
            "category",
            "lastModifiedBy",
            "identifier",
        ):
            value = getattr(props, key, None)
            if value:
                pieces.append(Piece(f"文档属性 {key}", str(value)))
        for name, defined in getattr(wb, "defined_names", {}).items():
            pieces.append(Piece(f"定义的名称 {name}", str(getattr(defined, "attr_text", ""))))
    finally:
        wb.close()
    swept, inner_hidden, unreadable = _package_sweep(data, depth, "")
    return Extracted("xlsx", tuple(pieces + swept), tuple(hidden + inner_hidden), tuple(unreadable))


# --- PDF --------------------------------------------------------------------------------------
