"""What the README quotes and shows is what newsqa does."""

import re

from index.fetch import add_page
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_table_has_its_separator_right_under_its_header():
    lines = README.splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("|")
               and (i == 0 or not lines[i - 1].startswith("|"))]
    assert headers
    for i in headers:
        assert re.fullmatch(r"\|( *-+ *\|)+", lines[i + 1]), f"README line {i + 2}: {lines[i + 1]}"


def test_the_quoted_refusal_is_the_real_one(tmp_path):
    refused = add_page("http://127.0.0.1:8000/story", tmp_path, timeout=1, max_bytes=1000)
    assert refused.path is None
    assert refused.message in " ".join(README.split())  # the README wraps it over lines
