"""索引号 ledger at scale: assign numbers to N synthetic items, write the ledger, read it back
and renumber (what every build does).  Prints seconds per step.  Usage:
``python bench/numbering_speed.py [N]`` (default 50,000)."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import numbering  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.model import Item  # noqa: E402


def main(n: int) -> None:
    config = load_config(Path(__file__).resolve().parent.parent / "site_config")
    tz = timezone(timedelta(hours=8))
    items = [
        Item(
            path=f"items/bureau/{2020 + i % 6}/item-{i}.md",
            slug=f"item-{i}",
            title=f"信息标题{i}",
            date=datetime(2020 + i % 6, 1, 1, tzinfo=tz) + timedelta(minutes=i),
            site="bureau",
            column="news",
            author="a",
            body="",
        )
        for i in range(n)
    ]
    empty = numbering.Ledger(config.portal.index_format, config.portal.org_code)
    t = time.perf_counter()
    first = numbering.number(items, empty, config)
    assign = time.perf_counter() - t
    t = time.perf_counter()
    text = numbering.dump_ledger(first.ledger)
    dump = time.perf_counter() - t
    t = time.perf_counter()
    ledger, findings = numbering.parse_ledger(text, config)
    parse = time.perf_counter() - t
    t = time.perf_counter()
    again = numbering.number(items, ledger, config)
    renumber = time.perf_counter() - t
    assert not findings and not again.assigned
    print(
        f"{n} 条：分配 {assign:.2f} 秒，写台账 {dump:.2f} 秒（{len(text) // 1024} KiB），"
        f"读台账并核对 {parse:.2f} 秒，按台账编号 {renumber:.2f} 秒"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
