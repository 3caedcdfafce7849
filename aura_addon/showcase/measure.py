"""The dimensions a drawing and a spec sheet state, measured on the built meshes (never
copied from the spec): rays from the finger axis for the inner diameter, shank thickness
and head height, vertex extents for widths, mesh volumes for the stones' carats."""

from __future__ import annotations

import math

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..geometry.checks import inner_diameter
from ..geometry.scene import STONE_PROP, mesh_arrays
from ..jewelry.materials import CARAT_G, STONES
from .options import ShowcaseError

STEP = 1e-3  # mm: how far a ray restarts past a surface it hit


def ring_matrix(result, obj) -> np.ndarray:
    """`obj`'s transform in the ring's own frame: the metal's local space, where the ring is
    centred on the origin with the finger along Y (wherever the user has moved it)."""
    return np.array(result.metal.matrix_world.inverted() @ obj.matrix_world)


def ring_arrays(result, obj) -> tuple[np.ndarray, np.ndarray]:
    """(vertices, triangles) of a mesh object in the ring's frame, millimetres."""
    verts, tris = mesh_arrays(obj.data)
    m = ring_matrix(result, obj)
    return verts @ m[:3, :3].T + m[:3, 3], tris


def _tree(verts: np.ndarray, tris: np.ndarray) -> BVHTree:
    return BVHTree.FromPolygons(verts.tolist(), tris.tolist())


def _hits(tree: BVHTree, origin, direction, limit: int = 8) -> list[float]:
    """Distances along a ray to every surface it crosses (up to `limit`)."""
    origin, direction = Vector(origin), Vector(direction).normalized()
    found, travelled = [], 0.0
    for _ in range(limit):
        hit, _n, _i, dist = tree.ray_cast(origin + direction * travelled, direction)
        if hit is None:
            break
        travelled += dist
        found.append(travelled)
        travelled += STEP
    return found


def _volume(verts: np.ndarray, tris: np.ndarray) -> float:
    a, b, c = verts[tris[:, 0]], verts[tris[:, 1]], verts[tris[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def measure(result) -> dict:
    """Every dimension the showcase states, in mm (carats for stones), from the meshes."""
    metal_v, metal_t = ring_arrays(result, result.metal)
    tree = _tree(metal_v, metal_t)
    stones = [ring_arrays(result, s) for s in result.stones]
    all_v = np.vstack([metal_v] + [v for v, _ in stones])

    diameter = inner_diameter(tree)
    down = _hits(tree, (0.0, 0.0, 0.0), (0.0, 0.0, -1.0))
    up = _hits(tree, (0.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    if diameter is None or len(down) < 2 or not up:
        raise ShowcaseError(
            f"{result.metal.name}: no band around the finger axis to measure (the metal must "
            "be a ring around its object's Y axis, as Aura builds it)"
        )
    inner_bottom, outer_bottom = down[0], down[1]
    # the band under the finger: everything below the inner surface's lowest point
    band = metal_v[metal_v[:, 2] <= -inner_bottom * 0.98]
    top = float(all_v[:, 2].max())
    lo, hi = all_v.min(axis=0), all_v.max(axis=0)
    dims = {
        "inner_diameter_mm": round(diameter, 3),
        "inner_circumference_mm": round(diameter * math.pi, 3),
        "shank_width_mm": round(float(np.ptp(band[:, 1])), 3),
        "shank_thickness_mm": round(outer_bottom - inner_bottom, 3),
        "inner_bottom_z_mm": round(-inner_bottom, 3),
        "outer_bottom_z_mm": round(-outer_bottom, 3),
        "inner_top_z_mm": round(up[0], 3),
        "top_z_mm": round(top, 3),
        "head_height_mm": round(top - up[0], 3),  # finger to the top of the ring
        "overall_mm": {
            "width_x": round(float(hi[0] - lo[0]), 3),
            "length_y": round(float(hi[1] - lo[1]), 3),
            "height_z": round(float(hi[2] - lo[2]), 3),
        },
        "bounds_mm": [lo.round(4).tolist(), hi.round(4).tolist()],
        "stones": [],
    }
    centre = result.spec.gem
    for obj, (verts, tris) in zip(result.stones, stones, strict=True):
        stone_name = obj.get(STONE_PROP) or centre.stone
        s_lo, s_hi = verts.min(axis=0), verts.max(axis=0)
        volume = _volume(verts, tris)
        density = STONES[stone_name].density
        dims["stones"].append(
            {
                "cut": centre.cut if centre and stone_name == centre.stone else None,
                "stone": stone_name,
                "length_mm": round(float(s_hi[1] - s_lo[1]), 3),  # along the finger
                "width_mm": round(float(s_hi[0] - s_lo[0]), 3),
                "depth_mm": round(float(s_hi[2] - s_lo[2]), 3),
                # the girdle: where the stone is widest across the finger
                "girdle_z_mm": round(float(verts[np.argmax(verts[:, 1]), 2]), 3),
                "volume_mm3": round(volume, 4),
                "carat": round(volume * density / 1000.0 / CARAT_G, 3),
                "bounds_mm": [s_lo.round(4).tolist(), s_hi.round(4).tolist()],
            }
        )
    return dims
