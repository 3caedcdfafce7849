"""``image-to-3d``: text -> image -> 3D, or an uploaded image -> 3D.

Stages: a product-shot image from the prompt (diffusers AutoPipelineForText2Image; the
default, sdxl-turbo, needs 1-4 steps and no guidance), background removal (rembg; skipped
when the image has a real alpha channel), recentre and pad onto white, then Shap-E's
image-conditioned pipeline (ShapEImg2ImgPipeline) and its mesh decoder. An upload, or a
concept image the user picked, starts at background removal.

Each job leaves what it made in its folder: ``text2image.png``, ``prepared.png`` (exactly
what image -> 3D saw) and ``image_to_3d.json`` (what was done about the background).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ai_server import backgrounds
from ai_server.backends import diffusion_common as common
from ai_server.backends.base import Backend, BackendError, JobContext

if TYPE_CHECKING:
    import PIL.Image
    import trimesh

TEXT2IMAGE_KEY = "image-to-3d.text2image"
IMG2MESH_KEY = "image-to-3d.img2mesh"

# Turns a motif prompt into the kind of picture image -> 3D models read best.
PRODUCT_SHOT_SUFFIX = (
    ", a single piece of jewelry, product shot, centred, whole object in view, "
    "plain white background, soft studio lighting, sharp focus"
)
MAX_NATIVE_IMAGE_SIZE = 512  # sdxl-turbo's training size; larger costs time, not quality

TEXT2IMAGE_PARAMS = (
    common.Param("image_steps", int, 4, 1, 100, "text-to-image steps"),
    common.Param("image_guidance", float, 0.0, 0.0, 30.0, "text-to-image guidance scale"),
    common.Param("image_size", int, None, 64, 2048, "text-to-image size in px", multiple_of=8),
)
IMG2MESH_PARAMS = common.SHAP_E_PARAMS + (
    common.Param("guidance", float, 3.0, 0.0, 100.0, "image-to-3D guidance scale"),
)
PARAMS = TEXT2IMAGE_PARAMS + IMG2MESH_PARAMS

# Share of the job's progress bar for each stage (cleanup, run by the worker, follows).
TEXT2IMAGE_END = 0.3
BACKGROUND_END = 0.35
IMAGE_TO_3D_END = 0.8
DECODING_END = 0.9


def _load_text2image(model: str, **kwargs):
    from diffusers import AutoPipelineForText2Image

    return AutoPipelineForText2Image.from_pretrained(model, **kwargs)


def _load_img2mesh(model: str, **kwargs):
    from diffusers import ShapEImg2ImgPipeline

    return ShapEImg2ImgPipeline.from_pretrained(model, **kwargs)


def _native_image_size(pipe) -> int:
    """The model's own image size (UNet sample size x VAE factor), at most 512 px."""
    try:
        native = int(pipe.unet.config.sample_size) * int(pipe.vae_scale_factor)
    except (AttributeError, TypeError):
        return MAX_NATIVE_IMAGE_SIZE
    return min(native, MAX_NATIVE_IMAGE_SIZE)


class ImageTo3DBackend(Backend):
    name = "image-to-3d"
    cleanup_rotation_x_deg = -90.0  # Shap-E's renderer, same axes as the text model

    def __init__(self, config):
        super().__init__(config)
        self.text2image = common.OnDemandPipeline(TEXT2IMAGE_KEY, config.models, _load_text2image)
        self.img2mesh = common.OnDemandPipeline(IMG2MESH_KEY, config.models, _load_img2mesh)
        self.remover = backgrounds.BackgroundRemover(config.models)

    def _parts(self):
        return (self.text2image, self.img2mesh, self.remover)

    def model_ids(self) -> dict[str, str]:
        return {part.entry.key: part.model for part in self._parts()}

    def availability(self) -> tuple[bool, str]:
        missing = [part.missing_message() for part in self._parts() if not part.present()]
        if missing:
            return False, " ".join(missing)
        if self.is_loaded():
            return True, "loaded"
        return True, "downloaded (loads on first job)"

    def is_loaded(self) -> bool:
        return all(part.loaded for part in self._parts())

    def load(self) -> None:
        self.text2image.get()
        self.img2mesh.get()
        self.remover.session()

    def check_params(self, params: dict) -> None:
        common.read_params(PARAMS, params)

    # ------------------------------------------------------------------------- jobs

    def generate(self, ctx: JobContext) -> trimesh.Trimesh:
        settings = common.read_params(PARAMS, ctx.params)
        if ctx.image_path is not None:
            image = backgrounds.open_image(ctx.image_path)
            source = "the given image"
        elif ctx.prompt:
            image = self._text_to_image(ctx, settings, ctx.seed, 0.0, TEXT2IMAGE_END)
            image.save(ctx.work_dir / "text2image.png")
            source = "text-to-image"
        else:
            raise BackendError("backend 'image-to-3d' needs a text prompt or an image")

        def announce_removal() -> None:
            ctx.progress(TEXT2IMAGE_END, "background removal")

        prepared = backgrounds.prepare_for_3d(image, self.remover, on_stage=announce_removal)
        prepared.image.save(ctx.work_dir / "prepared.png")
        record = {"image": source, "background": prepared.background, "models": self.model_ids()}
        (ctx.work_dir / "image_to_3d.json").write_text(json.dumps(record, indent=2))
        ctx.info.update(record)  # the worker puts these in the job's result

        pipe = self.img2mesh.get()
        with common.out_of_memory_as_error("turning the image into 3D"), common.inference():
            with common.step_progress(pipe, ctx, "image-to-3d", BACKGROUND_END, IMAGE_TO_3D_END):
                latents = pipe(
                    prepared.image,
                    num_inference_steps=settings["steps"],
                    guidance_scale=settings["guidance"],
                    generator=common.generator(ctx.seed),
                    output_type="latent",
                ).images
            ctx.progress(IMAGE_TO_3D_END, "decoding")
            mesh = common.decode_shap_e_mesh(pipe, latents[0], settings["grid_size"])
        ctx.progress(DECODING_END, "decoding")
        return mesh

    def concepts(self, ctx: JobContext, n: int) -> list[PIL.Image.Image]:
        """``n`` product shots of the prompt, from seeds seed, seed + 1, ..."""
        if not ctx.prompt:
            raise BackendError("concept images need a text prompt")
        settings = common.read_params(TEXT2IMAGE_PARAMS, ctx.params)
        share = 1.0 / n
        return [
            self._text_to_image(ctx, settings, ctx.seed + i, i * share, (i + 1) * share)
            for i in range(n)
        ]

    def _text_to_image(
        self, ctx: JobContext, settings: dict, seed: int, start: float, end: float
    ) -> PIL.Image.Image:
        pipe = self.text2image.get()
        size = settings["image_size"] or _native_image_size(pipe)
        with common.out_of_memory_as_error("making the image"), common.inference():
            with common.step_progress(pipe, ctx, "text-to-image", start, end):
                result = pipe(
                    prompt=ctx.prompt + PRODUCT_SHOT_SUFFIX,
                    num_inference_steps=settings["image_steps"],
                    guidance_scale=settings["image_guidance"],
                    height=size,
                    width=size,
                    generator=common.generator(seed),
                )
        return result.images[0]
