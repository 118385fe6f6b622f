"""The reviewer's one command (``portal approve``) and the git host's view of the same rule
(``portal codeowners``).

``approve`` makes one signed commit (git's own ``commit -S`` with ``gpg.format ssh``) that
carries ``Reviewed-by: 姓名`` and one ``Reviewed-item: items/…`` trailer per item, and includes
the items' present content: what the reviewer saw is what they signed.  It refuses, with a
reason, when the user's signing key is not a listed reviewer's, when the reviewer may not
approve for an item's sub-site, or when an item names another reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import git_history
from pipeline.config import Config
from pipeline.config import Reviewer, parse_key


class ApproveError(Exception):
    """``str()`` says in Chinese why nothing was approved."""


@dataclass(frozen=True)
class Approval:
    sha: str
    reviewer: str
    items: tuple[str, ...]  # content-relative paths
    added_reviewer: tuple[str, ...]  # items whose ``reviewer:`` line this command wrote


def signing_key(repo: Path) -> str:
    """The public half of the user's git signing key (``user.signingkey``), as ``type base64``."""
    try:
        value = git_history._git(["config", "--get", "user.signingkey"], repo).strip()
    except git_history.GitError:
        raise ApproveError(
            "没有配置 git 签名钥匙：请运行 git config user.signingkey ~/.ssh/id_ed25519.pub 和 git config gpg."
            "format ssh"
        ) from None
    if value.startswith("key::"):
        value = value[5:]
    key = parse_key(value)
    if key is None:
        path = Path(value).expanduser()
        candidates = [path] if path.suffix == ".pub" else [path.with_name(path.name + ".pub"), path]
        for candidate in candidates:
            try:
                key = parse_key(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
            if key:
                break
    if key is None:
        raise ApproveError(f"user.signingkey（{value}）不是 SSH 公钥，也找不到对应的 .pub 文件")
    return key


def _set_reviewer(text: str, name: str) -> str:
    """Front matter with ``reviewer: name`` added after the ``author:`` line (or at its end)."""
    lines = text.split("\n")
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
    if not lines or lines[0].strip() != "---" or end is None:
        raise ApproveError("文件开头没有 front matter")
    at = next((n + 1 for n in range(1, end) if re.match(r"^author\s*:", lines[n])), end)
    lines.insert(at, f"reviewer: {name}")
    return "\n".join(lines)


def approve(content_dir: Path, config: Config, paths: list[Path]) -> Approval:
    from pipeline import load  # the loader decides what an item says

    content_dir = content_dir.resolve()
    where = git_history.repository(content_dir)
    if isinstance(where, str):
        raise ApproveError(where)
    root, prefix = where
    key = signing_key(root)
    reviewer: Reviewer | None = config.review.by_key().get(key)
    if reviewer is None:
        raise ApproveError("你的签名钥匙不在 site_config/reviewers.yaml 的审签人名单中，不能审签")
    if not paths:
        raise ApproveError("请给出要审签的条目文件")
    rels, added, titles, loaded = [], [], [], []
    main = next((s.id for s in config.sites if config.kind(s.kind).main), "")
    for path in paths:
        full = path.resolve()
        if full.parent == content_dir / "pages" and full.suffix == ".md" and full.is_file():
            # a static page (领导分工, 联系我们 …): the main site's, no reviewer: line to fill
            rel = full.relative_to(content_dir).as_posix()
            if not reviewer.may_approve(main):
                raise ApproveError(
                    f"{rel}：页面属于主站 “{main}”，{reviewer.name} 不能审签（可审签：{'、'.join(reviewer.sites)}）"
                )
            rels.append(rel)
            titles.append(f"- 页面（{rel}）")
            continue
        if not full.is_relative_to(content_dir / "items") or full.suffix != ".md" or not full.is_file():
            raise ApproveError(
                f"{path} 不是 {content_dir / 'items'} 下的条目文件，也不是 {content_dir / 'pages'} 下的页面"
            )
        rel = full.relative_to(content_dir).as_posix()
        try:
            item = load.load_item(full, rel, config)
        except load._Reject as reject:
            raise ApproveError(f"{rel}：条目有错误，请先改好再审签（{reject.finding.message}）") from None
        if not reviewer.may_approve(item.site):
            raise ApproveError(
                f"{rel}：{reviewer.name} 不能审签子站 “{item.site}” 的信息（可审签：{'、'.join(reviewer.sites)}）"
            )
        if item.reviewer and "".join(item.reviewer.split()) != "".join(reviewer.name.split()):
            raise ApproveError(
                f"{rel}：条目写的审签人是 “{item.reviewer}”，而你是 “{reviewer.name}”；请由其本人审签，或先改 reviewer"
            )
        if not item.reviewer:
            full.write_text(_set_reviewer(full.read_text(encoding="utf-8"), reviewer.name), encoding="utf-8")
            added.append(rel)
        rels.append(rel)
        loaded.append(item)
        titles.append(f"- {item.title}（{rel}）")
    # the approval covers the files the items refer to (attachments, images) as they are now
    from pipeline import attachments
    from pipeline.rendered import MarkdownSettings

    files = attachments.referenced_files(loaded, content_dir, config, MarkdownSettings())
    linked = sorted({f for item in loaded for f in files.get(item.path, ())})
    repo_paths = [f"{prefix}{rel}" for rel in rels + linked]
    message = (
        "\n".join(
            [
                f"审签：{len(rels)} 条信息",
                "",
                *titles,
                "",
                f"{git_history.REVIEWED_BY}: {reviewer.name}",
                *(f"{git_history.REVIEWED_ITEM}: {rel}" for rel in rels),
            ]
        )
        + "\n"
    )
    git_history._git(["add", "--", *repo_paths], root)
    git_history._git(
        [
            "-c",
            "gpg.format=ssh",
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "--cleanup=verbatim",
            "-m",
            message,
            "--",
            *repo_paths,
        ],
        root,
    )
    sha = git_history._git(["rev-parse", "HEAD"], root).strip()
    return Approval(sha, reviewer.name, tuple(rels), tuple(added))


def codeowners(
    config: Config, content_prefix: str = "content/", config_prefix: str = "site_config/"
) -> tuple[str, tuple[str, ...]]:
    """``CODEOWNERS`` text for GitHub and GitLab (same syntax; the last matching line wins), and
    the reviewers left out because they have no ``handle``.  Besides each sub-site's items, the
    configuration (``reviewers.yaml``, the confidentiality rules) and the CODEOWNERS files
    themselves are owned by the reviewers: otherwise a merge request could add its author to the
    list, or rewrite CODEOWNERS, with nobody's approval (the build, likewise, counts a change of
    reviewers.yaml only when a reviewer signed it)."""
    rules = config.review
    everywhere = [r.handle for r in rules.reviewers if "*" in r.sites and r.handle]
    lines = [
        "# 由 portal codeowners 依据 site_config/reviewers.yaml 生成，请勿手改。",
        "# 合并请求改动某子站的信息条目时，须由该子站的审签人批准（在代码托管平台开启“需要代码所有者审核”）。",
        "",
    ]
    if everywhere:
        lines.append(f"/{content_prefix}items/ {' '.join(everywhere)}")
    for site in config.sites:
        owners = list(dict.fromkeys([r.handle for r in rules.reviewers if r.handle and r.may_approve(site.id)]))
        if owners:
            lines.append(f"/{content_prefix}items/{site.id}/ {' '.join(owners)}")
        else:
            lines.append(f"# {site.name}（{site.id}）没有设置了 handle 的审签人")
    everyone = list(dict.fromkeys(r.handle for r in rules.reviewers if r.handle))
    if everyone:
        lines.append("")
        lines.append("# 审签人名单、保密审查规则等配置、CODEOWNERS 本身和 CI 定义：改动须由审签人批准")
        owners = ("/CODEOWNERS", "/.github/CODEOWNERS", "/.gitlab/CODEOWNERS", "/docs/CODEOWNERS")
        owners += ("/.github/workflows/", "/.gitlab-ci.yml")  # the CI decides what the build checks
        for guarded in (f"/{config_prefix}", *owners):
            lines.append(f"{guarded} {' '.join(everyone)}")
    missing = tuple(r.name for r in rules.reviewers if not r.handle)
    return "\n".join(lines) + "\n", missing
