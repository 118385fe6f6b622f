"""``site_config/upstream.yaml`` (查重, issue 3): the upstream feeds (商务部、省商务厅 …) and the
similarity parameters.  Optional: without it there are no sources and the defaults below apply.
Reads only upstream.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.fields import Entry, id_ok, integer, number, present, read_yaml, text


@dataclass(frozen=True)
class UpstreamSource:
    """上级信息源（upstream.yaml）：商务部网站、省商务厅主站 …；url 为 RSS/Atom 网址或本地文件。"""

    id: str
    name: str
    level: str
    url: str

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class UpstreamConfig:
    """查重（upstream.yaml）：上级信息源与相似度参数。默认值的依据见 bench/dedup_quality.py。"""

    sources: tuple[UpstreamSource, ...] = ()
    threshold: float = 0.4  # exact Jaccard of shingle sets at or above which two texts are "the same"
    shingle: int = 3  # characters per shingle
    num_perm: int = 128  # MinHash permutations
    lsh_threshold: float = 0.3  # LSH candidate threshold (below ``threshold`` for recall)
    seed: int = 1

    def source(self, source_id: str) -> UpstreamSource | None:
        return next((s for s in self.sources if s.id == source_id), None)


UPSTREAM_FIELDS = {
    "threshold": number(0.05, 1.0),
    "shingle": integer(1, 16),
    "num_perm": integer(16, 1024),
    "lsh_threshold": number(0.05, 1.0),
    "seed": integer(0, 2**31),
}
SOURCE_FIELDS = {"id": text, "name": text, "level": text, "url": text, "file": text}


def load_upstream(path: Path) -> UpstreamConfig:
    """upstream.yaml; no file: no sources and the default parameters."""
    if not present(path):
        return UpstreamConfig()
    top = Entry(path, read_yaml(path), "", ("sources", *UPSTREAM_FIELDS))
    values = top.values(UPSTREAM_FIELDS)
    threshold = values.get("threshold", UpstreamConfig.threshold)
    lsh = values.setdefault("lsh_threshold", min(UpstreamConfig.lsh_threshold, threshold))
    if lsh > threshold:
        raise top.error(f"lsh_threshold（{lsh}）不能大于 threshold（{threshold}），否则会漏掉相似条目")
    sources, seen = [], set()
    for n, raw in enumerate(top.entries("sources"), 1):
        entry = Entry(path, raw, f"第 {n} 个信息源：", SOURCE_FIELDS, ("id", "name", "level"))
        source = entry.values(SOURCE_FIELDS)
        if bool(source.get("url")) == bool(source.get("file")):
            raise entry.error("请填写 url（RSS/Atom 网址）或 file（本地文件）其中之一")
        if not id_ok(entry.get("id")):
            raise entry.error(f"id “{source['id']}” 只能用小写英文字母、数字和连字符")
        if source["id"] in seen:
            raise entry.error(f"id “{source['id']}” 重复")
        seen.add(source["id"])
        sources.append(
            UpstreamSource(source["id"], source["name"], source["level"], source.get("url") or source["file"])
        )
    return UpstreamConfig(sources=tuple(sources), **values)
