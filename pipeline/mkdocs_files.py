"""mkdocs' ``get_files``, with what it works out for each docs file remembered between builds.

At 10k items the docs folder holds ~13,500 files, and ``get_files`` spends ~0.4 s of a one-edit
rebuild making a ``File`` for each: normalising its path through ``pathlib``, then its output path,
URL and inclusion level (a pathspec match each).  These depend only on the file's path and on
settings this module stamps (mkdocs' version, ``use_directory_urls``, the exclusion patterns), so
:func:`get_files` walks the folder exactly as mkdocs does (the same order) and gives a file seen by
an earlier build a ``File`` with those values set, making the others with mkdocs' own constructor.

The memo (``<work>/cache/files.msgpack``) is sealed with the work folder's key
(:func:`pipeline.audit_cache.seal`); a missing, damaged, foreign or otherwise stamped one is not
used.  The result equals mkdocs' ``get_files`` followed by ``set_exclusions``
(tests/test_mkdocs_files.py compares every attribute); when the walk meets what mkdocs would
warn about (two files for one output path), mkdocs' own function runs.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

import msgpack

from pipeline import audit_cache, publish

MEMO_FILE = "files.msgpack"
_VERSION = 1


def _stamp(config) -> str | None:
    """What a remembered File's values depend on besides its path; None when a pattern cannot be
    told (then nothing is remembered)."""
    h = hashlib.sha256(f"mkdocs-files {_VERSION}\0{metadata.version('mkdocs')}\0".encode())
    h.update(f"{bool(config['use_directory_urls'])}\0{config['docs_dir']}\0".encode("utf-8", "surrogateescape"))
    for name in ("exclude_docs", "draft_docs", "not_in_nav"):
        spec = config.get(name)
        told = []
        for pattern in getattr(spec, "patterns", ()) if spec is not None else ():
            text, regex = getattr(pattern, "pattern", None), getattr(getattr(pattern, "regex", None), "pattern", None)
            if not isinstance(text, str) and not isinstance(regex, (str, bytes)):
                return None
            told.append((type(pattern).__name__, text, regex, getattr(pattern, "include", None)))
        if spec is not None and not told and getattr(spec, "patterns", None) is None:
            return None
        h.update(repr((name, type(spec).__name__, told)).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _load(path: Path, key: bytes | None, stamp: str) -> dict:
    """src_uri → [dest_uri, url, name, inclusion] of the memo, or {} when it cannot be trusted."""
    try:
        payload = audit_cache.unseal_view(key, path.read_bytes())
        if payload is None:
            return {}
        data = msgpack.unpackb(payload, raw=False, strict_map_key=True, use_list=True)
    except (OSError, ValueError, TypeError, msgpack.UnpackException):
        return {}
    if type(data) is not list or len(data) != 2 or data[0] != stamp or type(data[1]) is not dict:
        return {}
    return data[1]


def _save(path: Path, key: bytes, stamp: str, files) -> None:
    known = {f.src_uri: [f.dest_uri, f.url, f.name, f.inclusion.value] for f in files}
    try:
        publish.write_atomic(path, audit_cache.seal(key, msgpack.packb([stamp, known], use_bin_type=True)))
    except (OSError, ValueError, TypeError):  # the memo is only ever a shortcut
        pass


def get_files(config, work: Path | None = None):
    """``mkdocs.structure.files.get_files(config)`` with exclusions set, remembered in ``work``."""
    from mkdocs.structure.files import File, Files, InclusionLevel, _file_sort_key, set_exclusions
    from mkdocs.structure.files import get_files as mkdocs_get_files

    if work is None:
        return mkdocs_get_files(config)
    path = Path(work) / "cache" / MEMO_FILE
    stamp = _stamp(config)
    key = audit_cache.work_key(work) if stamp is not None else None
    known = _load(path, key, stamp) if key is not None else {}
    docs_dir, site_dir = config["docs_dir"], config["site_dir"]
    directory_urls = config["use_directory_urls"]
    levels = {level.value: level for level in InclusionLevel if type(level.value) is int}
    files: list = []
    made = 0
    dests: set[str] = set()
    for source_dir, dirnames, filenames in os.walk(docs_dir, followlinks=True):  # as mkdocs walks
        relative_dir = os.path.relpath(source_dir, docs_dir)
        dirnames.sort()
        filenames.sort(key=_file_sort_key)
        prefix = "" if relative_dir == "." else relative_dir.replace(os.sep, "/") + "/"
        for filename in filenames:
            uri = prefix + filename
            entry = known.get(uri)
            if (
                type(entry) is list
                and len(entry) == 4
                and all(type(v) is str for v in entry[:3])
                and entry[3] in levels
                and "\\" not in uri
            ):
                file = File.__new__(File)
                file.__dict__.update(
                    src_uri=uri,
                    src_dir=docs_dir,
                    dest_dir=site_dir,
                    use_directory_urls=directory_urls,
                    inclusion=levels[entry[3]],
                    dest_uri=entry[0],
                    url=entry[1],
                    name=entry[2],
                )
            else:
                file = File(os.path.join(relative_dir, filename), docs_dir, site_dir, directory_urls)
                made += 1
            if file.dest_uri in dests:  # mkdocs drops one of the two and may warn: let it
                return mkdocs_get_files(config)
            dests.add(file.dest_uri)
            files.append(file)
    set_exclusions([f for f in files if f.inclusion == InclusionLevel.UNDEFINED], config)
    if key is not None and (made or len(known) != len(files)):
        _save(path, key, stamp, files)
    return Files(files)
