"""From article files to a searchable Chroma store (`from index.build import build`). Nothing
is imported here, so commands that only read settings do not load Chroma."""
