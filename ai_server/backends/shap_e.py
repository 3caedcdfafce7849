"""``shap-e``: text -> 3D with OpenAI's Shap-E (diffusers ShapEPipeline).

The prior turns the prompt into a latent over ``steps`` diffusion steps; the renderer
decodes the latent to a signed-distance grid and marching cubes makes the mesh. Shap-E's
up axis is not Aura's +Z: the worker turns its meshes -90 deg about X before cleanup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ai_server.backends import diffusion_common as common
from ai_server.backends.base import Backend, BackendError, JobContext

if TYPE_CHECKING:
    import trimesh

MODEL_KEY = "shap-e"
PARAMS = common.SHAP_E_PARAMS + (
    common.Param("guidance", float, 15.0, 0.0, 100.0, "classifier-free guidance scale"),
)

# Share of the job's progress bar for each stage (cleanup, run by the worker, follows).
DIFFUSION_END = 0.8
DECODING_END = 0.9
TEXT_TO_3D = common.Stage("generating with Shap-E", "text-to-3d", 0.0, DIFFUSION_END)


def _load_shap_e(model: str, **kwargs):
    from diffusers import ShapEPipeline

    return ShapEPipeline.from_pretrained(model, **kwargs)


class ShapEBackend(Backend):
    name = "shap-e"
    cleanup_rotation_x_deg = -90.0

    def __init__(self, config):
        super().__init__(config)
        self.pipeline = common.OnDemandPipeline(MODEL_KEY, config.models, _load_shap_e)

    def model_ids(self) -> dict[str, str]:
        return {MODEL_KEY: self.pipeline.model}

    def availability(self) -> tuple[bool, str]:
        if self.pipeline.present():
            return True, "loaded" if self.pipeline.loaded else "downloaded (loads on first job)"
        return False, self.pipeline.missing_message()

    def is_loaded(self) -> bool:
        return self.pipeline.loaded

    def load(self) -> None:
        self.pipeline.get()

    def check_params(self, params: dict) -> None:
        common.read_params(PARAMS, params)

    def generate(self, ctx: JobContext) -> trimesh.Trimesh:
        if not ctx.prompt:
            raise BackendError("backend 'shap-e' needs a text prompt")
        settings = common.read_params(PARAMS, ctx.params)
        mesh = common.shap_e_mesh(self.pipeline.get(), ctx.prompt, settings, ctx, TEXT_TO_3D)
        ctx.progress(DECODING_END, "decoding")
        ctx.info.update(model=self.pipeline.model, **settings)
        return mesh
