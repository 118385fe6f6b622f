"""Text scanners of the confidentiality gate (保密审查): markings, personal data, words, HTML.

Each scanner takes one piece of text (a title, a body, a tag …) and returns :class:`Hit`
records — rule id, character offset, the matched text and a Chinese description — and
nothing else: it knows neither items, files nor line numbers (the gate turns offsets into
file lines).  Rules: ``marker`` (密级标志 by position and pattern, so that 保密工作 or
商业秘密 in ordinary prose are not flagged), ``pii`` (居民身份证号 with a valid check digit,
mobile numbers, bank card numbers passing Luhn), ``sensitive-word`` (a configured list,
matched with an Aho-Corasick automaton) and ``unsafe-html`` (script, iframe, style …,
``on*=`` handlers, ``javascript:`` URLs).  Text is matched on folded views (NFKC, every digit
to ASCII, traditional to simplified with OpenCC, format characters dropped; one view without
any whitespace), so ``１３８…``, ``秘\u200b密★``, ``機密★``, ``机　密　★`` or
``138-0013-8000`` do not slip through; a hit reports the original text.
This module does not read configuration files or print.

Why about 610 lines: the fold (one normalisation every scanner relies on) and the four scanners built on
it are kept together so a change to the fold is reviewed with everything that depends on it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from functools import lru_cache
from html.parser import HTMLParser
from typing import Iterable

import ahocorasick

from pipeline.config import ConfidentialityRules


@dataclass(frozen=True)
class Hit:
    rule: str
    offset: int  # character offset in the scanned text
    match: str  # the text as written (original characters)
    what: str  # Chinese description: 密级标志、身份证号 …


# --- normalisation ---------------------------------------------------------------------------
#
# Scanners match on two views of a text, both folded the same way character by character:
# NFKC (full-width letters, digits and punctuation, compatibility ideographs, Kangxi radicals,
# circled digits …), every decimal digit to ASCII (٣, ३ …), ASCII letters to lower case, and
# traditional characters to simplified (OpenCC's t2s, applied to each character once to build
# the table); format characters (Unicode Cf: zero-width space and joiners, bidi controls, soft
# hyphen …), variation selectors and blank-looking fillers are dropped.
#   - the *line view* keeps whitespace (each run of it as written, line breaks as "\n"): for
#     patterns tied to lines (a marking on a line of its own, heading a title) and for numbers,
#     whose digit groups may be separated by spaces;
#   - the *compact view* drops all whitespace too: "机　密　★" and "代 开 发 票" read as a
#     reader reads them.
# Both keep a way back to the original offsets, computed only when a scanner has a hit.

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# invisible characters that are not Unicode Cf: variation selectors, combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian FVS, braille blank
_INVISIBLE_EXTRA = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)
# where OpenCC's t2s table has something to say (CJK unified ideographs, extension A,
# compatibility ideographs, the supplementary planes' ideographs)
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF), (0x2F800, 0x2FA1F))


def _invisible(ch: str) -> bool:
    # Cf: format characters; Mn/Me: combining marks, which only decorate the character before
    # them ("机́密" reads as 机密) and never carry a letter of Chinese text
    return unicodedata.category(ch) in ("Cf", "Mn", "Me") or ch in _INVISIBLE_EXTRA


# stars a marking may be written with: each reads as ★ (机密⭐, 绝密✭启用前, 秘密✩1年 …): these, and
# every symbol Unicode names a star or an asterisk (⭑, ✴, ⚝, ✱, 🌠 …: :func:`_named_stars`)
_DRAWN_STARS = "★☆⭐✭✩✪✫✬✮✯✰✦✧⋆✡✶✷✸✹✺✻✼✽✾✿❂🟊🟉🟋🟌🟍🟎🟏🟐🟑🟒🟓🟔🌟"
# the blocks that hold symbols (Arabic, punctuation to miscellaneous symbols and arrows,
# supplemental punctuation, Cyrillic extended-B, small and half-width forms, the pictographs)
_SYMBOL_BLOCKS = ((0x0600, 0x06FF), (0x2000, 0x2BFF), (0x2E00, 0x2E7F), (0xA640, 0xA69F), (0xFE00, 0xFFFF))
_SYMBOL_BLOCKS += ((0x1F000, 0x1FBFF),)
_STAR_NAME = re.compile(r"\b(?:STAR|STARS|ASTERISK|ASTERISKS|ASTERISM)\b")
# named so, but no star a reader sees beside a word: ≛ ⩮ ⊛ ⧆ (operators), ☪, 🤩, 🌃
_NOT_A_STAR = re.compile(r"EQUALS|OPERATOR|CRESCENT|FACE|SQUARED|NIGHT")


def _named_stars() -> str:
    """The symbols (So, Po, Sm) whose Unicode name says star or asterisk, but not those that
    NFKC makes an ASCII "*" (＊, ﹡: Markdown emphasis as typed on a Chinese keyboard)."""
    out = []
    for lo, hi in _SYMBOL_BLOCKS:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            name = unicodedata.name(ch, "")
            if (
                _STAR_NAME.search(name)
                and not _NOT_A_STAR.search(name)
                and unicodedata.category(ch) in ("So", "Po", "Sm")
                and not unicodedata.normalize("NFKC", ch).isascii()
            ):
                out.append(ch)
    return "".join(out)


STARS = "".join(dict.fromkeys(_DRAWN_STARS + _named_stars()))


def _t2s_table() -> dict[str, str]:
    """Traditional → simplified, one character at a time (OpenCC t2s run once over every
    ideograph, one per line so that no phrase rule joins neighbours)."""
    import opencc

    chars = [chr(cp) for lo, hi in _CJK_RANGES for cp in range(lo, hi + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # never seen; fail closed rather than fold wrongly
        raise RuntimeError("OpenCC t2s 转换结果与输入长度不一致")
    return {a: b for a, b in zip(chars, converted) if a != b}


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    """The line-view fold of one character ('' when it disappears)."""
    if _invisible(ch):
        return ""
    if ch.isspace():
        return "\n" if ch in _LINE_BREAKS else " "
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if _invisible(c):
            continue
        if c.isspace():
            out.append("\n" if c in _LINE_BREAKS else " ")
            continue
        c = t2s.get(c, c)
        if c in STARS:
            c = "★"
        if c.isdecimal() and not c.isascii():
            c = str(unicodedata.decimal(c))
        elif not c.isdecimal() and unicodedata.digit(c, None) is not None:
            c = str(unicodedata.digit(c))  # ❶ ➀ ⓵: a digit drawn in a circle, without an NFKC form
        out.append(c.lower() if "A" <= c <= "Z" else c)
    return "".join(out)


# CJK unified ideographs: letters that NFKC leaves alone, so that only OpenCC's t2s folds one
_UNIFIED = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF))


def _fold_candidates(t2s: dict[str, str], end: int = 0x30000):
    """The code points below ``end`` that may fold, ascending: all of them but the unified
    ideographs t2s leaves alone (88k of them; tests/test_scanner_variants.py checks the table
    against folding every code point)."""
    start = 0
    for lo, hi in _UNIFIED:
        yield from range(start, lo)
        yield from sorted(ord(c) for c in t2s if lo <= ord(c) <= hi)
        start = hi + 1
    yield from range(start, end)


_fold: dict[str, str] | None = None  # this process's fold_table()


def fold_table() -> dict[str, str]:
    """Every character whose line-view fold differs from itself → its fold.  Made once per
    process (:func:`make_fold_table`, ~0.13 s) unless a build gave it the table its memo kept
    (:func:`use_fold_table`); the gate has it before forking its workers."""
    global _fold
    if _fold is None:
        _fold = make_fold_table()
    return _fold


def make_fold_table() -> dict[str, str]:
    """:func:`fold_table` worked out: a function of this module's code, Python's Unicode tables
    and OpenCC's (what the memo of it is stamped with, :data:`pipeline.stage_memos.MEMOS`)."""
    t2s = _t2s_table()
    return _build_fold_table(_fold_candidates(t2s), t2s)


def use_fold_table(table: dict[str, str]) -> None:
    """Take ``table`` — :func:`make_fold_table`'s result as a build's sealed memo kept it — as this
    process's fold table, unless it has one already."""
    global _fold
    if _fold is None:
        _fold = table


def _build_fold_table(candidates, t2s: dict[str, str]) -> dict[str, str]:
    """The fold of each candidate code point that changes, made final."""
    table = {}
    for cp in candidates:
        ch = chr(cp)
        if unicodedata.category(ch) in ("Cn", "Cs", "Co"):
            continue
        folded = _fold_char(ch, t2s)
        if folded != ch:
            table[ch] = folded
    for cp in list(range(0xE0000, 0xE0080)) + list(range(0xE0100, 0xE01F0)):  # tags, variation selectors
        table[chr(cp)] = ""
    for ch, folded in table.items():  # a fold is final: folding it again changes nothing
        while any(c in table for c in folded):
            folded = "".join(table.get(c, c) for c in folded)
        table[ch] = folded
    return table


@lru_cache(maxsize=1)
def _foldable() -> re.Pattern:
    """One character class of every character of the Basic Multilingual Plane that folds (a
    fast path: prose has few).  Only BMP characters: a class with any character beyond it is
    matched range by range, ~200x slower."""
    ranges: list[list[int]] = []
    for cp in sorted(ord(c) for c in fold_table() if ord(c) < 0x10000):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = [re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges]
    return re.compile("[" + "".join(parts) + "]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """The line view of ``text``: ``"".join(fold_table().get(c, c) for c in text)``, faster on
    prose: only the few distinct characters that fold (full-width commas, brackets …) are
    replaced, each in one pass."""
    table = fold_table()
    found = set(_foldable().findall(text))
    if _ASTRAL.search(text):  # rare: supplementary ideographs, tag characters
        found.update(c for c in text if c in table)
    for ch in found:
        text = text.replace(ch, table[ch])
    return text


def fold_slow(text: str) -> str:
    """The same as :func:`fold`, one character at a time (the reference of the tests)."""
    table = fold_table()
    return "".join(table.get(c, c) for c in text)


def compact(text: str) -> str:
    """The compact view: the fold without any whitespace."""
    return "".join(fold(text).split())


class View:
    """One view of a text: what the scanners match on, and the way back to the original."""

    __slots__ = ("text", "source", "_index", "_compact_of", "_keep")

    def __init__(self, text: str, source: str, compact_of: "View | None" = None, keep=None):
        self.text = text
        self.source = source
        self._index: list[int] | None = None
        self._compact_of = compact_of  # the compact and bare views are made from the line view
        self._keep = keep or (lambda ch: not ch.isspace())

    def index(self) -> list[int]:
        """The original offset of each character of ``text`` (computed on first use)."""
        if self._index is None:
            if self._compact_of is not None:
                line = self._compact_of
                idx = line.index()
                keep = self._keep
                self._index = [idx[j] for j, ch in enumerate(line.text) if keep(ch)]
            elif self.text == self.source:
                self._index = list(range(len(self.source)))
            else:
                table = fold_table()
                self._index = [i for i, c in enumerate(self.source) for _ in range(len(table.get(c, c)))]
        return self._index

    def original(self, start: int, end: int) -> tuple[int, str]:
        """Original offset and original text of ``text[start:end]``."""
        index = self.index()
        if start >= len(index):
            return len(self.source), ""
        a = index[start]
        b = index[end - 1] + 1 if end > start else a
        return a, self.source[a:b]


@dataclass(frozen=True)
class Normalised:
    """The two views of one text (see above); ``source`` is the text as given."""

    source: str
    line: View
    compact: View

    @property
    def text(self) -> str:  # the line view (what the earlier single-view API called text)
        return self.line.text

    @cached_property
    def visual(self) -> "Normalised | None":
        """The text in the order a browser shows it (:func:`visual_order`), when its bidi
        controls change that order; None otherwise (nearly always: made on first use)."""
        if not _BIDI_CONTROL.search(self.source):
            return None
        shown = visual_order(self.source)
        return None if shown == self.source else normalise(shown)

    @cached_property
    def bare(self) -> View:
        """Letters, digits and ★ only: "代·开发票", "不得——外传", "内部资料（注意保存）" read as written
        without the marks between (for phrases and words; made on first use)."""
        return View(_NOT_BARE.sub("", self.line.text), self.source, compact_of=self.line, keep=_bare)


def _bare(ch: str) -> bool:
    return ch.isalnum() or ch == "★"


# what _bare drops, as one pattern (3x faster than a test per character): re's \w is exactly
# str.isalnum() plus "_" (checked for every code point in tests/test_scanner_variants.py)
_NOT_BARE = re.compile(r"[^\w★]+|_+")


def normalise(text: str) -> Normalised:
    line = View(fold(text), text)
    return Normalised(text, line, View("".join(line.text.split()), text, compact_of=line))


# --- the order a reader sees: bidi controls ---------------------------------------------------
#
# The fold drops the bidirectional controls (format characters), which leaves the characters in
# the order they are written — but a browser shows ``机\u202e★密\u202c`` as 机密★ and
# ``\u202e00083100831\u202c`` as 13800138000.  Every scanner therefore also reads a text holding
# such controls in the order it is shown (``Normalised.visual``), as far as the controls go: an
# override (LRO/RLO) sets every character's direction, an embedding or isolate (LRE/RLE, LRI/RLI/
# FSI) reverses the runs of a right-to-left one, where a run is letters and digits (Chinese is
# left-to-right) with the marks between two of them.  Right-to-left letters of their own and a
# paragraph set right-to-left (``dir="rtl"``, refused by the sanitiser) are not modelled.  The view
# only moves characters within a line, so a hit's offset is on the line of what was written.

_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_OPEN = {"\u202a": "ltr", "\u202d": "ltr", "\u2066": "ltr", "\u2068": "ltr"}
_BIDI_OPEN |= {"\u202b": "rtl", "\u2067": "rtl", "\u202e": "override"}
_BIDI_CLOSE = frozenset("\u202c\u2069")


def _shown(kind: str, units: list[str]) -> str:
    """The units (characters, or the shown text of a nested control) of one level, as shown."""
    if kind == "ltr":
        return "".join(units)
    if kind == "override":
        return "".join(reversed(units))
    runs: list[list] = []  # [strong?, units]: letters and digits keep their order, runs are reversed
    for unit in units:
        strong = len(unit) == 1 and unit.isalnum()
        if runs and strong and runs[-1][0]:
            runs[-1][1].append(unit)
        else:
            runs.append([strong, [unit]])
    merged: list[list] = []  # marks between two runs of letters take their direction: one run
    for n, (strong, part) in enumerate(runs):
        between = 0 < n < len(runs) - 1 and runs[n - 1][0] and runs[n + 1][0] and not strong
        if merged and merged[-1][0] and (strong or between):
            merged[-1][1] += part
        else:
            merged.append([strong or between, part])
    return "".join("".join(part) for _strong, part in reversed(merged))


def visual_order(text: str) -> str:
    """``text`` in the order a browser shows it, as far as its bidi controls go (see above): the
    same characters, each line's in their shown order."""
    lines = []
    for line in text.split("\n"):
        stack: list[tuple[str, list[str]]] = [("ltr", [])]
        for ch in line:
            kind = _BIDI_OPEN.get(ch)
            if kind is not None:
                stack.append((kind, [ch]))
            elif ch in _BIDI_CLOSE and len(stack) > 1:
                kind, units = stack.pop()
                stack[-1][1].append(_shown(kind, units) + ch)
            else:
                stack[-1][1].append(ch)
        while len(stack) > 1:  # a control left open ends with its line
            kind, units = stack.pop()
            stack[-1][1].append(_shown(kind, units))
        lines.append(_shown("ltr", stack[0][1]))
    return "\n".join(lines)


def _as_shown_too(norm: "Normalised", scan) -> list[Hit]:
    """``scan(norm)``, and the hits of ``scan`` in the order ``norm`` is shown (when its bidi
    controls change it) that are not at an offset already reported."""
    hits = scan(norm)
    visual = norm.visual
    if visual is None:
        return hits
    seen = {h.offset for h in hits}
    return sorted(hits + [h for h in scan(visual) if h.offset not in seen], key=lambda h: h.offset)


def _hits(view: View, rule: str, what: str, spans: Iterable[tuple[int, int]]) -> list[Hit]:
    out = []
    for start, end in spans:
        offset, match = view.original(start, end)
        out.append(Hit(rule, offset, match, what))
    return out


# --- marker: 密级标志 --------------------------------------------------------------------------


def _bracket_class(categories: tuple[str, ...], extra: str) -> str:
    """One character class of every bracket of the Basic Multilingual Plane of ``categories``
    (Ps: opening, Pe: closing — 【 〔 ( 「 { ⟦ 〘 …; after folding, （ is ( and ｛ is {).  Not the
    quotation marks (Pi/Pf): 文中“机密”二字 quotes a word."""
    chars = [chr(cp) for cp in range(0x10000) if unicodedata.category(chr(cp)) in categories]
    return "[" + "".join(re.escape(c) for c in dict.fromkeys(chars + list(extra))) + "]"


_OPEN = _bracket_class(("Ps",), "<‹«")
_CLOSE = _bracket_class(("Pe",), ">›»")


def _phrase_regex(phrase: str) -> str:
    """A configured phrase, with any run of spaces in it matching light punctuation (the
    compact view has no spaces left)."""
    parts = [re.escape(compact(p)) for p in phrase.split()]
    return r"[,、.。:;]*".join(parts)


class MarkerScanner:
    """密级标志: level words (绝密/机密/秘密) with ★, after 密级, bracketed, on a line of their own
    or heading a title or a line; and configured phrases (不得外传, 内部资料 注意保存 …) anywhere.
    The first three and the phrases are matched on the compact view, the line-bound ones on the
    line view, where a level word may have spaces between its characters."""

    def __init__(self, rules: ConfidentialityRules):
        # every pattern but the phrases needs a level word: a text without one skips them
        self.levels = tuple(compact(w) for w in rules.marker_levels if compact(w))
        levels = "|".join(re.escape(w) for w in self.levels) or r"(?!)"
        lv = f"(?:{levels})"
        self.anywhere = re.compile(
            "|".join(
                [
                    rf"{lv}[★☆*]*[★☆][·・\-—]*(?:\d+(?:年|个月|月|天)|长期|启用前|公开前)?",  # 秘密★1年, 机密★
                    rf"[★☆]{lv}",  # ★机密
                    rf"{lv}[·・\-—]+(?:启用前|公开前|长期)",  # 绝密·启用前
                    rf"{_OPEN}?密级{_CLOSE}?(?:[:：]|为|是)?{lv}",  # 密级：机密, 【密级】机密, 密级为机密
                    rf"{_OPEN}{lv}{_CLOSE}",  # 【机密】
                ]
            )
        )
        # line view: a level word may be spread out ("机 密")
        spread = "|".join(r"[^\S\n]*".join(re.escape(c) for c in w) for w in self.levels) or r"(?!)"
        slv = f"(?:{spread})"
        term = r"(?:\s*(?:[★☆*]\s*)?(?:\d+\s*(?:年|个月|月|天)|长期|启用前|公开前))?"
        # a line that is nothing but a marking: "秘密", "机密 1年", "## 绝密"
        self.line = re.compile(rf"^[\s#>*_~`|-]*({slv}{term})[\s*_~`|]*$", re.MULTILINE)
        # a title (or line) that starts with a level word and a separator: "机密：关于……"
        self.prefix = re.compile(rf"^[\s#>*_~`|-]*({slv}{term})\s*(?:[:：|｜/·—-]|\s)", re.MULTILINE)
        phrases = [_phrase_regex(p) for p in rules.marker_phrases if p.strip()]
        self.phrases = re.compile("|".join(phrases)) if phrases else None
        bare = ["".join(ch for ch in compact(p) if _bare(ch)) for p in rules.marker_phrases if p.strip()]
        self.bare_phrases = re.compile("|".join(re.escape(b) for b in bare if b)) if any(bare) else None
        # a phrase match starts with the phrase's first word
        self.phrase_heads = tuple(compact(p.split()[0]) for p in rules.marker_phrases if p.strip())
        self.level_chars = frozenset(c for w in self.levels for c in w[:1])
        # variant forms of the markings' characters (宻 for 密): a text holding one is also read with
        # the marking's character in its place — one character for one, so offsets stay
        variants = dict(rules.marker_variants)
        # … and every character that folds to such a variant (a compatibility form of it)
        variants.update({c: variants[f] for c, f in fold_table().items() if f in variants and c not in variants})
        self.variants = str.maketrans(variants) if variants else None
        self.variant_chars = re.compile("[" + "".join(re.escape(c) for c in variants) + "]") if variants else None

    def scan(self, norm: Normalised) -> list[Hit]:
        hits = _as_shown_too(norm, self._scan)
        if self.variant_chars is None or not self.variant_chars.search(norm.source):
            return hits
        seen = {h.offset for h in hits}
        read = _as_shown_too(normalise(norm.source.translate(self.variants)), self._scan)
        return sorted(hits + [h for h in read if h.offset not in seen], key=lambda h: h.offset)

    def _scan(self, norm: Normalised) -> list[Hit]:
        hits: dict[int, Hit] = {}
        flat = norm.compact.text
        if any(level in flat for level in self.levels):
            for m in self.anywhere.finditer(flat):
                for h in _hits(norm.compact, "marker", "密级或内部标志", [m.span()]):
                    hits.setdefault(h.offset, h)
            for regex in (self.line, self.prefix):
                for m in regex.finditer(norm.line.text):
                    for h in _hits(norm.line, "marker", "密级或内部标志", [m.span(1)]):
                        hits.setdefault(h.offset, h)
        if self.phrases and any(head[:1] in flat for head in self.phrase_heads):
            for m in self.phrases.finditer(flat):
                for h in _hits(norm.compact, "marker", "密级或内部标志", [m.span()]):
                    hits.setdefault(h.offset, h)
            # the same phrases with any marks between their characters (内部资料·注意保存, 不得——外传)
            for m in self.bare_phrases.finditer(norm.bare.text) if self.bare_phrases else ():
                for h in _hits(norm.bare, "marker", "密级或内部标志", [m.span()]):
                    hits.setdefault(h.offset, h)
        return [hits[k] for k in sorted(hits)]


# --- pii: 个人信息 ---------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"
# A number as a reader reads it: digit groups, each separated from the next by at most three
# spaces, hyphens, dashes, tildes, underscores or dots ("138-0013-8000", "430602 19850312 1237",
# "138.0013.8000", "138～0013～8000"),
# optionally after +86; the last group may end in x (身份证号).  Line view: folded, so
# full-width and other digits are ASCII and zero-width characters are gone.
# A dot separates groups only before three digits or more: "138.0013.8000" is a number a reader
# dials, "138.5 5.0 424.9" a row of decimals.  Line breaks never separate (table cells and
# blocks are lines of their own in the reader's view and the output audit's).
_SEP = r"(?:[ \t\-‐‑‒–—―−/、()\[\]~_]{1,4}|[.·・‧∙⋅•](?=\d{3})|(?<=\d{3}),(?=\d{3}))"
_RUN = re.compile(rf"(?<![0-9])(?:\+\s?)?\d+(?:{_SEP}\d+)*x?(?![0-9])")
_GROUP = re.compile(r"\d+x?")
# A comma separates groups of three digits or more ("138,0013,8000"; a row of a CSV file, "1,5,0,…",
# is not a number), except in an amount grouped by thousands ("13,800,138,000 元"): that is yuan.
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
# Chinese numerals read digit by digit (一三八〇〇一三八〇〇〇, 幺三八…): one character for one
# digit, so offsets stay those of the line view; only runs of eight or more are read this way.
# 大写 numerals (壹贰叁 …, 参 for 叁 after the fold of 參) and ○/◯ for zero ("二○二六年") too.
_NUMERALS = str.maketrans("〇零○◯一二三四五六七八九幺两壹贰叁参肆伍陆柒捌玖", "0000123456789121233456789")
_NUMERAL_CHARS = "〇零○◯一二三四五六七八九幺两壹贰叁参肆伍陆柒捌玖"
_NUMERAL_RUN = re.compile(rf"[{_NUMERAL_CHARS}]{{8,}}")
# numerals and digits mixed ("1三8〇〇13八〇〇〇"): a run of both, eight or more, holding a numeral
_NUMERAL_MIXED_HINT = re.compile(rf"[0-9][{_NUMERAL_CHARS}]|[{_NUMERAL_CHARS}][0-9]")
_NUMERAL_MIXED_RUN = re.compile(rf"[0-9{_NUMERAL_CHARS}]{{8,}}")
# Each kind needs eight digits with at most three separators among them: a text without that
# (most prose: years, amounts, percentages) skips the scan.
_PII_HINT = re.compile(rf"\d(?:(?:{_SEP})?\d){{7}}")


# Characters a reader takes for a digit inside a number (after the fold: ASCII letters are lower
# case): letters o/l/i and their Cyrillic and Greek twins for 0 and 1, crosses for the X of a
# 身份证号.  They are read so in a run of such characters and digits that holds a digit
# ("138O0138OOO", "l38…", "…004×"); one character for one, so offsets stay those of the line view.
_ZERO_LIKE = "oоОοΟ○◯"
_ONE_LIKE = "liıіІӀǀ"
_X_LIKE = "×хХχΧ✕✖╳"
_DIGIT_LIKE = str.maketrans(
    _ZERO_LIKE + _ONE_LIKE + _X_LIKE, "0" * len(_ZERO_LIKE) + "1" * len(_ONE_LIKE) + "x" * len(_X_LIKE)
)
_LIKE = re.escape(_ZERO_LIKE + _ONE_LIKE + _X_LIKE)
_LOOKALIKE_RUN = re.compile(rf"[0-9x{_LIKE}]+")
# a digit beside a look-alike: the texts worth the look-alike reading (and the audit's pre-filter)
LOOKALIKE_HINT = re.compile(rf"[0-9][{_LIKE}]|[{_LIKE}][0-9]")


def _read_lookalikes(text: str) -> str:
    def read(m: re.Match) -> str:
        run = m.group()
        return run.translate(_DIGIT_LIKE) if any(c.isdigit() for c in run) else run

    return _LOOKALIKE_RUN.sub(read, text)


def id_number_valid(digits: str) -> bool:
    """18-digit 居民身份证号 check digit (GB 11643), with a plausible birth date."""
    d = digits.lower()
    if len(d) != 18 or not d[:17].isdigit() or d[0] == "0":
        return False
    if d[6:8] not in ("18", "19", "20") or not ("01" <= d[10:12] <= "12") or not ("01" <= d[12:14] <= "31"):
        return False
    return _ID_CHECK[sum(int(c) * w for c, w in zip(d[:17], _ID_WEIGHTS)) % 11] == d[17]


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c == "x")


def _mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and digits.isdigit()


class PiiScanner:
    """居民身份证号 (check digit), mobile numbers, bank card numbers (Luhn), however their digit
    groups are separated; the bureau's public phone numbers (portal.yaml) are allowed."""

    def __init__(self, public_phones: Iterable[str]):
        self.allowed = {d for d in (_digits(fold(p)) for p in public_phones) if d}

    def _allowed(self, digits: str) -> bool:
        return digits in self.allowed or (digits.startswith("86") and digits[2:] in self.allowed)

    def _kind(self, digits: str) -> str | None:
        if len(digits) == 18 and id_number_valid(digits):
            return "居民身份证号"
        if self._allowed(digits):
            return None
        if _mobile(digits) or (len(digits) == 13 and digits.startswith("86") and _mobile(digits[2:])):
            return "手机号码"
        if 16 <= len(digits) <= 19 and digits[0] in "3456" and digits.isdigit() and luhn_valid(digits):
            return "银行卡号"  # 3-6: the card networks' first digits (a run of years starts with 1 or 2)
        return None

    def scan(self, norm: Normalised) -> list[Hit]:
        return _as_shown_too(norm, self._scan)

    def _scan(self, norm: Normalised) -> list[Hit]:
        text = norm.line.text
        if _NUMERAL_RUN.search(text) or _NUMERAL_MIXED_HINT.search(text):
            text = _NUMERAL_MIXED_RUN.sub(lambda m: m.group().translate(_NUMERALS), text)
        if LOOKALIKE_HINT.search(text):
            text = _read_lookalikes(text)
        if not _PII_HINT.search(text):
            return []
        out: list[Hit] = []
        for run in _RUN.finditer(text):
            groups = [(m.start() + run.start(), m.end() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
            # every sequence of whole groups (a run may hold several numbers: "电话 138 0013 8000 2 份")
            i = 0
            while i < len(groups):
                found = None
                digits = ""
                for j in range(i, len(groups)):
                    digits += groups[j][2]
                    if len(digits) > 19:
                        break
                    if "x" in digits[:-1]:
                        break
                    if j > i and _THOUSANDS.fullmatch(text[groups[i][0] : groups[j][1]]):
                        continue  # 13,800,138,000: an amount
                    kind = self._kind(digits)
                    if kind:
                        found = (j, kind)
                if found:
                    j, kind = found
                    out += _hits(norm.line, "pii", kind, [(groups[i][0], groups[j][1])])
                    i = j + 1
                else:
                    i += 1
        return sorted(out, key=lambda h: h.offset)


# --- sensitive-word: 敏感词 ------------------------------------------------------------------


class WordScanner:
    """The configured word list, matched all at once with an Aho-Corasick automaton on the
    compact view (the words folded the same way)."""

    def __init__(self, words: Iterable[str]):
        words = tuple(words)
        self.automaton = ahocorasick.Automaton()
        for word in words:
            key = compact(word)
            if key:
                self.automaton.add_word(key, len(key))
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()
        self.bare = ahocorasick.Automaton()
        for word in words:
            key = "".join(ch for ch in compact(word) if _bare(ch))
            if len(key) >= 2:
                self.bare.add_word(key, len(key))
        if len(self.bare):
            self.bare.make_automaton()
        else:
            self.bare = None

    def scan(self, norm: Normalised) -> list[Hit]:
        return _as_shown_too(norm, self._scan)

    def _scan(self, norm: Normalised) -> list[Hit]:
        if self.empty:
            return []
        spans = [(end + 1 - length, end + 1) for end, length in self.automaton.iter(norm.compact.text)]
        found = {h.offset: h for h in _hits(norm.compact, "sensitive-word", "敏感词", sorted(spans))}
        if self.bare is not None:  # the words with marks between their characters (代·开发票, 代_开_发票)
            bare = [(end + 1 - length, end + 1) for end, length in self.bare.iter(norm.bare.text)]
            for h in _hits(norm.bare, "sensitive-word", "敏感词", sorted(bare)):
                found.setdefault(h.offset, h)
        return [found[k] for k in sorted(found)]


# --- unsafe-html: 可执行内容 -----------------------------------------------------------------

_HUGE_CHARREF = re.compile(r"&#(?:[xX]0*[0-9a-fA-F]{7,}|0*[0-9]{8,});?")  # see pipeline.rendered.safe_text
_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data\s*:\s*text/html)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\u00a0\u200b-\u200f\u2028\u2029\ufeff]+")
_RAW_SCHEME = re.compile(r"(?:java|vb|live)script\s*:", re.IGNORECASE)
_MD_LINK = re.compile(
    r"\]\(\s*<?([^)\s>]*)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|<([a-z][a-z0-9+.-]*:[^>\s]*)>",
    re.IGNORECASE | re.MULTILINE,
)
# attr_list: { onclick="…" }, { style="…" } (style can lay a box over the whole page)
_ATTR_LIST = re.compile(r"\{:?[^{}\n]*?(?<![\w-])(on[a-z]+|style)\s*=", re.IGNORECASE)


def _bad_url(value: str) -> bool:
    return bool(_BAD_SCHEME.match(_CONTROL.sub("", html.unescape(_HUGE_CHARREF.sub("\ufffd", value)))))


class _TagCollector(HTMLParser):
    def __init__(self, tags: frozenset[str]):
        super().__init__(convert_charrefs=True)
        self.tags = tags
        self.found: list[tuple[int, int, str]] = []  # (line, column, what)

    def handle_starttag(self, tag, attrs):
        line, col = self.getpos()
        if tag in self.tags:
            self.found.append((line, col, f"<{tag}> 标签"))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((line, col, f"事件属性 {name}="))
            elif value and _bad_url(value):
                self.found.append((line, col, f"{name}= 中的脚本网址"))

    handle_startendtag = handle_starttag


class HtmlScanner:
    def __init__(self, rules: ConfidentialityRules):
        self.tags = frozenset(t.lower() for t in rules.unsafe_tags)
        names = "|".join(re.escape(t) for t in sorted(self.tags)) or r"(?!)"
        self.tag_re = re.compile(
            rf"<\s*({names})(?![a-z0-9-])", re.IGNORECASE
        )  # opening tags: a lone </script> is harmless
        self.handler_re = re.compile(r"<[a-z][^>]*?[\s/\"'](on[a-z]+)\s*=", re.IGNORECASE | re.DOTALL)

    def scan(self, norm: Normalised) -> list[Hit]:
        text = norm.source  # browsers do not fold full-width letters: match what is written
        found: dict[int, tuple[int, int, str]] = {}

        def add(start: int, end: int, what: str) -> None:
            found.setdefault(start, (start, end, what))

        # each pattern needs a character most prose lacks: tags "<", attr_list "{" and "=",
        # script URLs ":", Markdown links "]" or "<"
        tag = "<" in text
        if tag:
            for m in self.tag_re.finditer(text):
                add(m.start(), m.end(), f"<{m.group(1).lower()}> 标签")
            for m in self.handler_re.finditer(text):
                add(m.start(1), m.end(1) + 1, "事件属性")
        if "{" in text and "=" in text:
            for m in _ATTR_LIST.finditer(text):
                add(m.start(1), m.end(), "样式属性" if m.group(1).lower() == "style" else "事件属性")
        if ":" in text:
            for m in _RAW_SCHEME.finditer(text):
                add(m.start(), m.end(), "脚本网址")
        if tag or "]" in text:
            for m in _MD_LINK.finditer(text):
                group = next(g for g in (1, 2, 3) if m.group(g) is not None)
                if _bad_url(m.group(group)):
                    add(m.start(group), m.end(group), "脚本网址")
        if tag:
            collector = _TagCollector(self.tags)
            try:
                collector.feed(text)
                collector.close()
            except Exception:  # noqa: BLE001 - a parser that chokes is itself a reason to hold back
                collector.found.append((1, 0, "无法解析的 HTML"))
            starts = _line_starts(text)
            for line, col, what in collector.found:
                offset = starts[line - 1] + col if line - 1 < len(starts) else 0
                end = text.find(">", offset)
                end = end + 1 if end != -1 else len(text)
                if not any(offset < b and a < end for a, b, _ in found.values()):  # not already reported
                    add(offset, end, what)
        return [Hit("unsafe-html", s, text[s:e], what) for s, e, what in (found[k] for k in sorted(found))]


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


# --- all together -----------------------------------------------------------------------------


class Scanners:
    """Every content scanner, compiled once from the configuration."""

    def __init__(self, rules: ConfidentialityRules, public_phones: Iterable[str]):
        self.marker = MarkerScanner(rules)
        self.pii = PiiScanner(public_phones)
        self.words = WordScanner(rules.sensitive_words)
        self.html = HtmlScanner(rules)

    def scan(self, text: str, html: bool = True) -> list[Hit]:
        """Every hit in ``text``; ``html=False`` leaves out ``unsafe-html`` (for text as a
        reader sees it, where a shown "<script>" is words, not code)."""
        norm = normalise(text)
        hits = self.marker.scan(norm) + self.pii.scan(norm) + self.words.scan(norm)
        if html:
            hits += self.html.scan(norm)
        return sorted(hits, key=lambda h: (h.offset, h.rule))
