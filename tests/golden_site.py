"""The golden whole-site test's build and comparison, in Pelican's manner (``tests/output/``).

A small fixed site — ``tests/golden/content`` (15 items over 3 sub-sites: one withheld by
declaration, one repeated in a second sub-site) with the demo's ``site_config/`` overlaid by the
few files in ``tests/golden/site_config`` — is built with the real CLI at a fixed ``--as-of``
and compared byte for byte with ``tests/golden/expected/``. ``tests/test_golden.py`` runs the
comparison; ``make golden`` (this file run as a script) rewrites the expected output after an
intended change, so that the diff is reviewed in the commit.

Not compared (``EXCLUDED``): files the site copies from mkdocs-material, the theme and Pagefind
rather than generates from content, and the manifest that lists their hashes.
"""

from __future__ import annotations

import difflib
import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXPECTED = GOLDEN / "expected"
AS_OF = "2026-03-01"  # after the newest item (2026-02-26): no future-date warning, one fixed reference date

# (glob over the site-relative path, why it is not compared)
EXCLUDED = (
    ("assets/*", "mkdocs-material's and theme/'s CSS, JavaScript, fonts and images: copied, not built from content"),
    ("pagefind/*", "Pagefind's search index, its JavaScript and WebAssembly: big, binary, and not ours"),
    ("portal-manifest.json", "hashes of every file, the excluded ones too (tests/test_manifest.py checks it)"),
)


def excluded(rel: str) -> bool:
    return any(fnmatch.fnmatch(rel, pattern) for pattern, _ in EXCLUDED)


def compared_files(site: Path) -> dict[str, Path]:
    """Every file of a built (or expected) site that the golden test compares, by site-relative path."""
    files = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not excluded(rel):
            files[rel] = path
    return files


def build(tmp: Path) -> Path:
    """Build the golden site in ``tmp`` with the real CLI; returns the site folder."""
    content, config = tmp / "content", tmp / "site_config"
    shutil.copytree(GOLDEN / "content", content)  # the build maintains the 索引号 ledger in content/
    # the upstream snapshot (查重) is the demo's: upstream.yaml names it relative to the project root
    shutil.copytree(ROOT / "content" / "upstream", content / "upstream")
    shutil.copytree(ROOT / "site_config", config)
    for override in sorted((GOLDEN / "site_config").glob("*.yaml")):
        shutil.copy(override, config / override.name)
    out = tmp / "site"
    args = ["build", "--content", str(content), "--config", str(config), "--out", str(out)]
    args += ["--work", str(tmp / "work"), "--as-of", AS_OF, "--no-wait"]
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"golden build failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return out


def differences(built: Path, expected: Path = EXPECTED, shown: int = 3, lines: int = 40) -> str:
    """'' when the compared files are byte-identical; else a readable account: missing and extra
    files, then a unified diff of the first ``shown`` differing files (``lines`` lines each)."""
    got, want = compared_files(built), compared_files(expected)
    missing = sorted(want.keys() - got.keys())
    extra = sorted(got.keys() - want.keys())
    changed = [rel for rel in sorted(want.keys() & got.keys()) if want[rel].read_bytes() != got[rel].read_bytes()]
    if not (missing or extra or changed):
        return ""
    report = [f"golden site differs: {len(changed)} changed, {len(missing)} missing, {len(extra)} extra"]
    report += [f"  missing: {rel}" for rel in missing] + [f"  extra:   {rel}" for rel in extra]
    report += [f"  changed: {rel}" for rel in changed]
    for rel in changed[:shown]:
        report.append("")
        try:
            old = want[rel].read_text(encoding="utf-8").splitlines()
            new = got[rel].read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            report.append(f"{rel}: binary file differs")
            continue
        diff = list(difflib.unified_diff(old, new, f"expected/{rel}", f"built/{rel}", lineterm="", n=2))
        report += diff[:lines] + ([f"… {len(diff) - lines} more diff lines"] if len(diff) > lines else [])
    report.append(
        "\nAn intended change? Run `make golden` and review the diff of tests/golden/expected/ in the commit."
    )
    return "\n".join(report)


def regenerate(tmp: Path) -> None:
    """Rebuild the golden site and replace ``tests/golden/expected/`` with its compared files."""
    built = build(tmp)
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for rel, path in compared_files(built).items():
        target = EXPECTED / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        regenerate(Path(tmp))
    total = sum(p.stat().st_size for p in compared_files(EXPECTED).values())
    print(f"tests/golden/expected/: {len(compared_files(EXPECTED))} files, {total // 1024} KB — review with git diff")
