"""Speed of the web editor's live check (issue 13 §3): ``POST /admin/check`` runs
``portal check`` on the unsaved entry (:func:`pipeline.cms.check_draft`) each time the editor
pauses, so its latency is what an editor waits for before the preview pane shows ``pii`` or
``marker``.  Times N checks of a typical 信息 (~600 characters, a phone number in it) and prints
the median and the slowest, wall-clock and CPU, plus the size of the generated config.yml.
Usage: ``.venv/bin/python bench/cms_check_speed.py [N]`` (default 20).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import cms  # noqa: E402
from pipeline.config import load_config  # noqa: E402


def main(n: int) -> None:
    config = load_config(ROOT / "site_config")
    started = time.perf_counter()
    text = cms.config_text(config)
    made = time.perf_counter() - started
    data = {
        "title": "东湖区召开外贸企业稳订单座谈会",
        "date": "2026-11-28 10:00",
        "site": "donghu",
        "column": "local",
        "author": "李晓东",
        "body": "东湖区商务局召开外贸企业稳订单座谈会，通报前三季度全区进出口情况。" * 18 + "联系电话 13907301234。",
    }
    cms.check_draft(ROOT / "content", config, "donghu", data)  # warm-up: imports, scanner automata
    wall, cpu = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        _, findings = cms.check_draft(ROOT / "content", config, "donghu", data)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    assert {"pii", "unreviewed"} <= {f["rule"] for f in findings}
    print(
        f"config.yml: {len(config.sites)} collections, {len(text.encode()) / 1024:.1f} KB,"
        f" generated in {made * 1000:.1f} ms"
    )
    print(
        f"check of one unsaved entry ({n} runs): median {statistics.median(wall) * 1000:.0f} ms wall "
        f"({statistics.median(cpu) * 1000:.0f} ms CPU), slowest {max(wall) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
