"""审签人 (``site_config/reviewers.yaml``): who may approve items for which sub-sites, with which keys.

先审查、后公开; 谁公开、谁负责.  Each reviewer has a name (what an item's ``reviewer:`` says),
the sub-sites they may approve for (``*`` for all), one or more SSH public keys (the keys their
git commits are signed with: ``git config gpg.format ssh``) and optionally a git-host account
(``handle``) for ``CODEOWNERS``.  The ``review`` section switches signature checking on and sets
the backdating tolerance.  The file is optional: without it approvals are not verified.

Only parsing and checking here; the git work is in :mod:`pipeline.git_history`, the decision in
:mod:`pipeline.provenance`.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from pipeline.config.fields import ConfigError, Entry, Wrong, flag, integer, present, read_yaml
from pipeline.data_file import as_date

KEY_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
HANDLE_RE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9_.\-/]*$")


@dataclass(frozen=True)
class Reviewer:
    name: str  # as written in an item's ``reviewer:``
    sites: tuple[str, ...]  # sub-site ids this reviewer may approve for; ("*",) for all
    keys: tuple[str, ...]  # "type base64" (comment dropped)
    handle: str | None = None  # git-host account for CODEOWNERS, e.g. @wangjg

    def may_approve(self, site: str) -> bool:
        return "*" in self.sites or site in self.sites


@dataclass(frozen=True)
class ReviewRules:
    require_signature: bool = False  # 审签须有审签人签名的 git 提交（演示门户关闭）
    max_backdate_days: int = 3  # 发布日期最多早于首次提交几天（伪造发稿日期 → backdated）
    history_starts: date | None = None  # 此日之前首次提交的文件视为迁入的存量信息，不做倒签检查
    reviewers: tuple[Reviewer, ...] = ()

    def by_key(self) -> dict[str, Reviewer]:
        return {key: r for r in self.reviewers for key in r.keys}

    def named(self, name: str) -> tuple[Reviewer, ...]:
        wanted = "".join(name.split())
        return tuple(r for r in self.reviewers if "".join(r.name.split()) == wanted)

    def allowed_signers(self) -> str:
        """git's ``gpg.ssh.allowedSignersFile`` text: one line per key, principal = key position
        (names may hold spaces or CJK; the principal only has to identify the reviewer)."""
        lines = []
        for n, reviewer in enumerate(self.reviewers):
            for key in reviewer.keys:
                lines.append(f'reviewer-{n} namespaces="git" {key}')
        return "\n".join(lines) + ("\n" if lines else "")


def parse_key(text: Any) -> str | None:
    """``type base64 [comment]`` → ``type base64`` when it is a well-formed public key, else None."""
    if not isinstance(text, str):
        return None
    parts = text.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        inner = blob[4 : 4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        return None
    return f"{parts[0]} {parts[1]}" if inner == parts[0] else None


def _day(value: Any) -> date:
    try:
        return as_date(value)
    except ValueError:
        raise Wrong("应为日期，例如 2026-12-01") from None


REVIEW_FIELDS = {"require_signature": flag, "max_backdate_days": integer(0, 366), "history_starts": _day}


def load_review(path: Path, site_ids: tuple[str, ...]) -> ReviewRules:
    """reviewers.yaml; no file: approvals are not verified (no reviewers, signatures not required)."""
    if not present(path):
        return ReviewRules()
    top = Entry(path, read_yaml(path), "", ("review", "reviewers"))
    section = Entry(path, top.get("review"), "review：", REVIEW_FIELDS)
    values = section.values(REVIEW_FIELDS)
    if not isinstance(top.get("reviewers", []), list):
        raise top.error("reviewers 应当是列表，每项含 name、sites、keys")
    entries = top.entries("reviewers")
    reviewers, owners = [], {}
    for n, raw in enumerate(entries, 1):
        known = ("name", "sites", "keys", "handle")
        entry = Entry(path, raw, f"第 {n} 位审签人：", known, known[:3])
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise entry.error("name 应当是姓名")
        entry.where = f"审签人 “{name}”："  # from here on, messages name the reviewer
        sites = entry.get("sites")
        sites = [sites] if isinstance(sites, str) else sites
        if not isinstance(sites, list) or not sites or any(not isinstance(s, str) for s in sites):
            raise entry.error('sites 应当是子站 id 的列表，或 "*" 表示全部子站')
        for site in sites:
            if site != "*" and site not in site_ids:
                raise entry.error(f"子站 “{site}” 不在 sites.yaml 中")
        keys = entry.get("keys")
        keys = [keys] if isinstance(keys, str) else keys
        if not isinstance(keys, list) or not keys:
            raise entry.error("keys 应当是 SSH 公钥的列表（ssh-ed25519 AAAA… 形式，即 ~/.ssh/id_ed25519.pub 的内容）")
        parsed = []
        for k, key in enumerate(keys, 1):
            good = parse_key(key)
            if good is None:
                shown = str(key)[:40]
                raise entry.error(
                    f"第 {k} 个公钥 “{shown}…” 不是有效的 SSH 公钥（应为 ~/.ssh/id_ed25519.pub 的整行内容）",
                )
            if good in owners and owners[good] != name:
                raise entry.error(f"第 {k} 个公钥已属于审签人 “{owners[good]}”，一把钥匙只能属于一人")
            owners[good] = name
            parsed.append(good)
        handle = entry.get("handle")
        if handle is not None and (not isinstance(handle, str) or not HANDLE_RE.match(handle)):
            raise entry.error("handle 应为代码托管平台的账号，例如 @wangjg 或 @bureau/reviewers")
        reviewers.append(Reviewer(name.strip(), tuple(sites), tuple(parsed), handle))
    names = [("".join(r.name.split())) for r in reviewers]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(path, f"审签人 “{name}” 出现了不止一次；同一人的多把钥匙请写在同一项的 keys 中")
    return ReviewRules(**values, reviewers=tuple(reviewers))


def _state(text: str | None) -> tuple[bool, str] | None:
    """(``require_signature``, allowed-signers text) of one version of reviewers.yaml, read
    leniently (an old version may name sub-sites since removed); None when it cannot be read."""
    if text is None:
        return False, ""  # no file: nothing required
    from pipeline import safe_yaml

    try:
        data = safe_yaml.load(text) or {}
    except Exception:  # noqa: BLE001 - an unreadable old version proves nothing
        return None
    if not isinstance(data, dict):
        return None
    review = data.get("review")
    require = isinstance(review, dict) and review.get("require_signature") is True
    people = data.get("reviewers")
    lines = []
    for n, person in enumerate(people if isinstance(people, list) else []):
        keys = person.get("keys") if isinstance(person, dict) else None
        for key in [keys] if isinstance(keys, str) else keys if isinstance(keys, list) else []:
            good = parse_key(key)
            if good:
                lines.append(f'reviewer-{n} namespaces="git" {good}')
    return require, "\n".join(lines) + ("\n" if lines else "")


def unproven(path: Path, versions: list[tuple[str, str | None]], signed: Callable[[str, str], bool]) -> str | None:
    """Why the reviewers.yaml in effect cannot be trusted, in Chinese; None when it can.

    The file sits in the repository anyone with commit access writes: an unsigned commit could
    add the committer's own key, switch ``require_signature`` off, widen ``history_starts`` or
    delete the file.  Walking its ``versions`` (oldest first, from git), a change counts only
    when the last counted version did not require signatures (the first version, or the demo's)
    or when ``signed(commit, allowed_signers)`` — git's verdict against the signers of that last
    counted version — holds.  While the last counted version requires signatures, the committed
    file (``HEAD``'s) must be that version.  The builder's own uncommitted edits are not judged:
    what anyone with commit access can change is what is checked."""
    state: tuple[bool, str] = (False, "")
    proven_text: str | None = None
    refused: str | None = None
    for sha, text in versions:
        if state[0] and not signed(sha, state[1]):
            refused = sha
            continue
        proven_text = text
        state = _state(text) or state
    if not versions or not state[0] or refused is None or versions[-1][1] == proven_text:
        return None
    return (
        f"{path} 在提交 {refused[:10]} 中的改动没有此前名单中审签人的有效签名，无法证明由谁批准，不予采信"
        "（审签人名单、公钥、require_signature 和 history_starts 只能由名单中的审签人用签名提交修改）。"
        "请审签人核对该改动后用自己的钥匙签名提交（git commit -S），或撤销该改动"
    )
