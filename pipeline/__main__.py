"""``python -m pipeline`` is the same as the ``portal`` console script."""

from pipeline.cli import run

if __name__ == "__main__":  # pragma: no cover
    run()
