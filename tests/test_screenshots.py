"""The README's pictures are taken by bench/screenshots.py in a real browser; running it here
keeps the script working and the pictures current."""

import importlib.util

import pytest

from tests.conftest import ROOT
from tests.test_ui import NAMES


def script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "bench" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.browser
def test_the_script_takes_the_readme_pictures_and_they_show_todays_answers(tmp_path):
    screenshots = script()
    first, follow_up = screenshots.main(tmp_path)
    for name in ("chat.png", "followup.png"):
        picture = (tmp_path / name).read_bytes()
        assert picture.startswith(b"\x89PNG") and len(picture) > 20_000
    assert all(name in first for name in NAMES) and follow_up.strip().startswith("Ted Sarandos")
    committed = (ROOT / "docs" / "screenshots.txt").read_text()
    assert (tmp_path / "screenshots.txt").read_text() == committed, (
        "The chat answers differently from the README's pictures: run `make screenshots`.")
