"""A photo studio in a scene of its own: copies of the ring (centred, in its own frame) with
render materials, a studio world for reflections, soft area lights and one camera per
view, framed from the model. The renders lie on pure white (see render.lay_on_white).

Nothing of the user's is touched: the ring's meshes are copied, the scene, world, lights and
camera are new, and everything made here is removed when the stage closes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import bmesh
import bpy
import numpy as np
from mathutils import Matrix, Vector

from ..geometry.scene import STONE_PROP, mesh_arrays
from . import lighting, materials
from .measure import ring_matrix

LENS_MM = 100.0  # a macro lens, as ring photographers use: little perspective distortion
SENSOR_MM = 36.0
MARGIN = 0.1  # fraction of the half frame left empty around the subject
SMOOTH_ANGLE = math.radians(35)  # metal edges sharper than this stay crisp


@dataclass(frozen=True)
class View:
    name: str
    label: str
    direction: tuple[float, float, float]  # from the subject toward the camera
    up: tuple[float, float, float] = (0.0, 0.0, 1.0)
    region: str = "all"  # all | head | shank


# Front looks along the finger (the ring as a circle), as jewelry CAD names it. The back looks
# from behind and below at the gallery: the literal opposite of front would be the mirror
# image of a symmetric ring, and so the same picture. The shank close-up looks at the ring
# cut in half across the band (x = 0), so the profile itself shows.
VIEWS = {
    v.name: v
    for v in (
        View("front", "Front", (0.0, -1.0, 0.18)),
        View("side", "Side", (1.0, 0.0, 0.18)),
        View("top", "Top", (0.0, 0.0, 1.0), up=(0.0, 1.0, 0.0)),
        View("three_quarter", "Three-quarter", (0.9, -1.2, 0.75)),
        View("back", "Back (underside)", (-0.55, 1.0, -0.6)),
        View("head", "Head and stone close-up", (0.55, -0.8, 0.9), region="head"),
        View("shank", "Shank profile (section) close-up", (1.0, -0.3, -0.2), region="shank"),
    )
}


def camera_basis(direction, up) -> np.ndarray:
    """Rows: the camera's right, up and backward (toward the camera) axes in world space."""
    back = np.asarray(direction, dtype=float)
    back /= np.linalg.norm(back)
    right = np.cross(np.asarray(up, dtype=float), back)
    right /= np.linalg.norm(right)
    return np.array([right, np.cross(back, right), back])


def fit_camera(points: np.ndarray, view: View, lens: float = LENS_MM, margin: float = MARGIN):
    """Place a square-frame perspective camera on the view's axis so that every point is in
    the frame: returns (location, 3x3 rotation matrix). Exact for the given points."""
    basis = camera_basis(view.direction, view.up)
    local = points @ basis.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    centre = (lo + hi) / 2
    centre[2] = 0.0
    rel = local - centre
    half_tan = SENSOR_MM / 2 / lens * (1 - margin)
    distance = float(np.max(rel[:, 2] + np.max(np.abs(rel[:, :2]), axis=1) / half_tan))
    location = (centre + np.array([0.0, 0.0, distance])) @ basis
    return Vector(location), Matrix(basis.T.tolist())


@dataclass
class Subject:
    """Where the ring's parts are, for framing: vertices in the ring's frame (mm)."""

    metal: np.ndarray
    stones: np.ndarray
    section: np.ndarray  # the metal cut in half at x = 0
    inner_radius: float

    @property
    def all(self) -> np.ndarray:
        return np.vstack([self.metal, self.stones]) if len(self.stones) else self.metal

    def region(self, name: str) -> np.ndarray:
        pts = self.all
        if name == "shank":
            bottom = self.section[:, 2] <= -0.8 * self.inner_radius
            return self.section[bottom]
        if name == "head":
            if len(self.stones):
                floor = self.stones[:, 2].min() - 0.5
            else:  # a plain band or a motif: the top of the ring
                floor = 0.5 * self.inner_radius
            return pts[pts[:, 2] >= floor]
        return pts


def _vertices(obj: bpy.types.Object) -> np.ndarray:
    verts, _ = mesh_arrays(obj.data)
    m = np.array(obj.matrix_world)
    return verts @ m[:3, :3].T + m[:3, 3]


class Stage:
    """The showcase scene. Use as a context manager; everything it made goes on exit."""

    def __init__(self, result, name: str = "Aura showcase", rig: lighting.Rig = lighting.STUDIO):
        self.result = result
        self.rig = rig
        self.made: list = []  # ID blocks made here, removed in reverse order on exit
        try:
            self._build(result, name)
        except Exception:
            self.close()
            raise

    def _build(self, result, name: str) -> None:
        self.scene = self._keep(bpy.data.scenes.new(name))
        self.collection = self._keep(bpy.data.collections.new(f"{name} objects"))
        self.scene.collection.children.link(self.collection)
        self.metal = self._copy(result.metal, materials.metal_material(result.spec.metal), True)
        centre = result.spec.gem.stone if result.spec.gem else None
        self.stones = [
            self._copy(s, materials.stone_material(s.get(STONE_PROP) or centre), False)
            for s in result.stones
        ]
        self.section = self._section(self.metal)
        self.subject = Subject(
            metal=_vertices(self.metal),
            section=_vertices(self.section),
            stones=np.vstack([_vertices(s) for s in self.stones])
            if self.stones
            else np.zeros((0, 3)),
            inner_radius=result.spec.size.inner_diameter_mm / 2,
        )
        self.lights = lighting.Lights(self.rig, self.scene, self.collection, self._keep)
        cam_data = self._keep(bpy.data.cameras.new(f"{name} camera"))
        cam_data.lens = LENS_MM
        cam_data.sensor_width = SENSOR_MM
        self.camera = self._keep(bpy.data.objects.new(f"{name} camera", cam_data))
        self.collection.objects.link(self.camera)
        self.scene.camera = self.camera

    def _keep(self, block):
        self.made.append(block)
        return block

    def _copy(self, source: bpy.types.Object, material, smooth: bool) -> bpy.types.Object:
        mesh = self._keep(source.data.copy())
        mesh.name = f"{source.name} (showcase)"
        mesh.materials.clear()
        mesh.materials.append(self._keep(material))
        if smooth:  # smooth metal, crisp where the model has real edges
            mesh.shade_smooth()
            mesh.set_sharp_from_angle(angle=SMOOTH_ANGLE)
        else:  # a stone's facets are flat (a mesh without the sharp_face flag is smooth)
            mesh.shade_flat()
        obj = self._keep(bpy.data.objects.new(source.name, mesh))
        # placed in the ring's own frame (centred), wherever the user's ring stands
        obj.matrix_world = Matrix(ring_matrix(self.result, source).tolist())
        self.collection.objects.link(obj)
        return obj

    def _section(self, metal: bpy.types.Object) -> bpy.types.Object:
        """The metal cut at the plane x = 0 (the half at x < 0 kept, the cut faces filled):
        seen from +x, the band's cross-section is the profile a jeweler asks about."""
        bm = bmesh.new()
        try:
            bm.from_mesh(metal.data)
            bm.transform(metal.matrix_world)
            cut = bmesh.ops.bisect_plane(
                bm,
                geom=bm.verts[:] + bm.edges[:] + bm.faces[:],
                dist=1e-5,
                plane_co=(0.0, 0.0, 0.0),
                plane_no=(1.0, 0.0, 0.0),
                clear_outer=True,
            )
            edges = [e for e in cut["geom_cut"] if isinstance(e, bmesh.types.BMEdge)]
            for face in bmesh.ops.holes_fill(bm, edges=edges, sides=0)["faces"]:
                face.material_index = 1  # the cut face: satin, so it reads as a section
            mesh = self._keep(bpy.data.meshes.new(f"{metal.name} section"))
            bm.to_mesh(mesh)
        finally:
            bm.free()
        mesh.materials.append(metal.data.materials[0])
        mesh.materials.append(self._keep(materials.section_material(self.result.spec.metal)))
        mesh.shade_smooth()
        mesh.set_sharp_from_angle(angle=SMOOTH_ANGLE)
        obj = self._keep(bpy.data.objects.new(f"{metal.name} section", mesh))
        self.collection.objects.link(obj)
        obj.hide_render = True
        return obj

    def aim(self, view: View) -> None:
        """Frame the view's region and set the studio around the camera."""
        self.show_section(view.region == "shank")
        points = self.subject.region(view.region)
        if len(points) == 0:
            points = self.subject.all
        location, rotation = fit_camera(points, view)
        self.place_camera(location, rotation, points.mean(axis=0))

    def show_section(self, cut: bool) -> None:
        """Render the metal cut in half (the shank's profile), or the whole ring."""
        self.section.hide_render = not cut
        for obj in [self.metal] + self.stones:
            obj.hide_render = cut

    def place_camera(self, location, rotation: Matrix, target) -> None:
        """The camera at `location` turned by `rotation`; the studio set around it, aimed
        at `target` (the subject's centre)."""
        location, target = Vector(tuple(location)), Vector(tuple(target))
        self.camera.matrix_world = Matrix.Translation(location) @ rotation.to_4x4()
        self.lights.aim(rotation, target, (location - target).length)

    def close(self) -> None:
        for block in reversed(self.made):
            _remove(block)
        self.made.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _remove(block) -> None:
    collections = {
        bpy.types.Scene: bpy.data.scenes,
        bpy.types.Collection: bpy.data.collections,
        bpy.types.Object: bpy.data.objects,
        bpy.types.Mesh: bpy.data.meshes,
        bpy.types.Material: bpy.data.materials,
        bpy.types.World: bpy.data.worlds,
        bpy.types.Camera: bpy.data.cameras,
        bpy.types.Light: bpy.data.lights,
    }
    for kind, store in collections.items():
        if isinstance(block, kind):
            try:
                store.remove(block)
            except ReferenceError:  # already gone with its owner
                pass
            return
