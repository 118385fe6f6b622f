"""The theme's compiled templates kept between builds (``pipeline/template_cache.py``): a second
process renders the same bytes without compiling again, and an entry it did not write — forged,
swapped for another template's, damaged, or from another work folder — is never run."""

from __future__ import annotations

import marshal
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jinja2

from pipeline import audit_cache, template_cache

PAGE = "{% extends 'base.html' %}{% block body %}<p>{{ text }}</p>{% endblock %}"
BASE = "<html>{% block body %}{% endblock %}<footer>{{ 1 + 1 }}</footer></html>"


def _env(work: Path, theme: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(theme)), autoescape=True)
    template_cache.attach(env, work)
    return env


def _theme(tmp_path: Path) -> Path:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "page.html").write_text(PAGE, encoding="utf-8")
    (theme / "base.html").write_text(BASE, encoding="utf-8")
    return theme


def _render_in_a_new_process(work: Path, theme: Path) -> tuple[str, bool]:
    """(the page, whether Jinja compiled anything) in a fresh interpreter."""
    code = textwrap.dedent(
        f"""
        import jinja2
        from pipeline import template_cache
        compiled = []
        class Env(jinja2.Environment):
            def _compile(self, source, filename):
                compiled.append(filename)
                return super()._compile(source, filename)
        env = Env(loader=jinja2.FileSystemLoader({str(theme)!r}), autoescape=True)
        template_cache.attach(env, {str(work)!r})
        print(env.get_template("page.html").render(text="<公开>"))
        print(bool(compiled))
        """
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    page, compiled = done.stdout.rstrip("\n").rsplit("\n", 1)
    return page, compiled == "True"


def test_a_second_process_reuses_the_compiled_templates_and_renders_the_same(tmp_path):
    work, theme = tmp_path / "work", _theme(tmp_path)
    first = _render_in_a_new_process(work, theme)
    assert first == ("<html><p>&lt;公开&gt;</p><footer>2</footer></html>", True)
    assert len(list((work / template_cache.FOLDER).glob("*.sealed"))) == 2  # page.html and base.html
    assert _render_in_a_new_process(work, theme) == (first[0], False)


def test_a_changed_template_is_compiled_again(tmp_path):
    work, theme = tmp_path / "work", _theme(tmp_path)
    _render_in_a_new_process(work, theme)
    (theme / "base.html").write_text(BASE.replace("1 + 1", "2 + 2"), encoding="utf-8")
    assert _render_in_a_new_process(work, theme) == ("<html><p>&lt;公开&gt;</p><footer>4</footer></html>", True)


def test_forged_swapped_damaged_or_foreign_entries_are_never_run(tmp_path):
    work, theme = tmp_path / "work", _theme(tmp_path)
    clean, _ = _render_in_a_new_process(work, theme)
    folder = work / template_cache.FOLDER
    entries = sorted(folder.glob("*.sealed"))
    # another work folder's entries (another key): a build elsewhere, or an insider's own
    other = tmp_path / "other"
    _render_in_a_new_process(other, theme)
    for ours in entries:
        shutil.copy(other / template_cache.FOLDER / ours.name, ours)
    assert _render_in_a_new_process(work, theme) == (clean, True)
    # code compiled from a hostile template, sealed with no key at all or with a made-up one
    hostile = jinja2.Environment().compile("<html>PLANTED</html>", "page.html")
    for ours in sorted(folder.glob("*.sealed")):
        ours.write_bytes(audit_cache.seal(b"x" * 32, b"planted\0" + marshal.dumps(hostile)))
    assert _render_in_a_new_process(work, theme) == (clean, True)
    # one template's genuine entry under another template's name
    _render_in_a_new_process(work, theme)
    a, b = sorted(folder.glob("*.sealed"))
    a_bytes, b_bytes = a.read_bytes(), b.read_bytes()
    a.write_bytes(b_bytes)
    b.write_bytes(a_bytes)
    assert _render_in_a_new_process(work, theme) == (clean, True)
    # cut short, or not a file
    for ours in sorted(folder.glob("*.sealed")):
        ours.write_bytes(ours.read_bytes()[:40])
    assert _render_in_a_new_process(work, theme) == (clean, True)
    for ours in sorted(folder.glob("*.sealed")):
        ours.unlink()
        ours.mkdir()
    assert _render_in_a_new_process(work, theme) == (clean, True)


def test_without_a_work_key_nothing_is_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(audit_cache, "work_key", lambda work: None)
    env = _env(tmp_path / "work", _theme(tmp_path))
    assert env.bytecode_cache is None
    assert env.get_template("page.html").render(text="x") == "<html><p>x</p><footer>2</footer></html>"
