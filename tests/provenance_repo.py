"""A real git repository of the demo content for the 审签 tests (issue 14): keys made by
ssh-keygen, commits signed by git itself, and the pipeline's verdict on it (shared by
``test_provenance`` and ``test_redteam_review2``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from helpers import ROOT
from pipeline import publication
from pipeline.config import load_config

BODY = "本局组织召开全市外贸企业座谈会，听取企业对稳外贸政策的意见建议。" * 8


def item_text(
    title="全市外贸企业座谈会召开", date="2026-11-20 10:00", site="bureau", column="news", reviewer="王建国", extra=""
):
    review = f"reviewer: {reviewer}\n" if reviewer else ""
    return (
        f"---\ntitle: {title}\ndate: {date}\nsite: {site}\ncolumn: {column}\nauthor: "
        f"周雅琴\n{review}{extra}---\n{BODY}\n"
    )


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.config_dir = root / "site_config"
        self.keys = root.parent / "keys"
        self.keys.mkdir()
        root.mkdir()
        shutil.copytree(ROOT / "site_config", self.config_dir)
        (self.config_dir / "upstream.yaml").write_text("sources: []\n", encoding="utf-8")
        self.content.mkdir()
        (self.content / "items").mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "信息员")
        self.git("config", "user.email", "editor@example.gov.cn")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "gpg.format", "ssh")
        self.pub = {who: self.keygen(who) for who in ("wang", "li", "stranger")}
        self.reviewers(require=True)
        self.commit("配置", date="2026-11-01T09:00:00+08:00")

    def keygen(self, who: str) -> str:
        key = self.keys / who
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(key)], check=True)
        return key.with_suffix(".pub").read_text().strip()

    def reviewers(self, require: bool, history_starts: str | None = None) -> None:
        starts = f"  history_starts: {history_starts}\n" if history_starts else ""
        (self.config_dir / "reviewers.yaml").write_text(
            f"review:\n  require_signature: {'true' if require else 'false'}\n  max_backdate_days: 3\n{starts}"
            "reviewers:\n"
            f"  - {{name: 王建国, sites: [bureau], keys: ['{self.pub['wang']}'], handle: '@wangjg'}}\n"
            f"  - {{name: 李梅, sites: [nanan], keys: ['{self.pub['li']}']}}\n",
            encoding="utf-8",
        )
        if self.git("rev-parse", "-q", "--verify", "HEAD", check=False).returncode == 0:
            # a change of the list counts only when a reviewer of the list before it signed it
            self.git("add", "--", str(self.config_dir / "reviewers.yaml"))
            self.git(
                "-c",
                f"user.signingkey={self.keys / 'wang'}",
                "commit",
                "-q",
                "-S",
                "--allow-empty",
                "-m",
                "审签设置",
                "--",
                str(self.config_dir / "reviewers.yaml"),
                env={"GIT_AUTHOR_DATE": "2026-11-01T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-11-01T10:00:00+08:00"},
            )

    def git(self, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["git", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=check,
            env={**os.environ, **(env or {})},
        )

    def write(self, rel: str, text: str) -> Path:
        path = self.content / "items" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(
        self,
        message: str,
        *,
        signer: str | None = None,
        date: str = "2026-11-20T12:00:00+08:00",
        trailers: tuple[str, ...] = (),
        allow_empty: bool = False,
    ) -> str:
        self.git("add", "-A")
        args = ["-c", f"user.signingkey={self.keys / signer}", "commit", "-q", "-S"] if signer else ["commit", "-q"]
        if allow_empty:
            args.append("--allow-empty")
        body = message + ("\n\n" + "\n".join(trailers) if trailers else "")
        self.git(*args, "-m", body, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
        return self.git("rev-parse", "HEAD").stdout.strip()

    def run(self):
        config = load_config(self.config_dir)
        return publication.run(self.content, config), config

    def findings(self, rel: str) -> dict[str, str]:
        pub, _ = self.run()
        return {f.rule: f.message for f in pub.findings if f.path == f"items/{rel}"}


ITEM = "bureau/2026/2026-11-20-meeting.md"


def published(repo: Repo, rel: str = ITEM) -> bool:
    pub, _ = repo.run()
    return any(i.path == f"items/{rel}" for i in pub.published)
