"""Attachment files made at test time (no binary fixtures in the repository).

docx (python-docx: body, table, header, comment, tracked insertion, hidden text, properties),
xlsx (openpyxl: a hidden sheet, hidden rows and columns, comments), pdf (written by hand: a
text page with a ToUnicode map so Chinese is extractable, metadata; optionally encrypted
with pypdf), csv in UTF-8 and GB 18030, svg.  Each generator takes the secret text to hide
and where to hide it, so that a test can check that the scan finds it there.
"""

from __future__ import annotations

import copy
import io

ID = "430602198503121237"  # a valid 居民身份证号 check digit
MOBILE = "13800138000"


def docx_bytes(
    body: str = "关于开展外贸企业调研的通知",
    *,
    table: str | None = None,
    header: str | None = None,
    comment: str | None = None,
    inserted: str | None = None,
    deleted: str | None = None,
    hidden: str | None = None,
    author: str | None = None,
) -> bytes:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraph = document.add_paragraph(body)
    if table is not None:
        t = document.add_table(rows=2, cols=2)
        t.cell(0, 0).text = "姓名"
        t.cell(1, 1).text = table
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    if comment is not None:
        document.add_comment(paragraph.runs, text=comment, author="审核人")
    if hidden is not None:
        run = document.add_paragraph().add_run(hidden)
        run.font.hidden = True
    for text, tag, text_tag in ((inserted, "w:ins", "w:t"), (deleted, "w:del", "w:delText")):
        if text is None:
            continue
        p = document.add_paragraph()
        run = p.add_run(text)
        if text_tag == "w:delText":
            run._r.find(qn("w:t")).tag = qn("w:delText")
        wrapper = p._p.makeelement(
            qn(tag), {qn("w:id"): "1", qn("w:author"): "某人", qn("w:date"): "2026-01-01T00:00:00Z"}
        )
        p._p.remove(run._r)
        wrapper.append(copy.deepcopy(run._r))
        p._p.append(wrapper)
    if author is not None:
        document.core_properties.author = author
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(
    visible: str = "外贸企业名录",
    *,
    hidden_sheet: str | None = None,
    hidden_row: str | None = None,
    hidden_column: str | None = None,
    comment: str | None = None,
    title: str | None = None,
) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业"
    ws["A1"] = "企业名称"
    ws["A2"] = visible
    if hidden_row is not None:
        ws["A5"] = hidden_row
        ws.row_dimensions[5].hidden = True
    if hidden_column is not None:
        ws["D2"] = hidden_column
        ws.column_dimensions["D"].hidden = True
    if comment is not None:
        ws["A2"].comment = Comment(comment, "审核人")
    if hidden_sheet is not None:
        secret = wb.create_sheet("名单")
        secret["A1"] = "身份证号"
        secret["A2"] = hidden_sheet
        secret.sheet_state = "hidden"
    if title is not None:
        wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf_bytes(
    text: str = "Notice 2026", *, title: str | None = None, encrypt: str | None = None, image_only: bool = False
) -> bytes:
    """A one-page PDF drawing ``text``: every character a glyph of a Type0 font whose ToUnicode
    map gives it back, so pypdf extracts Chinese as well as digits."""
    chars = list(dict.fromkeys(text))
    codes = {ch: i + 1 for i, ch in enumerate(chars)}
    hexs = "".join(f"{codes[ch]:04X}" for ch in text)
    content = b"" if image_only else f"BT /F1 12 Tf 72 720 Td <{hexs}> Tj ET".encode()
    if image_only:
        content = b"q 100 0 0 100 72 600 cm /Im1 Do Q"
    cmap_lines = "\n".join(f"<{codes[ch]:04X}> <{ord(ch):04X}>" for ch in chars if ord(ch) <= 0xFFFF)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def 1 begincodespacerange <0000> "
        f"<FFFF> endcodespacerange\n{len(chars)} beginbfchar\n{cmap_lines}\nendbfchar endcmap CMapName currentdict /"
        "CMap defineresource pop end end"
    ).encode()
    resources = "/Font << /F1 5 0 R >>" + (" /XObject << /Im1 8 0 R >>" if image_only else "")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << {resources} >> "
        "/Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts [6 0 R] "
        b"/ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Length 1 >>\nstream\n\x80\nendstream",
    ]
    data = pdf_of(objects)
    if title is None and encrypt is None:
        return data
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if title is not None:
        writer.add_metadata({"/Title": title})
    if encrypt is not None:
        writer.encrypt(user_password=encrypt, owner_password=encrypt + "o", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF file of ``objects`` (numbered from 1; object 1 the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode(encoding)


def svg_bytes(text: str = "示意图", *, attribute: str | None = None, script: bool = False) -> bytes:
    extra = f' data-note="{attribute}"' if attribute else ""
    inner = "<script>alert(1)</script>" if script else ""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"{extra}>'
    return (svg + f'<text x="0" y="5">{text}</text>{inner}</svg>').encode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- images with metadata (pipeline/image_meta.py) -------------------------------------------


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(*, text: str | None = None, where: str = "iTXt") -> bytes:
    """A 1×1 PNG; ``text`` in a tEXt (Latin-1 cannot hold Chinese: then UTF-8 bytes), zTXt or iTXt chunk."""
    import zlib

    ihdr = _png_chunk(b"IHDR", b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
    idat = _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
    meta = b""
    if text is not None:
        value = text.encode("utf-8")
        meta = {
            "tEXt": lambda: _png_chunk(b"tEXt", b"Comment\x00" + value),
            "zTXt": lambda: _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(value)),
            "iTXt": lambda: _png_chunk(b"iTXt", b"Description\x00\x01\x00zh\x00\x00" + zlib.compress(value)),
        }[where]()
    return b"\x89PNG\r\n\x1a\n" + ihdr + meta + idat + _png_chunk(b"IEND", b"")


def _exif(entries: list[tuple[int, int, bytes]]) -> bytes:
    """A little-endian TIFF block: IFD0 with the given (tag, type, value) entries."""
    import struct

    head = b"II*\x00" + struct.pack("<I", 8)
    data_at = 8 + 2 + 12 * len(entries) + 4
    ifd, extra = struct.pack("<H", len(entries)), b""
    for tag, kind, value in entries:
        count = len(value) // (2 if kind == 3 else 1)
        if len(value) <= 4:
            ifd += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            ifd += struct.pack("<HHII", tag, kind, count, data_at + len(extra))
            extra += value
    return head + ifd + b"\x00\x00\x00\x00" + extra


def jpeg_bytes(
    *,
    description: str | None = None,
    xp_comment: str | None = None,
    comment: str | None = None,
    xmp: str | None = None,
    gbk: bool = False,
) -> bytes:
    """A JPEG header with EXIF (ImageDescription in UTF-8 or GBK, XPComment in UTF-16), a COM
    segment and XMP; the pixel data after SOS is a stub (only metadata is read)."""
    import struct

    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body

    out = b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    entries = [(0x010F, 2, b"Canon\x00")]
    if description is not None:
        entries.append((0x010E, 2, description.encode("gbk" if gbk else "utf-8") + b"\x00"))
    if xp_comment is not None:
        entries.append((0x9C9C, 1, xp_comment.encode("utf-16-le") + b"\x00\x00"))
    out += segment(0xE1, b"Exif\x00\x00" + _exif(entries))
    if xmp is not None:
        packet = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{xmp}</dc:title>'
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        )
        out += segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode("utf-8"))
    if comment is not None:
        out += segment(0xFE, comment.encode("utf-8"))
    return out + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34" * 64 + b"\xff\xd9"


def gif_bytes(*, comment: str | None = None) -> bytes:
    body = b""
    if comment is not None:
        raw = comment.encode("utf-8")
        body = b"\x21\xfe" + b"".join(
            bytes([len(raw[i : i + 255])]) + raw[i : i + 255] for i in range(0, len(raw), 255)
        )
        body += b"\x00"
    image = b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00" + body + image + b"\x3b"


def webp_bytes(*, description: str | None = None) -> bytes:
    import struct

    chunks = b"VP8L" + struct.pack("<I", 6) + b"\x2f\x00\x00\x00\x00\x00"
    if description is not None:
        exif = b"Exif\x00\x00" + _exif([(0x010E, 2, description.encode("utf-8") + b"\x00")])
        chunks += b"EXIF" + struct.pack("<I", len(exif)) + exif + (b"\x00" if len(exif) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def pdf_revised(first: str, final: str) -> bytes:
    """A PDF saved twice (an incremental update, as Acrobat's 'save' does): the first revision
    draws ``first``, the appended one replaces the page's content with ``final`` (whose
    characters must all occur in ``first``: the font's ToUnicode map is the first one's)."""
    import re

    data = pdf_bytes(first)
    codes = {ch: i + 1 for i, ch in enumerate(dict.fromkeys(first))}
    content = f"BT /F1 12 Tf 72 720 Td <{''.join(f'{codes[ch]:04X}' for ch in final)}> Tj ET".encode()
    prev = int(re.search(rb"startxref\n(\d+)", data).group(1))
    at = len(data)
    update = b"4 0 obj\n<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream\nendobj\n"
    xref = at + len(update)
    update += f"xref\n4 1\n{at:010d} 00000 n \ntrailer\n<< /Size 9 /Root 1 0 R /Prev {prev} >>\n".encode()
    update += f"startxref\n{xref}\n%%EOF\n".encode()
    return data + update
