"""``site_config/health.yaml`` (栏目更新时限, issue 5): how long each column category may go without
an update, and the single-veto thresholds.  Optional: without it, the limits of 国办秘函〔2019〕19号.
Reads only health.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config.columns import COLUMN_CATEGORIES
from pipeline.config.fields import Entry, Wrong, integer, present, read_yaml, texts


@dataclass(frozen=True)
class HealthRules:
    """栏目更新检查：各栏目类别的更新时限（“2w” 两周、“6m” 六个月、“1y” 一年、“30d”），首页时限，单项否决门槛。"""

    limits: tuple[tuple[str, str], ...] = (
        ("动态要闻", "2w"),
        ("通知公告", "6m"),
        ("政策文件", "6m"),
        ("人事", "1y"),
        ("规划计划", "1y"),
    )
    home: str = "2w"
    veto_categories: tuple[str, ...] = ("动态要闻", "通知公告", "政策文件")
    stale_veto: int = 5  # 动态要闻、通知公告、政策文件栏目不更新 ≥ 5 个
    long_stale_veto: int = 10  # 应更新而长期未更新的栏目 ≥ 10 个
    blank_veto: int = 5  # 空白栏目 ≥ 5 个


_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")


def parse_duration(text: str) -> tuple[int, str] | None:
    """``"2w"`` → ``(2, "w")``; None when malformed."""
    m = _DURATION.match(str(text))
    return (int(m.group(1)), m.group(2)) if m else None


def _duration(value: Any) -> str:
    if parse_duration(value) is None:
        raise Wrong("时限无效，例如 2w（两周）、6m（六个月）、1y（一年）、30d")
    return str(value)


def _categories(value: Any) -> tuple[str, ...]:
    bad = [c for c in texts(value) if c not in COLUMN_CATEGORIES]
    if bad:
        raise Wrong(f"中的栏目类别 “{bad[0]}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
    return texts(value)


HEALTH_FIELDS = {
    "home": _duration,
    "veto_categories": _categories,
    "stale_veto": integer(),
    "long_stale_veto": integer(),
    "blank_veto": integer(),
}


def load_health(path: Path) -> HealthRules:
    """health.yaml; no file: the limits of 国办秘函〔2019〕19号 (the defaults above)."""
    if not present(path):
        return HealthRules()
    top = Entry(path, read_yaml(path), "", ("limits", *HEALTH_FIELDS))
    values = top.values(HEALTH_FIELDS)
    if "limits" in top:
        limits = top.table("limits")
        for category, value in limits.items():
            if category not in COLUMN_CATEGORIES:
                raise top.error(f"limits 的栏目类别 “{category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
            top.check(f"limits.{category}", value, _duration)
        values["limits"] = tuple((str(k), str(v)) for k, v in limits.items())
    return HealthRules(**values)
