"""The OpenAI-compatible API, driven by the clients people use: the `openai` package (plain
and streamed) and LangChain's ChatOpenAI, against a running app."""

import base64
import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import ATTENDED, FOLLOW_UP, NAMES, SEED_ARTICLE
from tests.test_ui import serve

QUESTION = "Who attended the talks?"
SEED_FILE = SEED_ARTICLE.name


@pytest.fixture(scope="module")
def api(seed_index):
    yield from serve(seed_index)


def test_models_lists_the_reader(api):
    from openai import OpenAI

    client = OpenAI(base_url=f"{api}/v1", api_key="unused")
    assert [m.id for m in client.models.list()] == ["newsqa-extractive"]


def test_the_openai_client_gets_the_cited_answer(api):
    from openai import OpenAI

    client = OpenAI(base_url=f"{api}/v1", api_key="unused")
    completion = client.chat.completions.create(
        model="newsqa-extractive", messages=[{"role": "user", "content": QUESTION}])
    text = completion.choices[0].message.content
    assert all(name in text for name in NAMES) and "[1]" in text
    assert SEED_FILE in text.split("Sources:")[1]  # the list of sources after the answer
    citations = completion.model_extra["citations"]
    assert citations[0]["n"] == 1 and citations[0]["article_id"].endswith(SEED_FILE)
    assert citations[0]["url"] == ""  # a local file: never the server's path
    assert str(SEED_ARTICLE.parent) not in json.dumps(completion.model_dump())
    usage = completion.usage  # words, as a stand-in for tokens
    assert usage.prompt_tokens == len(QUESTION.split())
    assert usage.completion_tokens == len(text.split()) > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert citations[0]["quote"] in SEED_ARTICLE.read_text()
    assert citations[0]["end"] - citations[0]["start"] == len(citations[0]["quote"])


def test_the_openai_client_streams_chunks_ending_with_the_citations(api):
    from openai import OpenAI

    client = OpenAI(base_url=f"{api}/v1", api_key="unused")
    events = list(client.chat.completions.create(
        model="newsqa-extractive", stream=True,
        messages=[{"role": "user", "content": QUESTION}]))
    text = "".join(e.choices[0].delta.content or "" for e in events)
    assert len(events) > 3 and all(name in text for name in NAMES)
    assert events[-1].choices[0].finish_reason == "stop"
    assert events[-1].model_extra["citations"][0]["article_id"].endswith(SEED_FILE)


def test_langchain_chat_openai_gets_the_names_and_the_source(api):
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=f"{api}/v1", api_key="unused", model="newsqa-extractive")
    reply = chat.invoke(QUESTION)
    assert all(name in reply.content for name in NAMES) and SEED_FILE in reply.content
    streamed = "".join(piece.content for piece in chat.stream(QUESTION))
    assert streamed == reply.content


def test_a_follow_up_uses_the_history(api):
    from openai import OpenAI

    client = OpenAI(base_url=f"{api}/v1", api_key="unused")
    completion = client.chat.completions.create(model="newsqa-extractive", messages=[
        {"role": "system", "content": "Be brief."}, *ATTENDED,
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]}])
    assert completion.choices[0].message.content.startswith("**Ted Sarandos**")
    assert completion.model_extra["citations"]


def raw(url, body: bytes, headers=None):
    request = urllib.request.Request(f"{url}/v1/chat/completions", body,
                                     {"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.mark.parametrize("body, status, message", [
    (b"{not json", 400, "not valid JSON"),
    (b"[]", 400, "JSON object"),
    (b'{"model": "newsqa-extractive"}', 400, "messages must be a non-empty list"),
    (b'{"messages": [{"role": "assistant", "content": "hi"}]}', 400, "last message"),
    (b'{"messages": [{"role": "user", "content": ""}]}', 400, "The question is empty"),
    (b'{"model": "gpt-9", "messages": [{"role": "user", "content": "Who?"}]}', 404,
     "does not exist"),
])
def test_bad_requests_get_openai_style_errors(api, body, status, message):
    got, error = raw(api, body)
    assert got == status and message in error["error"]["message"]
    assert set(error["error"]) == {"message", "type", "param", "code"}


def test_unknown_fields_are_ignored(api):
    status, body = raw(api, json.dumps({"messages": [{"role": "user", "content": QUESTION}],
                                        "temperature": 0.2, "tools": [], "user": "x"}).encode())
    assert status == 200 and body["object"] == "chat.completion"


def test_with_auth_the_api_key_is_user_and_password(seed_index):
    from openai import AuthenticationError, OpenAI

    for url in serve(seed_index, auth=("desk", "s3cret")):
        with pytest.raises(AuthenticationError):
            OpenAI(base_url=f"{url}/v1", api_key="guess").models.list()
        client = OpenAI(base_url=f"{url}/v1", api_key="desk:s3cret")
        assert [m.id for m in client.models.list()] == ["newsqa-extractive"]
        basic = "Basic " + base64.b64encode(b"desk:s3cret").decode()
        status, _ = raw(url, json.dumps({"messages": [{"role": "user", "content": QUESTION}]})
                        .encode(), {"Authorization": basic})
        assert status == 200
