"""Confidentiality gate (保密审查): 涉密信息不公开，公开信息不涉密；先审查、后公开.

The gate decides once, early, which items may be published; every later stage takes only
:attr:`Gated.published`.  It fails closed: an item is published only when every check ran
and found nothing blocking; an exception inside a check blocks the item (``gate-failure``).
Static pages (``content/pages/``) are not items but are published too: :func:`screen_pages`
runs the same content scanners on them and drops a page that fails.

Blocking rules (severity error): ``classified`` (涉密), ``not-public`` (依申请公开 / 不予公开),
``unreviewed`` (no 审签人, or 本人审签 when the configuration forbids it), and the content
scanners of :mod:`pipeline.scanners` — ``marker``, ``pii``, ``sensitive-word``,
``unsafe-html`` — run on every published text field (title, body, summary, tags,
attachments, 文号, 分类).  ``classified`` and ``not-public`` are the item's own declared
status ("expected" withholding); the others are failures an editor must fix.  Warnings
(never block): ``too-short``, ``future-date``.  ``future-date`` compares with
an explicit reference date passed in by the caller (the CLI's ``--as-of``), never with the
clock, so the gate is a pure function of its inputs.  This module reads no files and
prints nothing; :func:`review_report` shapes the private editors' report that the build
writes to ``<work>/review.json``.

The gate's expensive checks (:data:`SCANS`) are pure functions of one item, :func:`scan`; the
decision is :func:`decide`.  Remembering scans of unchanged items and running them on every
core is :func:`pipeline.publication.run`'s business, never this module's.

Longer than ~400 lines on purpose: every confidentiality rule (declared status, 审签,
markings, PII, sensitive words, unsafe HTML, the rendered reader's view) and the decision are
here, so that "where do I add a confidentiality rule" has one answer; the text scanners
themselves are :mod:`pipeline.scanners`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import unquote

from pipeline import cpu_limit, rendered, sanitise
from pipeline.config import Config
from pipeline.findings import ERROR, Finding, error, warning
from pipeline.model import Item
from pipeline.rendered import MarkdownSettings
from pipeline.scanners import Hit, Scanners, compact

# Withheld because the item itself says so — not an editor's mistake (``--strict`` ignores these).
DECLARED_RULES = frozenset({"classified", "not-public"})
CONTENT_RULES = ("marker", "pii", "sensitive-word", "unsafe-html")

_ADVICE = {
    "marker": "涉密或内部资料不得公开；确属可公开的信息，请删去标志并重新履行保密审查",
    "pii": "公开信息不得含个人信息，请删除或打码（例如 138****5678）；本局公开电话请列入 portal.yaml 的 public_phones",
    "sensitive-word": "请删改（敏感词表见 site_config/sensitive_words.txt）",
    "unsafe-html": "网站内容不允许运行代码，请删去这段 HTML",
}


@dataclass(frozen=True)
class Withheld:
    item: Item
    findings: tuple[Finding, ...]

    @property
    def declared(self) -> bool:
        """True when the only blocking reasons are the item's own declared status."""
        return all(f.rule in DECLARED_RULES for f in self.findings if f.severity == ERROR)


@dataclass(frozen=True)
class Gated:
    published: tuple[Item, ...]
    withheld: tuple[Withheld, ...]
    findings: tuple[Finding, ...]  # every finding of the gate, blocking or not


@dataclass(frozen=True)
class Review:
    """What every check gets: the configuration, the compiled scanners, the reference date."""

    config: Config
    scanners: Scanners | None  # None: the scanners could not be built — every item is held back
    reference: date | None = None  # "today" for future-date; None: that check is skipped
    markdown: MarkdownSettings = MarkdownSettings()  # the site's Markdown extensions (mkdocs.yml)


@dataclass(frozen=True)
class Segment:
    """One published text field of an item or page, and the file line where it starts."""

    label: str  # Chinese field name for messages: 标题、正文 …
    text: str
    line: int | None


def segments(item: Item) -> list[Segment]:
    """Every text of an item that some output shows."""
    line = item.line_of
    out = [Segment("标题", item.title, line("title")), Segment("正文", item.body, item.body_line)]
    if item.summary:
        out.append(Segment("内容概述", item.summary, line("summary")))
    for tag in item.tags:
        out.append(Segment("关键词", tag, line("tags")))
    for att in item.attachments:
        out.append(Segment("附件名", att.name, line("attachments")))
        out.append(Segment("附件链接", att.href, line("attachments")))
    for change in item.changes:  # 更新记录: shown on the item page
        out.append(Segment("更新说明", change.note, line("changes")))
    for key, label in (("doc_number", "文号"), ("topic", "主题分类"), ("genre", "体裁分类"), ("validity", "有效性")):
        value = getattr(item, key)
        if value:
            out.append(Segment(label, value, line(key)))
    return out


def scan_segments(path: str, parts: Iterable[Segment], scanners: Scanners) -> list[Finding]:
    out = []
    for seg in parts:
        for hit in scanners.scan(seg.text):
            out.append(_finding(path, seg, hit))
    return out


def _finding(path: str, seg: Segment, hit: Hit) -> Finding:
    line = seg.line + seg.text.count("\n", 0, hit.offset) if seg.line else None
    column = hit.offset - (seg.text.rfind("\n", 0, hit.offset) + 1) + 1
    message = f"{seg.label}中有{hit.what} “{hit.match}”。{_ADVICE[hit.rule]}"
    return error(path, hit.rule, message, line, match=hit.match, field=seg.label, column=column)


# --- what the reader receives ----------------------------------------------------------------
#
# The source scan above reports lines as the editor wrote them; it cannot see what Markdown
# makes of the text: entities (&#26426;), emphasis or empty tags between characters (机**密**★),
# link titles, image alt texts, attribute lists, reference-style links.  The rendered check
# renders each text with the site's own extensions (pipeline.rendered), scans the text a reader
# sees and every attribute value and comment of the HTML, and passes the HTML of the body
# through the allowlist sanitiser (pipeline.sanitise).  A hit the source scan already reported
# (same rule, same text once folded) is not reported twice (see gate()).

# Characters without which Markdown (with this portal's extensions) can neither hide nor
# decode anything inline: entities, emphasis, raw HTML, links, attribute lists, tables,
# escapes, admonitions; and line starts that make a block (heading, list, quote, definition,
# details, setext underline, indented code).  A text with none of them reads the same rendered
# as written, whitespace aside — which the compact view ignores and the line view treats
# alike — so the source scan has already seen it (tests/test_gate_rendered.py checks this
# against real rendering with random texts).
_INLINE_MARKUP = frozenset("&<>*_`[]{}\\~!|")
_BLOCK_START = re.compile(r"^(?:[ \t]*(?:[#>\-+=:?*]|\d+[.)])| {4}|\t)", re.MULTILINE)


def plain_text(text: str) -> bool:
    """True when rendering ``text`` cannot change what a reader sees (see above)."""
    return _INLINE_MARKUP.isdisjoint(text) and not _BLOCK_START.search(text)


def _unescaped(text: str) -> str:
    """Entities decoded as often as they nest (&amp;#26426; …): what a feed reader or scraper
    that decodes once more would show."""
    for _ in range(3):
        decoded = rendered.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


_TAG = re.compile(r"<[^>]*>")


def _view_texts(view: rendered.ReaderView) -> list[tuple[str, str]]:
    """(label suffix, text) of everything a rendered fragment delivers."""
    out = [("", view.text)]
    for tag, name, value in view.attributes:
        if value:
            out.append((f"（<{tag}> 的 {name} 属性）", value))
            if name in rendered.URL_ATTRIBUTES:
                decoded = unquote(value)
                if decoded != value:
                    out.append((f"（<{tag}> 的 {name} 网址解码后）", decoded))
    for comment in view.comments:
        out.append(("（HTML 注释，网页源代码中可见）", comment))
    return out


def _locate(body: str, first_line: int | None, needle: str, settings: MarkdownSettings) -> int | None:
    """The file line where ``needle`` (compact view) shows up in the rendering of ``body``:
    the first source line whose own rendering contains it, else the line from which the
    rendering of the lines up to it contains it (binary search), else the first line."""
    if first_line is None:
        return None
    lines = body.split("\n")

    def shows(fragment: str) -> bool:
        view = rendered.reader_view(rendered.render_html(fragment, settings))
        return any(needle in compact(_unescaped(t)) for _, t in _view_texts(view))

    try:
        for i, line in enumerate(lines):
            if needle[:1] in compact(_unescaped(line)) or not plain_text(line):
                if shows(line):
                    return first_line + i
        lo, hi = 1, len(lines)
        if not shows(body):
            return first_line
        while lo < hi:
            mid = (lo + hi) // 2
            if shows("\n".join(lines[:mid])):
                hi = mid
            else:
                lo = mid + 1
        return first_line + lo - 1
    except Exception:  # noqa: BLE001 - a line number is a courtesy; the finding stands without it
        return first_line


def _source_line(body: str, first_line: int | None, needle: str, settings: MarkdownSettings) -> int | None:
    """The file line of something the sanitiser would remove: the first line that contains
    ``needle`` as written, else the first line whose own rendering is unsafe, else the first."""
    if first_line is None:
        return None
    lines = body.split("\n")
    low = needle.lower()
    for i, line in enumerate(lines):
        if low and low in line.lower():
            return first_line + i
    try:
        for i, line in enumerate(lines):
            if not plain_text(line) and sanitise.removed(rendered.render_html(line, settings)):
                return first_line + i
    except Exception:  # noqa: BLE001 - a line number is a courtesy
        pass
    return first_line


def rendered_findings(path: str, seg: Segment, review: Review, *, body: bool) -> list[Finding]:
    """What a reader receives of one text: the rendered text, attribute values and comments
    scanned, and (for a body) the HTML sanitised by allowlist."""
    if plain_text(seg.text):
        return []
    huge = rendered.HUGE_CHARREF.search(seg.text)
    if huge:  # mkdocs itself raises on it: the page could not be built
        return [
            error(
                path,
                "unsafe-html",
                f"{seg.label}含有无法解码的字符引用 “{huge.group()[:12]}…”，网站无法渲染。请删去",
                _source_line(seg.text, seg.line, "&#", review.markdown) if body else seg.line,
                match=huge.group()[:12] + "…",
                field=f"{seg.label}（渲染后）",
            )
        ]
    settings = review.markdown
    try:
        html_text = rendered.render_html(seg.text, settings)
        view = rendered.reader_view(html_text)
    except (RecursionError, ValueError) as exc:
        # Markdown itself gives up — lists or quotes nested thousands deep, a character reference of
        # thousands of digits in raw HTML: mkdocs could not render the page either, so it is withheld
        what = (
            "嵌套过深（列表、引用等层层嵌套）"
            if isinstance(exc, RecursionError)
            else "含有无法解码的字符引用（如 &#999…;）"
        )
        return [
            error(
                path,
                "unsafe-html",
                f"{seg.label}{what}，网站无法按原样渲染。请改为普通写法",
                seg.line,
                match=what,
                field=f"{seg.label}（渲染后）",
            )
        ]
    texts = _view_texts(view)
    if not body:  # a title, tag, summary …: templates show it escaped, feeds may decode it once more
        texts.append(("（解码后）", _unescaped(seg.text)))
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    # what one more decoding shows (a feed reader, a scraper): entities decoded, tags in the
    # decoded text removed — "机&amp;#23494;★", a title "机密<span>★</span>"
    texts += [
        (f"{suffix}（再次解码后）", again)
        for suffix, text in list(texts)
        if ("&" in text or "<" in text) and (again := _TAG.sub("", _unescaped(text))) != text
    ]
    for suffix, text in texts:
        for hit in review.scanners.scan(text, html=False):
            key = (hit.rule, compact(hit.match))
            if key in seen:
                continue
            seen.add(key)
            line = _locate(seg.text, seg.line, key[1], settings) if body else seg.line
            shown = " ".join(hit.match.split())
            message = f"{seg.label}{suffix}在网页上显示为{hit.what} “{shown}”。{_ADVICE[hit.rule]}"
            out.append(error(path, hit.rule, message, line, match=shown, field=f"{seg.label}（渲染后）"))
    if body:
        for gone in sanitise.removed(html_text):
            detail = f"（{gone.detail}）" if gone.detail else ""
            message = (
                f"{seg.label}渲染后含有不允许的 HTML：{gone.what}{detail}。网页不会改动后发布，"
                f"请删去或改用普通 Markdown 写法（允许的网址：http、https、mailto、tel 和相对网址）"
            )
            out.append(
                error(
                    path,
                    "unsafe-html",
                    message,
                    _source_line(seg.text, seg.line, gone.needle, settings),
                    match=gone.detail or gone.what,
                    field=f"{seg.label}（渲染后）",
                )
            )
    return out


def check_rendered(item: Item, review: Review) -> list[Finding]:
    """Every published text of ``item`` as a reader receives it (see above)."""
    if review.scanners is None:
        raise RuntimeError("保密审查扫描器未能建立")
    out: list[Finding] = []
    for seg in segments(item):
        out += rendered_findings(item.path, seg, review, body=seg.label == "正文")
    return out


def _same_hit(finding: Finding) -> tuple:
    """What makes a rendered finding the same as one of the source scan: the same rule and
    text once folded; for unsafe-html (the source scan names "<iframe", the sanitiser
    "<iframe>"), the same line."""
    if finding.rule == "unsafe-html":
        return finding.rule, finding.line
    return finding.rule, compact(str(dict(finding.extra).get("match") or ""))


# --- the checks -------------------------------------------------------------------------------


def check_declared_status(item: Item, review: Review) -> list[Finding]:
    out = []
    if item.classified:
        out.append(
            error(item.path, "classified", "标记为涉密（classified: true），涉密信息不公开", item.line_of("classified"))
        )
    if item.disclosure != "主动公开":
        out.append(
            error(
                item.path, "not-public", f"公开方式为 “{item.disclosure}”，不在网站主动公开", item.line_of("disclosure")
            )
        )
    return out


def check_review(item: Item, review: Review) -> list[Finding]:
    if not item.reviewer:
        return [
            error(
                item.path,
                "unreviewed",
                "没有审签人（reviewer）。先审查、后公开：请由审签领导审核后填写 reviewer",
                item.line_of("author") or 1,
            )
        ]
    if not review.config.confidentiality.allow_self_review and "".join(item.reviewer.split()) == "".join(
        item.author.split()
    ):
        return [
            error(
                item.path,
                "unreviewed",
                f"审签人与信息员是同一人（{item.reviewer}）。谁公开、谁负责：请由另一位审签领导审核后填写 reviewer",
                item.line_of("reviewer"),
                match=item.reviewer,
            )
        ]
    return []


def check_content(item: Item, review: Review) -> list[Finding]:
    if review.scanners is None:
        raise RuntimeError("保密审查扫描器未能建立")
    return scan_segments(item.path, segments(item), review.scanners)


def check_quality(item: Item, review: Review) -> list[Finding]:
    out = []
    minimum = review.config.confidentiality.min_chars
    if item.text_length < minimum:
        out.append(
            warning(item.path, "too-short", f"正文只有 {item.text_length} 字，少于 {minimum} 字", item.body_line)
        )
    return out


def check_future_date(item: Item, review: Review) -> list[Finding]:
    """Depends on the reference date, so it is never remembered (not one of :data:`SCANS`)."""
    if review.reference is None:
        return []
    day = item.day_in(review.config.portal.tz)
    if day > review.reference:
        return [
            warning(
                item.path,
                "future-date",
                f"发布日期 {day.isoformat()} 晚于参照日 {review.reference.isoformat()}（伪造发稿日期是单项否决项）",
                item.line_of("date"),
                match=day.isoformat(),
            )
        ]
    return []


CHECKS: tuple[Callable[[Item, Review], list[Finding]], ...] = (
    check_declared_status,
    check_review,
    check_content,
    check_rendered,
    check_quality,
    check_future_date,
)
# The expensive checks: what they find depends only on the item, the configuration, the
# Markdown settings and this code, so :func:`pipeline.publication.run` may remember it per
# item (by its file's hash) and spread it over the cores.  The decision is taken every run.
SCANS: tuple[Callable[[Item, Review], list[Finding]], ...] = (check_content, check_rendered)


def build_scanners(config: Config) -> Scanners | None:
    try:
        return Scanners(config.confidentiality, config.portal.public_phones)
    except Exception:  # noqa: BLE001 - fail closed: no scanners, nothing published (see check_content)
        return None


def too_complex(path: str, exc: BaseException, what: str = "该条目") -> Finding:
    """The editor's error for Markdown the renderer cannot finish: too slow or nested too deep."""
    why = "嵌套层次太深" if isinstance(exc, RecursionError) else f"转换为网页{exc}"
    return error(
        path,
        "too-complex",
        f"正文排版过于复杂（{why}），{what}暂不发布；请减少层层嵌套的列表、引用，以及成串的 [ ! < * ` 等符号后重新提交",
    )


def review_of(config: Config, reference: date | None = None, markdown: MarkdownSettings | None = None) -> Review:
    """What the checks get (the scanners compiled once).  ``reference``: the build's "today"
    for the future-date warning; ``markdown``: the site's Markdown extensions (None: this
    repository's defaults, :data:`pipeline.rendered.DEFAULT_EXTENSIONS`)."""
    return Review(config, build_scanners(config), reference, markdown or MarkdownSettings())


def _run(check: Callable[[Item, Review], list[Finding]], item: Item, review: Review) -> tuple[list[Finding], bool]:
    """What ``check`` found, and whether it finished; a check that breaks blocks the item."""
    try:
        return cpu_limit.run(check, item, review, seconds=cpu_limit.BUDGET), True
    except (cpu_limit.LimitExceeded, RecursionError) as exc:
        return [too_complex(item.path, exc)], False
    except Exception as exc:  # noqa: BLE001 - fail closed (and the failure is never remembered)
        return [
            error(item.path, "gate-failure", f"保密审查未能完成（{type(exc).__name__}: {exc}），该条目暂不发布")
        ], False


@dataclass(frozen=True)
class Scanned:
    """What the :data:`SCANS` found in one item, check by check; ``finished``: none of them broke."""

    path: str
    findings: tuple[tuple[Finding, ...], ...]
    finished: bool


def scan(item: Item, review: Review) -> Scanned:
    """The :data:`SCANS` of one item (a pure function of the item and ``review``)."""
    done = [_run(check, item, review) for check in SCANS]
    return Scanned(item.path, tuple(tuple(found) for found, _ in done), all(ok for _, ok in done))


def gate(
    items: Iterable[Item],
    config: Config,
    reference: date | None = None,
    *,
    markdown: MarkdownSettings | None = None,
) -> Gated:
    """Split ``items`` into published and withheld (see :func:`review_of` for the arguments)."""
    return decide(list(items), review_of(config, reference, markdown))


def _run_cheap(item: Item, review: Review) -> dict[Callable, list[Finding]]:
    """What each of :data:`CHECKS` that is not one of :data:`SCANS` found: the same as
    ``_run(check, item, review)[0]`` for each, run under one CPU limit (arming the limit cost
    more than these checks); when any of them breaks or the limit is reached, each is run again
    on its own, as :func:`_run` runs it (they are pure functions of the item and ``review``)."""
    cheap = tuple(check for check in CHECKS if check not in SCANS)
    try:
        found = cpu_limit.run(lambda: [check(item, review) for check in cheap], seconds=cpu_limit.BUDGET)
    except Exception:  # noqa: BLE001 - each on its own, as _run runs it (a broken one blocks the item)
        return {check: _run(check, item, review)[0] for check in cheap}
    return dict(zip(cheap, found))


def _run_cheap_all(items: Sequence[Item], review: Review) -> list[dict[Callable, list[Finding]]]:
    """:func:`_run_cheap` of each item, the whole list under one CPU limit (arming the limit per
    item cost ten times what these checks cost); when any check of any item breaks or the limit
    is reached, each item goes through :func:`_run_cheap` on its own (pure functions of the item
    and ``review``: the same findings either way)."""
    cheap = tuple(check for check in CHECKS if check not in SCANS)
    try:
        found = cpu_limit.run(
            lambda: [[check(item, review) for check in cheap] for item in items], seconds=cpu_limit.BUDGET
        )
    except Exception:  # noqa: BLE001 - item by item, as _run_cheap runs them (a broken one blocks its item)
        return [_run_cheap(item, review) for item in items]
    return [dict(zip(cheap, one)) for one in found]


def decide(items: Sequence[Item], review: Review, scanned: Sequence[Scanned] | None = None) -> Gated:
    """Split ``items`` into published and withheld.  ``scanned``: :func:`scan` of each item,
    when the caller has it (None: scanned here); taken only when the scanners work and it is
    the scan of that very item."""
    if scanned is None or review.scanners is None or len(scanned) != len(items):
        scanned = [scan(item, review) for item in items]
    published: list[Item] = []
    withheld: list[Withheld] = []
    findings: list[Finding] = []
    for item, pre, cheap in zip(items, scanned, _run_cheap_all(items, review)):
        if type(pre) is not Scanned or pre.path != item.path or len(pre.findings) != len(SCANS):
            pre = scan(item, review)  # fail closed: never another item's scan
        item_findings: list[Finding] = []
        source_hits: set[tuple[str, str]] = set()
        for check in CHECKS:
            found = list(pre.findings[SCANS.index(check)]) if check in SCANS else cheap[check]
            if check is check_content:
                source_hits = {_same_hit(f) for f in found}
            elif check is check_rendered:  # what the source scan already reported, once
                found = [f for f in found if _same_hit(f) not in source_hits]
            item_findings.extend(found)
        findings.extend(item_findings)
        if any(f.severity == ERROR for f in item_findings):
            withheld.append(Withheld(item, tuple(item_findings)))
        else:
            published.append(item)
    return Gated(tuple(published), tuple(withheld), tuple(findings))


# --- static pages -----------------------------------------------------------------------------


def _screen_page(path: str, page: Any, scanners: Scanners, review: Review) -> list[Finding]:
    parts = [Segment("标题", page.title, None), Segment("正文", page.body, getattr(page, "body_line", None))]
    parts += [
        Segment(f"字段 {k}", str(v), None) for k, v in page.meta if k != "title" and isinstance(v, (str, int, float))
    ]
    page_findings = scan_segments(path, parts, scanners)
    source_hits = {_same_hit(f) for f in page_findings}
    for seg in parts:
        page_findings += [
            f for f in rendered_findings(path, seg, review, body=seg.label == "正文") if _same_hit(f) not in source_hits
        ]
    return page_findings


def screen_pages(
    pages: Iterable[Any], config: Config, *, markdown: MarkdownSettings | None = None
) -> tuple[tuple[Any, ...], tuple[Finding, ...]]:
    """Static pages (机构职能、联系我们 …) through the content scanners, as written and as
    rendered (the body also through the sanitiser); a page with a finding, or one whose scan
    failed, is left out.  ``pages`` are :class:`pipeline.render.pages.StaticPage`."""
    scanners = build_scanners(config)
    review = Review(config, scanners, None, markdown or MarkdownSettings())
    kept, findings = [], []
    for page in pages:
        path = f"pages/{page.name}.md"
        try:
            if scanners is None:
                raise RuntimeError("保密审查扫描器未能建立")
            page_findings = cpu_limit.run(_screen_page, path, page, scanners, review, seconds=cpu_limit.BUDGET)
        except (cpu_limit.LimitExceeded, RecursionError) as exc:
            page_findings = [too_complex(path, exc, "该页面")]
        except Exception as exc:  # noqa: BLE001 - fail closed
            page_findings = [
                error(path, "gate-failure", f"保密审查未能完成（{type(exc).__name__}: {exc}），该页面暂不发布")
            ]
        if page_findings:
            findings.extend(page_findings)
        else:
            kept.append(page)
    return tuple(kept), tuple(findings)


# --- the editors' report ----------------------------------------------------------------------


def review_report(withheld: Iterable[Withheld], findings: Iterable[Finding], reference: date | None) -> dict:
    """``review.json``: every withheld item and page with rule, file, line and matched text.
    Private: written to the work folder, never into the site."""
    findings = tuple(findings)
    items = []
    blocked_paths = set()
    for w in withheld:
        blocked_paths.add(w.item.path)
        items.append(
            {
                "file": w.item.path,
                "title": w.item.title,
                "url": "/" + w.item.url,
                "declared": w.declared,
                "findings": [f.to_dict() for f in w.findings if f.severity == ERROR],
            }
        )
    pages: dict[str, list] = {}
    for f in findings:
        if f.path.startswith("pages/") and f.severity == ERROR and f.path not in blocked_paths:
            pages.setdefault(f.path, []).append(f.to_dict())
    return {
        "reference_date": reference.isoformat() if reference else None,
        "withheld_items": items,
        "withheld_pages": [{"file": p, "findings": fs} for p, fs in sorted(pages.items())],
        "warnings": [f.to_dict() for f in findings if f.severity != ERROR],
    }
