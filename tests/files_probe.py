"""mkdocs' own ``get_files`` beside :mod:`pipeline.mkdocs_files`: a small mkdocs config and docs
folder, and every attribute of the Files either gives, for the tests that compare them
(test_mkdocs_files.py, test_redteam_lead.py)."""

from __future__ import annotations

from mkdocs.config import load_config
from mkdocs.structure.files import get_files, set_exclusions

ATTRS = (
    "src_uri",
    "src_path",
    "src_dir",
    "dest_dir",
    "use_directory_urls",
    "inclusion",
    "dest_uri",
    "dest_path",
    "url",
    "name",
    "abs_src_path",
    "abs_dest_path",
    "generated_by",
)


def config_for(tmp_path, directory_urls=True, not_in_nav="/bureau/2026/\n/stats/"):
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\ndocs_dir: docs\nsite_dir: site\n"
        f"use_directory_urls: {str(directory_urls).lower()}\n"
        "exclude_docs: |\n  drafts/\n"
        "not_in_nav: |\n" + "".join(f"  {line}\n" for line in not_in_nav.splitlines()),
        encoding="utf-8",
    )
    return load_config(str(tmp_path / "mkdocs.yml"))


def write_docs(docs, names):
    for name in names:
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n", encoding="utf-8")


def described(files):
    return [tuple(getattr(f, attr) for attr in ATTRS) + (f.is_documentation_page(),) for f in files]


def mkdocs_described(config):
    files = get_files(config)
    set_exclusions(files, config)
    return described(files)
