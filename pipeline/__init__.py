"""commerce-portal: the content pipeline of a 市商务局 publishing portal.

Items (信息) are Markdown files with YAML front matter under ``content/items/``.  The
pipeline reads them once, runs them through small stages — load → validate → gates →
number → count → render — and writes a plain docs tree that mkdocs-material (or Zensical)
renders.  Each stage is a function over immutable :class:`pipeline.model.Item` records and
returns new records plus :class:`pipeline.findings.Finding` data; only the CLI prints.
"""

__version__ = "0.1.0"
