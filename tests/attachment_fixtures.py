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
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{cmap_lines}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    resources = "/Font << /F1 5 0 R >>" + (" /XObject << /Im1 8 0 R >>" if image_only else "")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << {resources} >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Song /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    data = bytes(out)
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


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode(encoding)


def svg_bytes(text: str = "示意图", *, attribute: str | None = None, script: bool = False) -> bytes:
    extra = f' data-note="{attribute}"' if attribute else ""
    inner = "<script>alert(1)</script>" if script else ""
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"{extra}><text x="0" y="5">{text}</text>{inner}</svg>'.encode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
