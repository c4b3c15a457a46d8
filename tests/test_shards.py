"""Shards: N indexers build one index on a Chroma server at once, each its own stable share
of the articles, with no chunk lost or duplicated."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from index.build import Shard, build
from index.store import Store
from tests.conftest import ROOT, corpus_records, settings_for


def test_shards_split_the_articles_stably_and_completely():
    ids = [f"wire/{n}.txt" for n in range(400)]
    shares = [[i for i in ids if Shard(n, 3).owns(i)] for n in (1, 2, 3)]
    assert sorted(sum(shares, [])) == sorted(ids)  # each article in exactly one shard
    assert all(100 < len(share) < 170 for share in shares)
    assert shares == [[i for i in ids if Shard.parse(f"{n}/3").owns(i)] for n in (1, 2, 3)]
    assert all(Shard().owns(i) for i in ids)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text):
    with pytest.raises(ValueError, match=r"--shard must look like 1/4 \(shard 1 of 4\)"):
        Shard.parse(text)


def test_two_shards_build_one_index_on_a_chroma_server_at_once(tmp_path, chroma_server,
                                                               embeddings):
    records = corpus_records(24, start=5000)
    corpus = tmp_path / "wire.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records))
    collection = f"s{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSQA_CHROMA_URL": chroma_server.url,
           "NEWSQA_COLLECTION": collection}

    def index(*args):
        return subprocess.Popen([sys.executable, "-m", "ui.cli", "index", str(corpus), *args],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    both = [index("--shard", "1/2"), index("--shard", "2/2")]  # at the same time
    outputs = [p.communicate(timeout=600) for p in both]
    assert [p.returncode for p in both] == [0, 0], outputs
    new = [int(out.split("indexed: ")[1].split(" new")[0]) for out, _ in outputs]
    assert sum(new) == 24 and min(new) > 0

    sharded = Store(settings_for(tmp_path, chroma_url=chroma_server.url, collection=collection))
    whole_settings = settings_for(tmp_path, chroma_url=chroma_server.url,
                                  collection=f"w{uuid.uuid4().hex[:12]}")
    build([corpus], whole_settings, embeddings=embeddings)
    whole = Store(whole_settings)
    assert sorted(sharded.catalog()) == sorted(whole.catalog())
    assert sorted(c.id for c in sharded.all_chunks()) == sorted(c.id for c in whole.all_chunks())

    gone = next(r for r in records if Shard(1, 2).owns(str(r.get("id") or r.get("doc_id"))))
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records if r is not gone))
    second = index("--shard", "2/2").communicate(timeout=600)[0]
    assert " 0 removed" in second  # not its article
    first = index("--shard", "1/2").communicate(timeout=600)[0]
    assert " 1 removed" in first
    assert len(sharded.catalog()) == 23

    refused = index("--shard", "1/2", "--rebuild")
    assert refused.communicate(timeout=120)[1] == (
        "newsqa: --rebuild starts the whole index over: run it once without --shard, then the "
        "shards.\n") and refused.returncode == 2
