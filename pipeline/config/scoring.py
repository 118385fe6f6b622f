"""``site_config/scoring.yaml`` (记分办法, issue 5): points per item, per adoption level and the
minimums.  Optional: without it, seed 000's scheme (``DEFAULT_SCORING``).  Reads only scoring.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config.fields import Entry, Wrong, integer, present, read_yaml, text
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
    "name": "岳阳市商务局商务信息记分办法（岳商发〔2014〕79号）",  # base 0, 1 point an item: the record's defaults
    "item_rules": [{"kind": "调研", "min_chars": 3000, "points": 10}],
    "adoption": [
        {"level": "市局", "points": 1, "group": "市局提取"},
        {"level": "局办公室", "points": 1, "group": "市局提取"},
        {"level": "省厅", "points": {"县市区": 5, "科室": 3, "default": 3}},
    ],
}


def _points(entry: Entry, key: str, site_kinds: tuple[str, ...]) -> Points:
    """A number of points, or a table of them by item kind and sub-site kind (with ``default``)."""
    value = entry.get(key)
    if not isinstance(value, dict):
        return Points(entry.check(key, value, integer()))
    keys = set(site_kinds) | set(ITEM_KINDS) | {"default"}
    table = []
    for name, v in value.items():
        if name not in keys:
            raise entry.error(
                f"{key} 的键 “{name}” 无效，可用：default、{'、'.join(ITEM_KINDS)}、{'、'.join(site_kinds)}"
            )
        table.append((str(name), entry.check(f"{key}.{name}", v, integer())))
    default = dict(table).pop("default", 0)
    return Points(default, tuple((k, v) for k, v in table if k != "default"))


def _item_kind(value: Any) -> str:
    if value not in ITEM_KINDS:
        raise Wrong(f"无效，可选：{'、'.join(ITEM_KINDS)}")
    return value


def _period(value: Any) -> str:
    if value not in PERIODS:
        raise Wrong(f"无效，可选：{'、'.join(PERIODS)}")
    return value


def parse_scoring(path: Path, data: Any, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    top = Entry(path, data, "", ("name", "base", "item_points", "item_rules", "adoption", "minimums"))
    values: dict[str, Any] = top.values({"name": text, "base": integer()})
    if "item_points" in top:
        values["item_points"] = _points(top, "item_points", site_kinds)
    rules = []
    for n, raw in enumerate(top.entries("item_rules"), 1):
        entry = Entry(path, raw, f"item_rules 第 {n} 条：", ("kind", "min_chars", "points"), ("points",))
        fields = entry.values({"kind": _item_kind, "min_chars": integer()})
        rules.append(ItemRule(_points(entry, "points", site_kinds), **fields))
    levels, seen = [], set()
    for n, raw in enumerate(top.entries("adoption"), 1):
        entry = Entry(path, raw, f"adoption 第 {n} 条：", ("level", "points", "group"), ("level", "points"))
        level = entry.read("level", text).strip()
        if level in seen:
            raise entry.error(f"采用级别 “{level}” 重复")
        seen.add(level)
        levels.append(AdoptionLevel(level, _points(entry, "points", site_kinds), **entry.values({"group": text})))
    minimums = []
    for n, raw in enumerate(top.entries("minimums"), 1):
        entry = Entry(
            path, raw, f"minimums 第 {n} 条：", ("period", "count", "penalty", "kind"), ("period", "count", "penalty")
        )
        minimums.append(
            Minimum(**entry.values({"period": _period, "count": integer(), "penalty": integer(), "kind": _item_kind}))
        )
    return ScoringScheme(**values, item_rules=tuple(rules), adoption=tuple(levels), minimums=tuple(minimums))


def load_scoring(path: Path, site_kinds: tuple[str, ...] = SITE_KINDS) -> ScoringScheme:
    """scoring.yaml, or seed 000's scheme (``DEFAULT_SCORING``) when there is none."""
    return parse_scoring(path, read_yaml(path) if present(path) else DEFAULT_SCORING, site_kinds)
