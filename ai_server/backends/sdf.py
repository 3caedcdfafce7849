"""Signed-distance fields on a grid, meshed with marching cubes, plus swept tubes.

Convention: negative inside. 2D fields take broadcast arrays ``x`` (k,1,1) and ``y`` (1,n,1);
3D fields also ``z`` (1,1,m). Fields are evaluated slab by slab along x so a long (high
resolution) evaluation reports progress and can be cancelled between slabs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

import numpy as np
import trimesh
from skimage.measure import marching_cubes

Field = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

# ---------------------------------------------------------------- 2D primitives


def circle(x, y, cx: float, cy: float, r: float):
    return np.hypot(x - cx, y - cy) - r


def ellipse(x, y, cx: float, cy: float, a: float, b: float, angle_deg: float = 0.0):
    """Approximate distance to an ellipse with semi-axes a (along the angle) and b."""
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    u = (x - cx) * c + (y - cy) * s
    v = -(x - cx) * s + (y - cy) * c
    return (np.hypot(u / a, v / b) - 1.0) * min(a, b)


def capsule(x, y, p0, p1, r: float):
    """Distance to the segment p0-p1, minus r (a stadium)."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(x - x0 - t * dx, y - y0 - t * dy) - r


def polygon(x, y, points: np.ndarray):
    """Exact signed distance to a simple closed polygon (points: (n,2), not repeated)."""
    points = np.asarray(points, dtype=np.float64)
    nearest2 = None
    inside = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(y)), dtype=bool)
    # one edge at a time over the whole grid: small arrays that stay in cache beat one big one
    for (x0, y0), (x1, y1) in zip(points, np.roll(points, -1, axis=0), strict=True):
        dx, dy = x1 - x0, y1 - y0
        px, py = x - x0, y - y0
        t = np.clip((px * dx + py * dy) * (1.0 / (dx * dx + dy * dy)), 0.0, 1.0)
        d2 = (px - t * dx) ** 2 + (py - t * dy) ** 2
        nearest2 = d2 if nearest2 is None else np.minimum(nearest2, d2)
        if dy != 0:  # even-odd rule: does a ray towards +x cross this edge?
            inside ^= ((y0 > y) != (y1 > y)) & (px < py * (dx / dy))
    distance = np.sqrt(nearest2)
    return np.where(inside, -distance, distance)


def union(*fields):
    result = fields[0]
    for f in fields[1:]:
        result = np.minimum(result, f)
    return result


def smooth_union(a, b, k: float):
    """Union with a fillet of about k (polynomial smooth minimum)."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b * (1 - h) + a * h - k * h * (1 - h)


def subtract(a, b):
    return np.maximum(a, -b)


def intersect(a, b):
    return np.maximum(a, b)


# ---------------------------------------------------------------- 2D -> 3D


def rounded_extrusion(d2, z, half_height, radius: float):
    """Extrude a 2D field to +-half_height (may vary over x, y) with edges rounded by radius."""
    radius = np.minimum(radius, half_height)
    wx = d2 + radius
    wy = np.abs(z) - half_height + radius
    outside = np.hypot(np.maximum(wx, 0.0), np.maximum(wy, 0.0))
    return np.minimum(np.maximum(wx, wy), 0.0) + outside - radius


def domed_height(d2, base: float, crown: float, reach: float, power: float = 0.5):
    """Half-thickness rising from ``base`` at the outline to ``base + crown`` ``reach`` inside.

    power 0.5 gives a pillowed dome; 1.0 a faceted, bevelled ridge (stars, crosses).
    """
    depth = np.clip(-d2 / reach, 0.0, 1.0)
    return base + crown * depth**power


def sphere(x, y, z, cx, cy, cz, r):
    return np.sqrt((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2) - r


def ellipsoid(x, y, z, cx, cy, cz, rx, ry, rz):
    k = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2)
    return (k - 1.0) * min(rx, ry, rz)


# ---------------------------------------------------------------- meshing


# Every feature of a motif must survive casting: meshing grows the shape by this much (in the
# field's units), which rounds points and edges and makes the thinnest part at least twice it.
# The procedural backend sets it from the size the motif is made for.
MIN_HALF_THICKNESS: ContextVar[float] = ContextVar("MIN_HALF_THICKNESS", default=0.0)


def mesh_field(
    field: Field,
    bounds: tuple[tuple[float, float, float], tuple[float, float, float]],
    resolution: int,
    on_slab: Callable[[float], None] | None = None,
) -> trimesh.Trimesh:
    """Sample ``field`` over ``bounds`` (cells along the longest axis = resolution); mesh it.

    The sampled box gets a margin of two cells whose border is forced outside, so the
    marching-cubes surface is always closed. ``on_slab(fraction)`` runs between slabs.
    """
    grow = MIN_HALF_THICKNESS.get()
    lo = np.asarray(bounds[0], dtype=np.float64) - grow
    hi = np.asarray(bounds[1], dtype=np.float64) + grow
    cell = float((hi - lo).max()) / resolution
    lo, hi = lo - 2 * cell, hi + 2 * cell
    axes = [
        np.arange(a, b + cell * 0.5, cell, dtype=np.float32) for a, b in zip(lo, hi, strict=True)
    ]
    nx, ny, nz = (len(a) for a in axes)
    values = np.empty((nx, ny, nz), dtype=np.float32)
    y = axes[1][None, :, None]
    z = axes[2][None, None, :]
    slab = max(1, 2_000_000 // (ny * nz))  # ~8 MB of float32 per slab
    for start in range(0, nx, slab):
        stop = min(nx, start + slab)
        x = axes[0][start:stop, None, None]
        values[start:stop] = np.broadcast_to(field(x, y, z), (stop - start, ny, nz))
        if on_slab is not None:
            on_slab(stop / nx)
    if grow > 0:
        values = _grown(values, cell, grow)
    for face in (
        values[0],
        values[-1],
        values[:, 0],
        values[:, -1],
        values[:, :, 0],
        values[:, :, -1],
    ):
        np.maximum(face, cell, out=face)
    if values.min() >= 0:
        raise ValueError("the shape's field is empty: nothing inside the sampled box")
    keep_off_grid_points(values, 0.0, 0.01 * cell)
    verts, faces, _normals, _values = marching_cubes(values, 0.0, spacing=(cell, cell, cell))
    return _outward(trimesh.Trimesh(verts + lo, faces, process=False))


def _grown(values: np.ndarray, cell: float, grow: float) -> np.ndarray:
    """The shape grown by ``grow``: every point within that distance of it.

    The modelling fields are exact distances only away from corners; where two shapes meet
    at a sharp angle (a crescent's horns, a heart's point) they under-estimate, and growing
    them alone would keep the point sharp. The sampled grid's own distance transform is
    exact to about a cell there, so the larger of the two (less a cell of slack, so the
    smooth field still shapes everything else) rounds every point and edge."""
    from scipy.ndimage import distance_transform_edt

    outside = distance_transform_edt(values >= 0).astype(np.float32) * cell
    return np.maximum(values, outside - cell) - grow


def keep_off_grid_points(values: np.ndarray, level: float, margin: float) -> None:
    """Move samples lying (almost) on the level away from it, in place.

    A sample exactly on the surface makes marching cubes put several vertices on one grid
    point: zero-area triangles that break the mesh once coordinates are rounded in a file.
    """
    near = np.abs(values - level) < margin
    values[near] = level + margin


def tube(points: np.ndarray, radius: float, sides: int = 24) -> trimesh.Trimesh:
    """A closed tube of circular section swept along a closed curve (points: (n,3), no repeat).

    Frames are parallel-transported along the curve; the leftover twist at the seam is spread
    evenly so the last ring meets the first one.
    """
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    tangents = np.roll(points, -1, axis=0) - np.roll(points, 1, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    seed = np.array([0.0, 0.0, 1.0]) if abs(tangents[0][2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    normal = np.cross(tangents[0], seed)
    normal /= np.linalg.norm(normal)
    normals = np.empty_like(points)
    for i in range(n):
        normal = normal - tangents[i] * np.dot(normal, tangents[i])
        normal /= np.linalg.norm(normal)
        normals[i] = normal
    # twist between the transported frame at the end and the start frame
    end = normals[-1] - tangents[0] * np.dot(normals[-1], tangents[0])
    end /= np.linalg.norm(end)
    binormal0 = np.cross(tangents[0], normals[0])
    twist = np.arctan2(np.dot(end, binormal0), np.dot(end, normals[0]))
    angles = -twist * np.arange(n) / n
    binormals = np.cross(tangents, normals)
    cos_a, sin_a = np.cos(angles)[:, None], np.sin(angles)[:, None]
    normals, binormals = normals * cos_a + binormals * sin_a, binormals * cos_a - normals * sin_a
    theta = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    ring = (
        np.cos(theta)[None, :, None] * normals[:, None, :]
        + np.sin(theta)[None, :, None] * binormals[:, None, :]
    )
    vertices = (points[:, None, :] + radius * ring).reshape(-1, 3)
    i = np.arange(n)[:, None]
    j = np.arange(sides)[None, :]
    a = i * sides + j
    b = ((i + 1) % n) * sides + j
    c = ((i + 1) % n) * sides + (j + 1) % sides
    d = i * sides + (j + 1) % sides
    faces = np.concatenate([np.stack([a, b, c], -1), np.stack([a, c, d], -1)], axis=1).reshape(
        -1, 3
    )
    return _outward(trimesh.Trimesh(vertices, faces, process=False))


def _outward(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Flip the winding if the signed volume says the mesh is inside out."""
    a, b, c = (mesh.vertices[mesh.faces[:, i]] for i in range(3))
    if np.einsum("ij,ij->", a, np.cross(b, c)) < 0:
        mesh.invert()
    return mesh
