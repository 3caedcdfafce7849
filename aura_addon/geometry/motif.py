"""The sculpted motif: read an OBJ (from the AI server or the user), repair it into a closed
solid, scale it to the spec's size and place it on the ring.

Placement: with no stone the motif crowns the ring (its +Z face up, its flat back set into
the band's top and bent to follow the band, so no crevice opens between them). With a stone, a pair of motifs dresses the shoulders either side of the head,
mirrored across the finger's centre line.
"""

from __future__ import annotations

import functools
import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import bmesh
import bpy
import numpy as np

from . import castable
from .meshdata import MeshData
from .scene import mesh_arrays, new_mesh, new_object
from .topology import is_closed_solid

# Bounds on what a motif file may take: twice the largest mesh the server makes (its
# max_faces tops out at 500,000), and at most ~100 MB of numbers in memory however the
# file is written (every face and vertex is checked as it is read, not after).
MAX_OBJ_BYTES = 100 * 1024 * 1024
MAX_OBJ_FACES = 1_000_000
MAX_OBJ_VERTICES = 3 * MAX_OBJ_FACES  # a triangle soup has three per face
MAX_FACE_CORNERS = 64  # an n-gon larger than this is no motif a server makes


class MotifError(ValueError):
    """The motif file cannot be used; the message says why."""


def read_obj(path) -> MeshData:
    """The vertices and faces of a Wavefront OBJ (other records are skipped). A malformed
    line or a file past the bounds is a MotifError naming the file and the line."""
    path = Path(path)
    if not path.is_file():
        raise MotifError(f"motif file {str(path)!r} does not exist")
    if path.stat().st_size > MAX_OBJ_BYTES:
        raise MotifError(f"motif file {str(path)!r} is larger than {MAX_OBJ_BYTES >> 20} MB")
    coords = array("d")
    corners = array("q")  # every face's vertex indices, one after another
    lengths = array("q")
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if line.startswith("v "):
                xyz = _vertex(line)
                if xyz is None:
                    raise _bad_line(path, number, line, "a vertex is 'v X Y Z' with three numbers")
                if len(coords) >= 3 * MAX_OBJ_VERTICES:
                    raise MotifError(
                        f"motif file {str(path)!r} has more than {MAX_OBJ_VERTICES:,} vertices"
                    )
                coords.extend(xyz)
            elif line.startswith("f "):
                face = _face(line, len(coords) // 3)
                if face is None:
                    raise _bad_line(
                        path, number, line,
                        f"a face is 'f A B C ...' with 3 to {MAX_FACE_CORNERS} indices of "
                        f"vertices read before it (there are {len(coords) // 3})",
                    )  # fmt: skip
                if len(lengths) >= MAX_OBJ_FACES:
                    raise MotifError(
                        f"motif file {str(path)!r} has more than {MAX_OBJ_FACES:,} faces"
                    )
                corners.extend(face)
                lengths.append(len(face))
    if len(coords) < 12 or not lengths:
        raise MotifError(f"motif file {str(path)!r} holds no mesh (no vertices or faces)")
    verts = np.frombuffer(coords, dtype=float).reshape(-1, 3)
    ends = np.cumsum(np.frombuffer(lengths, dtype=np.int64))
    flat = np.frombuffer(corners, dtype=np.int64).tolist()
    faces = [tuple(flat[end - n : end]) for end, n in zip(ends.tolist(), lengths, strict=True)]
    return MeshData(verts.copy(), faces)


def _vertex(line: str) -> list[float] | None:
    parts = line.split()[1:4]
    try:
        xyz = [float(x) for x in parts]
    except ValueError:
        return None
    return xyz if len(xyz) == 3 and all(math.isfinite(x) for x in xyz) else None


def _face(line: str, count: int) -> list[int] | None:
    """0-based indices ('f 1/1/1 2//2 -1' forms too), or None when any is not a vertex."""
    tokens = line.split()[1:]
    if not 3 <= len(tokens) <= MAX_FACE_CORNERS:
        return None
    face = []
    for token in tokens:
        try:
            i = int(token.split("/")[0])
        except ValueError:
            return None
        i = i - 1 if i > 0 else count + i  # OBJ counts from 1; negative counts back
        if not 0 <= i < count:
            return None
        face.append(i)
    return face


def _bad_line(path: Path, number: int, line: str, allowed: str) -> MotifError:
    text = line.strip()
    text = text if len(text) <= 60 else text[:57] + "..."
    return MotifError(f"motif file {str(path)!r}, line {number}: {text!r} is not valid; {allowed}")


def repaired(data: MeshData, size_mm: float) -> MeshData:
    """The motif as a closed solid: as it is when already closed; else with its seams merged
    and holes filled; else voxel-remeshed (which closes anything with volume)."""
    mesh = new_mesh("aura_motif_check", data)
    try:
        if is_closed_solid(mesh):
            return data
        bm = bmesh.new()
        bm.from_mesh(mesh)
        bmesh.ops.remove_doubles(bm, verts=bm.verts, dist=size_mm * 1e-5)
        bmesh.ops.holes_fill(bm, edges=[e for e in bm.edges if e.is_boundary], sides=0)
        bmesh.ops.recalc_face_normals(bm, faces=bm.faces)
        bm.to_mesh(mesh)
        bm.free()
        if is_closed_solid(mesh):
            verts, tris = mesh_arrays(mesh)
            return MeshData(verts, [tuple(t) for t in tris]).outward()
        fixed = voxel_remesh(mesh, max(size_mm / 150.0, 0.03))
        if len(fixed.faces) == 0:
            raise MotifError(
                "the motif mesh encloses no volume and could not be repaired into a solid"
            )
        return fixed
    finally:
        if mesh.users == 0:
            bpy.data.meshes.remove(mesh)


def voxel_remesh(data: MeshData | bpy.types.Mesh, voxel_mm: float) -> MeshData:
    """The shape rebuilt on a voxel grid (Blender's OpenVDB remesh): closed, one surface,
    overlaps resolved."""
    own = not isinstance(data, bpy.types.Mesh)
    mesh = new_mesh("aura_motif_remesh", data) if own else data
    obj = new_object("aura_motif_repair", mesh, bpy.context.scene.collection)
    try:
        mod = obj.modifiers.new("remesh", "REMESH")
        mod.mode = "VOXEL"
        mod.voxel_size = voxel_mm
        evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
        fixed = bpy.data.meshes.new_from_object(evaluated)
        verts, tris = mesh_arrays(fixed)
        bpy.data.meshes.remove(fixed)
    finally:
        bpy.data.objects.remove(obj, do_unlink=True)
        if own:
            bpy.data.meshes.remove(mesh)
    return MeshData(verts, [tuple(t) for t in tris]).outward()


@dataclass(frozen=True)
class PreparedMotif:
    shape: MeshData  # closed, centred, made castable (flat back, grown where thin)
    preparation: castable.Preparation


def prepared(path, size_mm: float, min_wall_mm: float) -> PreparedMotif:
    """The motif file as a closed solid, centred, largest extent `size_mm`, made castable at
    `min_wall_mm` (castable.py). Kept for the same file (unchanged on disk), size and
    minimum, so a size run reads, repairs and prepares its motif once."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise MotifError(f"motif file {str(path)!r} does not exist") from None
    return _prepared(
        str(path.resolve()), stat.st_mtime_ns, stat.st_size, float(size_mm), float(min_wall_mm)
    )


@functools.lru_cache(maxsize=8)
def _prepared(path: str, _mtime_ns: int, _bytes: int, size_mm: float, min_wall: float):
    shape = normalised(read_obj(path), size_mm)
    shape = normalised(repaired(shape, size_mm), size_mm)
    made, prep = castable.make_castable(shape, min_wall)
    return PreparedMotif(made, prep)


def normalised(data: MeshData, size_mm: float) -> MeshData:
    """Centred on the origin, largest extent = size_mm."""
    lo, hi = data.verts.min(axis=0), data.verts.max(axis=0)
    extent = float((hi - lo).max())
    if extent <= 0:
        raise MotifError("the motif mesh is flat or empty")
    return MeshData((data.verts - (lo + hi) / 2) * (size_mm / extent), data.faces)


def _rotate_y(verts: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    x, y, z = verts[:, 0], verts[:, 1], verts[:, 2]
    return np.column_stack([x * c + z * s, y, -x * s + z * c])


def wrapped(verts: np.ndarray, crest: float, seat: float) -> np.ndarray:
    """The motif bent round the ring (lengths kept at the band's `crest` radius), its flat
    back at radius `seat` from the finger's axis: where the band's sides stop being upright
    (never into the finger's room). The band's domed top then runs into the motif's back and
    its upright sides meet the back square. A flat motif over the curved band would leave
    wedge crevices that investment cannot fill (Stuller: gaps of at least 0.3 mm); a back set
    lower would leave thin fins where the motif's side runs just outside the band's."""
    radius = seat + (verts[:, 2] - float(verts[:, 2].min()))
    angle = verts[:, 0] / crest
    return np.column_stack([radius * np.sin(angle), verts[:, 1], radius * np.cos(angle)])


def placements(
    motif: MeshData,
    crest_z: float,
    seat: float,
    head_half_width: float | None,
    gap: float = 0.6,
) -> list[MeshData]:
    """The motif copies placed on the ring (see the module docstring).

    On the shoulders each copy is turned about the finger until all of it stands at least
    `gap` clear of the head (whose half width across the ring is `head_half_width`), so the
    two never meet in a knife-thin seam."""
    seated = wrapped(motif.verts, crest_z, seat)
    if head_half_width is None:
        return [MeshData(seated, motif.faces)]
    angle = 0.0
    while angle < math.pi / 2:
        if _rotate_y(seated, angle)[:, 0].min() >= head_half_width + gap:
            break
        angle += 0.01
    right = _rotate_y(seated, angle)
    left = right * [-1, 1, 1]  # mirrored: faces turn inside out, so reverse them
    return [MeshData(right, motif.faces), MeshData(left, [tuple(reversed(f)) for f in motif.faces])]
