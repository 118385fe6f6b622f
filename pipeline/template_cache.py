"""The theme's compiled Jinja templates kept between builds (``<work>/cache/templates/``).

mkdocs compiles ``main.html`` and the material templates it extends in every process that
renders a page: ~0.3 s of a rebuild after one edited item, in each render worker of a full
build, and on ``portal serve``'s first save.  Jinja's own bytecode cache keeps the compiled
code; this one seals every entry with the work folder's key (:func:`pipeline.audit_cache.work_key`,
as the page record and the audit cache are), because what it holds is code the build runs: an
entry that is not exactly what a build of this work folder wrote is ignored and the template is
compiled again.  Jinja checks the rest itself: the template's source (its checksum) and the
bytecode format of the running Python.  The rendered pages are the same bytes with or without it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jinja2

from pipeline import audit_cache

FOLDER = Path("cache") / "templates"


class SealedBytecodeCache(jinja2.BytecodeCache):
    """:class:`jinja2.BytecodeCache` in ``folder``, one file per template, each sealed with ``key``."""

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = Path(folder)
        self.key = key
        # another Python, Jinja or mkdocs never reads these (Jinja's own check is its format number)
        self.tag = f"{sys.implementation.cache_tag}-jinja{jinja2.__version__}"

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.{self.tag}.sealed"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        payload = audit_cache.unseal(self.key, data)
        name, _, code = (payload or b"").partition(b"\0")
        if payload is not None and name == bucket.key.encode():  # this template's entry, not another's
            bucket.bytecode_from_string(code)  # a stale checksum or format: Jinja compiles again

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # render workers may write the same one
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(audit_cache.seal(self.key, bucket.key.encode() + b"\0" + bucket.bytecode_to_string()))
            os.replace(tmp, path)
        except OSError:  # not kept: the next build compiles it again
            tmp.unlink(missing_ok=True)


def attach(env: jinja2.Environment, work: Path) -> None:
    """Give ``env`` (mkdocs' theme environment) the sealed cache of ``work``; nothing when the
    work folder has no key (then nothing would be trusted)."""
    key = audit_cache.work_key(work)
    if key is not None:
        env.bytecode_cache = SealedBytecodeCache(Path(work) / FOLDER, key)
