"""The HTTP API of a real server process: end to end jobs, status, history, and bad input."""

from __future__ import annotations

import base64
import io
import os
import statistics
import threading
import time

import httpx
import pytest
import trimesh
from PIL import Image

from tests.server_process import ServerProcess

SLOW = {"prompt": "a pebble", "params": {"resolution": 320}}  # seconds of real sampling work


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("api") / "data") as running:
        yield running


def load_obj(response: httpx.Response) -> trimesh.Trimesh:
    return trimesh.load(io.BytesIO(response.content), file_type="obj", force="mesh", process=True)


def png_base64(size=(32, 32)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def assert_error(response: httpx.Response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["code"] and error["message"]
    for word in words:
        assert word.lower() in error["message"].lower(), error["message"]
    return error


# ---------------------------------------------------------------- service


def test_health_and_status(server):
    assert server.get("/v1/health").json() == {"status": "ok", "version": "0.1.0"}
    status = server.get("/v1/status").json()
    assert status["device"]["device"] in {"cuda", "mps", "cpu"}
    if status["device"]["device"] == "cpu":
        assert status["device"]["memory_total_mb"] is None
    backends = status["backends"]
    assert set(backends) == {"procedural", "shap-e", "image-to-3d"}
    assert backends["procedural"]["available"] is True
    for info in backends.values():
        assert (
            isinstance(info["available"], bool)
            and isinstance(info["reason"], str)
            and info["reason"]
        )
        assert isinstance(info["loaded"], bool) and isinstance(info["models"], dict)
    assert set(status["queue"]) == {"cpu", "device"}
    assert all(lane["alive"] for lane in status["queue"].values())


# ---------------------------------------------------------------- jobs end to end


def test_procedural_job_end_to_end(server):
    response = server.post("/v1/jobs", json={"prompt": "a heart", "size_mm": 14.0, "seed": 3})
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] in {"queued", "running", "succeeded"}
    job = server.wait_job(accepted["id"])
    assert job["status"] == "succeeded", job
    assert job["kind"] == "mesh" and job["backend"] == "procedural" and job["progress"] == 1.0
    assert job["timings"]["run_s"] >= 0 and job["finished_at"]
    result = job["result"]
    assert result["watertight"] is True and result["info"]["motif"] == "heart"
    assert result["mesh_url"] == f"/v1/jobs/{job['id']}/mesh.obj"

    mesh_response = server.get(result["mesh_url"])
    assert mesh_response.status_code == 200
    mesh = load_obj(mesh_response)
    assert mesh.is_watertight and mesh.volume > 0
    assert max(mesh.extents) == pytest.approx(14.0, rel=0.01)
    assert len(mesh.faces) == result["faces"] <= 20_000
    assert mesh.bounds.ravel().tolist() == pytest.approx(sum(result["bounds_mm"], []), abs=1e-3)
    assert abs(mesh.bounds.mean(axis=0)).max() < 1e-3  # centred


def test_max_faces_param_decimates(server):
    job = server.wait_job(server.submit(prompt="a rose", params={"max_faces": 3000}))
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["faces"] <= 3000 and result["cleanup"]["decimated_from"] > 3000
    mesh = load_obj(server.get(result["mesh_url"]))
    assert mesh.is_watertight and len(mesh.faces) <= 3000


def test_history_lists_recent_jobs(server):
    ids = [server.submit(prompt=f"a star {i}") for i in range(3)]
    for job_id in ids:
        server.wait_job(job_id)
    listed = server.get("/v1/jobs", params={"limit": 3}).json()["jobs"]
    assert [job["id"] for job in listed] == ids[::-1]  # newest first
    succeeded = server.get("/v1/jobs", params={"status": "succeeded", "limit": 500}).json()["jobs"]
    assert set(ids) <= {job["id"] for job in succeeded}


def test_missing_weights_fail_at_once(server):
    # the server's HF cache is empty: a model backend cannot run, and says how to fix it
    started = time.monotonic()
    response = server.post("/v1/jobs", json={"prompt": "a dragon", "backend": "shap-e"})
    assert response.status_code == 202
    assert response.json()["status"] == "failed"
    job = server.get(f"/v1/jobs/{response.json()['id']}").json()
    assert time.monotonic() - started < 30
    assert job["status"] == "failed"
    assert "python -m ai_server models download" in job["error"]


def test_health_stays_fast_and_running_job_cancels(server):
    job_id = server.submit(**SLOW)
    server.wait_job(job_id, statuses={"running"})
    latencies = []
    for _ in range(10):
        started = time.perf_counter()
        assert server.get("/v1/health").status_code == 200
        latencies.append(time.perf_counter() - started)
    assert statistics.median(latencies) < 0.05, latencies

    response = server.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code in (200, 202), response.text
    assert response.json()["cancel_requested"] is True
    job = server.wait_job(job_id, timeout_s=30)
    assert job["status"] == "cancelled" and job["error"] == "cancelled while running"
    assert_error(server.post(f"/v1/jobs/{job_id}/cancel"), 409, "already ended")


def test_cancel_queued_job(server):
    slow_id = server.submit(**SLOW)
    queued_id = server.submit(prompt="a moon")  # same lane: waits behind the slow job
    response = server.post(f"/v1/jobs/{queued_id}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    server.post(f"/v1/jobs/{slow_id}/cancel")
    assert server.wait_job(slow_id, timeout_s=30)["status"] == "cancelled"
    job = server.get(f"/v1/jobs/{queued_id}").json()
    assert job["status"] == "cancelled" and job["started_at"] is None  # it never ran
    assert_error(server.get(f"/v1/jobs/{queued_id}/mesh.obj"), 409, "cancelled")


def test_twenty_concurrent_clients(server):
    results: dict[int, dict] = {}
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            with httpx.Client(base_url=server.base_url, timeout=120) as http:
                body = {
                    "prompt": ["a heart", "a star", "a leaf", "a knot", "a blob"][i % 5],
                    "seed": i,
                }
                accepted = http.post("/v1/jobs", json=body)
                assert accepted.status_code == 202, accepted.text
                job_id = accepted.json()["id"]
                while True:
                    job = http.get(f"/v1/jobs/{job_id}", params={"wait": 5}).json()
                    if job["status"] in {"succeeded", "failed", "cancelled"}:
                        break
                mesh = http.get(f"/v1/jobs/{job_id}/mesh.obj")
                assert mesh.status_code == 200
                results[i] = job
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not errors, errors
    assert len(results) == 20
    assert all(job["status"] == "succeeded" for job in results.values())
    ids = {job["id"] for job in results.values()}
    assert len(ids) == 20
    history = {job["id"] for job in server.get("/v1/jobs", params={"limit": 500}).json()["jobs"]}
    assert ids <= history


# ---------------------------------------------------------------- bad input


def test_malformed_json(server):
    response = server.post(
        "/v1/jobs", content=b'{"prompt": "a heart",', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "not valid JSON")
    json_type = {"Content-Type": "application/json"}
    assert_error(server.post("/v1/jobs", content=b"[1, 2]", headers=json_type), 422, "JSON object")
    assert_error(server.post("/v1/jobs", content=b"", headers=json_type), 422, "JSON object")


def test_unknown_backend(server):
    error = assert_error(
        server.post("/v1/jobs", json={"prompt": "x", "backend": "dall-e"}),
        422,
        "dall-e",
        "procedural",
    )
    assert error["code"] == "unknown_backend"


def test_missing_or_blank_prompt(server):
    assert_error(server.post("/v1/jobs", json={}), 422, "prompt")
    assert_error(server.post("/v1/jobs", json={"prompt": "   "}), 422, "prompt")
    assert_error(server.post("/v1/concepts", json={"n": 2}), 422, "prompt")


def test_huge_prompt(server):
    error = assert_error(
        server.post("/v1/jobs", json={"prompt": "x" * 100_000}), 422, "prompt", "1000"
    )
    assert len(error["message"]) < 300  # the prompt is not echoed back


def test_too_many_concepts(server):
    assert_error(server.post("/v1/concepts", json={"prompt": "a ring", "n": 50}), 422, "n", "4")
    assert_error(server.post("/v1/concepts", json={"prompt": "a ring", "n": 0}), 422, "n")
    assert_error(
        server.post("/v1/concepts", json={"prompt": "a ring", "backend": "procedural"}),
        422,
        "concept",
    )


def test_bad_fields(server):
    cases = [
        ({"prompt": "a", "size_mm": 0.1}, "size_mm"),
        ({"prompt": "a", "size_mm": "big"}, "size_mm"),
        ({"prompt": "a", "seed": -1}, "seed"),
        ({"prompt": "a", "seed": 2**40}, "seed"),
        ({"prompt": "a", "colour": "red"}, "colour"),
        ({"prompt": "a", "params": []}, "params"),
        ({"prompt": "a", "params": {"max_faces": 5}}, "max_faces"),
        ({"prompt": "a", "params": {"resolution": 4000}}, "resolution"),
        ({"prompt": 42}, "prompt"),
    ]
    for body, word in cases:
        assert_error(server.post("/v1/jobs", json=body), 422, word)


def test_bad_images(server):
    assert_error(
        server.post("/v1/jobs", json={"backend": "image-to-3d", "image": "%%%not base64"}),
        422,
        "base64",
    )
    not_an_image = base64.b64encode(b"hello, I am text" * 10).decode()
    assert_error(
        server.post("/v1/jobs", json={"backend": "image-to-3d", "image": not_an_image}),
        422,
        "PNG or JPEG",
    )
    oversized = base64.b64encode(b"\x00" * (11 * 2**20)).decode()
    assert_error(
        server.post("/v1/jobs", json={"backend": "image-to-3d", "image": oversized}), 413, "MB"
    )
    assert_error(
        server.post("/v1/jobs", json={"prompt": "a", "image": png_base64()}),
        422,
        "does not take an image",
    )
    both = {"backend": "image-to-3d", "image": png_base64(), "concept": "0" * 32 + "/0"}
    assert_error(server.post("/v1/jobs", json=both), 422, "either")


def test_oversized_bodies(server):
    too_big = b'{"prompt": "' + b"x" * (17 * 2**20) + b'"}'
    json_type = {"Content-Type": "application/json"}
    assert_error(server.post("/v1/jobs", content=too_big, headers=json_type), 413, "request body")

    def chunks():  # no Content-Length: the server counts as it reads
        yield b'{"prompt": "'
        for _ in range(17):
            yield b"x" * 2**20
        yield b'"}'

    assert_error(server.post("/v1/jobs", content=chunks(), headers=json_type), 413, "request body")


def test_image_upload_is_accepted(server):
    response = server.post(
        "/v1/jobs",
        json={"backend": "image-to-3d", "image": "data:image/png;base64," + png_base64()},
    )
    assert response.status_code == 202, (
        response.text
    )  # the job runs or fails on weights, not on input


def test_bad_concept_refs(server):
    body = {"backend": "image-to-3d"}
    assert_error(
        server.post("/v1/jobs", json={**body, "concept": "../../etc/passwd"}), 422, "concept"
    )
    assert_error(
        server.post("/v1/jobs", json={**body, "concept": "f" * 32 + "/0"}), 404, "no concepts job"
    )
    mesh_job = server.wait_job(server.submit(prompt="a leaf"))["id"]
    assert_error(
        server.post("/v1/jobs", json={**body, "concept": f"{mesh_job}/0"}),
        422,
        "not a concepts job",
    )


def test_bogus_ids_and_routes(server):
    for path in ["/v1/jobs/nope", "/v1/jobs/" + "0" * 32, "/v1/jobs/../../etc/passwd/mesh.obj"]:
        response = server.get(path)
        assert response.status_code == 404, (path, response.text)
        assert "error" in response.json()
    assert_error(server.post("/v1/jobs/" + "0" * 32 + "/cancel"), 404, "no job")
    assert_error(server.get("/v1/nothing-here"), 404, "no such route")
    assert_error(server.client.delete("/v1/jobs"), 405, "not allowed")
    assert_error(server.get("/v1/jobs", params={"limit": 0}), 422, "limit")
    assert_error(server.get("/v1/jobs", params={"status": "sleeping"}), 422, "status")
    job_id = server.wait_job(server.submit(prompt="a knot"))["id"]
    assert_error(server.get(f"/v1/jobs/{job_id}/concepts/0.png"), 404, "no concept image")


# ---------------------------------------------------------------- input that used to be a 500


def test_deep_json_long_numbers_and_infinity_are_errors_naming_the_field(server):
    json_type = {"Content-Type": "application/json"}
    deep = b'{"prompt": "a", "params": {"x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}"
    assert_error(server.post("/v1/jobs", content=deep, headers=json_type), 400, "nested")
    nested = b'{"prompt": "a", "params": {"x": ' + b"[" * 100 + b"]" * 100 + b"}}"
    assert_error(server.post("/v1/jobs", content=nested, headers=json_type), 422, "params.x")
    seed = b'{"prompt": "a", "seed": ' + b"7" * 5000 + b"}"
    assert_error(server.post("/v1/jobs", content=seed, headers=json_type), 422, "seed", "5000")
    for value in (b"Infinity", b"-Infinity", b"NaN", b"1e999"):
        body = b'{"prompt": "a heart", "params": {"grain": ' + value + b"}}"
        response = server.post("/v1/jobs", content=body, headers=json_type)
        assert_error(response, 422, "params.grain", "finite")
    spec = b'{"spec": {"gem": {"carat": NaN}}, "instruction": "bigger"}'
    assert_error(server.post("/v1/refine", content=spec, headers=json_type), 422, "spec.gem.carat")
    assert server.get("/v1/jobs", params={"limit": 500}).status_code == 200  # history intact


def test_an_upload_is_kept_only_for_a_job_that_will_run(server):
    # no weights here: image-to-3d fails at once, and its upload must not stay behind
    response = server.post("/v1/jobs", json={"backend": "image-to-3d", "image": png_base64()})
    assert response.status_code == 202 and response.json()["status"] == "failed"
    assert not (server.data_dir / "jobs" / response.json()["id"]).exists()


def test_one_image_size_limit_checked_at_upload(server):
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, format="PNG")  # 49 Mpx, a small file
    image = base64.b64encode(buffer.getvalue()).decode()
    response = server.post("/v1/jobs", json={"backend": "image-to-3d", "image": image})
    assert_error(response, 413, "7000x7000", "40 Mpx")


def test_an_import_error_in_an_availability_check_is_a_failed_job(tmp_path):
    # a broken install: importing rembg raises (the image-to-3d check looks for its model)
    broken = tmp_path / "broken"
    (broken / "rembg").mkdir(parents=True)
    (broken / "rembg" / "__init__.py").write_text("raise ImportError('rembg is broken here')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(broken), os.environ.get("PYTHONPATH", "")])}
    with ServerProcess(tmp_path / "data", env=env) as server:
        response = server.post("/v1/jobs", json={"backend": "image-to-3d", "image": png_base64()})
        assert response.status_code == 202, response.text
        job = server.get(f"/v1/jobs/{response.json()['id']}").json()
        assert job["status"] == "failed" and "ImportError" in job["error"]
        assert "rembg is broken here" in job["error"]
        assert not (server.data_dir / "jobs" / job["id"]).exists()
        info = server.get("/v1/status").json()["backends"]["image-to-3d"]
        assert info["available"] is False and "rembg is broken here" in info["reason"]


def test_long_polls_hold_no_request_threads(server):
    running = server.submit(**SLOW)
    waiting = server.submit(prompt="a moon")  # queued behind it: stays unfinished a while
    server.wait_job(running, statuses={"running"})
    answers: list[int] = []

    def poll() -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            answers.append(http.get(f"/v1/jobs/{waiting}", params={"wait": 30}).status_code)

    pollers = [threading.Thread(target=poll) for _ in range(45)]
    for thread in pollers:
        thread.start()
    time.sleep(1.0)  # let them all arrive and wait
    try:
        # with a thread per waiting poll, 45 exhaust the pool (40) and this waits ~30 s
        listed = httpx.get(f"{server.base_url}/v1/jobs", timeout=10.0)
        assert listed.status_code == 200
        other = httpx.get(f"{server.base_url}/v1/jobs/{running}", timeout=10.0)
        assert other.status_code == 200
    finally:
        for job_id in (waiting, running):
            server.post(f"/v1/jobs/{job_id}/cancel")
        for thread in pollers:
            thread.join(60)
    assert answers == [200] * 45
