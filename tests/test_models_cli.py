"""``python -m ai_server models list|download|remove`` and what a server does without weights.

A temporary Hugging Face cache (HF_HUB_CACHE) holds a tiny Shap-E pipeline under the real
repo id ``openai/shap-e``, laid out as a download leaves it (blobs, snapshot symlinks,
refs/main), so the default model id loads offline through the real cache lookup.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ai_server import models
from tests import tiny_models
from tests.server_process import REPO_ROOT, ServerProcess

FAST = tiny_models.FAST_PARAMS


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_models.shared_models(tmp_path_factory.getbasetemp())


@pytest.fixture
def caches(tiny, tmp_path):
    """Environment with a HF cache holding tiny openai/shap-e and a rembg home with u2net."""
    hf_cache = tmp_path / "hf-cache"
    tiny_models.install_in_hf_cache(tiny["shap-e"], "openai/shap-e", hf_cache)
    u2net_home = tmp_path / "u2net"
    u2net_home.mkdir()
    (u2net_home / "u2net.onnx").write_bytes(Path(tiny["image-to-3d.rembg"]).read_bytes())
    return {"HF_HUB_CACHE": str(hf_cache), "U2NET_HOME": str(u2net_home), "HF_HUB_OFFLINE": "1"}


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **env)
    return subprocess.run(
        [sys.executable, "-m", "ai_server", "models", *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _row(listing: str, name: str) -> list[str]:
    return next(line.split() for line in listing.splitlines() if line.startswith(name + " "))


def test_list_shows_what_is_downloaded_with_sizes(caches):
    blobs = Path(caches["HF_HUB_CACHE"]) / "models--openai--shap-e" / "blobs"
    shap_e_bytes = sum(blob.stat().st_size for blob in blobs.iterdir())
    done = run_cli(caches, "list")
    assert done.returncode == 0, done.stderr
    name, model, *_, downloaded, size, unit = _row(done.stdout, "shap-e")
    assert (model, downloaded) == ("openai/shap-e", "yes")
    assert f"{size} {unit}" == f"{shap_e_bytes / 1000:.1f} KB"
    assert _row(done.stdout, "image-to-3d.text2image")[-2:] == ["no", "-"]
    assert _row(done.stdout, "image-to-3d.rembg")[1] == "u2net"
    assert _row(done.stdout, "image-to-3d.rembg")[-3] == "yes"
    assert caches["HF_HUB_CACHE"] in done.stdout


def test_download_fails_clearly_when_offline(caches):
    done = run_cli(caches, "download", "image-to-3d.img2mesh")
    assert done.returncode == 1
    assert "cannot download 'openai/shap-e-img2img'" in done.stderr
    assert "offline mode is on" in done.stderr
    assert "Traceback" not in done.stderr

    done = run_cli(caches, "download", "no-such-model")
    assert done.returncode == 1
    assert "unknown model 'no-such-model'" in done.stderr


def test_server_uses_the_cache_and_says_what_is_missing_after_remove(caches, tmp_path):
    env = dict(caches, **tiny_models.TINY_SERVER_ENV)
    with ServerProcess(tmp_path / "data", env=env) as server:
        job = server.wait_job(server.submit(prompt="a heart", backend="shap-e", params=FAST), 120)
        assert job["status"] == "succeeded", f"{job}\n{server.log_tail()}"
        assert job["result"]["info"]["model"] == "openai/shap-e"

    done = run_cli(caches, "remove", "shap-e")
    assert done.returncode == 0, done.stderr
    assert "shap-e: removed 'openai/shap-e'" in done.stdout
    assert not (Path(caches["HF_HUB_CACHE"]) / "models--openai--shap-e").exists()
    assert _row(run_cli(caches, "list").stdout, "shap-e")[-2:] == ["no", "-"]
    assert "was not downloaded" in run_cli(caches, "remove", "shap-e").stdout

    missing_dir = tmp_path / "no-such-pipeline"
    args = ["--model", f"image-to-3d.img2mesh={missing_dir}"]
    with ServerProcess(tmp_path / "data2", args, env=env) as server:
        job = server.wait_job(server.submit(prompt="a heart", backend="shap-e"), 10)
        assert job["status"] == "failed"
        assert job["error"] == (
            "Model 'openai/shap-e' (backend shap-e, text -> 3D) is not downloaded. "
            "Run: python -m ai_server models download shap-e"
        )
        job = server.wait_job(server.submit(prompt="a heart", backend="image-to-3d"), 10)
        assert job["status"] == "failed"
        for expected in (
            "Model 'stabilityai/sdxl-turbo' (backend image-to-3d, text -> image)",
            "models download image-to-3d.text2image",
            f"Model '{missing_dir}' (image-to-3d.img2mesh, image -> 3D) was not found",
        ):
            assert expected in job["error"]
        assert "u2net" not in job["error"]  # that one is in the rembg home
        backends = server.get("/v1/status").json()["backends"]
        assert not backends["shap-e"]["available"] and not backends["shap-e"]["loaded"]
        assert "models download shap-e" in backends["shap-e"]["reason"]
        assert server.get("/v1/health").status_code == 200


# ------------------------------------------------------------------------ unit tests


def test_download_picks_the_files_from_pretrained_reads():
    # A listing shaped like stabilityai/sdxl-turbo's: single-file checkpoints at the root,
    # fp16 variants beside the full-precision weights, an ONNX export.
    listing = [
        "README.md",
        "model_index.json",
        "sd_xl_turbo_1.0.safetensors",
        "sd_xl_turbo_1.0_fp16.safetensors",
        "scheduler/scheduler_config.json",
        "text_encoder/config.json",
        "text_encoder/model.safetensors",
        "text_encoder/model.fp16.safetensors",
        "text_encoder/model.onnx",
        "tokenizer/merges.txt",
        "tokenizer/vocab.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.bin",  # only .bin here: take it
        "vae/diffusion_pytorch_model.fp16.bin",
        "vae_decoder/model.onnx",
    ]
    picked = models._pipeline_files(
        listing, ["scheduler", "text_encoder", "tokenizer", "unet", "vae"]
    )
    assert sorted(picked) == [
        "model_index.json",
        "scheduler/scheduler_config.json",
        "text_encoder/config.json",
        "text_encoder/model.safetensors",
        "tokenizer/merges.txt",
        "tokenizer/vocab.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.bin",
    ]


def test_names_resolve_to_models():
    key = models.ENTRIES_BY_KEY
    assert models.resolve("shap-e") == [(key["shap-e"], "openai/shap-e")]
    assert [e.key for e, _ in models.resolve("image-to-3d")] == [
        "image-to-3d.text2image",
        "image-to-3d.img2mesh",
        "image-to-3d.rembg",
    ]
    assert models.resolve("isnet-general-use") == [(key["image-to-3d.rembg"], "isnet-general-use")]
    [(entry, value)] = models.resolve("someone/their-shap-e")
    assert (entry.kind, value) == (models.DIFFUSERS, "someone/their-shap-e")
    with pytest.raises(models.ModelsError, match="unknown model 'bogus'"):
        models.resolve("bogus")


def test_an_overriding_repo_id_is_what_the_message_says_to_download():
    entry = models.ENTRIES_BY_KEY["shap-e"]
    message = models.missing_message(entry, "someone/their-shap-e")
    assert message.endswith("Run: python -m ai_server models download someone/their-shap-e")
