"""The text an image carries besides its pixels: what anyone who downloads the picture can read.

A photo published with an item keeps its metadata — the EXIF 图像描述/作者/备注 a camera or
Windows' 属性 dialog wrote (``XPComment`` is UTF-16, ``UserComment`` names its own charset), XMP
(``dc:title``, ``photoshop:Headline`` …), IPTC captions, JPEG and GIF comments, PNG text chunks
(``tEXt``, compressed ``zTXt``, UTF-8 ``iTXt``), and the same blocks in WebP and TIFF.  None of it
shows on the page, all of it is in the file.  :func:`pieces` returns it as ``(where, text)``
pairs for the content scanners (:mod:`pipeline.attachment_text` turns them into pieces).

Only metadata is read, never the compressed pixel data.  The reader is lenient: a block it
cannot parse is read as text runs (UTF-8, then GB 18030) rather than skipped, so a damaged or
deliberately malformed block cannot hide words from the scanners; sizes and counts are bounded.
Pure: bytes in, text out.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Iterator

from pipeline.attachment_base import markup_pieces  # XMP is XML: read like an SVG's text and attributes

MAX_BLOCK = 4 * 1024 * 1024  # decompressed size of one PNG text chunk
MAX_ENTRIES = 4096  # TIFF directory entries read in all
_RUN = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]{2,}")

Pieces = list[tuple[str, str]]


def pieces(data: bytes) -> Pieces:
    """Every text of ``data``'s metadata, labelled; empty for an image without any."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data.startswith((b"GIF87a", b"GIF89a")):
        return _gif(data)
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return _tiff(data, "TIFF")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return []


def runs(blob: bytes) -> list[str]:
    """Readable runs of an opaque block: its UTF-8 text, and its GB 18030 text where that differs."""
    out = _RUN.findall(blob.decode("utf-8", "replace"))
    gb = _RUN.findall(blob.decode("gb18030", "replace"))
    return [r for r in out if r.strip()] + [r for r in gb if r.strip() and r not in out]


def _text(blob: bytes) -> str:
    blob = blob.rstrip(b"\x00")
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError:
        return blob.decode("gb18030", "replace")


# --- PNG ---------------------------------------------------------------------------------------


def _inflate(blob: bytes) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(blob, MAX_BLOCK)
    if d.unconsumed_tail:
        raise ValueError("too large")
    return out


def _png(data: bytes) -> Pieces:
    out: Pieces = []
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        name = kind.decode("latin-1")
        if kind in (b"IDAT", b"IEND"):
            if kind == b"IEND":
                break
            continue
        try:
            if kind == b"tEXt":
                key, _, value = body.partition(b"\x00")
                out.append((f"PNG 文字块 {key.decode('latin-1')}", _text(value)))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\x00")
                out.append((f"PNG 压缩文字块 {key.decode('latin-1')}", _text(_inflate(rest[1:]))))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\x00")
                compressed, rest = rest[0], rest[2:]
                lang, _, rest = rest.partition(b"\x00")
                translated, _, value = rest.partition(b"\x00")
                value = _inflate(value) if compressed else value
                label = f"PNG 文字块 {key.decode('latin-1')}"
                out += [(label, _text(translated)), (label, _text(value))]
            elif kind == b"eXIf":
                out += _tiff(body, "EXIF")
            elif name[:1].islower():  # ancillary chunks of other programs: their readable runs
                out += [(f"PNG 数据块 {name}", r) for r in runs(body)]
        except Exception:  # noqa: BLE001 - a malformed chunk is read as text runs, never skipped
            out += [(f"PNG 数据块 {name}", r) for r in runs(body)]
    return [(w, t) for w, t in out if t.strip()]


# --- JPEG --------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> Pieces:
    out: Pieces = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan: pixel data follows, no more metadata before it
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        body = data[pos + 4 : pos + 2 + length]
        pos += 2 + length
        out += _jpeg_segment(marker, body)
    return [(w, t) for w, t in out if t.strip()]


def _jpeg_segment(marker: int, body: bytes) -> Pieces:
    try:
        if marker == 0xFE:
            return [("JPEG 注释", _text(body))]
        if marker == 0xE1 and body.startswith(b"Exif\x00"):
            return _tiff(body[6:], "EXIF")
        if marker == 0xE1 and body.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
            return _xmp(body.split(b"\x00", 1)[1])
        if marker == 0xE1 and body.startswith(b"http://ns.adobe.com/xmp/extension/\x00"):
            return _xmp(body.split(b"\x00", 1)[1][40:])  # GUID (32) + full length + offset
        if marker == 0xED:
            return _iptc(body)
        if 0xE0 <= marker <= 0xEF and marker != 0xE2:  # other APPn (ICC profiles, APP2, are colour data)
            return [(f"JPEG APP{marker - 0xE0} 段", r) for r in runs(body)]
    except Exception:  # noqa: BLE001 - a malformed segment is read as text runs
        return [(f"JPEG 元数据段 {marker:02X}", r) for r in runs(body)]
    return []


def _iptc(body: bytes) -> Pieces:
    """Photoshop APP13: IPTC-NAA records (caption, headline, keywords, byline …)."""
    out: Pieces = []
    for m in re.finditer(rb"\x1c([\x01-\x09])(.)(..)", body, re.S):
        (size,) = struct.unpack(">H", m.group(3))
        if size & 0x8000:
            continue
        value = body[m.end() : m.end() + size]
        out.append((f"IPTC {m.group(1)[0]}:{m.group(2)[0]}", _text(value)))
    return out or [("IPTC", r) for r in runs(body)]


def _xmp(xml: bytes) -> Pieces:
    return [(f"XMP {w}", t) for w, t in markup_pieces(xml)]


# --- TIFF / EXIF -------------------------------------------------------------------------------

_TAG_NAMES = {
    0x010D: "文档名",
    0x010E: "图像描述",
    0x010F: "相机厂商",
    0x0110: "相机型号",
    0x0131: "软件",
    0x013B: "作者",
    0x8298: "版权",
    0x9286: "用户备注",
    0x9C9B: "标题（XPTitle）",
    0x9C9C: "备注（XPComment）",
    0x9C9D: "作者（XPAuthor）",
    0x9C9E: "关键字（XPKeywords）",
    0x9C9F: "主题（XPSubject）",
    0xA420: "图像编号",
}
_SUB_IFDS = (0x8769, 0x8825, 0xA005, 0x014A)  # EXIF, GPS, interoperability, SubIFDs
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


def _tiff(data: bytes, label: str) -> Pieces:
    order = "<" if data[:2] == b"II" else ">"
    (first,) = struct.unpack(order + "I", data[4:8])
    out: Pieces = []
    todo, seen, entries = [first], set(), 0
    while todo and entries < MAX_ENTRIES:
        offset = todo.pop()
        if offset in seen or not 8 <= offset < len(data) - 2:
            continue
        seen.add(offset)
        (count,) = struct.unpack(order + "H", data[offset : offset + 2])
        for i in range(min(count, MAX_ENTRIES - entries)):
            entries += 1
            at = offset + 2 + 12 * i
            if at + 12 > len(data):
                break
            tag, kind, n = struct.unpack(order + "HHI", data[at : at + 8])
            size = _SIZES.get(kind, 1) * n
            where = at + 8 if size <= 4 else struct.unpack(order + "I", data[at + 8 : at + 12])[0]
            value = data[where : where + size]
            if tag in _SUB_IFDS and kind in (4, 13):
                todo += [struct.unpack(order + "I", value[j : j + 4])[0] for j in range(0, len(value) - 3, 4)]
                continue
            text = _tiff_text(tag, kind, value)
            if text:
                out.append((f"{label} {_TAG_NAMES.get(tag, f'标签 {tag:#06x}')}", text))
        nxt = offset + 2 + 12 * count
        if nxt + 4 <= len(data):
            todo.append(struct.unpack(order + "I", data[nxt : nxt + 4])[0])
    return out


def _tiff_text(tag: int, kind: int, value: bytes) -> str:
    if 0x9C9B <= tag <= 0x9C9F:  # Windows' XP* tags: UTF-16LE in BYTE entries
        return value.decode("utf-16-le", "replace").rstrip("\x00")
    if tag == 0x9286 and len(value) >= 8:  # UserComment: an 8-byte charset name, then the text
        code, rest = value[:8], value[8:]
        if code.startswith(b"UNICODE"):
            le = rest.decode("utf-16-le", "replace")
            be = rest.decode("utf-16-be", "replace")
            return le if le.count("\ufffd") <= be.count("\ufffd") else be
        return _text(rest)
    if kind == 2:  # ASCII — in practice UTF-8, or GBK from Chinese Windows
        return _text(value)
    if kind in (1, 7) and len(value) > 4:  # BYTE / UNDEFINED blocks (maker notes …): their readable runs
        return "\n".join(runs(value))
    return ""


# --- GIF, WebP ---------------------------------------------------------------------------------


def _gif(data: bytes) -> Pieces:
    """Comment extensions and application extensions (XMP) — their data sub-blocks."""
    out: Pieces = []
    for m in re.finditer(rb"\x21([\xfe\xff])", data):
        pos = m.end() + (12 if m.group(1) == b"\xff" else 0)  # an application block names itself first
        if m.group(1) == b"\xff":
            pos += 1
        chunks = []
        while pos < len(data) and data[pos] != 0 and len(chunks) < 100_000:
            n = data[pos]
            chunks.append(data[pos + 1 : pos + 1 + n])
            pos += 1 + n
        blob = b"".join(chunks)
        if m.group(1) == b"\xfe":
            out.append(("GIF 注释", _text(blob)))
        else:
            out += [("GIF 应用扩展", r) for r in runs(blob)]
    return [(w, t) for w, t in out if t.strip()]


def _webp(data: bytes) -> Pieces:
    out: Pieces = []
    pos = 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack("<4sI", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
        try:
            if kind == b"EXIF":
                out += _tiff(body[6:] if body.startswith(b"Exif\x00") else body, "EXIF")
            elif kind == b"XMP ":
                out += _xmp(body)
        except Exception:  # noqa: BLE001
            out += [(f"WebP 数据块 {kind.decode('latin-1')}", r) for r in runs(body)]
    return [(w, t) for w, t in out if t.strip()]


def labelled(data: bytes) -> Iterator[tuple[str, str]]:
    """:func:`pieces`, and if the reader itself fails, the readable runs of the whole header."""
    try:
        yield from pieces(data)
    except Exception:  # noqa: BLE001 - never skip: read what can be read
        yield from (("图片元数据", r) for r in runs(data[:262_144]))
