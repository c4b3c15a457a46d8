"""One concurrency limit for every way in: past it, a client is told to come back."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from qa.errors import Busy
from tests.test_ui import serve
from ui.gate import Gate


def test_the_gate_lets_in_what_fits_and_refuses_the_rest_at_once():
    gate = Gate(running=1, waiting=1, wait_s=5)
    entered, release = threading.Event(), threading.Event()

    def hold():
        with gate.slot():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    waiter_done = []

    def wait_in_line():
        with gate.slot():
            waiter_done.append(True)

    waiter = threading.Thread(target=wait_in_line)
    waiter.start()  # waits in line: the one place left
    while gate._inside < 2:  # noqa: SLF001 (until the waiter is in line)
        threading.Event().wait(0.01)
    with pytest.raises(Busy, match="try again in 5 seconds"):
        with gate.slot():
            pass
    release.set()
    holder.join(5)
    waiter.join(5)
    assert waiter_done == [True]


def test_a_slot_not_freed_in_time_is_refused():
    gate = Gate(running=1, waiting=4, wait_s=0.2)
    with gate.slot():
        with pytest.raises(Busy):
            with gate.slot():
                pass
    with gate.slot():  # freed again
        pass


def post(url, path, body):
    request = urllib.request.Request(url + path, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def test_every_way_in_answers_503_with_retry_after_when_full(seed_index):
    from gradio_client import Client

    gate = Gate(running=1, waiting=0)
    question = "Who attended the talks?"
    for url in serve(seed_index, gate=gate):
        assert post(url, "/api/answer", {"question": question})[0] == 200
        with gate.slot():  # every slot taken
            status, headers, body = post(url, "/api/answer", {"question": question})
            assert status == 503 and headers["Retry-After"] == "5"
            assert "try again in 5 seconds" in body["error"]
            status, headers, body = post(url, "/v1/chat/completions", {
                "model": "newsqa-extractive",
                "messages": [{"role": "user", "content": question}]})
            assert status == 503 and headers["Retry-After"] == "5"
            assert body["error"]["type"] == "server_busy"
            with pytest.raises(Exception, match="try again in 5 seconds"):
                Client(url, verbose=False).predict(question, api_name="/chat")
        assert post(url, "/api/answer", {"question": question})[0] == 200
