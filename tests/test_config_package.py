"""The configuration package (issue 17 §3): one validation style for every site_config file, errors
that name the file and the key in Chinese (never a traceback), and no import circle in pipeline/."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline.config import ConfigError, load_config


@pytest.mark.parametrize(
    "name, old, new, words",
    [
        ("portal.yaml", "page_size: 20", "page_size: 二十", ("page_size", "正整数", "二十")),
        ("portal.yaml", "name: 江临市商务局", "name: [江临, 商务局]", ("name", "应当是文字")),
        ("sites.yaml", "kind: 开发区,   order: 40", "kind: 开发区,   order: x", ("第 10 个子站", "order", "整数")),
        ("upstream.yaml", None, "shingle: 40\n", ("shingle", "1 到 16")),
        ("health.yaml", None, "stale_veto: -1\n", ("stale_veto", "非负整数")),
        ("scoring.yaml", None, "item_points: {县市区: x}\n", ("item_points.县市区", "非负整数")),
        ("confidentiality.yaml", None, "unscanned_attachment_types: [pdf]\n", ("unscanned_attachment_types", "pdf")),
        ("confidentiality.yaml", None, "marker_variants: {宻宻: 密}\n", ("marker_variants", "每边一个字")),
        ("confidentiality.yaml", None, "marker_variants: [宻, 密]\n", ("marker_variants", "{宻: 密}")),
        ("reviewers.yaml", None, "review: {max_backdate_days: 400}\n", ("max_backdate_days", "0 到 366")),
        ("website_report.yaml", None, "home_months: [13]\n", ("home_months", "1–12")),
        # a date YAML itself cannot make was a ValueError traceback
        ("reviewers.yaml", None, "review: {history_starts: 2026-13-01}\n", ("YAML", "日期")),
        (
            "website_report.yaml",
            None,
            "special_columns:\n  - {id: x, name: X, tag: t, opened: 2024-02-30}\n",
            ("YAML",),
        ),
    ],
)
def test_every_config_file_names_the_file_and_the_key(tmp_path, name, old, new, words):
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    path = config_dir / name
    if old is None:
        path.write_text(new, encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    assert name in str(caught.value) and all(w in caught.value.message for w in words), str(caught.value)


def test_absent_keys_keep_the_records_defaults(tmp_path):
    """An empty optional file is the same as no file: every default is the record's own."""
    config_dir = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config_dir)
    names = ("upstream", "health", "scoring", "quotas", "confidentiality", "reviewers", "website_report")
    for name in names:
        (config_dir / f"{name}.yaml").unlink()
    without = load_config(config_dir)
    for name in names:
        (config_dir / f"{name}.yaml").write_text("# 空文件\n", encoding="utf-8")
    empty = load_config(config_dir)
    assert (without.upstream, without.health, without.quotas, without.review, without.website_report) == (
        empty.upstream,
        empty.health,
        empty.quotas,
        empty.review,
        empty.website_report,
    )
    assert empty.confidentiality == without.confidentiality and empty.scoring.item_points == without.scoring.item_points


def _imports(root: Path) -> dict[str, set[str]]:
    """Module → the pipeline modules it imports anywhere (late imports inside functions too)."""
    modules = {}
    for path in (root / "pipeline").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module and not module.startswith(name + "."):  # a package's own parent
                    graph[module].add(name)
    return graph


KNOWN_CIRCLES: set[frozenset[str]] = set()  # none left; a new circle fails the test below


def _circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The sets of modules that reach each other (strongly connected, more than one module)."""
    reach = {}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module not in seen:
                seen.add(module)
                todo.extend(graph[module])
        reach[start] = seen
    return {frozenset(b for b in graph if b in reach[a] and a in reach[b]) for a in graph if a in reach[a]}


def test_no_import_circle_in_pipeline():
    circles = _circles(_imports(ROOT))
    new = sorted(", ".join(sorted(c)) for c in circles - KNOWN_CIRCLES)
    assert not new, f"modules in an import circle: {new}"
    gone = sorted(", ".join(sorted(c)) for c in KNOWN_CIRCLES - circles)
    assert not gone, f"this circle is gone, delete it from KNOWN_CIRCLES: {gone}"
    assert not any("pipeline.config" in m for c in circles for m in c)


@pytest.mark.parametrize("text", ["opened: 2026-13-01\n", "rows:\n  - {day: 2025-02-30}\n"])
def test_a_value_yaml_cannot_make_is_a_yaml_error_everywhere(tmp_path, text):
    """An impossible date was a ValueError traceback from every YAML reader; now it is the
    ``bad-yaml`` refusal each reader already reports (config error, data-file finding …)."""
    from pipeline import data_file, safe_yaml

    with pytest.raises(safe_yaml.UnsafeYaml) as refused:
        safe_yaml.load(text)
    assert refused.value.rule == "bad-yaml" and "日期" in refused.value.problem
    path = tmp_path / "content" / "website-report" / "2025.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(data_file.DataError) as bad:
        data_file.read_mapping(path, "数据文件不存在", "year …")
    assert "bad-yaml" in bad.value.message
