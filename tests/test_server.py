"""`kb serve`: the JSON API answers searches, reports health and refuses bad requests with 4xx."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kb.server import serve


@pytest.fixture
def server(seed_index):
    srv = serve(seed_index, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_search_and_health(server):
    code, body = get(server + "/health")
    assert code == 200 and body["documents"] == 5
    code, body = get(server + "/search?" + urllib.parse.urlencode({"q": "出口信用保险", "k": 3, "level": "national"}))
    assert code == 200 and 1 <= len(body["hits"]) <= 3
    assert {h["level"] for h in body["hits"]} == {"national"}
    assert all(h["match"] for h in body["hits"]) and "weak" not in body  # weaker ones only on request
    code, body = get(server + "/search?" + urllib.parse.urlencode({"q": "住房公积金提取", "weak": 1}))
    assert code == 200 and body["hits"] == [] and body["message"] and "weak" in body


def test_bad_requests(server):
    assert get(server + "/nope")[0] == 404
    assert get(server + "/search?q=x&level=city")[0] == 400
    assert get(server + "/search?q=x&k=abc")[0] == 400
    code, body = get(server + "/search?q=")
    assert code == 200 and body["hits"] == []
