"""What every attachment reader shares: the records of extracted text, the refusal, and the
readers of plain and marked-up text (used by :mod:`pipeline.attachment_text` for .csv/.svg/.html,
by :mod:`pipeline.attachment_pdf` and by :mod:`pipeline.image_meta` for XMP packets).  Kept apart
so that those modules import it, and not each other.  Pure."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEPTH = 3  # embedded files inside embedded files …


class Unreadable(Exception):
    """A file of a type that must be read could not be; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class Piece:
    where: str  # Chinese label: 正文第 3 段、工作表“名单”第 2 行 C 列 …
    text: str
    markup: bool = False  # source the browser interprets (SVG/HTML): also scanned for scripts


@dataclass(frozen=True)
class Extracted:
    kind: str  # docx | xlsx | pdf | text | markup | unscanned
    pieces: tuple[Piece, ...] = ()
    hidden: tuple[str, ...] = ()  # Chinese descriptions of hidden content (warnings)
    unreadable_parts: tuple[str, ...] = ()  # parts that could not be read (image-only PDF pages …)


def embedded(name: str, blob: bytes, depth: int, extract, label: str = "") -> tuple[list[Piece], list[str], list[str]]:
    """A file inside a file (an Office package's embedding, a PDF's attached file), read with
    ``extract`` (:func:`pipeline.attachment_text.extract`): its pieces, hidden content and
    unreadable parts, each named by where it sits; nested deeper than :data:`MAX_DEPTH`, or of
    a type nothing reads, it is an unreadable part."""
    if depth >= MAX_DEPTH:
        return [], [], [f"{label}嵌入文件 {name}（嵌套过深）"]
    try:
        inner = extract(name, blob, depth + 1)
    except Unreadable as exc:
        return [], [], [f"{label}嵌入文件 {name}（{exc}）"]
    if inner.kind == "unscanned":
        return [], [], [f"{label}嵌入文件 {name}（无法读取的类型）"]
    pieces = [Piece(f"{label}嵌入文件 {name}：{p.where}", p.text, p.markup) for p in inner.pieces]
    hidden = [f"嵌入文件 {name}：{h}" for h in inner.hidden]
    return pieces, hidden, [f"嵌入文件 {name}：{u}" for u in inner.unreadable_parts]


# --- text -------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unreadable("UTF-16 文本无法解码") from None
    if b"\x00" in data[:4096]:
        # UTF-16 without a byte-order mark (Excel's "Unicode text"): a NUL in every other byte.
        # Decoded as UTF-8 it would read 1\x003\x008… and no number would ever join up.
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        if max(even, odd) > len(data[:4096]) // 8:
            try:
                return data.decode("utf-16-le" if odd > even else "utf-16-be")
            except UnicodeDecodeError:
                raise Unreadable("UTF-16 文本无法解码") from None
        raise Unreadable("文本含有 NUL 字符，不是可读的文本文件")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("文本既不是 UTF-8 也不是 GB 18030 编码，无法读取")


# Legacy Chinese encodings a reader's program may open a text file in, besides the GB 18030 that
# :func:`decode_text` tries: every Big5 byte pair is a GBK one too, so a Big5 file always decodes
# as GB 18030 — into other characters than a reader in Taiwan or Hong Kong (or Excel set so) sees.
OTHER_ENCODINGS = ("big5hkscs",)


def other_decodings(data: bytes) -> list[tuple[str, str]]:
    """``(encoding, text)`` of a text that is not UTF-8 (nor UTF-16) in each of
    :data:`OTHER_ENCODINGS` it decodes in without error."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        return []
    try:
        data.decode("utf-8")
        return []
    except UnicodeDecodeError:
        pass
    out = []
    for encoding in OTHER_ENCODINGS:
        try:
            out.append((encoding, data.decode(encoding)))
        except UnicodeDecodeError:
            continue
    return out


# --- markup ------------------------------------------------------------------------------------


def safe_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=False)


def markup_pieces(data: bytes) -> list[tuple[str, str]]:
    """``(where, text)`` of an XML/HTML document's text, attribute values and source."""
    return [(p.where, p.text) for p in markup(data).pieces]


def markup(data: bytes) -> Extracted:
    """SVG / HTML / XML: the whole source (scripts, handlers), text nodes and attribute values,
    and the text as a browser shows it — every text node in document order, tags removed (a
    line break only where a block ends), entities decoded — so that a marking or a number split
    by tags (``机<b></b>密★``, ``<tspan>``, one ``<text>`` a word) reads as it is seen."""
    source = decode_text(data)
    pieces: list[Piece] = []
    from pipeline.rendered import reader_view  # never raises on &#999…;

    try:
        shown = reader_view(source).text
    except Exception as exc:  # noqa: BLE001 - what cannot be read as shown cannot be checked
        raise Unreadable(f"无法按浏览器显示的样子读取文字（{type(exc).__name__}），无法审查") from None
    if shown.strip():
        pieces.append(Piece("显示的文字", shown))
    for encoding, other in other_decodings(data):  # a page or drawing a browser reads as Big5
        pieces.append(Piece(f"其他编码（{encoding}）显示的文字", reader_view(other).text))
    try:
        from lxml import etree

        root = etree.fromstring(data, safe_parser())
        for el in root.iter():
            if isinstance(el.tag, str) and el.text and el.text.strip():
                pieces.append(Piece(f"<{etree.QName(el).localname}> 文字", el.text))
            if el.tail and el.tail.strip():
                pieces.append(Piece("文字", el.tail))
            for key, value in getattr(el, "attrib", {}).items():
                pieces.append(Piece(f"属性 {etree.QName(key).localname}", value))
    except Exception:  # noqa: BLE001 - HTML is not XML: the source piece (entities decoded below) covers it
        from pipeline.rendered import unescape  # never raises on &#999…;

        pieces.append(Piece("文字（实体已解码）", unescape(source)))
    pieces.append(Piece("源代码", source, markup=True))  # last: a hit is named by its text or attribute first
    return Extracted("markup", tuple(pieces))
