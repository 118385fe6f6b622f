"""``site_config/scoring.yaml`` (记分办法, issue 5): points per item, per adoption level and the
minimums.  Optional: without it, seed 000's scheme (``DEFAULT_SCORING``).  Reads only scoring.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config.fields import ConfigError, non_negative, only, read_yaml
from pipeline.config.sites import SITE_KINDS
from pipeline.model import KINDS as ITEM_KINDS


PERIODS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Points:
    """分值：一个整数，或按条目类别（简讯/信息/调研）、子站类别（县市区/科室 …）取值。"""

    default: int = 0
    by_key: tuple[tuple[str, int], ...] = ()

    def value(self, item_kind: str, site_kind: str) -> int:
        table = dict(self.by_key)
        if item_kind in table:
            return table[item_kind]
        return table.get(site_kind, self.default)


@dataclass(frozen=True)
class ItemRule:
    """条目本身的分值规则（如 调研 3000 字以上计 10 分）；第一条符合的规则生效。"""

    points: Points
    kind: str | None = None
    min_chars: int = 0


@dataclass(frozen=True)
class AdoptionLevel:
    """采用级别（条目 adopted 的取值）：市局、省厅、某刊物、某领导批示 …

    同一 group 内的多个级别只取最高分（“多位领导批示的取最高分值”），不同 group 分别加分。"""

    level: str
    points: Points
    group: str = ""


@dataclass(frozen=True)
class Minimum:
    """最低报送数：每个 period 至少 count 条（kind 为空表示任何类别），每少一条扣 penalty 分。"""

    period: str
    count: int
    penalty: int
    kind: str | None = None


@dataclass(frozen=True)
class ScoringScheme:
    name: str = ""
    base: int = 0  # 每个单位的基础分（长春高新区办法为 80）
    item_points: Points = field(default_factory=lambda: Points(1))
    item_rules: tuple[ItemRule, ...] = ()
    adoption: tuple[AdoptionLevel, ...] = ()
    minimums: tuple[Minimum, ...] = ()

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(a.level for a in self.adoption)


DEFAULT_SCORING = {
    "name": "岳阳市商务局商务信息记分办法（岳商发〔2014〕79号）",
    "base": 0,
    "item_points": 1,
    "item_rules": [{"kind": "调研", "min_chars": 3000, "points": 10}],
    "adoption": [
        {"level": "市局", "points": 1, "group": "市局提取"},
        {"level": "局办公室", "points": 1, "group": "市局提取"},
        {"level": "省厅", "points": {"县市区": 5, "科室": 3, "default": 3}},
    ],
}


def _points(path: Path, value: Any, where: str, site_kinds: tuple[str, ...] = SITE_KINDS) -> Points:
    if isinstance(value, dict):
        keys = set(site_kinds) | set(ITEM_KINDS) | {"default"}
        table = []
        for key, v in value.items():
            if key not in keys:
                raise ConfigError(
                    path,
                    f"{where}分值的键 “{key}” 无效，可用：default、{'、'.join(ITEM_KINDS)}、{'、'.join(site_kinds)}",
                )
            table.append((str(key), non_negative(path, v, f"{where}{key} 的分值")))
        default = dict(table).pop("default", 0)
        return Points(default, tuple((k, v) for k, v in table if k != "default"))
    return Points(non_negative(path, value, f"{where}分值"))


def parse_scoring(path: Path, data: Any, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    data = only(
        path,
        data if data is not None else {},
        "scoring.yaml ",
        ("name", "base", "item_points", "item_rules", "adoption", "minimums"),
    )
    rules = []
    for n, entry in enumerate(data.get("item_rules") or [], 1):
        where = f"item_rules 第 {n} 条："
        entry = only(path, entry, where, ("kind", "min_chars", "points"), ("points",))
        kind = entry.get("kind")
        if kind is not None and kind not in ITEM_KINDS:
            raise ConfigError(path, f"{where}kind “{kind}” 无效，可选：{'、'.join(ITEM_KINDS)}")
        rules.append(
            ItemRule(
                _points(path, entry["points"], where, site_kinds),
                kind,
                non_negative(path, entry.get("min_chars", 0), f"{where}min_chars "),
            )
        )
    levels, seen = [], set()
    for n, entry in enumerate(data.get("adoption") or [], 1):
        where = f"adoption 第 {n} 条："
        entry = only(path, entry, where, ("level", "points", "group"), ("level", "points"))
        level = str(entry["level"]).strip()
        if level in seen:
            raise ConfigError(path, f"{where}采用级别 “{level}” 重复")
        seen.add(level)
        levels.append(
            AdoptionLevel(level, _points(path, entry["points"], where, site_kinds), str(entry.get("group") or ""))
        )
    minimums = []
    for n, entry in enumerate(data.get("minimums") or [], 1):
        where = f"minimums 第 {n} 条："
        entry = only(path, entry, where, ("period", "count", "penalty", "kind"), ("period", "count", "penalty"))
        if entry["period"] not in PERIODS:
            raise ConfigError(path, f"{where}period “{entry['period']}” 无效，可选：{'、'.join(PERIODS)}")
        kind = entry.get("kind")
        if kind is not None and kind not in ITEM_KINDS:
            raise ConfigError(path, f"{where}kind “{kind}” 无效，可选：{'、'.join(ITEM_KINDS)}")
        minimums.append(
            Minimum(
                entry["period"],
                non_negative(path, entry["count"], f"{where}count "),
                non_negative(path, entry["penalty"], f"{where}penalty "),
                kind,
            )
        )
    return ScoringScheme(
        name=str(data.get("name") or ""),
        base=non_negative(path, data.get("base", 0), "base "),
        item_points=_points(path, data.get("item_points", 1), "item_points ", site_kinds),
        item_rules=tuple(rules),
        adoption=tuple(levels),
        minimums=tuple(minimums),
    )


def load_scoring(path: Path, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    if not path.is_file():
        return parse_scoring(path, DEFAULT_SCORING, site_kinds)
    return parse_scoring(path, read_yaml(path), site_kinds)
