"""Speed of the confidentiality gate (保密审查) over N items made from the demo's bodies.

Loads the demo items once, then gates N copies (bodies, titles, tags cycled from the demo,
so the text is real Chinese prose of realistic length) and prints items per second and
body megabytes per second, in one process and with one per core (pipeline.parallel); also
the cost of compiling the scanners once (with the fold table: NFKC, digits, OpenCC t2s), and
in one process the two content checks apart: the source scan and the rendered check
(Markdown with mkdocs.yml's extensions, the reader's view, the nh3 allowlist), with the share
of items whose text has markup and so must be rendered.
Usage: ``.venv/bin/python bench/gate_speed.py [N]``
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import confidentiality, load, parallel  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.rendered import MarkdownSettings  # noqa: E402
from pipeline.scanners import Scanners  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    config = load_config(ROOT / "site_config")
    demo = load.load_items(ROOT / "content", config).items
    items = [replace(demo[i % len(demo)], path=f"items/x/{i}.md", slug=f"x-{i}") for i in range(n)]
    chars = sum(len(i.body) for i in items)
    t0 = time.perf_counter()
    Scanners(config.confidentiality, config.portal.public_phones)
    print(f"scanners compiled in {1000 * (time.perf_counter() - t0):.1f} ms")
    for jobs in (1, None):
        t1 = time.perf_counter()
        # as pipeline.publication.run applies the gate: the scans spread over the cores, then the decision
        review = confidentiality.review_of(config, None, MarkdownSettings.from_mkdocs(ROOT / "mkdocs.yml"))
        scanned = parallel.map_ordered(partial(confidentiality.scan, review=review), items, jobs)
        gated = confidentiality.decide(items, review, scanned)
        t2 = time.perf_counter()
        label = "1 process" if jobs == 1 else f"{parallel.workers_for(n, None)} processes"
        print(
            f"gate, {label}: {n} items, {chars / 1e6:.1f} M characters of body in {t2 - t1:.2f} s "
            f"= {n / (t2 - t1):,.0f} items/s, {chars / 1e6 / (t2 - t1):.2f} M chars/s; "
            f"published {len(gated.published)}, withheld {len(gated.withheld)}"
        )
    checks_apart(items[: min(n, 2000)], config)


def checks_apart(items, config) -> None:
    settings = MarkdownSettings.from_mkdocs(ROOT / "mkdocs.yml")
    review = confidentiality.Review(config, confidentiality.build_scanners(config), None, settings)
    rendered_items = sum(1 for i in items if not confidentiality.plain_text(i.body))
    for check in (confidentiality.check_content, confidentiality.check_rendered):
        t0 = time.perf_counter()
        for item in items:
            check(item, review)
        took = time.perf_counter() - t0
        print(
            f"{check.__name__}, 1 process: {len(items) / took:,.0f} items/s ({1000 * took / len(items):.2f} ms an item)"
        )
    print(
        f"items whose body must be rendered (has markup): {rendered_items} of {len(items)} "
        f"({100 * rendered_items / len(items):.0f} %)"
    )


if __name__ == "__main__":
    main()
