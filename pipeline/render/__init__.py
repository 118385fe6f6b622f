"""Renderers: one module per output kind, each fed the already-gated publication.

Each renderer returns a mapping of docs-tree paths to file contents (``str`` or ``bytes``)
and, where it has one, nav entries.  None of them reads item files or decides what may be
published; :mod:`pipeline.docs_tree` writes what they return.
"""
