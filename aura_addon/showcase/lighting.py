"""The jewelry studio, built from nodes and objects (no downloaded HDRI): what the metal and
the stones see. A rig is plain data; `Lights` sets it up in a stage's scene and re-aims it
for every view.

Jewelry photographers light a ring with large diffused soft boxes close to it and dark
cards (black flags) around it: polished metal shows its form as bands of light and dark
along the curves, and a brilliant shows contrast (its dark facet pattern) only when dark
things surround it. A white tent alone makes gold read as flat yellow and a diamond as a
pale glassy dome. The camera never sees the studio itself: the film is transparent and
the ring is laid on pure white (render.lay_on_white).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import bpy
from mathutils import Vector


@dataclass(frozen=True)
class Softbox:
    """A rectangular area light in camera space (x right, y up, z toward the camera)."""

    name: str
    direction: tuple[float, float, float]
    radiance: float  # how bright it looks in the metal (W / m^2 / sr, scene units)
    size: float  # width, as a fraction of the camera's distance
    aspect: float = 1.0  # height / width: < 1 is a strip light


@dataclass(frozen=True)
class Card:
    """A black flag in camera space: seen in reflections and through the stone, never by
    the camera and casting no shadow."""

    direction: tuple[float, float, float]
    size: float  # fraction of the camera's distance
    distance: float = 0.6  # fraction of the camera's distance from the subject


@dataclass(frozen=True)
class Rig:
    name: str
    softboxes: tuple[Softbox, ...]
    cards: tuple[Card, ...]
    # the world as a function of height: (position 0 = straight down .. 1 = straight up,
    # grey level); the gradient backdrop that the metal reflects
    world: tuple[tuple[float, float], ...]
    world_strength: float = 1.0


# Two big soft boxes high on either side and a long strip overhead: broad highlights that
# roll off along the shank; a low fill so the gallery is not black. Black cards left,
# right and behind: the dark bands that give polished metal its form and the stone its
# contrast. The world is a dark studio with a lit ceiling (the gradient backdrop).
STUDIO = Rig(
    name="jewelry studio",
    softboxes=(
        Softbox("key", (-1.0, 0.9, 0.7), 8.0, 0.75),
        Softbox("fill", (1.1, 0.5, 0.8), 5.0, 0.6),
        Softbox("top strip", (0.0, 1.0, -0.45), 3.0, 1.5, 0.15),
        Softbox("back strip", (-0.6, 0.4, -1.0), 5.0, 1.0, 0.25),
        Softbox("kicker", (0.9, -0.4, -0.6), 4.0, 0.6, 0.4),
        Softbox("spark left", (-0.35, 0.5, 1.0), 20.0, 0.12),
        Softbox("spark right", (0.45, 0.65, 1.0), 20.0, 0.12),
    ),
    cards=(
        Card((-1.0, 0.1, -0.35), 0.8),
        Card((1.0, 0.0, -0.4), 0.8),
        Card((0.0, 0.0, 1.0), 0.15, 1.3),  # around the lens: the dark pattern in a brilliant
    ),
    world=((0.0, 0.7), (0.4, 0.45), (0.49, 0.03), (0.56, 0.04), (0.8, 0.12), (1.0, 0.2)),
    world_strength=1.0,
)


class Lights:
    """A rig set up in a scene: the world, the soft boxes and the cards."""

    def __init__(self, rig: Rig, scene: bpy.types.Scene, collection, keep):
        self.rig = rig
        scene.world = keep(_gradient_world(f"{scene.name} world", rig))
        self.softboxes = []
        for box in rig.softboxes:
            data = keep(bpy.data.lights.new(f"{scene.name} {box.name}", "AREA"))
            data.shape = "RECTANGLE"
            obj = keep(bpy.data.objects.new(data.name, data))
            collection.objects.link(obj)
            self.softboxes.append((box, obj))
        self.cards = []
        if rig.cards:
            black = keep(_black_material(f"{scene.name} black card"))
        for i, card in enumerate(rig.cards):
            mesh = keep(bpy.data.meshes.new(f"{scene.name} card {i + 1}"))
            mesh.from_pydata(
                [(-0.5, -0.5, 0), (0.5, -0.5, 0), (0.5, 0.5, 0), (-0.5, 0.5, 0)], [], [(0, 1, 2, 3)]
            )
            mesh.materials.append(black)
            obj = keep(bpy.data.objects.new(mesh.name, mesh))
            obj.visible_camera = False
            obj.visible_shadow = False
            collection.objects.link(obj)
            self.cards.append((card, obj))

    def aim(self, rotation, target: Vector, reach: float) -> None:
        """Place everything around the view: `rotation` is the camera's (camera space to
        world), `target` the subject's centre, `reach` the camera's distance."""
        for box, obj in self.softboxes:
            place = rotation @ Vector(box.direction).normalized()
            obj.location = target + place * reach
            obj.rotation_euler = (-place).to_track_quat("-Z", "Y").to_euler()
            width = box.size * reach
            obj.data.size = width
            obj.data.size_y = width * box.aspect
            # radiance, not power, sets how bright the box looks in the metal: P = L pi A
            obj.data.energy = box.radiance * math.pi * width * width * box.aspect
        for card, obj in self.cards:
            place = rotation @ Vector(card.direction).normalized()
            obj.location = target + place * reach * card.distance
            obj.rotation_euler = (-place).to_track_quat("Z", "Y").to_euler()
            obj.scale = (card.size * reach,) * 3


def _black_material(name: str) -> bpy.types.Material:
    material = bpy.data.materials.new(name)
    if not material.node_tree:
        material.use_nodes = True
    bsdf = next(n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Base Color"].default_value = (0.004, 0.004, 0.004, 1.0)
    bsdf.inputs["Roughness"].default_value = 0.9
    bsdf.inputs["Specular IOR Level"].default_value = 0.0
    return material


def _gradient_world(name: str, rig: Rig) -> bpy.types.World:
    """The world's colour by the height of the direction looked at (a gradient backdrop)."""
    world = bpy.data.worlds.new(name)
    if not world.node_tree:
        world.use_nodes = True
    nodes, links = world.node_tree.nodes, world.node_tree.links
    nodes.clear()
    out = nodes.new("ShaderNodeOutputWorld")
    background = nodes.new("ShaderNodeBackground")
    background.inputs["Strength"].default_value = rig.world_strength
    coords = nodes.new("ShaderNodeTexCoord")
    split = nodes.new("ShaderNodeSeparateXYZ")
    to_unit = nodes.new("ShaderNodeMapRange")  # direction z from -1..1 to 0..1
    to_unit.inputs["From Min"].default_value = -1.0
    ramp = nodes.new("ShaderNodeValToRGB")
    stops = ramp.color_ramp.elements
    (first_pos, first), *middle, (last_pos, last) = rig.world
    stops[0].position, stops[0].color = first_pos, (first, first, first, 1.0)
    stops[1].position, stops[1].color = last_pos, (last, last, last, 1.0)
    for pos, grey in middle:
        stops.new(pos).color = (grey, grey, grey, 1.0)
    links.new(coords.outputs["Generated"], split.inputs["Vector"])
    links.new(split.outputs["Z"], to_unit.inputs["Value"])
    links.new(to_unit.outputs["Result"], ramp.inputs["Fac"])
    links.new(ramp.outputs["Color"], background.inputs["Color"])
    links.new(background.outputs["Background"], out.inputs["Surface"])
    return world
