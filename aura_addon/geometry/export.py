"""The casting files, written straight from mesh data (no operator, no selection):
binary STL and 3MF (3D Manufacturing Format), both in millimetres.

`scale` enlarges the metal about the ring's centre for the foundry's shrinkage allowance
(spec process.shrinkage_pct): metal shrinks about 1-1.5 % as it cools in the mould
(Shapeways), so the pattern is made that much larger. Only these files carry it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .scene import mesh_arrays


def _triangles(meshes, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(vertices, triangles) of the meshes together, scaled about the origin."""
    verts_all, tris_all, offset = [], [], 0
    for mesh in meshes:
        verts, tris = mesh_arrays(mesh)
        verts_all.append(verts * scale)
        tris_all.append(tris + offset)
        offset += len(verts)
    if not verts_all:
        return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
    return np.concatenate(verts_all), np.concatenate(tris_all)


def write_stl(path, meshes, header: str = "Aura ring, millimetres", scale: float = 1.0) -> int:
    """Write one or more Blender meshes as a single binary STL. Returns the triangle count."""
    verts, tris = _triangles(meshes, scale)
    triangles = verts[tris].astype(np.float32)
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


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
"""
_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"""


def write_3mf(path, meshes, name: str = "Aura ring", scale: float = 1.0) -> int:
    """Write the meshes as ONE object of a 3MF package (3MF Core Specification: an OPC zip
    holding 3D/3dmodel.model), unit millimetre. Returns the triangle count."""
    from xml.sax.saxutils import quoteattr

    verts, tris = _triangles(meshes, scale)
    # one %-format over the whole array: four times faster than a row at a time
    vertex_rows = ('<vertex x="%.5f" y="%.5f" z="%.5f"/>' * len(verts)) % tuple(
        verts.ravel().tolist()
    )
    triangle_rows = ('<triangle v1="%d" v2="%d" v3="%d"/>' * len(tris)) % tuple(
        tris.ravel().tolist()
    )
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<model unit="millimeter" xml:lang="en-US" '
        'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">\n'
        f'<metadata name="Title">{name.replace("<", "").replace("&", "and")}</metadata>\n'
        f'<resources><object id="1" type="model" name={quoteattr(name)}><mesh>'
        f"<vertices>{vertex_rows}</vertices><triangles>{triangle_rows}</triangles>"
        '</mesh></object></resources>\n<build><item objectid="1"/></build>\n</model>\n'
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("3D/3dmodel.model", model)
    return len(tris)
