"""Query the real search index the way a browser would, without a browser.

Serves a built site on 127.0.0.1 (a loopback server with a deep accept queue: Pagefind
fetches every bundle's files at once) and runs a Node script that imports Pagefind's own
``pagefind.js``.  Shared by the search tests and by ``bench/`` (search transfer figures).
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Iterator


SIGNATURE = b"pagefind_dcd"  # the header of Pagefind's gzip'd index files, after decompression


def decompressed(path: Path) -> bytes:
    """A Pagefind index file (fragment, chunk, meta) as the browser reads it: gunzipped, header removed."""
    data = gzip.decompress(path.read_bytes())
    return data[len(SIGNATURE) :] if data.startswith(SIGNATURE) else data


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class LoopbackServer(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


@contextlib.contextmanager
def serve(site: Path, handler: type = QuietHandler) -> Iterator[str]:
    """Serve ``site`` on a free loopback port; yields the base URL (with a trailing slash)."""
    server = LoopbackServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def run_node(
    site: Path, script: str, scratch: Path, *args: str, timeout: int = 120, handler: type = QuietHandler
) -> subprocess.CompletedProcess:
    """Run ``node script <pagefind.js as module URL> <site base URL> *args`` against ``site`` served on loopback."""
    module = scratch / "pagefind.mjs"
    shutil.copy(site / "pagefind" / "pagefind.js", module)
    path = scratch / "probe.mjs"
    path.write_text(script, encoding="utf-8")
    with serve(site, handler) as base:
        return subprocess.run(
            ["node", str(path), module.as_uri(), base, *args], capture_output=True, text=True, timeout=timeout
        )


TRANSFER_SCRIPT = """
const sizes = {}; const realFetch = globalThis.fetch;
globalThis.fetch = async (url, opts) => { const r = await realFetch(url, opts); const b = await r.clone().arrayBuffer();
  sizes[new URL(String(url)).pathname.slice(1)] = b.byteLength; return r; };
const pf = await import(process.argv[2]);
const base = process.argv[3]; const query = process.argv[4];
const bundles = JSON.parse(process.argv[5]); const withFilters = process.argv[6] === "1";
await pf.options({ basePath: base + bundles[0] });
for (const b of bundles.slice(1)) await pf.mergeIndex(base + b);  // every shard, as the search page does
if (withFilters) await pf.filters();
const r = await pf.search(query);
await Promise.all(r.results.slice(0, 5).map(x => x.data()));
console.log(JSON.stringify({ results: r.results.length, sizes }));
"""


def bundles_of(site: Path) -> list[str]:
    """The search bundles of a built site: ``pagefind/`` and, when sharded, ``pagefind-N/``."""
    manifest = site / "pagefind" / "portal-bundles.json"  # written by pipeline/search_index.py
    if manifest.is_file():
        return json.loads(manifest.read_text(encoding="utf-8"))["bundles"]
    return ["pagefind/"]


def transfer(site: Path, query: str, scratch: Path, filters: bool = True, timeout: int = 300) -> dict:
    """What one query downloads: ``{"results": n, "sizes": {site path: bytes}}``, counting
    ``pagefind.js``, the wasm, each bundle's entry/meta, the index (and, with ``filters``,
    filter) chunks it loads and the first five result fragments."""
    done = run_node(
        site, TRANSFER_SCRIPT, scratch, query, json.dumps(bundles_of(site)), "1" if filters else "0", timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or "node failed")
    data = json.loads(done.stdout)
    data["sizes"]["pagefind/pagefind.js"] = (site / "pagefind" / "pagefind.js").stat().st_size
    return data
