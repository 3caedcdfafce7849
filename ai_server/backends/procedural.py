"""The procedural backend: no weights, deterministic, fast; the offline default and what CI runs.

A prompt naming a motif (heart, star, flower, rose, leaf, moon, infinity, crown, knot, paw,
butterfly, cross, clover, shamrock, drop, shell, snowflake, bolt, and synonyms such as
"vine" -> leaf or "celtic" -> knot) gets that motif; any other prompt gets a seeded organic
shape. The same (prompt, seed) always gives the same mesh.

Orientation: the motif lies in the XY plane, front towards +Z, its "up" along +Y
(see ``motifs``). Params: ``resolution`` (grid cells along the longest side, default 64;
higher is finer and slower - at 320 a job takes seconds).
"""

from __future__ import annotations

import hashlib

import numpy as np
import trimesh

from ai_server.backends import motifs, sdf
from ai_server.backends.base import Backend, BackendError, JobContext

DEFAULT_RESOLUTION = 64
RESOLUTION_RANGE = (16, 320)
MIN_FEATURE_MM = 1.0  # thinnest part of a motif at its final size: the strictest process
# minimum wall (0.8 mm, aura_addon/jewelry/process.py) with room for the meshing grid
MOTIF_UNITS = 2.0  # motifs are built about this wide; the cleanup scales them to size_mm


def shape_rng(prompt: str | None, seed: int) -> np.random.Generator:
    """A generator fixed by (prompt, seed): same inputs, same shape, on every machine."""
    text = " ".join((prompt or "").lower().split())
    digest = hashlib.sha256(f"{text}\x00{seed}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class ProceduralBackend(Backend):
    name = "procedural"
    cleanup_backdrops = False  # it builds no background, so there is none to search for

    def availability(self) -> tuple[bool, str]:
        return True, "built in; no weights needed"

    def check_params(self, params: dict) -> None:
        resolution = params.get("resolution", DEFAULT_RESOLUTION)
        low, high = RESOLUTION_RANGE
        if (
            isinstance(resolution, bool)
            or not isinstance(resolution, int)
            or not low <= resolution <= high
        ):
            raise BackendError(
                f"params.resolution must be a whole number from {low} to {high}, got {resolution!r}"
            )

    def generate(self, ctx: JobContext) -> trimesh.Trimesh:
        self.check_params(ctx.params)
        resolution = ctx.params.get("resolution", DEFAULT_RESOLUTION)
        motif = motifs.pick_motif(ctx.prompt)
        builder = motifs.MOTIFS[motif] if motif else motifs.organic
        ctx.info["motif"] = motif or "organic"
        ctx.progress(0.05, "shaping")

        def on_slab(fraction: float) -> None:
            ctx.progress(0.05 + 0.85 * fraction, "sampling field")

        # grow every feature to a castable thickness at the size this motif is made for
        half = MIN_FEATURE_MM / 2 * MOTIF_UNITS / ctx.size_mm
        token = sdf.MIN_HALF_THICKNESS.set(half)
        try:
            return builder(shape_rng(ctx.prompt, ctx.seed), resolution, on_slab)
        finally:
            sdf.MIN_HALF_THICKNESS.reset(token)
