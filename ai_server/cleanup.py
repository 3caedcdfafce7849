"""Mesh cleanup every backend's output goes through: raw model mesh -> clean OBJ in millimetres.

Steps, in order: rotate (the backend says how), split into parts, drop backdrops (flat sheets,
box shells around the object, thin walls fused to it), drop floaters (parts small next to
the largest), make watertight (fix winding, cap open boundaries, else a voxel remesh), fuse
overlapping closed parts (boolean union), decimate to a face budget (manifold3d's simplify),
centre and scale so the largest extent == size_mm. A single closed body from a backend that
makes no backdrops (procedural) skips straight to the last two steps: that keeps it fast.
The report says what was done; ``watertight`` is measured on the final faces, not assumed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from ai_server.backends.base import BackendError
from ai_server.config import DEFAULT_MAX_FACES
from aura_addon.geometry.meshdata import signed_volume
from aura_addon.geometry.topology import triangle_topology

FLOATER_AREA_FRACTION = 0.15  # parts with less surface than this x the largest are floaters
FLAT_RATIO = 0.04  # thinnest / largest principal extent below this: a sheet
WALL_THICKNESS_RATIO = 0.03  # two big parallel facets closer than this x the extent: a wall
WALL_AREA_FRACTION = 0.2
BOX_FACET_AREA_FRACTION = 0.85  # box shell: nearly all area in a few big planar facets
VOXEL_RESOLUTION = 128  # voxels along the largest extent when a remesh is needed


class CleanupError(BackendError):
    """The mesh cannot be turned into a usable solid (e.g. nothing left): the job fails with this."""


@dataclass
class CleanupReport:
    faces: int = 0
    vertices: int = 0
    watertight: bool = False
    parts: int = 0
    floaters_removed: int = 0
    backdrops_removed: int = 0
    wall_faces_removed: int = 0
    repair: list[str] = field(default_factory=list)
    decimated_from: int | None = None
    bounds_mm: list[list[float]] = field(default_factory=list)
    extent_mm: list[float] = field(default_factory=list)
    volume_mm3: float | None = None

    def as_result(self) -> dict:
        return {
            "faces": self.faces,
            "vertices": self.vertices,
            "watertight": self.watertight,
            "bounds_mm": self.bounds_mm,
            "extent_mm": self.extent_mm,
            "volume_mm3": self.volume_mm3,
            "parts": self.parts,
            "cleanup": {
                "floaters_removed": self.floaters_removed,
                "backdrops_removed": self.backdrops_removed,
                "wall_faces_removed": self.wall_faces_removed,
                "repair": self.repair,
                "decimated_from": self.decimated_from,
            },
        }


def clean_mesh(
    mesh: trimesh.Trimesh,
    *,
    size_mm: float,
    rotate_x_deg: float = 0.0,
    max_faces: int = DEFAULT_MAX_FACES,
    detect_backdrops: bool = True,
    step: Callable[[str], None] | None = None,
) -> tuple[trimesh.Trimesh, CleanupReport]:
    """Return the cleaned mesh (millimetres, centred on the origin) and what was done.

    ``detect_backdrops=False`` skips the wall/sheet/box search for a backend that cannot make
    backdrops (the procedural one); floaters, watertightness and the rest still apply.
    """
    step = step or (lambda _name: None)
    report = CleanupReport()
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if rotate_x_deg:
        rotation = trimesh.transformations.rotation_matrix(np.radians(rotate_x_deg), [1, 0, 0])
        vertices = vertices @ rotation[:3, :3].T
    mesh = trimesh.Trimesh(vertices, faces, process=False)

    topology = triangle_topology(faces, len(vertices))
    if not (topology.solid and topology.bodies == 1) or detect_backdrops:
        # the general path; a single closed body from a backend without backdrops skips it
        mesh = _repair(mesh, report, max_faces, detect_backdrops, step)
        topology = triangle_topology(mesh.faces, len(mesh.vertices))

    if len(mesh.faces) > max_faces:
        step("decimating")
        report.decimated_from = len(mesh.faces)
        mesh = _decimate(mesh, max_faces, step)
        topology = triangle_topology(mesh.faces, len(mesh.vertices))

    vertices, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    if topology.solid and signed_volume(vertices, faces) < 0:
        faces = faces[:, ::-1]
        report.repair.append("inverted normals")
    vertices = _centred_and_scaled(vertices, size_mm)
    mesh = trimesh.Trimesh(vertices, faces, process=False)

    report.faces, report.vertices = len(faces), len(vertices)
    report.watertight = topology.solid
    report.parts = topology.bodies
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    report.bounds_mm = np.round([low, high], 4).tolist()
    report.extent_mm = np.round(high - low, 4).tolist()
    report.volume_mm3 = round(signed_volume(vertices, faces), 3) if topology.solid else None
    return mesh, report


def _repair(
    mesh: trimesh.Trimesh,
    report: CleanupReport,
    max_faces: int,
    detect_backdrops: bool,
    step: Callable[[str], None],
) -> trimesh.Trimesh:
    """Tidy, drop backdrops and floaters, close the surface, fuse overlapping parts."""
    mesh = _tidy(mesh)
    parts = _split(mesh)
    if detect_backdrops:
        step("removing backdrops")
        cut = []
        for part in parts:
            part, removed = _cut_walls(part)
            report.wall_faces_removed += removed
            cut.extend(_split(part) if removed else [part])
        parts, report.backdrops_removed, report.floaters_removed = _drop_backdrop_parts(cut)

    step("removing floaters")
    parts, floaters = _drop_floaters(parts)
    report.floaters_removed += floaters
    mesh = parts[0] if len(parts) == 1 else trimesh.util.concatenate(parts)

    step("making watertight")
    mesh = _make_watertight(mesh, report, max_faces)
    if mesh.body_count > 1:
        mesh = _fuse_overlapping(mesh, report)
    return mesh


def _centred_and_scaled(vertices: np.ndarray, size_mm: float) -> np.ndarray:
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    largest = float((high - low).max())
    if largest <= 0:
        raise CleanupError("the mesh has no extent")
    return (vertices - (low + high) / 2) * (size_mm / largest)


def write_obj(mesh: trimesh.Trimesh, path: Path) -> None:
    """Plain OBJ (v/f only), coordinates in millimetres; written to a temp file, then renamed."""
    tmp = path.with_suffix(".tmp")
    vertices, faces = mesh.vertices, mesh.faces + 1
    # one C-level format call per block: several times faster than np.savetxt
    text = (
        f"# Aura motif mesh, units: millimetres\n# vertices {len(vertices)} faces {len(faces)}\n"
        + ("v %.6f %.6f %.6f\n" * len(vertices)) % tuple(vertices.ravel().tolist())
        + ("f %d %d %d\n" * len(faces)) % tuple(faces.ravel().tolist())
    )
    tmp.write_text(text, encoding="ascii")
    tmp.replace(path)


# ---------------------------------------------------------------- steps


def _tidy(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    mesh = trimesh.Trimesh(np.asarray(mesh.vertices, float), np.asarray(mesh.faces), process=True)
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.update_faces(mesh.unique_faces())
    mesh.remove_unreferenced_vertices()
    if len(mesh.faces) == 0:
        raise CleanupError("the model produced an empty mesh")
    return mesh


def _split(mesh: trimesh.Trimesh) -> list[trimesh.Trimesh]:
    if mesh.body_count == 1:
        return [mesh]
    return list(mesh.split(only_watertight=False, repair=False))


def _principal_extents(part: trimesh.Trimesh) -> np.ndarray:
    """Extents along the part's principal axes (sorted, largest first)."""
    points = part.vertices - part.vertices.mean(axis=0)
    if len(points) < 3:
        return np.zeros(3)
    _u, _s, axes = np.linalg.svd(points, full_matrices=False)
    projected = points @ axes.T
    return np.sort(projected.max(axis=0) - projected.min(axis=0))[::-1]


def _is_flat(part: trimesh.Trimesh) -> bool:
    extents = _principal_extents(part)
    return extents[0] > 0 and extents[2] / extents[0] < FLAT_RATIO


def _plane_groups(part: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    """Faces grouped by plane (normal to ~3 deg, offset to 1 % of the extent), adjacent or not.

    Returns (unit normal per group, area per group), largest area first.
    """
    normals = part.face_normals
    extent = max(float(part.extents.max()), 1e-12)
    offsets = np.einsum("ij,ij->i", part.triangles_center, normals)
    # one int64 key per face: normal bins (41 per axis) and the offset bin
    normal_bins = np.round(normals * 20).astype(np.int64) + 20
    offset_bins = np.round(offsets / (0.01 * extent)).astype(np.int64)
    offset_bins -= offset_bins.min()
    keys = ((normal_bins[:, 0] * 41 + normal_bins[:, 1]) * 41 + normal_bins[:, 2]) * (
        offset_bins.max() + 1
    ) + offset_bins
    _, group = np.unique(keys, return_inverse=True)
    areas = np.bincount(group, weights=part.area_faces)
    summed = np.zeros((len(areas), 3))
    np.add.at(summed, group, normals * part.area_faces[:, None])
    order = np.argsort(areas)[::-1]
    lengths = np.linalg.norm(summed[order], axis=1, keepdims=True)
    return summed[order] / np.maximum(lengths, 1e-12), areas[order]


def _is_box_shell(part: trimesh.Trimesh) -> bool:
    """Nearly all of the surface in a few large planes: a box, open or closed."""
    _normals, areas = _plane_groups(part)
    big = areas[areas > 0.03 * areas.sum()]
    return 0 < len(big) <= 12 and big.sum() >= BOX_FACET_AREA_FRACTION * areas.sum()


def _encloses(outer: trimesh.Trimesh, inner: trimesh.Trimesh) -> bool:
    (lo, hi), (ilo, ihi) = outer.bounds, inner.bounds
    return bool(np.all(ilo >= lo) and np.all(ihi <= hi))


def _drop_backdrop_parts(parts: list[trimesh.Trimesh]) -> tuple[list[trimesh.Trimesh], int, int]:
    """Drop flat sheets and box shells around other parts; never drop everything.

    Returns (kept parts, backdrops dropped, small flat bits dropped - counted as floaters).
    """
    flat = [_is_flat(p) for p in parts]
    solid = [p for p, f in zip(parts, flat, strict=True) if not f]
    if not solid:  # only sheets: keep the biggest, it is all there is
        return [max(parts, key=lambda p: p.area)], len(parts) - 1, 0
    kept = [
        p
        for p in solid
        if not (_is_box_shell(p) and any(o is not p and _encloses(p, o) for o in solid))
    ]
    if not kept:
        kept = [max(solid, key=lambda p: p.area)]
    reference = max(float(p.extents.max()) for p in kept)
    sheets = [p for p, f in zip(parts, flat, strict=True) if f]
    small_bits = sum(1 for p in sheets if float(p.extents.max()) < 0.5 * reference)
    return kept, len(parts) - len(kept) - small_bits, small_bits


def _dominant_height(
    heights: np.ndarray, weights: np.ndarray, bin_width: float
) -> tuple[float, float]:
    """The height holding the most face area (+- one bin), and that area."""
    if len(heights) == 0:
        return 0.0, 0.0
    edges = np.arange(heights.min(), heights.max() + 2 * bin_width, bin_width)
    histogram, _ = np.histogram(heights, bins=edges, weights=weights)
    peak = int(np.argmax(histogram))
    near = (heights >= edges[max(peak - 1, 0)]) & (heights <= edges[min(peak + 2, len(edges) - 1)])
    area = float(weights[near].sum())
    return float(np.average(heights[near], weights=weights[near])) if area > 0 else 0.0, area


def _cut_walls(part: trimesh.Trimesh) -> tuple[trimesh.Trimesh, int]:
    """Remove a thin wall fused to the object (the backdrop artefact of image->3D models).

    A wall: a face area >= WALL_AREA_FRACTION facing +n at one height and as much facing -n
    just below it, closer than WALL_THICKNESS_RATIO x the part's size. Every face inside that
    slab goes (its rim too); the openings left in the object are capped afterwards. A part that
    is nearly all slab (a plain plaque) is left alone.
    """
    areas = part.area_faces
    total = areas.sum()
    thickness = WALL_THICKNESS_RATIO * _principal_extents(part)[0]
    if thickness <= 0:
        return part, 0
    plane_normals, _areas = _plane_groups(part)
    for normal in plane_normals[:3]:
        heights = part.triangles_center @ normal
        facing = part.face_normals @ normal
        up, down = facing > 0.9, facing < -0.9
        top, top_area = _dominant_height(heights[up], areas[up], thickness / 2)
        bottom, bottom_area = _dominant_height(heights[down], areas[down], thickness / 2)
        if min(top_area, bottom_area) < WALL_AREA_FRACTION * total:
            continue
        if not 0 < top - bottom <= thickness:
            continue
        margin = 0.25 * thickness
        inside = (heights >= bottom - margin) & (heights <= top + margin)
        if areas[~inside].sum() < 0.02 * total:
            return part, 0
        remaining = part.copy()
        remaining.update_faces(~inside)
        remaining.remove_unreferenced_vertices()
        return remaining, int(inside.sum())
    return part, 0


def _drop_floaters(parts: list[trimesh.Trimesh]) -> tuple[list[trimesh.Trimesh], int]:
    largest = max(p.area for p in parts)
    kept = [p for p in parts if p.area >= FLOATER_AREA_FRACTION * largest]
    return kept, len(parts) - len(kept)


def _make_watertight(
    mesh: trimesh.Trimesh, report: CleanupReport, max_faces: int
) -> trimesh.Trimesh:
    if mesh.is_watertight and mesh.is_winding_consistent:
        if signed_volume(mesh.vertices, mesh.faces) < 0:
            mesh.invert()
            report.repair.append("inverted normals")
        return mesh
    trimesh.repair.fix_winding(mesh)
    if not mesh.is_watertight and _cap_holes(mesh):
        report.repair.append("capped holes")
    if mesh.is_watertight and mesh.is_winding_consistent:
        trimesh.repair.fix_normals(mesh)
        return mesh
    report.repair.append("voxel remesh")
    # about 2 faces per pitch^2 of surface: pick a pitch that lands near the face budget
    pitch = max(
        float(mesh.extents.max()) / VOXEL_RESOLUTION, float(np.sqrt(2.2 * mesh.area / max_faces))
    )
    return _voxel_remesh(mesh, pitch)


def _boundary_loops(mesh: trimesh.Trimesh) -> list[list[tuple[int, int]]]:
    """Open boundaries as cycles of directed edges (in face winding order).

    Walking edge to edge keeps two holes that touch at a vertex as two loops.
    """
    unique, counts = np.unique(mesh.edges_sorted, axis=0, return_counts=True)
    is_open = {tuple(e) for e in unique[counts == 1].tolist()}
    if not is_open:
        return []
    outgoing: dict[int, list[int]] = {}
    for a, b in mesh.edges.tolist():
        if (min(a, b), max(a, b)) in is_open:
            outgoing.setdefault(a, []).append(b)
    loops = []
    for start in list(outgoing):
        while outgoing.get(start):
            loop, current = [], start
            while outgoing.get(current):
                nxt = outgoing[current].pop()
                loop.append((current, nxt))
                current = nxt
                if current == start:
                    break
            if current == start and len(loop) >= 3:
                loops.append(loop)
    return loops


def _cap_holes(mesh: trimesh.Trimesh) -> bool:
    """Close every open boundary loop: a triangle, or a fan around the loop's centroid."""
    loops = _boundary_loops(mesh)
    if not loops:
        return False
    vertices = [mesh.vertices]
    new_faces = []
    next_index = len(mesh.vertices)
    for loop in loops:
        edges = np.asarray(loop)
        # the cap runs against the boundary's direction, so its winding matches the mesh
        if len(edges) == 3:
            new_faces.append(edges[::-1, 0][None, :])
            continue
        vertices.append(mesh.vertices[edges[:, 0]].mean(axis=0, keepdims=True))
        new_faces.append(
            np.column_stack([edges[:, 1], edges[:, 0], np.full(len(edges), next_index)])
        )
        next_index += 1
    capped = trimesh.Trimesh(
        np.vstack(vertices), np.vstack([mesh.faces, *new_faces]), process=False
    )
    mesh.vertices, mesh.faces = capped.vertices, capped.faces
    return True


def _to_manifold(mesh: trimesh.Trimesh):
    """The mesh as a manifold3d solid, or None when it is not a closed oriented 2-manifold."""
    import manifold3d

    solid = manifold3d.Manifold(
        manifold3d.Mesh(
            vert_properties=np.asarray(mesh.vertices, np.float32),
            tri_verts=np.asarray(mesh.faces, np.uint32),
        )
    )
    if solid.status() != manifold3d.Error.NoError or solid.is_empty():
        return None
    return solid


def _from_manifold(solid) -> trimesh.Trimesh:
    out = solid.to_mesh()
    return trimesh.Trimesh(
        np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts), process=True
    )


def _fuse_overlapping(mesh: trimesh.Trimesh, report: CleanupReport) -> trimesh.Trimesh:
    """Closed parts that interpenetrate become one solid (a real boolean union)."""
    solids = [_to_manifold(part) for part in _split(mesh)]
    if any(solid is None for solid in solids):
        return mesh
    fused = solids[0]
    for solid in solids[1:]:
        fused = fused + solid
    result = _from_manifold(fused)
    if result.body_count < mesh.body_count:
        report.repair.append("fused overlapping parts")
        return result
    return mesh


def _voxel_remesh(mesh: trimesh.Trimesh, pitch: float) -> trimesh.Trimesh:
    """Rebuild the surface from filled voxels: always closed, at the cost of fine detail.

    The surface is sampled into a voxel shell, closed by one voxel (so pinholes do not leak),
    filled, and meshed from a lightly blurred occupancy (smooth instead of stair-stepped).
    Zero-thickness fins and sheets thin out and vanish, as they should.
    """
    from scipy import ndimage
    from skimage.measure import marching_cubes

    from ai_server.backends.sdf import keep_off_grid_points

    count = int(min(3_000_000, 8 * mesh.area / pitch**2))
    points, _faces = trimesh.sample.sample_surface(mesh, count, seed=0)
    points = np.vstack([points, mesh.vertices])
    origin = mesh.bounds[0] - 4 * pitch
    index = np.floor((points - origin) / pitch).astype(np.int64)
    shell = np.zeros(index.max(axis=0) + 5, dtype=bool)
    shell[tuple(index.T)] = True
    shell = ndimage.binary_dilation(shell)
    solid = ndimage.binary_erosion(ndimage.binary_fill_holes(shell))
    occupancy = ndimage.gaussian_filter(solid.astype(np.float32), 0.8)
    keep_off_grid_points(occupancy, 0.5, 0.001)
    vertices, faces, _normals, _values = marching_cubes(
        occupancy, 0.5, spacing=(pitch, pitch, pitch)
    )
    remeshed = trimesh.Trimesh(vertices + origin + pitch / 2, faces, process=True)
    return _facing_outward(remeshed)


def _facing_outward(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    if signed_volume(mesh.vertices, mesh.faces) < 0:
        mesh.invert()
    return mesh


def _decimate(
    mesh: trimesh.Trimesh, max_faces: int, step: Callable[[str], None]
) -> trimesh.Trimesh:
    """Simplify with manifold3d to at most max_faces, searching the tolerance (log scale)."""
    solid = _to_manifold(mesh)
    if solid is None:
        return _voxel_decimate(mesh, max_faces)
    extent = float(mesh.extents.max())
    low, high = extent * 1e-5, extent * 0.2  # tolerance bracket: too fine .. too coarse
    best = None
    for _ in range(12):
        step("decimating")  # lets a cancel or a deadline through between passes
        tolerance = np.sqrt(low * high)
        simplified = solid.simplify(tolerance)
        faces = simplified.num_tri()
        if faces <= max_faces:
            best, high = simplified, tolerance
            if faces >= 0.8 * max_faces:
                break
        else:
            low = tolerance
    if best is None:
        return _voxel_decimate(mesh, max_faces)
    return _from_manifold(best)


def _voxel_decimate(mesh: trimesh.Trimesh, max_faces: int) -> trimesh.Trimesh:
    """Fallback when simplification cannot run: a voxel remesh coarse enough for max_faces."""
    pitch = float(np.sqrt(mesh.area * 1.5 / max_faces))
    while True:
        remeshed = _voxel_remesh(mesh, pitch)
        if len(remeshed.faces) <= max_faces:
            return remeshed
        pitch *= 1.25
