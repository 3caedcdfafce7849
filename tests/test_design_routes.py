"""/v1/plan, /v1/refine, /v1/variations against a REAL server process, and the LLM path
against a REAL chat-completions server on loopback that the test runs (answering well,
badly, slowly, or not at all)."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ai_server.llm import LLMFailure, extract_json, spec_from_answer
from aura_addon.jewelry.intent import parse
from aura_addon.jewelry.spec import DesignSpec
from tests.server_process import ServerProcess

SAPPHIRE = "1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif"
API_KEY = "sk-aura-test-7f3c9e1d5b-SECRET"
LLM_TIMEOUT_S = 2.0
SLOW_S = 5.0
# What the fake model proposes: clearly not what the rules read from SAPPHIRE.
LLM_SPEC = {
    "spec_version": 1,
    "size": {"system": "UK", "value": "N"},
    "metal": "platinum_950",
    "gem": {"cut": "cushion", "stone": "spinel", "carat": 1.2},
    "setting": {"type": "prong", "prongs": 6},
    "motif": None,
}


def completion(content: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "tiny-test",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }


class FakeLLM:
    """A tiny OpenAI-compatible chat-completions server; `mode` says how it answers."""

    def __init__(self):
        self.mode = "good"
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # keep the test output quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw)
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status, payload = fake.answer(body, self.headers.get("Authorization", ""))
                if fake.mode == "slow":
                    time.sleep(SLOW_S)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout case)

        self.handler = Handler
        self.port = 0

    def start(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @contextmanager
    def down(self):
        """Nothing listens on the model's port for a while (a dead endpoint)."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, body: dict, authorization: str) -> tuple[int, dict]:
        if self.mode in ("good", "slow"):
            return 200, completion("Here is the spec:\n```json\n" + json.dumps(LLM_SPEC) + "\n```")
        if self.mode == "plain":
            return 200, completion(json.dumps(LLM_SPEC))
        if self.mode == "no_json_mode":  # refuses response_format, like some local servers
            if "response_format" in body:
                return 400, {"error": {"message": "response_format is not supported"}}
            return 200, completion(json.dumps(LLM_SPEC))
        if self.mode == "invalid_json":
            return 200, completion("A lovely ring: {size: seven, metal: 'gold', gem: oval")
        if self.mode == "schema":
            return 200, completion(json.dumps({**LLM_SPEC, "metal": "unobtainium"}))
        if self.mode == "deep":  # nested past Python's recursion limit
            return 200, completion('{"spec": ' + '{"a": ' * 3000 + "1" + "}" * 3001)
        if self.mode == "http_error":  # a careless server that echoes the credentials
            return 401, {"error": {"message": f"invalid credentials: {authorization}"}}
        raise AssertionError(self.mode)

    def __enter__(self) -> FakeLLM:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


@pytest.fixture(scope="module")
def fake_llm():
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(scope="module")
def rules_server(tmp_path_factory):
    no_llm = {"AURA_LLM_URL": "", "AURA_LLM_API_KEY": ""}
    with ServerProcess(tmp_path_factory.mktemp("rules") / "data", env=no_llm) as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory, fake_llm):
    # configured by the command-line flags; only the key comes from the environment
    data = tmp_path_factory.mktemp("llm") / "data"
    flags = [
        "--llm-url",
        fake_llm.url,
        "--llm-model",
        "tiny-test",
        "--llm-timeout",
        str(LLM_TIMEOUT_S),
    ]
    env = {"AURA_LLM_URL": "", "AURA_LLM_MODEL": "", "AURA_LLM_API_KEY": API_KEY}
    with ServerProcess(data, args=flags, env=env) as server:
        yield server


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    return error


# ------------------------------------------------------------ the rules, offline


def test_plan_with_the_rules(rules_server):
    response = rules_server.post("/v1/plan", json={"text": SAPPHIRE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "rules"
    assert "fallback_reason" not in body
    spec = DesignSpec.from_dict(body["spec"])
    assert (spec.gem.cut, spec.gem.stone, spec.setting.type) == ("oval", "sapphire", "bezel")
    assert (spec.size.system, spec.size.value, spec.motif.prompt) == ("UK", "M", "vine")
    assert body["understood"]["size"]["words"] == "UK M"
    assert body["understood"]["shank.profile"]["source"] == "default"


def test_refine_with_the_rules(rules_server):
    spec = parse(SAPPHIRE).spec.to_dict()
    body = {"spec": spec, "instruction": "half a size bigger, switch to platinum, six prongs"}
    response = rules_server.post("/v1/refine", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    new = DesignSpec.from_dict(answer["spec"])
    assert answer["provider"] == "rules"
    assert (new.size.value, new.metal, new.setting.type, new.setting.prongs) == (
        "M 1/2",
        "platinum_950",
        "prong",
        6,
    )
    assert answer["understood"]["size"]["words"] == "half a size bigger"
    assert answer["understood"]["gem.cut"]["source"] == "base"


def test_variations(rules_server):
    spec = parse(SAPPHIRE).spec.to_dict()
    response = rules_server.post("/v1/variations", json={"spec": spec, "n": 5, "seed": 42})
    assert response.status_code == 200, response.text
    specs = response.json()["specs"]
    assert len(specs) == 5
    built = [DesignSpec.from_dict(s) for s in specs]
    identities = {json.dumps({**s, "name": ""}, sort_keys=True) for s in specs}
    assert len(identities) == 5
    assert all(b.name for b in built)
    again = rules_server.post("/v1/variations", json={"spec": spec, "n": 5, "seed": 42}).json()
    assert again["specs"] == specs
    one = rules_server.post("/v1/variations", json={"spec": spec, "n": 1}).json()
    assert len(one["specs"]) == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "words"),
    [
        ("/v1/plan", {}, 422, "invalid_request", "text"),
        ("/v1/plan", {"text": "   "}, 422, "invalid_request", "text is empty"),
        ("/v1/plan", {"text": "ring " * 20_000}, 413, "too_large", "at most 2000"),
        ("/v1/plan", {"text": 7}, 422, "invalid_request", "text"),
        ("/v1/plan", {"text": "ruby", "extra": 1}, 422, "invalid_request", "extra"),
        ("/v1/plan", {"text": "size 40"}, 422, "impossible_value", "size 40"),
        ("/v1/plan", {"text": "five prongs"}, 422, "impossible_value", "3, 4 or 6"),
        ("/v1/refine", {"spec": {}}, 422, "invalid_request", "instruction"),
        (
            "/v1/refine",
            {"spec": {"gem": {"carat": 99}}, "instruction": "a size up"},
            422,
            "invalid_spec",
            "gem.carat",
        ),
        ("/v1/refine", {"spec": [], "instruction": "a size up"}, 422, "invalid_request", "spec"),
        (
            "/v1/refine",
            {"spec": {"size": {"system": "US", "value": 1}}, "instruction": "a size smaller"},
            422,
            "impossible_value",
            "1 to 16",
        ),
        ("/v1/variations", {"spec": {}, "n": 9}, 422, "invalid_request", "1 to 5"),
        ("/v1/variations", {"spec": {}, "n": 0}, 422, "invalid_request", "1 to 5"),
        ("/v1/variations", {"spec": {}, "n": "3"}, 422, "invalid_request", "n"),
        ("/v1/variations", {"spec": {}, "seed": -1}, 422, "invalid_request", "seed"),
        ("/v1/variations", {"spec": {"metal": "gold"}}, 422, "invalid_spec", "metal"),
    ],
)
def test_bad_input_is_a_json_error_naming_the_problem(
    rules_server, path, body, status, code, words
):
    error = error_of(rules_server.post(path, json=body), status)
    assert error["code"] == code
    assert words in error["message"]


def test_a_body_that_is_not_json(rules_server):
    response = rules_server.post(
        "/v1/plan", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert error_of(response, 400)["code"] == "malformed_json"


# ------------------------------------------------------------ an LLM on loopback


def test_plan_by_the_llm(llm_server, fake_llm):
    fake_llm.mode = "good"
    fake_llm.requests.clear()
    response = llm_server.post("/v1/plan", json={"text": SAPPHIRE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "llm"
    assert "fallback_reason" not in body
    assert body["spec"] == DesignSpec.from_dict(LLM_SPEC).to_dict()
    assert body["understood"]["metal"] == {"value": "platinum_950", "source": "llm", "words": None}
    # what the model was sent: the chat-completions protocol, the schema, the key
    (request,) = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    sent = request["body"]
    assert sent["model"] == "tiny-test"
    assert sent["response_format"] == {"type": "json_object"}
    system, user = sent["messages"]
    assert system["role"] == "system" and user == {"role": "user", "content": SAPPHIRE}
    for name in ("gold_18k_white_pd", "knife-edge", "marquise", "tanzanite", "image-to-3d"):
        assert name in system["content"]


def test_refine_by_the_llm(llm_server, fake_llm):
    fake_llm.mode = "plain"
    fake_llm.requests.clear()
    spec = parse(SAPPHIRE).spec.to_dict()
    response = llm_server.post("/v1/refine", json={"spec": spec, "instruction": "make it platinum"})
    body = response.json()
    assert body["provider"] == "llm", body
    assert body["spec"]["metal"] == "platinum_950"
    asked = fake_llm.requests[0]["body"]["messages"][1]["content"]
    assert "make it platinum" in asked and '"vine"' in asked  # the current spec went along


def test_a_server_without_json_mode_is_asked_again_without_it(llm_server, fake_llm):
    fake_llm.mode = "no_json_mode"
    fake_llm.requests.clear()
    body = llm_server.post("/v1/plan", json={"text": SAPPHIRE}).json()
    assert body["provider"] == "llm", body
    assert ["response_format" in r["body"] for r in fake_llm.requests] == [True, False]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("invalid_json", "no JSON object"),
        ("schema", "metal: 'unobtainium' is not allowed"),
        ("http_error", "HTTP 401"),
        ("deep", "nested too deeply"),
    ],
)
def test_a_bad_answer_falls_back_to_the_rules(llm_server, fake_llm, mode, reason):
    fake_llm.mode = mode
    response = llm_server.post("/v1/plan", json={"text": SAPPHIRE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "rules"
    assert reason in body["fallback_reason"]
    assert body["spec"] == parse(SAPPHIRE).spec.to_dict()
    assert API_KEY not in response.text


def test_refine_falls_back_too(llm_server, fake_llm):
    fake_llm.mode = "schema"
    spec = parse(SAPPHIRE).spec.to_dict()
    body = llm_server.post("/v1/refine", json={"spec": spec, "instruction": "a size up"}).json()
    assert body["provider"] == "rules"
    assert "unobtainium" in body["fallback_reason"]
    assert body["spec"]["size"]["value"] == "N"


def test_a_slow_model_times_out_without_blocking_the_server(llm_server, fake_llm):
    fake_llm.mode = "slow"
    result = {}

    def ask():
        started = time.monotonic()
        result["response"] = llm_server.post("/v1/plan", json={"text": SAPPHIRE}, timeout=30)
        result["elapsed"] = time.monotonic() - started

    asking = threading.Thread(target=ask)
    asking.start()
    time.sleep(0.5)  # the plan request is now waiting on the model
    started = time.monotonic()
    health = httpx.get(f"{llm_server.base_url}/v1/health", timeout=5)
    assert health.status_code == 200
    assert time.monotonic() - started < 0.5  # the event loop is free
    asking.join()
    body = result["response"].json()
    assert body["provider"] == "rules"
    assert f"within {LLM_TIMEOUT_S:g} s" in body["fallback_reason"]
    assert LLM_TIMEOUT_S - 0.2 < result["elapsed"] < SLOW_S
    assert DesignSpec.from_dict(body["spec"]).gem.stone == "sapphire"


def test_an_unreachable_model_falls_back(llm_server, fake_llm):
    fake_llm.mode = "good"
    with fake_llm.down():
        with pytest.raises(httpx.ConnectError):
            httpx.get(fake_llm.url)  # the port is really dead
        response = llm_server.post("/v1/plan", json={"text": SAPPHIRE})
    body = response.json()
    assert body["provider"] == "rules"
    assert "cannot reach the LLM" in body["fallback_reason"]
    assert body["spec"] == parse(SAPPHIRE).spec.to_dict()
    assert API_KEY not in response.text


def test_the_key_never_reaches_a_response_or_the_log(llm_server, fake_llm):
    fake_llm.mode = "http_error"  # echoes the Authorization header back
    response = llm_server.post("/v1/plan", json={"text": SAPPHIRE})
    assert "***" in response.json()["fallback_reason"]  # scrubbed, not merely absent
    assert API_KEY not in response.text
    with fake_llm.down():
        response = llm_server.post("/v1/refine", json={"spec": {}, "instruction": "a size up"})
    assert response.json()["provider"] == "rules" and API_KEY not in response.text
    log = llm_server.log_path.read_text(errors="replace")
    assert "the rules answer instead" in log  # the fallbacks were logged...
    assert "HTTP 401" in log and "cannot reach" in log
    assert API_KEY not in log  # ...without the key


# ------------------------------------------------------------ reading a model's answer


@pytest.mark.parametrize(
    "answer",
    [
        json.dumps(LLM_SPEC),
        "<think>the user wants {a ring}</think>\n" + json.dumps(LLM_SPEC),
        "Sure! ```json\n" + json.dumps(LLM_SPEC, indent=2) + "\n``` Enjoy.",
        json.dumps({"spec": LLM_SPEC}),
    ],
)
def test_the_spec_is_found_in_the_answer(answer):
    assert spec_from_answer(answer) == DesignSpec.from_dict(LLM_SPEC)


def test_answers_without_a_usable_spec():
    with pytest.raises(LLMFailure, match="no JSON object"):
        extract_json("no idea [1, 2] {broken")
    with pytest.raises(LLMFailure, match="breaks the schema"):
        spec_from_answer(json.dumps({**LLM_SPEC, "gem": ["round"]}))
    with pytest.raises(LLMFailure, match="breaks the schema"):
        spec_from_answer(json.dumps({**LLM_SPEC, "colour": "red"}))
