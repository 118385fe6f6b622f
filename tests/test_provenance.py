"""审签 and dates proved with git (issue 14 §1–3): a real repository in a temp folder, keys made
by ssh-keygen, commits signed by git itself, and the pipeline's verdict on each case."""

from __future__ import annotations

import shutil
import subprocess

import feedparser
import pytest

from helpers import ROOT, run_portal
from pipeline import publication
from pipeline.config import ConfigError, load_config
from pipeline.render import feeds, items

from provenance_repo import ITEM, Repo, item_text, published

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None or shutil.which("git") is None, reason="需要 git 与 ssh-keygen"
)


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "repo")


# ---------------------------------------------------------------- §1 signed 审签


def test_an_item_changed_in_a_commit_signed_by_its_reviewer_is_approved(repo):
    repo.write(ITEM, item_text())
    repo.commit("新信息", signer="wang")
    assert repo.findings(ITEM) == {}
    assert published(repo)


def test_an_unsigned_item_is_withheld_as_unsigned_review(repo):
    repo.write(ITEM, item_text())
    repo.commit("新信息（未签名）")
    found = repo.findings(ITEM)
    assert set(found) == {"unsigned-review"} and "portal approve" in found["unsigned-review"]
    assert not published(repo)


def test_a_signature_by_a_key_not_in_reviewers_yaml_does_not_count(repo):
    repo.write(ITEM, item_text())
    repo.commit("新信息", signer="stranger")
    assert set(repo.findings(ITEM)) == {"unsigned-review"}


def test_an_edit_after_approval_is_review_outdated_until_approved_again(repo):
    repo.write(ITEM, item_text())
    approved = repo.commit("新信息", signer="wang")
    repo.write(ITEM, item_text().replace("座谈会", "座谈会（修改）"))
    repo.commit("改正文（未审签）", date="2026-11-21T09:00:00+08:00")
    found = repo.findings(ITEM)
    assert set(found) == {"review-outdated", "change-unnoted"} and approved[:10] in found["review-outdated"]
    assert not published(repo)
    # an uncommitted edit of an approved file is a change after approval too
    repo.write(ITEM, item_text())
    repo.commit("恢复原文", signer="wang", date="2026-11-21T10:00:00+08:00")
    assert published(repo)
    repo.write(ITEM, item_text().replace("座谈会", "座谈会！"))
    assert "review-outdated" in repo.findings(ITEM)


def test_a_trailer_approval_by_the_reviewer_approves_the_present_version(repo):
    repo.write(ITEM, item_text())
    repo.commit("新信息（信息员提交）")
    repo.commit(
        "审签",
        signer="wang",
        allow_empty=True,
        trailers=("Reviewed-by: 王建国", f"Reviewed-item: items/{ITEM}"),
        date="2026-11-20T15:00:00+08:00",
    )
    assert repo.findings(ITEM) == {}


def test_a_reviewer_of_another_sub_site_is_not_allowed(repo):
    repo.write(ITEM, item_text(reviewer="李梅"))
    repo.commit("新信息", signer="li")
    found = repo.findings(ITEM)
    assert set(found) == {"reviewer-not-allowed"} and "bureau" in found["reviewer-not-allowed"]


def test_a_forged_reviewer_line_is_not_allowed(repo):
    # 李梅 signs, but the file claims 王建国 approved it
    repo.write(ITEM, item_text(reviewer="王建国"))
    repo.commit("新信息", signer="li")
    found = repo.findings(ITEM)
    assert set(found) == {"reviewer-not-allowed"} and "李梅" in found["reviewer-not-allowed"]
    # and a trailer that names someone else than the signer is no approval at all
    other = "bureau/2026/2026-11-20-other.md"
    repo.write(other, item_text(title="另一条信息"))
    repo.commit("新信息（信息员提交）")
    repo.commit(
        "冒名审签", signer="li", allow_empty=True, trailers=("Reviewed-by: 王建国", f"Reviewed-item: items/{other}")
    )
    assert set(repo.findings(other)) == {"unsigned-review"}


def test_a_shallow_clone_fails_closed_with_how_to_fetch_history(repo, tmp_path):
    repo.write(ITEM, item_text())
    repo.commit("新信息", signer="wang")
    repo.write("bureau/2026/2026-11-21-next.md", item_text(title="下一条", date="2026-11-21 09:00"))
    repo.commit("下一条", signer="wang", date="2026-11-21T12:00:00+08:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True)
    config = load_config(clone / "site_config")
    with pytest.raises(publication.HistoryUnavailable, match="fetch-depth: 0"):
        publication.run(clone / "content", config)
    done = run_portal("check", "--content", str(clone / "content"), "--config", str(clone / "site_config"))
    assert done.returncode == 1 and "浅克隆" in done.stderr and "Traceback" not in done.stderr


def test_without_signatures_required_check_says_once_that_approvals_are_not_verified(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text())
    repo.commit("新信息")
    pub, _ = repo.run()
    assert any("未核验签名" in n for n in pub.notes) and not pub.findings
    done = run_portal("check", "--content", str(repo.content), "--config", str(repo.config_dir))
    assert done.stderr.count("未核验签名") == 1


# ---------------------------------------------------------------- portal approve / codeowners


def test_portal_approve_makes_a_signed_commit_that_the_build_accepts(repo):
    repo.write(ITEM, item_text(reviewer=None))
    repo.commit("新信息（未写审签人）")
    assert "unreviewed" in repo.findings(ITEM)
    repo.git("config", "user.signingkey", str(repo.keys / "wang"))
    done = run_portal(
        "approve", "--content", str(repo.content), "--config", str(repo.config_dir), str(repo.content / "items" / ITEM)
    )
    assert done.returncode == 0, done.stderr
    assert "王建国 已审签 1 条信息" in done.stderr
    assert "reviewer: 王建国" in (repo.content / "items" / ITEM).read_text(encoding="utf-8")
    log = repo.git("log", "-1", "--format=%G?%n%B", env={}, check=True)
    assert f"Reviewed-item: items/{ITEM}" in log.stdout
    assert repo.findings(ITEM) == {}
    assert published(repo)


def test_portal_approve_refuses_a_reviewer_of_another_sub_site_and_a_stranger(repo):
    repo.write(ITEM, item_text())
    repo.commit("新信息")
    repo.git("config", "user.signingkey", str(repo.keys / "li"))
    done = run_portal(
        "approve", "--content", str(repo.content), "--config", str(repo.config_dir), str(repo.content / "items" / ITEM)
    )
    assert done.returncode == 1 and "李梅 不能审签子站 “bureau”" in done.stderr
    repo.git("config", "user.signingkey", str(repo.keys / "stranger"))
    done = run_portal(
        "approve", "--content", str(repo.content), "--config", str(repo.config_dir), str(repo.content / "items" / ITEM)
    )
    assert done.returncode == 1 and "不在" in done.stderr and "审签人名单" in done.stderr
    assert repo.git("log", "-1", "--format=%s").stdout.strip() == "新信息"  # nothing committed


def test_codeowners_follows_reviewers_yaml(repo):
    out = repo.root / "CODEOWNERS"
    done = run_portal("codeowners", "--config", str(repo.config_dir), "--out", str(out))
    assert done.returncode == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert "/content/items/bureau/ @wangjg" in lines
    assert "李梅" in done.stderr  # no handle: said, not silently left out


@pytest.mark.parametrize(
    "bad, message",
    [
        ("keys: ['ssh-ed25519 AAAAnotakey']", "不是有效的 SSH 公钥"),
        ("keys: []", "keys 应当是 SSH 公钥的列表"),
        ("sites: [nowhere]", "子站 “nowhere” 不在 sites.yaml 中"),
    ],
)
def test_reviewers_yaml_errors_name_the_file_and_the_reviewer(repo, bad, message):
    key, value = bad.split(": ", 1)
    entry = {"name": "王建国", "sites": "[bureau]", "keys": f"['{repo.pub['wang']}']"}
    entry[key] = value
    (repo.config_dir / "reviewers.yaml").write_text(
        "reviewers:\n  - {" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(repo.config_dir)
    assert "reviewers.yaml" in str(caught.value) and message in str(caught.value)
    assert "王建国" in str(caught.value) or "nowhere" in str(caught.value)


# ---------------------------------------------------------------- §2 dates that agree with history


def test_a_date_more_than_three_days_before_the_first_commit_is_backdated(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text(date="2026-11-01 10:00"))
    repo.write("bureau/2026/2026-11-18-ok.md", item_text(title="三天之内", date="2026-11-18 10:00"))
    repo.commit("两条信息", date="2026-11-21T09:00:00+08:00")
    found = repo.findings(ITEM)
    assert set(found) == {"backdated"} and "2026-11-01" in found["backdated"] and "2026-11-21" in found["backdated"]
    assert repo.findings("bureau/2026/2026-11-18-ok.md") == {}
    # files first committed before history_starts are the migrated archive
    repo.reviewers(require=False, history_starts="2026-12-01")
    assert repo.findings(ITEM) == {}


def test_a_moved_file_keeps_its_first_commit_date(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text(date="2026-11-20 10:00"))
    repo.commit("新信息", date="2026-11-20T12:00:00+08:00")
    repo.git("mv", f"content/items/{ITEM}", "content/items/bureau/2026/2026-11-20-moved.md")
    repo.commit("改文件名", date="2026-12-20T12:00:00+08:00")
    assert repo.findings("bureau/2026/2026-11-20-moved.md") == {}


def test_a_changed_date_needs_a_reason(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text(date="2026-11-20 10:00"))
    repo.commit("新信息")
    repo.write(ITEM, item_text(date="2026-11-19 10:00"))
    repo.commit("改日期", date="2026-11-22T12:00:00+08:00")
    found = repo.findings(ITEM)
    assert (
        set(found) == {"date-changed"}
        and "2026-11-20 10:00" in found["date-changed"]
        and "2026-11-19 10:00" in found["date-changed"]
    )
    repo.write(
        ITEM, item_text(date="2026-11-19 10:00", extra="date_changed_reason: 原稿日期录入错误，实际 11 月 19 日发布\n")
    )
    repo.commit("写明理由", date="2026-11-22T13:00:00+08:00")
    assert repo.findings(ITEM) == {}


def test_without_git_the_date_checks_are_skipped_and_check_says_so(tmp_path):
    content = tmp_path / "content"
    (content / "items" / "bureau" / "2026").mkdir(parents=True)
    (content / "items" / ITEM).write_text(item_text(date="2020-01-01 10:00"), encoding="utf-8")
    done = run_portal("check", "--content", str(content), "--config", str(ROOT / "site_config"), cwd=tmp_path)
    assert done.stderr.count("倒签（backdated）和改日期（date-changed）检查已跳过") == 1, done.stderr
    assert "backdated" not in done.stdout  # dated 2020, but there is no history to compare with


# ---------------------------------------------------------------- §3 change history


def test_a_change_after_publication_is_shown_on_the_page_and_in_the_feed(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text())
    repo.commit("新信息")
    changed = item_text(extra="changes:\n  - {date: 2026-11-25, note: 更正了会议地点}\n").replace(
        "座谈会，", "座谈会（地点更正），"
    )
    repo.write(ITEM, changed)
    repo.commit("更正", date="2026-11-25T10:00:00+08:00")
    pub, config = repo.run()
    assert not pub.findings
    item = pub.published[0]
    page = items.item_page(item, config)
    assert "更新日期：2026-11-25" in page and "更正了会议地点" in page and "首次发布" in page
    feed = feedparser.parse(feeds.render(pub.published, config, pub.as_of).files["atom.xml"])
    assert feed.entries[0].updated.startswith("2026-11-25")


def test_a_content_change_without_a_note_is_a_warning_and_a_note_outside_history_too(repo):
    repo.reviewers(require=False)
    repo.write(ITEM, item_text())
    repo.commit("新信息")
    repo.write(ITEM, item_text(title="全市外贸企业座谈会召开（更新）"))
    repo.commit("改标题", date="2026-11-23T10:00:00+08:00")
    found = repo.findings(ITEM)
    assert set(found) == {"change-unnoted"}
    assert published(repo)  # a warning does not withhold
    repo.write(
        ITEM,
        item_text(title="全市外贸企业座谈会召开（更新）", extra="changes:\n  - {date: 2027-03-01, note: 未来的更新}\n"),
    )
    repo.commit("写更新记录", date="2026-11-23T11:00:00+08:00")
    assert set(repo.findings(ITEM)) == {"change-date"}
