"""House habits that a reviewer should not have to remember: how tests share code.

Fixtures live in ``conftest.py`` and are used by naming them; plain helpers are imported from
``helpers`` (and the other helper modules of ``tests/``) by their bare name.  Importing
``conftest``, ``tests.<module>`` or a ``test_*`` module would load one file as a second module
(its module-level state twice) and hide fixtures from pytest's view.
"""

from __future__ import annotations

import ast

from helpers import ROOT


def _imports(path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):  # module level and inside functions alike
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_tests_share_code_one_way():
    wrong = []
    for folder in ("tests", "bench"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for line, module in _imports(path):
                top = module.split(".")[0]
                if top in ("conftest", "tests") or top.startswith("test_"):
                    wrong.append(f"{path.relative_to(ROOT)}:{line}: import of {module}")
    assert not wrong, "fixtures come from conftest.py by name; helpers via `from helpers import …`:\n" + "\n".join(
        wrong
    )


def test_a_long_module_says_why_at_its_top():
    """No module of pipeline/ over ~400 lines without the reason written in its docstring."""
    unexplained = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 420:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if not any(word in doc for word in ("Why about", "Why one module", "on purpose", "stay here")):
            unexplained.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert not unexplained, unexplained
