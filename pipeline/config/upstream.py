"""``site_config/upstream.yaml`` (查重, issue 3): the upstream feeds (商务部、省商务厅 …) and the
similarity parameters.  Optional: without it there are no sources and the defaults below apply.
Reads only upstream.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.fields import ConfigError, id_ok, number_in, only, read_yaml


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


def load_upstream(path: Path) -> UpstreamConfig:
    if not path.is_file():
        return UpstreamConfig()
    data = only(
        path,
        read_yaml(path) or {},
        "upstream.yaml ",
        ("sources", "threshold", "shingle", "num_perm", "lsh_threshold", "seed"),
    )
    defaults = UpstreamConfig()
    threshold = float(number_in(path, data.get("threshold", defaults.threshold), "键 “threshold” ", 0.05, 1.0))
    lsh = float(
        number_in(
            path, data.get("lsh_threshold", min(defaults.lsh_threshold, threshold)), "键 “lsh_threshold” ", 0.05, 1.0
        )
    )
    if lsh > threshold:
        raise ConfigError(path, f"lsh_threshold（{lsh}）不能大于 threshold（{threshold}），否则会漏掉相似条目")
    sources, seen = [], set()
    entries = data.get("sources") or []
    if not isinstance(entries, list):
        raise ConfigError(path, "“sources” 应当是列表")
    for n, entry in enumerate(entries, 1):
        where = f"第 {n} 个信息源："
        entry = only(path, entry, where, ("id", "name", "level", "url", "file"), ("id", "name", "level"))
        if bool(entry.get("url")) == bool(entry.get("file")):
            raise ConfigError(path, f"{where}请填写 url（RSS/Atom 网址）或 file（本地文件）其中之一")
        if not id_ok(entry["id"]):
            raise ConfigError(path, f"{where}id “{entry['id']}” 只能用小写英文字母、数字和连字符")
        if entry["id"] in seen:
            raise ConfigError(path, f"{where}id “{entry['id']}” 重复")
        seen.add(entry["id"])
        sources.append(
            UpstreamSource(
                str(entry["id"]), str(entry["name"]), str(entry["level"]), str(entry.get("url") or entry.get("file"))
            )
        )
    return UpstreamConfig(
        sources=tuple(sources),
        threshold=threshold,
        shingle=number_in(path, data.get("shingle", defaults.shingle), "键 “shingle” ", 1, 16, integer=True),
        num_perm=number_in(path, data.get("num_perm", defaults.num_perm), "键 “num_perm” ", 16, 1024, integer=True),
        lsh_threshold=lsh,
        seed=number_in(path, data.get("seed", defaults.seed), "键 “seed” ", 0, 2**31, integer=True),
    )
