"""Provenance stage: 审签 and dates that agree with git history (先审查、后公开; 伪造发稿日期).

A pure function of the items, the review rules (``reviewers.yaml``) and the
:class:`~pipeline.git_history.History` read from git.  Rules:

- ``unsigned-review`` (error): signatures are required and no commit signed by a listed
  reviewer's key changed the item or names it in a ``Reviewed-item:`` trailer.
- ``review-outdated`` (error): a reviewer signed an earlier version, and the content changed
  after that approval (also: an uncommitted edit of an approved file, or a file the item refers
  to — an attachment, an image — that is not what it was in the approval commit).
- ``reviewer-not-allowed`` (error): the signed version is the present one, but the signer is not
  the ``reviewer:`` the item names, or may not approve for its sub-site.
- ``backdated`` (error): the 发布日期 is more than ``max_backdate_days`` before the commit that
  first added the file (files first committed before ``history_starts`` are exempt).
- ``date-changed`` (error): the 发布日期 differs from the one the file was first committed with,
  and ``date_changed_reason`` does not say why.
- ``change-unnoted`` (warning): title or body changed after first publication without a
  ``changes`` note; ``change-date`` (warning): a change note dated before publication or
  after the last commit of the file.

Signature rules apply only with ``review.require_signature``; the date rules whenever git history
is available.  The caller decides what "unavailable history" means (fail closed when signatures
are required; a note otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Iterable

import frontmatter

from pipeline.findings import Finding, error, warning
from pipeline.git_history import History
from pipeline.model import Item
from pipeline.config import ReviewRules

SIGNATURE_RULES = frozenset({"unsigned-review", "review-outdated", "reviewer-not-allowed"})
DATE_RULES = frozenset({"backdated", "date-changed"})


@dataclass(frozen=True)
class Provenance:
    findings: tuple[Finding, ...]  # errors withhold their item

    def blocked(self) -> frozenset[str]:
        return frozenset(f.path for f in self.findings if f.severity == "error")


def _reviewer_of(principal: str | None, rules: ReviewRules):
    if not principal or not principal.startswith("reviewer-"):
        return None
    try:
        n = int(principal.split("-", 1)[1])
    except ValueError:
        return None
    return rules.reviewers[n] if 0 <= n < len(rules.reviewers) else None


def _same_name(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and "".join(a.split()) == "".join(b.split())


def check_signature(item: Item, history: History, rules: ReviewRules) -> list[Finding]:
    line = item.line_of("reviewer") or item.line_of("author") or 1
    return _signed(item.path, item.site, item.reviewer or "", line, history, rules)


def check_page(path: str, site: str, history: History, rules: ReviewRules) -> list[Finding]:
    """A static page (``pages/*.md``: 领导分工, 机构职能, 联系我们 …) or a yearly data file
    (``disclosure/<年度>.yaml``: the figures of the 政府信息公开工作年度报告) is published content
    too: with signatures required it needs a signed commit of a reviewer who may approve ``site``
    (the main site, whose pages they are) that changed it or names it, at its present version.
    It has no ``reviewer:`` line; any such reviewer approves it."""
    return _signed(path, site, None, 1, history, rules, what="页面" if path.startswith("pages/") else "年度数据")


def _signed(
    path: str, site: str, named: str | None, line: int, history: History, rules: ReviewRules, what: str = "信息"
) -> list[Finding]:
    """The signature rules for the file ``path`` published on ``site``; ``named``: the reviewer the
    file names (None: any reviewer who may approve ``site``)."""
    file = history.file(path)
    if file is None or not file.approvals:
        return [
            error(
                path,
                "unsigned-review",
                "没有审签记录：该文件还没有提交到 git，或从未由审签人签名提交。请审签人运行 portal approve " + path,
                line,
            )
        ]
    same_now = dict(file.matches_now)
    stale = dict(file.stale_files)  # approval → the item's files changed since
    signed = []  # (sha, reviewer, approves the present version — the item and every file it refers to)
    for sha in file.approvals:
        signature = history.signatures.get(sha)
        reviewer = _reviewer_of(signature.principal, rules) if signature and signature.status == "G" else None
        if reviewer is None:
            continue
        commit = history.commits.get(sha)
        if (
            commit is not None
            and path in commit.reviewed_items
            and commit.reviewed_by
            and not any(_same_name(v, reviewer.name) for v in commit.reviewed_by)
        ):
            continue  # a trailer approval must be the signer's own
        signed.append((sha, reviewer, same_now.get(sha, False) and not stale.get(sha)))
    if not signed:
        return [
            error(
                path,
                "unsigned-review",
                f"没有审签人签名的提交：修改或审签该{what}的提交都没有名单（site_config/reviewers.yaml）"
                "中审签人的有效签名。请审签人运行 portal approve " + path,
                line,
            )
        ]
    current = [(sha, r) for sha, r, now in signed if now]
    if not current:
        sha, reviewer, _ = signed[-1]
        files = next((stale[s] for s, _r, _n in reversed(signed) if same_now.get(s) and stale.get(s)), ())
        if files:
            return [
                error(
                    path,
                    "review-outdated",
                    f"审签后附件又改动过：{'、'.join(files)} 与 {reviewer.name} 审签时的版本不同，"
                    "审签人没有看过现在的文件。"
                    f"请审签人核对后重新审签（portal approve {path}）",
                    line,
                )
            ]
        return [
            error(
                path,
                "review-outdated",
                f"审签后内容又改动过：{reviewer.name} 在提交 {sha[:10]} 审签的是此前的版本。"
                f"请审签人重新审签（portal approve {path}）",
                line,
            )
        ]
    for _sha, reviewer in current:
        if (named is None or _same_name(reviewer.name, named)) and reviewer.may_approve(site):
            return []
    sha, reviewer = current[-1]
    if named is not None and not _same_name(reviewer.name, named):
        why = f"签名的是 {reviewer.name}，而 reviewer 写的是 “{named or '（空）'}”"
    else:
        why = f"{reviewer.name} 不能审签子站 “{site}” 的{what}（可审签：{'、'.join(reviewer.sites)}）"
    return [error(path, "reviewer-not-allowed", f"审签人不符：提交 {sha[:10]} {why}", line, match=named or "")]


def _first_version(text: str) -> tuple[dict, str] | None:
    """Front matter and body of an earlier version, read with the loader's own YAML rules."""
    from pipeline import load  # the loader's reader (safe YAML, dates kept as text)

    if len(text) > 4 * 1024 * 1024:
        return None
    try:
        meta, body = frontmatter.parse(text, handler=load._Handler())
    except Exception:  # noqa: BLE001 - an unreadable old version has nothing to compare
        return None
    return (meta, body) if isinstance(meta, dict) else None


def _date_of(meta: dict, tz) -> datetime | None:
    from pipeline.load import parse_date  # the loader's own date rule

    try:
        return parse_date(meta["date"], tz) if meta.get("date") is not None else None
    except (ValueError, TypeError, OverflowError):
        return None


def check_dates(item: Item, history: History, rules: ReviewRules, tz, history_starts: datetime | None) -> list[Finding]:
    file = history.file(item.path)
    if file is None or file.added is None:
        return []  # not committed yet: nothing to compare with
    out: list[Finding] = []
    line = item.line_of("date") or 1
    added_day = file.added.time.astimezone(tz).date()
    day = item.day
    legacy = history_starts is not None and file.added.time < history_starts
    if not legacy and (added_day - day).days > rules.max_backdate_days:
        out.append(
            error(
                item.path,
                "backdated",
                f"发布日期 {day.isoformat()} 比首次提交日期 {added_day.isoformat()} 早 {(added_day - day).days} 天"
                f"（最多允许 {rules.max_backdate_days} 天）。伪造发稿日期是单项否决项：请写实际发布日期",
                line,
                match=day.isoformat(),
            )
        )
    earlier = _first_version(file.first_text) if file.first_text is not None else None
    if earlier is not None:
        meta, body = earlier
        first = _date_of(meta, tz)
        if first is not None and first != item.date and not item.date_changed_reason:
            out.append(
                error(
                    item.path,
                    "date-changed",
                    f"发布日期由首次提交时的 {first.astimezone(tz):%Y-%m-%d %H:%M} 改为 "
                    f"{item.date.astimezone(tz):%Y-%m-%d %H:%M}；如确需更改，请用 date_changed_reason 写明理由",
                    line,
                    match=day.isoformat(),
                )
            )
        before = (str(meta.get("title", "")).strip(), "".join(body.split()))
        now = (item.title.strip(), "".join(item.body.split()))
        if before != now and not item.changes and not legacy:
            out.append(
                warning(
                    item.path,
                    "change-unnoted",
                    "发布后标题或正文有改动，但没有更新记录；实质性改动请在 changes 中写明日期和说明",
                    item.line_of("title") or 1,
                )
            )
    last = file.changes[-1].time if file.changes else None
    for note in item.changes:
        note_day = note.date.astimezone(tz).date()
        if note_day < day or (
            last is not None and note_day > last.astimezone(tz).date() + timedelta(days=1) and not legacy
        ):
            limit = f"最后一次提交 {last.astimezone(tz).date().isoformat()}" if last else "发布日期"
            out.append(
                warning(
                    item.path,
                    "change-date",
                    f"更新记录的日期 {note_day.isoformat()} 不在发布日期 {day.isoformat()} 与{limit}之间",
                    item.line_of("changes") or 1,
                    match=note_day.isoformat(),
                )
            )
    return out


def check(
    items: Iterable[Item],
    history: History,
    rules: ReviewRules,
    tz,
    history_starts: datetime | None = None,
    pages: Iterable[str] = (),
    main_site: str = "",
) -> Provenance:
    """Findings for every item, and with signatures required for every static page (``pages``:
    their content-relative paths, published on ``main_site``); git history must be available
    (``history.available``)."""
    findings: list[Finding] = []
    if rules.require_signature:
        for path in pages:
            findings.extend(check_page(path, main_site, history, rules))
    for item in items:
        if rules.require_signature:
            findings.extend(check_signature(item, history, rules))
        findings.extend(check_dates(item, history, rules, tz, history_starts))
    return Provenance(tuple(findings))
