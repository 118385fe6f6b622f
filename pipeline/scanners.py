"""Text scanners of the confidentiality gate (保密审查): markings, personal data, words, HTML.

Each scanner takes one piece of text (a title, a body, a tag …) and returns :class:`Hit`
records — rule id, character offset, the matched text and a Chinese description — and
nothing else: it knows neither items, files nor line numbers (the gate turns offsets into
file lines).  Rules: ``marker`` (密级标志 by position and pattern, so that 保密工作 or
商业秘密 in ordinary prose are not flagged), ``pii`` (居民身份证号 with a valid check digit,
mobile numbers, bank card numbers passing Luhn), ``sensitive-word`` (a configured list,
matched with an Aho-Corasick automaton) and ``unsafe-html`` (script, iframe, style …,
``on*=`` handlers, ``javascript:`` URLs).  Text is matched after a length-preserving
normalisation (full-width ASCII to ASCII, ASCII letters to lower case, zero-width and other
format characters skipped), so ``１３８…`` or ``秘\u200b密★`` do not slip through.
This module does not read configuration files or print.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
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

def _fold_table() -> dict[int, int]:
    table = {}
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII → ASCII
        table[cp] = cp - 0xFEE0
    table[0x3000] = 0x20  # ideographic space
    for cp, target in list(table.items()) + [(c, c) for c in range(0x41, 0x5B)]:
        if 0x41 <= target <= 0x5A:  # A-Z (and Ａ-Ｚ) → a-z
            table[cp] = target + 0x20
    return table


_FOLD = _fold_table()
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def fold(text: str) -> str:
    """``text.translate(_FOLD)``, faster on Chinese prose: only the few distinct characters
    that fold (full-width commas, brackets …) are replaced, each in one pass."""
    for ch in set(_FOLDABLE.findall(text)):
        text = text.replace(ch, chr(_FOLD[ord(ch)]))
    return text
# format characters (Unicode Cf: zero-width space/joiners, bidi controls, soft hyphen …) and
# variation selectors: invisible, so a word split by them must still be found
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb"
    "\U000110bd\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)


@dataclass(frozen=True)
class Normalised:
    text: str  # what the scanners match on
    source: str  # the original text
    index: tuple[int, ...] | None  # original offset of each character of ``text`` (None: identical)

    def original(self, start: int, end: int) -> tuple[int, str]:
        """Original offset and original text of ``text[start:end]``."""
        if self.index is None:
            return start, self.source[start:end]
        if start >= len(self.index):
            return len(self.source), ""
        a = self.index[start]
        b = self.index[end - 1] + 1 if end > start else a
        return a, self.source[a:b]


def normalise(text: str) -> Normalised:
    folded = fold(text)
    if not _INVISIBLE.search(folded):
        return Normalised(folded, text, None)
    index = tuple(i for i, ch in enumerate(folded) if not _INVISIBLE.match(ch))
    return Normalised("".join(folded[i] for i in index), text, index)


def _hits(norm: Normalised, rule: str, what: str, spans: Iterable[tuple[int, int]]) -> list[Hit]:
    out = []
    for start, end in spans:
        offset, match = norm.original(start, end)
        out.append(Hit(rule, offset, match, what))
    return out


# --- marker: 密级标志 --------------------------------------------------------------------------

_OPEN = r"[【〔\[(「『]"  # after folding, （ is (
_CLOSE = r"[】〕\])」』]"


def _phrase_regex(phrase: str) -> str:
    """A configured phrase, with any run of spaces in it matching spaces or light punctuation."""
    parts = [re.escape(p.translate(_FOLD)) for p in phrase.split()]
    return r"[\s,，、.。:;；]*".join(parts)


class MarkerScanner:
    """密级标志: level words (绝密/机密/秘密) with ★, after 密级, bracketed, on a line of their own
    or heading a title or a line; and configured phrases (不得外传, 内部资料 注意保存 …) anywhere."""

    def __init__(self, rules: ConfidentialityRules):
        # every pattern but the phrases needs a level word: a text without one skips them
        self.levels = tuple(w.translate(_FOLD) for w in rules.marker_levels if w)
        levels = "|".join(re.escape(w) for w in self.levels) or r"(?!)"
        lv = f"(?:{levels})"
        term = r"(?:\s*(?:[★☆*]\s*)?(?:\d+\s*(?:年|个月|月|天)|长期|启用前|公开前))?"
        self.anywhere = re.compile(
            "|".join(
                [
                    rf"{lv}\s*[★☆]\s*(?:\d+\s*(?:年|个月|月|天)|长期|启用前|公开前)?",  # 秘密★1年, 机密★
                    rf"密\s*级\s*[:：]?\s*{lv}",  # 密级：机密
                    rf"{_OPEN}\s*{lv}\s*{_CLOSE}",  # 【机密】
                ]
            )
        )
        # a line that is nothing but a marking: "秘密", "机密 1年", "## 绝密"
        self.line = re.compile(rf"^[\s#>*_~`|-]*({lv}{term})[\s*_~`|]*$", re.MULTILINE)
        # a title (or line) that starts with a level word and a separator: "机密：关于……"
        self.prefix = re.compile(rf"^[\s#>*_~`|-]*({lv}{term})\s*(?:[:：|｜/·—-]|\s)", re.MULTILINE)
        phrases = [_phrase_regex(p) for p in rules.marker_phrases if p.strip()]
        self.phrases = re.compile("|".join(phrases)) if phrases else None
        # a phrase match starts with the phrase's first word, as written
        self.phrase_heads = tuple(p.split()[0].translate(_FOLD) for p in rules.marker_phrases if p.strip())

    def scan(self, norm: Normalised) -> list[Hit]:
        spans: dict[int, tuple[int, int]] = {}
        text = norm.text
        if any(level in text for level in self.levels):
            for m in self.anywhere.finditer(text):
                spans.setdefault(m.start(), m.span())
            for regex in (self.line, self.prefix):
                for m in regex.finditer(text):
                    spans.setdefault(m.start(1), m.span(1))
        if self.phrases and any(head in text for head in self.phrase_heads):
            for m in self.phrases.finditer(norm.text):
                spans.setdefault(m.start(), m.span())
        return _hits(norm, "marker", "密级或内部标志", (spans[k] for k in sorted(spans)))


# --- pii: 个人信息 ---------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"
_ID_RE = re.compile(r"(?<![0-9a-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dx](?![0-9a-z])")
_MOBILE_RE = re.compile(r"(?<![0-9a-z])(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?![0-9a-z])")
_CARD_RE = re.compile(r"(?<![0-9a-z])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{4,7}(?![0-9a-z])")
# Each of the three contains eight digits with at most one space or hyphen in the middle:
# a text without that (most prose: years, amounts, percentages) skips them.
_PII_HINT = re.compile(r"\d{4}[\s-]?\d{4}")


def id_number_valid(digits: str) -> bool:
    """18-digit 居民身份证号 check digit (GB 11643)."""
    d = digits.lower()
    if len(d) != 18 or not d[:17].isdigit():
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


class PiiScanner:
    def __init__(self, public_phones: Iterable[str]):
        self.allowed = {d for d in (_digits(p.translate(_FOLD)) for p in public_phones) if d}

    def _allowed(self, digits: str) -> bool:
        return digits in self.allowed or (digits.startswith("86") and digits[2:] in self.allowed)

    def scan(self, norm: Normalised) -> list[Hit]:
        text = norm.text
        if not _PII_HINT.search(text):
            return []
        out: list[Hit] = []
        taken: list[tuple[int, int]] = []
        for m in _ID_RE.finditer(text):
            if id_number_valid(m.group()):
                out += _hits(norm, "pii", "居民身份证号", [m.span()])
                taken.append(m.span())
        for m in _MOBILE_RE.finditer(text):
            if not self._allowed(_digits(m.group())) and not _inside(m.span(), taken):
                out += _hits(norm, "pii", "手机号码", [m.span()])
                taken.append(m.span())
        for m in _CARD_RE.finditer(text):
            digits = _digits(m.group())
            if 16 <= len(digits) <= 19 and luhn_valid(digits) and not self._allowed(digits) and not _inside(m.span(), taken):
                out += _hits(norm, "pii", "银行卡号", [m.span()])
        return sorted(out, key=lambda h: h.offset)


def _inside(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in taken)


# --- sensitive-word: 敏感词 ------------------------------------------------------------------


class WordScanner:
    """The configured word list, matched all at once with an Aho-Corasick automaton."""

    def __init__(self, words: Iterable[str]):
        self.automaton = ahocorasick.Automaton()
        for word in words:
            key = "".join(word.translate(_FOLD).split())
            if key:
                self.automaton.add_word(key, len(key))
        self.empty = len(self.automaton) == 0
        if not self.empty:
            self.automaton.make_automaton()

    def scan(self, norm: Normalised) -> list[Hit]:
        if self.empty:
            return []
        spans = [(end + 1 - length, end + 1) for end, length in self.automaton.iter(norm.text)]
        return _hits(norm, "sensitive-word", "敏感词", sorted(spans))


# --- unsafe-html: 可执行内容 -----------------------------------------------------------------

_BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data\s*:\s*text/html)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\u00a0\u200b-\u200f\u2028\u2029\ufeff]+")
_RAW_SCHEME = re.compile(r"(?:java|vb|live)script\s*:", re.IGNORECASE)
_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)|^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)|<([a-z][a-z0-9+.-]*:[^>\s]*)>", re.IGNORECASE | re.MULTILINE)
_ATTR_LIST = re.compile(r"\{:?[^{}\n]*?(?<![\w-])(on[a-z]+)\s*=", re.IGNORECASE)  # attr_list: { onclick="…" }


def _bad_url(value: str) -> bool:
    return bool(_BAD_SCHEME.match(_CONTROL.sub("", html.unescape(value))))


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
        self.tag_re = re.compile(rf"<\s*({names})(?![a-z0-9-])", re.IGNORECASE)  # opening tags: a lone </script> is harmless
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
                add(m.start(1), m.end(), "事件属性")
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

    def scan(self, text: str) -> list[Hit]:
        norm = normalise(text)
        hits = self.marker.scan(norm) + self.pii.scan(norm) + self.words.scan(norm) + self.html.scan(norm)
        return sorted(hits, key=lambda h: (h.offset, h.rule))
