"""Independent readers for what Aura writes: trimesh, admesh and prusa-slicer.

Nothing here uses Aura's own geometry code, so the tests compare Aura's report with
measurements made by other tools.
"""

from __future__ import annotations

import re
import subprocess

import numpy as np
import trimesh


def load_stl(path) -> trimesh.Trimesh:
    mesh = trimesh.load(path, file_type="stl", force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    return mesh


def inner_diameter(mesh: trimesh.Trimesh) -> float:
    """Diameter of the largest circle about the Y axis (the finger) inside the ring, measured
    in the plane y = 0 from the mesh's cross-section: twice the nearest distance from the
    axis to any section segment."""
    lines = trimesh.intersections.mesh_plane(mesh, plane_normal=[0, 1, 0], plane_origin=[0, 0, 0])
    a = lines[:, 0][:, [0, 2]]
    b = lines[:, 1][:, [0, 2]]
    ab = b - a
    t = np.clip(-(a * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-18), 0, 1)
    nearest = a + ab * t[:, None]
    return 2 * float(np.linalg.norm(nearest, axis=1).min())


def overlap_volume(a: trimesh.Trimesh, b: trimesh.Trimesh) -> float:
    """Volume (mm3) the two solids share, by manifold3d's exact boolean."""
    import manifold3d

    def solid(mesh):
        m = manifold3d.Mesh(
            vert_properties=np.asarray(mesh.vertices, dtype=np.float32),
            tri_verts=np.asarray(mesh.faces, dtype=np.uint32),
        )
        return manifold3d.Manifold(m)

    return float((solid(a) ^ solid(b)).volume())


def admesh(path) -> dict:
    out = subprocess.run(["admesh", str(path)], capture_output=True, text=True, check=True).stdout

    def number(label):
        return float(re.search(rf"{label}\s*:\s*([-\d.]+)", out).group(1))

    return {
        "parts": int(number("Number of parts")),
        "volume": number("Volume"),
        "disconnected": int(number("Total disconnected facets")),
        "degenerate": int(number("Degenerate facets")),
        "backwards_edges": int(number("Backwards edges")),
    }


def prusa_info(path) -> dict:
    out = subprocess.run(
        ["prusa-slicer", "--info", str(path)], capture_output=True, text=True, timeout=120
    ).stdout
    info = dict(re.findall(r"^(\w+)\s*=\s*(.+?)\s*$", out, flags=re.M))
    assert info, f"prusa-slicer printed no info: {out[-500:]}"
    return info


def ray_hits(mesh: trimesh.Trimesh, origin, direction) -> np.ndarray:
    """Distances along a ray to every triangle it crosses (Moller-Trumbore, in numpy: no
    spatial index package needed)."""
    tri = mesh.triangles
    o, d = np.asarray(origin, float), np.asarray(direction, float)
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    p = np.cross(d, e2)
    det = (e1 * p).sum(1)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = o - tri[:, 0]
    u = (s * p).sum(1) * inv
    q = np.cross(s, e1)
    v = (q @ d) * inv
    t = (q * e2).sum(1) * inv
    eps = 1e-9  # a ray through an edge or a corner counts (no slipping between triangles)
    hit = ok & (u >= -eps) & (v >= -eps) & (u + v <= 1 + eps) & (t > 0)
    return np.sort(t[hit])
