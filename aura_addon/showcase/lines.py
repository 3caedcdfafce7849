"""Visible lines of an orthographic view, computed from the meshes: outlines (silhouettes),
creases and boundaries, with hidden parts removed by casting rays toward the viewer.

Deterministic and independent of any renderer: what the drawing shows is the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mathutils import Vector
from mathutils.bvhtree import BVHTree

from ..geometry.scene import mesh_arrays

NUDGE = 2e-3  # mm: a sample point is moved this far off its surface before its ray starts


@dataclass(frozen=True)
class Projection:
    """An orthographic view: `toward` points from the model to the viewer; the drawing's
    x and y axes are `right` and `up` (all unit vectors in model space)."""

    name: str
    right: tuple[float, float, float]
    up: tuple[float, float, float]
    toward: tuple[float, float, float]

    def project(self, points: np.ndarray) -> np.ndarray:
        return points @ np.array([self.right, self.up]).T


# Third-angle views as jewelry CAD names them: front looks along the finger.
FRONT = Projection("front", (1, 0, 0), (0, 0, 1), (0, -1, 0))
SIDE = Projection("side", (0, 1, 0), (0, 0, 1), (1, 0, 0))
TOP = Projection("top", (1, 0, 0), (0, 1, 0), (0, 0, 1))


@dataclass
class Part:
    """A mesh placed in the drawing's frame with its polygon structure (for creases)."""

    verts: np.ndarray  # (n, 3)
    edges: np.ndarray  # (e, 2) vertex indices
    edge_faces: list  # per edge: indices of the faces around it
    normals: np.ndarray  # (f, 3) face normals
    triangles: np.ndarray  # (t, 3) for the ray tree
    crease_deg: float


def part_from_object(obj, crease_deg: float, matrix: np.ndarray) -> Part:
    """Edges, face normals and edge-face adjacency of a mesh object, placed by `matrix`
    (4x4: the object in the drawing's frame)."""
    mesh = obj.data
    m = np.asarray(matrix, dtype=float)
    verts = np.empty(len(mesh.vertices) * 3)
    mesh.vertices.foreach_get("co", verts)
    verts = verts.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]
    edges = np.empty(len(mesh.edges) * 2, dtype=np.int64)
    mesh.edges.foreach_get("vertices", edges)
    normals = np.empty(len(mesh.polygons) * 3)
    mesh.polygons.foreach_get("normal", normals)
    normals = normals.reshape(-1, 3) @ np.linalg.inv(m[:3, :3])  # inverse transpose
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    loop_edges = np.empty(len(mesh.loops), dtype=np.int64)
    mesh.loops.foreach_get("edge_index", loop_edges)
    totals = np.empty(len(mesh.polygons), dtype=np.int64)
    mesh.polygons.foreach_get("loop_total", totals)
    loop_faces = np.repeat(np.arange(len(totals)), totals)
    edge_faces = [[] for _ in range(len(mesh.edges))]
    for e, f in zip(loop_edges.tolist(), loop_faces.tolist(), strict=True):
        edge_faces[e].append(f)
    _, triangles = mesh_arrays(mesh)
    return Part(verts, edges.reshape(-1, 2), edge_faces, normals, triangles, crease_deg)


def candidate_edges(part: Part, toward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges that a line drawing shows if nothing hides them: silhouettes (one face turned
    to the viewer, the other away), creases sharper than the part's angle, open boundaries.
    Returns (edge indices, a unit offset per edge that moves its points off the surface)."""
    cos_crease = np.cos(np.radians(part.crease_deg))
    facing = part.normals @ toward
    keep, offsets = [], []
    for i, faces in enumerate(part.edge_faces):
        if len(faces) == 2:
            a, b = faces
            silhouette = (facing[a] > 0) != (facing[b] > 0)
            crease = float(part.normals[a] @ part.normals[b]) < cos_crease
            if not (silhouette or crease):
                continue
            if not silhouette and facing[a] <= 0 and facing[b] <= 0:
                continue  # a crease on the far side is hidden anyway
            normal = part.normals[a] + part.normals[b]
        elif faces:
            normal = part.normals[faces[0]].copy()
        else:
            continue
        keep.append(i)
        offsets.append(normal / max(np.linalg.norm(normal), 1e-12))
    return np.array(keep, dtype=np.int64), np.array(offsets).reshape(-1, 3)


def visible_segments(parts: list[Part], view: Projection, step: float) -> np.ndarray:
    """Visible pieces of the candidate edges of all parts, as 2D segments (k, 2, 2) in mm on
    the view plane. `step` (mm) is the spacing of the visibility samples along an edge."""
    toward = np.asarray(view.toward, dtype=float)
    all_v = np.vstack([p.verts for p in parts])
    tris, base = [], 0
    for p in parts:
        tris.extend((p.triangles + base).tolist())
        base += len(p.verts)
    tree = BVHTree.FromPolygons(all_v.tolist(), tris)
    direction = Vector(toward.tolist())
    segments = []
    for part in parts:
        idx, offsets = candidate_edges(part, toward)
        for edge, offset in zip(part.edges[idx], offsets, strict=True):
            a, b = part.verts[edge[0]], part.verts[edge[1]]
            n = max(2, int(np.ceil(np.linalg.norm(b - a) / step)) + 1)
            ts = np.linspace(0.0, 1.0, n)
            pts = a + (b - a) * ts[:, None]
            lift = (offset + toward) * NUDGE
            seen = [tree.ray_cast(Vector((p + lift).tolist()), direction)[0] is None for p in pts]
            segments.extend(_runs(pts, seen))
    if not segments:
        return np.zeros((0, 2, 2))
    seg3 = np.array(segments)
    return np.stack([view.project(seg3[:, 0]), view.project(seg3[:, 1])], axis=1)


def _runs(pts: np.ndarray, seen: list[bool]) -> list:
    """The stretches of an edge between consecutive visible samples."""
    return [(pts[i], pts[i + 1]) for i in range(len(pts) - 1) if seen[i] and seen[i + 1]]
