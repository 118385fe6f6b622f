"""The usual layout of a 信息 / 公文 in Word, read from its top-level paragraphs (版式识别).

Given the document's blocks in order (text, alignment, heading or not, Word list numbering or
not), :func:`recognise` finds what belongs in the item's front matter rather than its body:

- 发文机关标志 (红头, “江临市商务局文件”) directly above a 文号 line — dropped;
- 文号 (江商发〔2026〕12号; ``[]``, ``【】``, ``()`` brackets and spaces are accepted and written
  with 〔〕 as GB/T 9704 has it), alone on its line or in brackets, within the first lines;
- 标题: the first remaining paragraph when it is a heading or centred (a second centred line
  right below it continues a long title);
- 信息员 / 供稿 / 撰稿 / 通讯员 lines → ``author`` (phone numbers and the like on that line
  are dropped with it);
- 落款: a date alone on its line (2026年11月28日, 二〇二六年十一月二十八日, 2026-11-28,
  2026.11.28) and the issuing unit on the line above it (or before the date on one line);
- 附件说明 before the 落款 (附件：1. … / 2. …, 附件一：…, Word-numbered lines) → listed.
  Attachments whose text follows the 落款 in the same document (附件1 / 附件一：) stay in
  the body and are recorded as inline.

The recognised blocks leave the body; what looks like one of these but cannot be read (a
date that does not exist, a 落款 date left blank) is reported as a note.  This module only
reads text: no files, no printing, no Word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

HEAD_LINES = 6  # 红头 and 文号 are looked for within this many first blocks
SHORT_LINE = 40  # a 落款 unit, 信息员 line or title continuation is at most this long
LONG_TITLE = 100  # a centred paragraph longer than this is text, not a title

CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "O": 0,
    "o": 0,
    "0": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUM = "〇○零ＯOo0一二三四五六七八九十"
_OPEN = "〔[【(（［"
_CLOSE = "〕]】)）］"

DOC_NUMBER_RE = re.compile(
    rf"(?P<org>[\u4e00-\u9fffA-Za-z]{{1,16}})\s*[{re.escape(_OPEN)}]\s*(?P<year>\d{{4}})\s*[{re.escape(_CLOSE)}]\s*(?P<seq>\d{{1,5}})\s*号"
)
_SIGNER_RE = re.compile(r"\s*签\s*发\s*人\s*[:：]\s*(?P<who>\S.*)$")
DATE_RES = (
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
    re.compile(r"(?P<y>\d{4})\s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<d>\d{1,2})"),
    re.compile(rf"(?P<y>[{_CN_NUM}]{{4}})\s*年\s*(?P<m>[{_CN_NUM}]{{1,3}})\s*月\s*(?P<d>[{_CN_NUM}]{{1,3}})\s*日"),
)
# a 落款 date that was left blank (“2015年　月　日”, “年 月 日”)
BLANK_DATE_RE = re.compile(rf"^(\d{{4}}|[{_CN_NUM}]{{4}})?\s*年\s*月\s*日$")
AUTHOR_LABELS = ("信息员", "通讯员", "供稿人", "供稿", "撰稿人", "撰稿", "撰写人", "执笔人", "执笔", "报送人", "作者")
AUTHOR_RE = re.compile(
    r"^[（(【\[]?\s*(?P<label>" + "|".join(AUTHOR_LABELS) + r")\s*[:：]\s*(?P<rest>.*?)\s*[)）】\]]?$"
)
# labels that end the name on an author line (信息员：张三 电话：…)
_OTHER_LABEL_RE = re.compile(
    r"(联系)?电话|手机|邮箱|电子邮件|E-?mail|QQ|审核|审签|签发|责任编辑|编辑|单位|地址|传真", re.IGNORECASE
)
_UNIT_END = (
    "局",
    "委",
    "办",
    "办公室",
    "室",
    "科",
    "处",
    "中心",
    "政府",
    "委员会",
    "管委会",
    "公司",
    "站",
    "所",
    "院",
    "队",
    "部",
    "厅",
    "会",
    "馆",
    "区",
    "县",
    "市",
)
ATTACH_HEAD_RE = re.compile(r"^附\s*件\s*(?:(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[:：]?|[:：])\s*(?P<rest>.*)$")
ATTACH_ITEM_RE = re.compile(r"^(?P<n>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[、.．:：)）]\s*(?P<title>\S.*)$")
_SENTENCE_PUNCT = "。；！？，"


@dataclass(frozen=True)
class Block:
    """One top-level block of the document as the layout reader sees it."""

    text: str  # paragraph text ("" for tables and images)
    centred: bool = False
    heading: bool = False  # a Word heading / title style
    numbered: bool = False  # a Word list paragraph (its number is not in ``text``)
    paragraph: bool = True  # False for tables


@dataclass(frozen=True)
class AttachmentLine:
    number: int | None  # 1, 2 … (None when the 附件 line has no number)
    title: str  # 全市商务网站信息量统计表


@dataclass(frozen=True)
class Layout:
    removed: frozenset[int]  # indices of blocks that leave the body
    title: str | None = None
    doc_number: str | None = None
    doc_number_written: str | None = None  # as written, when it was normalised
    unit: str | None = None  # 落款单位
    signed: date | None = None  # 落款日期
    signed_text: str | None = None  # the date as written
    author: str | None = None
    author_line: str | None = None
    attachments: tuple[AttachmentLine, ...] = ()
    inline_attachments: tuple[int, ...] = ()  # numbers of attachments whose text follows the 落款
    notes: tuple[str, ...] = ()  # what looked like layout but could not be read


def squeeze(text: str) -> str:
    """Whitespace collapsed, and removed next to Chinese characters (titles are spaced out
    for print: “岳阳市商务局 关于切实做好 2014 年商务信息工作的通知”)."""
    text = " ".join(text.replace("\u3000", " ").split())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def cn_number(text: str) -> int | None:
    """二十八 → 28, 十一 → 11, 二〇二六 → 2026 (digit by digit), 12 → 12."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            return None
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    value = 0
    for c in text:
        value = value * 10 + CN_DIGITS[c]
    return value


def parse_doc_number(text: str) -> str | None:
    """The 文号 of a line that is only a 文号 (optionally bracketed), normalised to 〔〕."""
    line = _SIGNER_RE.sub("", _plain(text)).strip()
    line = line.strip("()（）【】[]〔〕 ")
    m = DOC_NUMBER_RE.fullmatch(line)
    if not m:
        return None
    return f"{m['org']}〔{m['year']}〕{int(m['seq'])}号"


def find_date(text: str) -> tuple[re.Match | None, date | None]:
    """The first date in ``text`` and its value (None when it does not exist, e.g. 2月30日)."""
    for pattern in DATE_RES:
        m = pattern.search(text)
        if m:
            y, mo, d = cn_number(m["y"]), cn_number(m["m"]), cn_number(m["d"])
            try:
                return m, date(y, mo, d) if None not in (y, mo, d) else None
            except ValueError:
                return m, None
    return None, None


def _date_line(text: str) -> tuple[str, re.Match | None, date | None]:
    """(text before the date, match, value) when ``text`` ends with a date; ('', None, None) else."""
    line = _plain(text).strip("()（）").rstrip("。.").strip()
    m, value = find_date(line)
    if m is None or m.end() != len(line):
        return "", None, None
    return line[: m.start()].strip(), m, value


def _looks_like_unit(text: str) -> bool:
    line = squeeze(_plain(text))
    return (
        2 <= len(line) <= SHORT_LINE
        and not any(p in line for p in _SENTENCE_PUNCT + ":：")
        and line.endswith(_UNIT_END)
    )


def author_name(rest: str) -> str | None:
    """The name on a 信息员 line: up to the next label, unit prefix dropped (供稿：东湖区商务局 李晓梅)."""
    m = _OTHER_LABEL_RE.search(rest)
    value = rest[: m.start()] if m else rest
    value = value.strip(" \t\u3000,，;；、:：()（）")
    parts = [p for p in re.split(r"[\s\u3000]+", value) if p]
    if len(parts) > 1 and _looks_like_unit(parts[0]):
        parts = parts[1:]
    name = "、".join(p.strip(",，;；") for p in parts if p.strip(",，;；"))
    return name or None


def recognise(blocks: list[Block] | tuple[Block, ...]) -> Layout:
    removed: set[int] = set()
    notes: list[str] = []
    texts = [squeeze(_plain(b.text)) if b.paragraph else "" for b in blocks]
    filled = [i for i, b in enumerate(blocks) if not b.paragraph or texts[i]]

    # 文号 and 红头 within the first lines
    doc_number = written = None
    for pos, i in enumerate(filled[:HEAD_LINES]):
        number = parse_doc_number(blocks[i].text) if blocks[i].paragraph else None
        if number:
            doc_number = number
            raw = _SIGNER_RE.sub("", _plain(blocks[i].text)).strip().strip("()（）【】[]〔〕 ")
            written = raw if raw != number else None
            removed.add(i)
            if _SIGNER_RE.search(_plain(blocks[i].text)):
                notes.append("文号行上的签发人未写入条目（审签人由审签领导在门户中填写）")
            if pos > 0:
                above = filled[pos - 1]
                if texts[above].endswith("文件") and len(texts[above]) <= SHORT_LINE:
                    removed.add(above)  # 发文机关标志 (红头)
            break

    # 信息员 / 供稿 / 撰稿 lines, anywhere
    author = author_line = None
    for i in filled:
        if i in removed or not blocks[i].paragraph or len(texts[i]) > 2 * SHORT_LINE:
            continue
        m = AUTHOR_RE.match(_plain(blocks[i].text))
        if m:
            name = author_name(m["rest"])
            if name and author is None:
                author, author_line = name, texts[i]
                removed.add(i)
            elif name and name == author:
                removed.add(i)
            elif name:
                notes.append(f"另有一行“{texts[i][:SHORT_LINE]}”，信息员已取“{author}”，请核对")
            else:
                notes.append(f"“{texts[i][:SHORT_LINE]}”没有写姓名")

    # 标题: the first remaining block, when it is a heading or centred
    title = None
    rest = [i for i in filled if i not in removed]
    if (
        rest
        and blocks[rest[0]].paragraph
        and (blocks[rest[0]].heading or blocks[rest[0]].centred)
        and len(texts[rest[0]]) <= LONG_TITLE
    ):
        first = rest[0]
        title = texts[first]
        removed.add(first)
        if len(rest) > 1:
            nxt = rest[1]
            b = blocks[nxt]
            if (
                b.paragraph
                and b.centred
                and not b.heading
                and len(texts[nxt]) <= SHORT_LINE
                and not texts[nxt].startswith(("—", "-", "("))
                and not _date_line(b.text)[1]
                and not parse_doc_number(b.text)
                and not AUTHOR_RE.match(_plain(b.text))
                and not any(p in texts[nxt] for p in "。；！？")
            ):
                title += texts[nxt]
                removed.add(nxt)

    # 落款 date: the first paragraph after the title that is only a date (or unit + date)
    unit = signed = signed_text = None
    signed_at = None
    for i in filled:
        if i in removed or not blocks[i].paragraph:
            continue
        before, m, value = _date_line(blocks[i].text)
        if m is None:
            if BLANK_DATE_RE.match(texts[i]):
                notes.append(f"落款日期“{texts[i]}”没有填写完整，未能作为发布日期")
                removed.add(i)
                signed_at = signed_at if signed_at is not None else i
            continue
        if before and not _looks_like_unit(before):
            continue  # a sentence that ends with a date is body text
        if value is None:
            notes.append(f"落款日期“{m.group()}”不存在，未能作为发布日期")
            signed_at = i
            break
        signed, signed_text, signed_at = value, m.group(), i
        removed.add(i)
        if before:
            unit = squeeze(before)
        else:
            above = [j for j in filled if j < i and j not in removed]
            if above and blocks[above[-1]].paragraph and _looks_like_unit(blocks[above[-1]].text):
                unit = texts[above[-1]]
                removed.add(above[-1])
        break

    # 附件说明 (before the 落款) and attachments printed after it
    attachments: list[AttachmentLine] = []
    inline: list[int] = []
    end = signed_at if signed_at is not None else len(blocks)
    head = None
    for i in filled:
        if i in removed or not blocks[i].paragraph or len(texts[i]) > 3 * SHORT_LINE:
            continue
        m = ATTACH_HEAD_RE.match(_plain(blocks[i].text))
        if not m:
            continue
        if i > end:
            if m["n"]:
                inline.append(cn_number(m["n"]))
        elif head is None and not (m["rest"].strip() == "" and m["n"]):
            head = i
    if head is not None:
        m = ATTACH_HEAD_RE.match(_plain(blocks[head].text))
        first = m["rest"].strip()
        removed.add(head)
        if m["n"] and first:
            attachments.append(AttachmentLine(cn_number(m["n"]), _attachment_title(first)))
        elif first:
            item = ATTACH_ITEM_RE.match(first)
            attachments.append(
                AttachmentLine(cn_number(item["n"]), _attachment_title(item["title"]))
                if item
                else AttachmentLine(None, _attachment_title(first))
            )
        following = [j for j in filled if j > head and j not in removed]
        for j in following:
            if j >= end or not blocks[j].paragraph:
                break
            line = _plain(blocks[j].text)
            item = ATTACH_ITEM_RE.match(line)
            again = ATTACH_HEAD_RE.match(line)
            if again and again["n"] and again["rest"].strip():
                attachments.append(AttachmentLine(cn_number(again["n"]), _attachment_title(again["rest"])))
            elif item and len(texts[j]) <= 3 * SHORT_LINE:
                attachments.append(AttachmentLine(cn_number(item["n"]), _attachment_title(item["title"])))
            elif blocks[j].numbered and len(texts[j]) <= 3 * SHORT_LINE:
                attachments.append(AttachmentLine(len(attachments) + 1, _attachment_title(line)))
            else:
                break
            removed.add(j)
        if not attachments:
            notes.append(f"“{texts[head][:SHORT_LINE]}”后面没有附件名称")
        if len(attachments) == 1 and attachments[0].number is None:
            attachments[0] = AttachmentLine(1, attachments[0].title)

    return Layout(
        removed=frozenset(removed),
        title=title,
        doc_number=doc_number,
        doc_number_written=written,
        unit=unit,
        signed=signed,
        signed_text=signed_text,
        author=author,
        author_line=author_line,
        attachments=tuple(attachments),
        inline_attachments=tuple(sorted(set(inline))),
        notes=tuple(notes),
    )


def _attachment_title(text: str) -> str:
    return squeeze(_plain(text)).rstrip("。；;，,.")
