"""From article files to a searchable Chroma store."""

from index.build import BuildReport, build

__all__ = ["BuildReport", "build"]
