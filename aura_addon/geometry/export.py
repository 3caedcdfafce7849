"""Binary STL in millimetres, written straight from mesh data (no operator, no selection)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .scene import mesh_arrays


def write_stl(path, meshes, header: str = "Aura ring, millimetres") -> int:
    """Write one or more Blender meshes as a single binary STL. Returns the triangle count."""
    tris_all = []
    for mesh in meshes:
        verts, tris = mesh_arrays(mesh)
        tris_all.append(verts[tris])
    triangles = (
        np.concatenate(tris_all).astype(np.float32) if tris_all else np.zeros((0, 3, 3), np.float32)
    )
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
    record = np.zeros(
        len(triangles), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")]
    )
    record["n"] = normals
    record["v"] = triangles
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(header.encode("ascii")[:80].ljust(80, b"\0"))
        fh.write(np.uint32(len(triangles)).tobytes())
        fh.write(record.tobytes())
    return len(triangles)
