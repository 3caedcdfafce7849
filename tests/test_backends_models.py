"""The diffusers backends (shap-e, image-to-3d) end to end, on tiny random-weight models.

The models are built by tests/tiny_models.py, saved with save_pretrained, and served by a
REAL server process through the same from_pretrained code that loads the real checkpoints;
rembg runs a tiny ONNX model through its custom-model session. Plus unit tests of the
marching-cubes table the tiny renderer needs, background handling and param checks.
"""

from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
import trimesh
from PIL import Image, ImageDraw

from ai_server import backgrounds
from ai_server.backends.base import BackendError, ModelMissing
from ai_server.backends.diffusion_common import read_params
from tests import tiny_models
from tests.server_process import ServerProcess

FAST = tiny_models.FAST_PARAMS


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_models.shared_models(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("diffusers-server")
    env = dict(tiny_models.TINY_SERVER_ENV, U2NET_HOME=str(root / "u2net"))
    with ServerProcess(root / "data", tiny_models.model_args(tiny), env=env) as running:
        yield running


def _finished(server: ServerProcess, job_id: str, timeout_s: float = 120.0) -> dict:
    job = server.wait_job(job_id, timeout_s)
    assert job["status"] == "succeeded", f"{job}\n{server.log_tail()}"
    return job


def _mesh(server: ServerProcess, job_id: str) -> trimesh.Trimesh:
    response = server.get(f"/v1/jobs/{job_id}/mesh.obj")
    assert response.status_code == 200, response.text
    return trimesh.load(io.BytesIO(response.content), file_type="obj", force="mesh")


def _png_base64(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _disc(mode: str, size=(200, 120), centre=(150, 40), radius=20) -> Image.Image:
    """A dark disc on white; in RGBA/LA the white is transparent."""
    image = Image.new("RGBA", size, (255, 255, 255, 0 if mode in ("RGBA", "LA") else 255))
    cx, cy = centre
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    ImageDraw.Draw(image).ellipse(box, fill=(30, 20, 10, 255))
    return image.convert(mode)


# ------------------------------------------------------------------------- the server


def test_shap_e_job_loads_the_model_once_and_makes_a_sized_mesh(server, tiny):
    job_id = server.submit(prompt="a rose", backend="shap-e", seed=3, size_mm=14.0, params=FAST)
    job = _finished(server, job_id)
    mesh = _mesh(server, job_id)
    assert mesh.is_watertight
    assert max(mesh.extents) == pytest.approx(14.0, rel=1e-3)
    assert job["result"]["info"]["model"] == str(tiny["shap-e"])
    assert job["result"]["info"]["steps"] == FAST["steps"]

    shap_e = server.get("/v1/status").json()["backends"]["shap-e"]
    assert shap_e["available"] and shap_e["loaded"]
    assert shap_e["models"] == {"shap-e": str(tiny["shap-e"])}

    # Warm now: the same seed gives the same mesh, another seed another one.
    again = server.submit(prompt="a rose", backend="shap-e", seed=3, size_mm=14.0, params=FAST)
    other = server.submit(prompt="a rose", backend="shap-e", seed=4, size_mm=14.0, params=FAST)
    _finished(server, again), _finished(server, other)
    assert np.allclose(_mesh(server, again).vertices, mesh.vertices)
    assert _mesh(server, other).vertices.shape != mesh.vertices.shape or not np.allclose(
        _mesh(server, other).vertices, mesh.vertices
    )


def test_image_to_3d_from_text_runs_every_stage(server):
    job_id = server.submit(
        prompt="a maple leaf", backend="image-to-3d", seed=1, size_mm=10.0, params=FAST
    )
    job = _finished(server, job_id)
    assert max(_mesh(server, job_id).extents) == pytest.approx(10.0, rel=1e-3)
    info = job["result"]["info"]
    assert info["image"] == "text-to-image"
    assert info["background"].startswith("removed with rembg")

    job_dir = server.data_dir / "jobs" / job_id
    assert Image.open(job_dir / "text2image.png").size == (32, 32)  # the tiny model's size
    prepared = np.asarray(Image.open(job_dir / "prepared.png"))
    assert prepared.shape == (512, 512, 3)
    assert (prepared[0, 0] == 255).all() and (prepared[-1, -1] == 255).all()  # padded on white
    assert json.loads((job_dir / "image_to_3d.json").read_text()) == info


@pytest.mark.parametrize(
    ("mode", "background"),
    [("RGBA", "background removal skipped"), ("RGB", "removed with rembg")],
)
def test_image_to_3d_from_an_upload(server, mode, background):
    job_id = server.submit(
        backend="image-to-3d", image=_png_base64(_disc(mode)), seed=2, size_mm=8.0, params=FAST
    )
    job = _finished(server, job_id)
    assert background in job["result"]["info"]["background"]
    assert job["result"]["info"]["image"] == "the given image"
    assert max(_mesh(server, job_id).extents) == pytest.approx(8.0, rel=1e-3)
    prepared = np.asarray(Image.open(server.data_dir / "jobs" / job_id / "prepared.png"))
    dark = np.argwhere(prepared.mean(axis=2) < 128)
    assert dark.mean(axis=0) == pytest.approx([255.5, 255.5], abs=4)  # the disc, recentred


def test_concepts_then_a_job_from_the_chosen_one(server):
    response = server.post(
        "/v1/concepts", json={"prompt": "a crescent moon", "n": 2, "seed": 5, "params": FAST}
    )
    assert response.status_code == 202, response.text
    concepts = _finished(server, response.json()["id"])
    images = concepts["result"]["images"]
    assert len(images) == 2
    pictures = [server.get(image["url"]).content for image in images]
    assert all(Image.open(io.BytesIO(p)).size == (32, 32) for p in pictures)
    assert pictures[0] != pictures[1]  # seeds 5 and 6

    job_id = server.submit(backend="image-to-3d", concept=images[1]["ref"], params=FAST)
    job = _finished(server, job_id)
    assert job["result"]["info"]["image"] == "the given image"
    assert job["result"]["faces"] > 0


def test_cancel_stops_a_running_shap_e_job_between_steps(server):
    # 1000 steps of the tiny prior take several seconds: long enough to be caught running.
    params = dict(FAST, steps=1000)
    job_id = server.submit(prompt="a knot", backend="shap-e", params=params)
    job = server.wait_job(job_id, 60, statuses={"running"})
    deadline = time.monotonic() + 60
    while job["stage"] != "text-to-3d" and time.monotonic() < deadline:
        job = server.get(f"/v1/jobs/{job_id}").json()
    assert job["status"] == "running" and job["stage"] == "text-to-3d", job
    asked = time.monotonic()
    assert server.post(f"/v1/jobs/{job_id}/cancel").status_code in (200, 202)
    job = server.wait_job(job_id, 30)
    assert job["status"] == "cancelled", job
    assert time.monotonic() - asked < 10
    assert job["progress"] < 0.8  # stopped inside the diffusion loop, not after it


def test_bad_backend_params_are_refused_at_submit(server):
    response = server.post(
        "/v1/jobs", json={"prompt": "a star", "backend": "shap-e", "params": {"steps": 0}}
    )
    assert response.status_code == 422
    assert "param 'steps'" in response.json()["error"]["message"]


# ------------------------------------------------------------------ marching-cubes table


def _decode_field(field: np.ndarray) -> trimesh.Trimesh:
    """Run diffusers' own MeshDecoder, with our table, over a field on [-1, 1]^3."""
    import torch
    from diffusers.pipelines.shap_e.renderer import MeshDecoder

    decoder = MeshDecoder()
    cases, masks = tiny_models.marching_cubes_tables()
    decoder.cases.copy_(torch.from_numpy(cases))
    decoder.masks.copy_(torch.from_numpy(masks))
    out = decoder(
        torch.from_numpy(field.astype(np.float32)),
        torch.tensor([-1.0, -1.0, -1.0]),
        torch.tensor([2.0, 2.0, 2.0]),
    )
    return trimesh.Trimesh(out.verts.numpy(), out.faces.numpy())


def test_marching_cubes_table_makes_a_closed_outward_sphere():
    axis = np.linspace(-1.0, 1.0, 40)
    x, y, z = np.meshgrid(axis, axis, axis, indexing="ij")
    radius = 0.6
    mesh = _decode_field(radius - np.sqrt((x - 0.1) ** 2 + y**2 + z**2))  # > 0 inside
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0  # normals point outward
    assert mesh.volume == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.03)
    assert mesh.bounds[0] == pytest.approx([-0.5, -0.6, -0.6], abs=0.02)


def test_marching_cubes_table_has_no_cracks_on_noise():
    # White noise shows every corner pattern, the ambiguous faces included.
    field = np.random.default_rng(7).normal(size=(24, 24, 24))
    field[[0, -1], :, :] = field[:, [0, -1], :] = field[:, :, [0, -1]] = -1.0  # closed border
    mesh = _decode_field(field)
    _, uses = np.unique(mesh.edges_sorted, axis=0, return_counts=True)
    assert set(uses.tolist()) == {2}  # each edge in exactly two triangles: closed and manifold
    assert mesh.is_watertight and mesh.volume > 0


def test_tiny_renderer_keeps_its_table_through_save_and_load(tiny):
    from diffusers import ShapEPipeline

    pipe = ShapEPipeline.from_pretrained(str(tiny["shap-e"]), local_files_only=True)
    cases, masks = tiny_models.marching_cubes_tables()
    decoder = pipe.shap_e_renderer.mesh_decoder
    assert np.array_equal(decoder.cases.numpy(), cases)
    assert np.array_equal(decoder.masks.numpy(), masks)
    assert masks.any(axis=1).sum() == 254  # every case but all-in and all-out cuts the cube


# ------------------------------------------------------------------------ backgrounds


def test_real_alpha_is_told_from_opaque_alpha():
    assert backgrounds.has_real_alpha(_disc("RGBA"))
    assert backgrounds.has_real_alpha(_disc("LA"))
    assert not backgrounds.has_real_alpha(_disc("RGB"))
    assert not backgrounds.has_real_alpha(_disc("RGB").convert("RGBA"))  # alpha, all opaque
    palette = _disc("RGB").convert("P")
    assert not backgrounds.has_real_alpha(palette)
    palette.info["transparency"] = palette.getpixel((0, 0))
    assert backgrounds.has_real_alpha(palette)


def test_recentre_pads_the_object_onto_a_white_square():
    out = backgrounds.recentre_on_white(_disc("RGBA"), size=256, fill=0.8)
    assert out.mode == "RGB" and out.size == (256, 256)
    pixels = np.asarray(out)
    assert (pixels[0, 0] == 255).all() and (pixels[-1, -1] == 255).all()
    dark = np.argwhere(pixels.mean(axis=2) < 128)
    (top, left), (bottom, right) = dark.min(axis=0), dark.max(axis=0)
    assert (top + bottom) / 2 == pytest.approx(127.5, abs=2)  # centred
    assert (left + right) / 2 == pytest.approx(127.5, abs=2)
    assert bottom - top + 1 == pytest.approx(0.8 * 256, abs=4)  # scaled to leave the margin


def test_recentre_refuses_an_image_with_no_object():
    with pytest.raises(BackendError, match="no object found"):
        backgrounds.recentre_on_white(Image.new("RGBA", (50, 50), (0, 0, 0, 0)))


def test_open_image_names_a_file_that_is_not_an_image(tmp_path):
    bogus = tmp_path / "upload.png"
    bogus.write_bytes(b"certainly not a PNG")
    with pytest.raises(BackendError, match="not a readable image"):
        backgrounds.open_image(bogus)


def test_tiny_rembg_model_cuts_out_a_dark_object(tiny):
    remover = backgrounds.BackgroundRemover({"image-to-3d.rembg": str(tiny["image-to-3d.rembg"])})
    alpha = np.asarray(remover.remove(_disc("RGB")).getchannel("A"))
    assert alpha[40, 150] > 200 and alpha[5, 5] < 50  # disc kept, white background gone
    assert backgrounds.prepare_for_3d(_disc("RGB"), remover).background.startswith("removed")
    assert "skipped" in backgrounds.prepare_for_3d(_disc("RGBA"), remover).background


def test_missing_rembg_model_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("U2NET_HOME", str(tmp_path))
    remover = backgrounds.BackgroundRemover({})
    assert not remover.present()
    with pytest.raises(ModelMissing) as caught:
        remover.session()
    assert str(caught.value) == (
        "Model 'u2net' (backend image-to-3d, background removal) is not downloaded. "
        "Run: python -m ai_server models download image-to-3d.rembg"
    )


# ------------------------------------------------------------------------------ params


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"steps": 0}, "steps"),
        ({"steps": 2.5}, "steps"),
        ({"steps": True}, "steps"),
        ({"guidance": "high"}, "guidance"),
        ({"grid_size": 1024}, "grid_size"),
        ({"image_size": 100}, "image_size"),
    ],
)
def test_bad_params_are_named(params, named):
    from ai_server.backends.image_to_3d import PARAMS

    with pytest.raises(BackendError, match=f"param '{named}'"):
        read_params(PARAMS, params)


def test_params_have_defaults_and_leave_other_keys_alone():
    from ai_server.backends.shap_e import PARAMS

    values = read_params(PARAMS, {"steps": 8, "max_faces": 5000})
    assert values == {"steps": 8, "grid_size": 128, "guidance": 15.0}


def test_out_of_memory_becomes_a_clear_error():
    import torch

    from ai_server.backends.diffusion_common import out_of_memory_as_error

    with pytest.raises(BackendError, match="Out of GPU memory while decoding"):
        with out_of_memory_as_error("decoding"):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    with pytest.raises(ZeroDivisionError):  # anything else passes through untouched
        with out_of_memory_as_error("decoding"):
            raise ZeroDivisionError


def test_a_directory_with_another_kind_of_model_is_named(tiny):
    from ai_server.backends.shap_e import ShapEBackend
    from ai_server.config import ServerConfig

    backend = ShapEBackend(ServerConfig(models={"shap-e": str(tiny["image-to-3d.text2image"])}))
    assert backend.availability()[0]  # a pipeline is there, so it looks available ...
    with pytest.raises(BackendError) as caught:
        backend.load()  # ... but it is not a Shap-E one
    message = str(caught.value)
    assert message.startswith(f"Model '{tiny['image-to-3d.text2image']}' (shap-e, text -> 3D)")
    assert "could not be loaded: ValueError" in message and ".." not in message
    assert not backend.is_loaded()
