"""Renderers: one module per output kind, each fed the already-gated publication.

Each renderer's ``render`` returns one shape, :class:`pipeline.render.common.Output`: the
docs-tree files (path → ``str`` or ``bytes``), the nav sections it adds and its findings.
None of them reads item files or decides what may be published; :mod:`pipeline.docs_tree`
writes what they return.
"""
