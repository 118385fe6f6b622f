"""A PDF attachment's text, every part a downloader gets (:mod:`pipeline.attachment_text` calls it
with its ``extract`` for embedded files).

With pypdf: each page's text, in stored order and as laid out on the page (a page that only
draws images is an unreadable part: a scan needs text recognition first), annotations, document
properties, bookmarks, the XMP packet, form field values, embedded files (extracted in turn), and
the page text of every earlier revision of an incrementally saved file that the final revision no
longer shows — "deleted" text is still in the file.  Encrypted files that need a password are
:class:`Unreadable`; a file with JavaScript (what it shows is made when it runs) has an unreadable part.
"""

from __future__ import annotations

import io
import re

from typing import Callable

from pipeline.attachment_base import Extracted, Piece, Unreadable, embedded, markup_pieces


def read(data: bytes, depth: int, extract: Callable[[str, bytes, int], Extracted]) -> Extracted:
    """``extract``: the reader of embedded files (:func:`pipeline.attachment_text.extract`)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:  # noqa: BLE001
            opened = 0
        if not opened:
            raise Unreadable("PDF 已加密（需要密码），无法审查其内容")
    pieces: list[Piece] = []
    unreadable: list[str] = []
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        if text.strip():
            pieces.append(Piece(f"第 {n} 页", text))
        # the stored order is not the shown one when a file draws its text out of order (密★ first,
        # to the right of 机 drawn last): the page as laid out too, when it reads otherwise
        laid_out = page.extract_text(extraction_mode="layout") or ""
        if "".join(laid_out.split()) != "".join(text.split()):
            pieces.append(Piece(f"版面顺序 第 {n} 页", laid_out))
        elif _has_images(page):
            unreadable.append(f"第 {n} 页只有图片（扫描件？），没有可提取的文字")
        for annot in _annotations(page):
            pieces.append(Piece(f"第 {n} 页的批注", annot))
    for key, value in (reader.metadata or {}).items():
        if value:
            pieces.append(Piece(f"文档属性 {str(key).lstrip('/')}", str(value)))
    pieces += [Piece("书签", title) for title in _outline_titles(reader.outline)]
    xmp = reader.trailer["/Root"].get_object().get("/Metadata")
    if xmp is not None:
        pieces += [Piece(f"XMP 元数据 {w}", t) for w, t in markup_pieces(xmp.get_object().get_data())]
    final = [p.text for p in pieces if p.where.startswith("第 ") and p.where.endswith("页")]
    earlier, hidden = _earlier_revisions(data, set(final))
    pieces += earlier
    for script in _scripts(reader):
        pieces.append(Piece("PDF 脚本", script))
        unreadable.append("PDF 含有脚本（JavaScript），打开时显示或改写的内容无法审查")
    for name, field in (reader.get_fields() or {}).items():
        value = field.get("/V") if hasattr(field, "get") else None
        if value:
            pieces.append(Piece(f"表单域 {name}", str(value)))
    for name, contents in (reader.attachments or {}).items():
        for blob in contents:
            inner_pieces, inner_hidden, inner_unreadable = embedded(name, blob, depth, extract)
            pieces += inner_pieces
            hidden += inner_hidden
            unreadable += inner_unreadable
    return Extracted("pdf", tuple(pieces), tuple(hidden), tuple(unreadable))


MAX_REVISIONS = 20


def _outline_titles(outline, depth: int = 0) -> list[str]:
    out: list[str] = []
    for entry in outline or []:
        if isinstance(entry, list):
            out += _outline_titles(entry, depth + 1) if depth < 50 else []
        elif getattr(entry, "title", None):
            out.append(str(entry.title))
    return out


def _earlier_revisions(data: bytes, final_pages: set[str]) -> tuple[list[Piece], list[str]]:
    """The page text of every earlier revision of an incrementally saved PDF (each ``%%EOF``
    ends one): text a later revision deleted or covered is still in the file.  Only text the
    final revision does not show is kept; a revision that cannot be read is reported hidden."""
    from pypdf import PdfReader

    ends = [m.end() for m in re.finditer(rb"%%EOF", data)][:-1][-MAX_REVISIONS:]
    pieces: list[Piece] = []
    hidden: list[str] = []
    for k, end in enumerate(ends, 1):
        try:
            old = PdfReader(io.BytesIO(data[:end]), strict=False)
            texts = [page.extract_text() or "" for page in old.pages]
        except Exception:  # noqa: BLE001 - a linearized file's first part is not a whole document
            continue
        changed = [(n, t) for n, t in enumerate(texts, 1) if t.strip() and t not in final_pages]
        pieces += [Piece(f"早期版本 {k} 第 {n} 页", t) for n, t in changed]
        if changed:
            hidden.append(f"PDF 保留了早期版本（增量保存）：早期版本 {k} 有最终版本里没有的文字，随文件一起公开")
    return pieces, hidden


# Keys an action search does not follow: back links and page content (fonts, images, streams).
_NOT_ACTIONS = frozenset({"/Parent", "/P", "/Resources", "/Contents", "/Font", "/XObject", "/AP", "/Dest", "/D"})


def _scripts(reader) -> list[str]:
    """The JavaScript a viewer runs (an alert, a field it fills, text it writes): the document's
    (/Names /JavaScript, /OpenAction, /AA), every page's and annotation's actions (/AA, /A) and the
    form fields' (/AA), chained actions (/Next) too."""
    out: list[str] = []
    seen: set[int] = set()

    def walk(value, depth: int = 0) -> None:
        if value is None or depth > 32:
            return
        ref = getattr(value, "idnum", None)
        if ref is not None:
            if ref in seen:
                return
            seen.add(ref)
        value = value.get_object()
        if isinstance(value, dict):
            if value.get("/S") == "/JavaScript" or "/JS" in value:
                js = value.get("/JS")
                js = js.get_object() if js is not None else None
                out.append(js.get_data().decode("utf-8", "replace") if hasattr(js, "get_data") else str(js or ""))
            for key, item in value.items():
                if key not in _NOT_ACTIONS:
                    walk(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                walk(item, depth + 1)

    root = reader.trailer["/Root"].get_object()
    walk(root.get("/Names", {}).get("/JavaScript") if isinstance(root.get("/Names"), dict) else None)
    for key in ("/OpenAction", "/AA"):
        walk(root.get(key))
    for page in reader.pages:
        walk(page.get("/AA"))
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            walk(annot.get("/A"))
            walk(annot.get("/AA"))
    form = root.get("/AcroForm")
    form = form.get_object() if form is not None else None
    walk(form.get("/Fields") if isinstance(form, dict) else None)
    return [script for script in out if script.strip()]


def _has_images(page) -> bool:
    """Whether a page draws images (a failure to tell propagates: the file is unreadable)."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return False
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())


def _annotations(page) -> list[str]:
    """Each annotation's texts (/Contents, /T, /Subj) and what its appearance streams draw: a
    viewer shows the appearance (a FreeText box, a stamp, a filled field), whatever /Contents
    says — it may say nothing."""
    out = []
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        for key in ("/Contents", "/T", "/Subj"):
            value = annot.get(key)
            if value:
                out.append(str(value))
        out += _appearance_texts(page, annot.get("/AP"))
    return out


def _appearance_texts(page, appearances) -> list[str]:
    """The text the appearance streams (normal, rollover, down; each a form or a dictionary of
    forms by state) draw, read as pypdf reads a page's form XObjects (a failure propagates: the
    file is unreadable)."""
    out = []
    appearances = appearances.get_object() if appearances is not None else None
    for key in ("/N", "/R", "/D"):
        entry = appearances.get(key) if appearances is not None else None
        entry = entry.get_object() if entry is not None else None
        if entry is None:
            continue
        forms = [entry] if entry.get("/Subtype") == "/Form" else [v.get_object() for v in entry.values()]
        for form in forms:
            if hasattr(form, "get_data") and form.get("/Subtype") == "/Form":
                text = page._extract_text(form, page.pdf, content_key=None)  # as a form XObject of the page
                if text.strip():
                    out.append(text)
    return out
