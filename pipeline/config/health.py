"""``site_config/health.yaml`` (栏目更新时限, issue 5): how long each column category may go without
an update, and the single-veto thresholds.  Optional: without it, the limits of 国办秘函〔2019〕19号.
Reads only health.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.config.columns import COLUMN_CATEGORIES
from pipeline.config.fields import ConfigError, mapping, non_negative, only, read_yaml


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


def load_health(path: Path) -> HealthRules:
    if not path.is_file():
        return HealthRules()
    keys = ("limits", "home", "veto_categories", "stale_veto", "long_stale_veto", "blank_veto")
    data = only(path, read_yaml(path) or {}, "health.yaml ", keys)
    rules = HealthRules()
    limits = rules.limits
    if "limits" in data:
        table = mapping(path, data["limits"], "limits ")
        for category, value in table.items():
            if category not in COLUMN_CATEGORIES:
                raise ConfigError(path, f"limits 的栏目类别 “{category}” 无效，可选：{'、'.join(COLUMN_CATEGORIES)}")
            if parse_duration(value) is None:
                raise ConfigError(
                    path, f"limits.{category} 的时限 “{value}” 无效，例如 2w（两周）、6m（六个月）、1y（一年）、30d"
                )
        limits = tuple((str(k), str(v)) for k, v in table.items())
    home = str(data.get("home", rules.home))
    if parse_duration(home) is None:
        raise ConfigError(path, f"home 的时限 “{home}” 无效，例如 2w")
    veto = tuple(str(c) for c in data.get("veto_categories", rules.veto_categories))
    for category in veto:
        if category not in COLUMN_CATEGORIES:
            raise ConfigError(path, f"veto_categories 中的栏目类别 “{category}” 无效")
    return HealthRules(
        limits=limits,
        home=home,
        veto_categories=veto,
        stale_veto=non_negative(path, data.get("stale_veto", rules.stale_veto), "stale_veto "),
        long_stale_veto=non_negative(path, data.get("long_stale_veto", rules.long_stale_veto), "long_stale_veto "),
        blank_veto=non_negative(path, data.get("blank_veto", rules.blank_veto), "blank_veto "),
    )
