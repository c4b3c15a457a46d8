"""Dropped article files: saved under their own names, never over another file."""

import pytest

from index import uploads
from index.uploads import save_upload


def test_a_file_is_saved_under_its_name_then_numbered(tmp_path):
    source = tmp_path / "incoming"
    source.write_text("Harbour news")
    folder = tmp_path / "articles"
    first = save_upload(source, "story.txt", folder)
    second = save_upload(source, "story.txt", folder)
    third = save_upload(source, "../../story.txt", folder)  # only the name counts
    assert [s.path for s in (first, second, third)] == [
        folder / "story.txt", folder / "story-2.txt", folder / "story-3.txt"]
    assert first.message == f"saved: {folder / 'story.txt'}"
    assert sorted(p.name for p in folder.iterdir()) == ["story-2.txt", "story-3.txt",
                                                        "story.txt"]


def test_a_gzipped_jsonl_keeps_both_suffixes(tmp_path):
    source = tmp_path / "incoming"
    source.write_bytes(b"\x1f\x8b")
    folder = tmp_path / "articles"
    save_upload(source, "wire.jsonl.gz", folder)
    assert save_upload(source, "wire.jsonl.gz", folder).path == folder / "wire-2.jsonl.gz"


@pytest.mark.parametrize("name", ["photo.png", "notes", "script.py", "archive.tar.gz"])
def test_kinds_newsqa_does_not_read_are_refused(tmp_path, name):
    source = tmp_path / "incoming"
    source.write_text("x")
    saved = save_upload(source, name, tmp_path / "articles")
    assert saved.path is None and saved.message.startswith(f"skipped {name}: newsqa reads .txt")
    assert not (tmp_path / "articles").exists()


def test_files_over_the_index_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 1_000_000)
    source = tmp_path / "incoming"
    source.write_bytes(b"x" * 1_000_001)
    saved = save_upload(source, "big.txt", tmp_path / "articles")
    assert saved.path is None and saved.message == "skipped big.txt: larger than 1 MB"
