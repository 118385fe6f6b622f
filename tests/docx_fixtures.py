"""Word documents for the import tests, built with python-docx at test time (no committed blobs).

:func:`build` writes a .docx from a list of blocks; the other helpers make the documents that
must be refused (tracked changes, comments, hidden text) and the files that are not a docx at
all (an old .doc renamed, a password-protected file, a zip without ``word/document.xml``).
The shapes follow the seeds: 红头 + 文号 + centred title + body + 附件说明 + 落款, 信息员 lines,
Chinese-numeral dates.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

BODY = (
    "为进一步做好全市商务信息工作，东湖区商务局组织召开外贸企业座谈会，听取企业对稳外贸政策的意见建议。"
    "会上，十二家重点外贸企业负责人介绍了今年以来的进出口情况，反映了订单、物流和汇率方面的困难。"
    "区商务局逐项作了回应，表示将用好用足各项支持政策，帮助企业稳订单、拓市场。"
)


def png(width: int = 2, height: int = 2, seed: int = 0) -> bytes:
    """A valid PNG (``seed`` changes its pixels, so its hash)."""
    raw = b"".join(
        b"\x00" + bytes(((x + y + seed) * 40) % 256 for x in range(width) for _ in range(3)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build(path: Path, blocks: list) -> Path:
    """Blocks: ``str`` (a paragraph), ``("center"|"right"|"bold", text)``, ``("h1"|"h2"|"title", text)``,
    ``("table", rows[, merge])``, ``("image", png bytes)``, ``("numbered"|"bullet", [texts])``."""
    doc = Document()
    for block in blocks:
        if isinstance(block, str):
            doc.add_paragraph(block)
            continue
        kind, value = block[0], block[1]
        if kind in ("center", "right"):
            p = doc.add_paragraph(value)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if kind == "center" else WD_ALIGN_PARAGRAPH.RIGHT
        elif kind == "bold":
            p = doc.add_paragraph()
            run = p.add_run(value[0])
            run.bold = True
            p.add_run(value[1])
        elif kind in ("h1", "h2"):
            doc.add_heading(value, level=int(kind[1]))
        elif kind == "title":
            doc.add_heading(value, level=0)
        elif kind == "table":
            rows = value
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
            if len(block) > 2 and block[2]:
                table.cell(0, 0).merge(table.cell(0, 1))
        elif kind == "image":
            doc.add_picture(io.BytesIO(value))
        elif kind in ("numbered", "bullet"):
            for text in value:
                doc.add_paragraph(text, style="List Number" if kind == "numbered" else "List Bullet")
        else:
            raise ValueError(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def notice(
    path: Path,
    *,
    doc_number: str = "江商发〔2026〕12号",
    title: str = "江临市商务局关于做好2026年商务信息工作的通知",
    date_line: str = "2026年11月28日",
    unit: str = "江临市商务局",
    author: str | None = "信息员：李晓梅  电话：0730-8888100",
    attachments: tuple[str, ...] = (),
    extra: list | None = None,
    red_head: bool = True,
) -> Path:
    """A 公文-shaped notice: 红头, 文号, centred title, body, 附件说明, 落款 unit and date, 信息员 line."""
    blocks: list = []
    if red_head:
        blocks.append(("center", "江临市商务局文件"))
    if doc_number:
        blocks.append(("center", doc_number))
    blocks.append(("center", title))
    blocks.append("各县市区商务主管部门、局机关各科室：")
    blocks += [BODY, ("bold", ("一是加强队伍建设。", BODY)), BODY]
    blocks += extra or []
    if attachments:
        blocks.append(f"附件：{attachments[0]}")
        blocks += list(attachments[1:])
    if unit:
        blocks.append(("right", unit))
    if date_line:
        blocks.append(("right", date_line))
    if author:
        blocks.append(author)
    return build(path, blocks)


def _run(paragraph, text: str):
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    paragraph._p.append(r)
    return r


def tracked_changes(path: Path) -> Path:
    """A notice whose last paragraph has an unaccepted deletion and insertion (w:del, w:ins)."""
    doc = Document()
    doc.add_paragraph("江临市商务局召开外贸企业座谈会").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(BODY)
    p = doc.add_paragraph("全年外贸进出口预计增长")
    deletion = OxmlElement("w:del")
    deletion.set(qn("w:id"), "1")
    deletion.set(qn("w:author"), "王建国")
    deletion.set(qn("w:date"), "2026-11-27T10:00:00Z")
    r = OxmlElement("w:r")
    dt = OxmlElement("w:delText")
    dt.set(qn("xml:space"), "preserve")
    dt.text = "百分之三十（内部估计，未公开）"
    r.append(dt)
    deletion.append(r)
    p._p.append(deletion)
    insertion = OxmlElement("w:ins")
    insertion.set(qn("w:id"), "2")
    insertion.set(qn("w:author"), "王建国")
    insertion.set(qn("w:date"), "2026-11-27T10:00:00Z")
    insertion.append(_run(p, "8.6%"))
    p._p.append(insertion)
    doc.save(str(path))
    return path


def with_comment(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("江临市商务局召开外贸企业座谈会").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(BODY)
    doc.add_comment(p.runs, text="这段数字请核实后再报", author="王建国", initials="WJG")
    doc.save(str(path))
    return path


def with_hidden_text(path: Path) -> Path:
    doc = Document()
    doc.add_paragraph("江临市商务局召开外贸企业座谈会").alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(BODY)
    run = p.add_run("联系人手机 13800138000（不公开）")
    run.font.hidden = True
    run.font.size = Pt(12)
    doc.save(str(path))
    return path


def ole_file(path: Path, *, encrypted: bool = False) -> Path:
    """An OLE compound file: an old .doc (WordDocument stream) or an encrypted OOXML package."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480
    names = ["EncryptionInfo", "EncryptedPackage"] if encrypted else ["WordDocument", "1Table"]
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in ["Root Entry", *names])
    path.write_bytes(header + directory + b"\x00" * 1024)
    return path


def zip_without_document(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("readme.txt", "not a document")
    return path
