"""信息处理费标准 (``site_config/fees.yaml``, 国办函〔2020〕109号) as typed data, the fees it gives,
and the rows of the schedule that the 依申请公开 page shows.

The schedule used to live in code; a change of the national rule is now a config change, with
the source named in the file.  The file is optional: without it, the 2020 national schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config.fields import Entry, integer, present, read_yaml, text


@dataclass(frozen=True)
class Tier:
    up_to: int | None  # last unit of the tier; None: every unit above the previous tier
    rate: int  # 元 per unit


@dataclass(frozen=True)
class Beyond:
    step: int
    first_rate: int
    increase: int


@dataclass(frozen=True)
class Scale:
    unit: str  # 件 | 页
    free_up_to: int
    tiers: tuple[Tier, ...]
    beyond: Beyond | None = None

    def fee(self, count: int) -> int:
        """元 for ``count`` units (each tier charges only the units inside it)."""
        total, low = 0, self.free_up_to
        for tier in self.tiers:
            high = count if tier.up_to is None else min(count, tier.up_to)
            if high > low:
                total += (high - low) * tier.rate
            low = tier.up_to if tier.up_to is not None else count
            if low >= count:
                return total
        if self.beyond is not None and count > low:
            for n in range(low + 1, count + 1):
                total += self.beyond.first_rate + self.beyond.increase * ((n - low - 1) // self.beyond.step)
        return total

    def rows(self) -> tuple[tuple[str, str], ...]:
        u = self.unit
        out = [(f"{self.free_up_to}{u}以下（含{self.free_up_to}{u}）", "不收费")]
        low = self.free_up_to
        for tier in self.tiers:
            if tier.up_to is None:
                out.append((f"{low}{u}以上的部分", f"{tier.rate}元/{u}"))
            else:
                out.append((f"{low + 1}—{tier.up_to}{u}（含{tier.up_to}{u}）的部分", f"{tier.rate}元/{u}"))
                low = tier.up_to
        if self.beyond is not None:
            b = self.beyond
            examples = "，".join(
                f"{low + 1 + k * b.step}—{low + (k + 1) * b.step}{u}{b.first_rate + k * b.increase}元/{u}"
                for k in range(2)
            )
            out.append(
                (
                    f"{low + 1}{u}以上的部分",
                    f"以{b.step}{u}为一档，每增加一档，收费标准提高{b.increase}元/{u}（{examples}……）",
                )
            )
        return tuple(out)


@dataclass(frozen=True)
class FeeSchedule:
    source: str
    document: str
    by_requests: Scale
    by_pages: Scale


NATIONAL_2020 = FeeSchedule(
    "政府信息公开信息处理费管理办法",
    "国办函〔2020〕109号",
    Scale("件", 10, (Tier(30, 100),), Beyond(10, 200, 100)),
    Scale("页", 30, (Tier(100, 10), Tier(200, 20), Tier(None, 40))),
)


def _scale(path: Path, data: Any, where: str, unit: str) -> Scale:
    scale = Entry(path, data, where, ("free_up_to", "tiers", "beyond"), ("free_up_to",))
    free = scale.read("free_up_to", integer())
    if not isinstance(scale.get("tiers", []), list):
        raise scale.error("tiers 应当是列表，例如 [{up_to: 100, rate: 10}]")
    entries = scale.entries("tiers")
    tiers, last = [], free
    for n, raw in enumerate(entries, 1):
        tier = Entry(path, raw, f"{where}第 {n} 档：", ("up_to", "rate"), ("rate",))
        up_to = tier.read("up_to", integer())
        if up_to is not None:
            if up_to <= last:
                raise scale.error(f"第 {n} 档的 up_to（{up_to}）应大于上一档（{last}）")
            last = up_to
        elif n != len(entries):
            raise scale.error("只有最后一档可以不写 up_to（表示以上全部）")
        tiers.append(Tier(up_to, tier.read("rate", integer())))
    beyond = None
    if scale.get("beyond") is not None:
        if tiers and tiers[-1].up_to is None:
            raise scale.error("最后一档已包含以上全部，不能再写 beyond")
        keys = ("step", "first_rate", "increase")
        b = Entry(path, scale.get("beyond"), f"{where}beyond：", keys, keys)
        beyond = Beyond(
            max(1, b.read("step", integer())), b.read("first_rate", integer()), b.read("increase", integer())
        )
    if beyond is None and (not tiers or tiers[-1].up_to is not None):
        raise scale.error("没有说明最后一档以上如何收费：最后一档不写 up_to，或写 beyond")
    return Scale(unit, free, tuple(tiers), beyond)


def load_fees(path: Path) -> FeeSchedule:
    """fees.yaml; no file: the national schedule of 2020 (``NATIONAL_2020``)."""
    if not present(path):
        return NATIONAL_2020
    keys = ("source", "document", "by_requests", "by_pages")
    top = Entry(path, read_yaml(path), "", keys, keys)
    return FeeSchedule(
        top.read("source", text),
        top.read("document", text),
        _scale(path, top.get("by_requests"), "by_requests：", "件"),
        _scale(path, top.get("by_pages"), "by_pages：", "页"),
    )
