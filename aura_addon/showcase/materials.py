"""Render materials: a Principled BSDF per alloy (metallic, its colour and roughness) and a
glass-like Principled per stone (full transmission, the stone's refractive index, its colour).

The same node setup survives the glTF export: base colour, metallic and roughness go to the
core material, transmission and IOR to KHR_materials_transmission and KHR_materials_ior.
"""

from __future__ import annotations

import bpy

from ..jewelry.materials import METALS, STONES

PREFIX = "Aura showcase"


def _principled(name: str) -> tuple[bpy.types.Material, bpy.types.Node]:
    material = bpy.data.materials.new(name)
    if not material.node_tree:  # Blender < 5 makes node trees on request only
        material.use_nodes = True
    bsdf = next(n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    return material, bsdf


def metal_material(metal_name: str) -> bpy.types.Material:
    """Polished metal of the alloy: metallic 1, the alloy's colour and roughness."""
    metal = METALS[metal_name]
    material, bsdf = _principled(f"{PREFIX} {metal.label}")
    bsdf.inputs["Base Color"].default_value = (*metal.color, 1.0)
    bsdf.inputs["Metallic"].default_value = 1.0
    bsdf.inputs["Roughness"].default_value = metal.roughness
    material.diffuse_color = (*metal.color, 1.0)  # the viewport's solid colour
    material.metallic = 1.0
    material.roughness = metal.roughness
    return material


def section_material(metal_name: str) -> bpy.types.Material:
    """The face of a cut through the metal: the alloy's colour, satin-finished."""
    material = metal_material(metal_name)
    material.name = f"{PREFIX} {METALS[metal_name].label} section"
    bsdf = next(n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Roughness"].default_value = 0.6
    return material


def stone_material(stone_name: str) -> bpy.types.Material:
    """A clear faceted stone: full transmission, no roughness, IOR = the stone's refractive
    index (diamond 2.42, corundum 1.77, beryl 1.58, ...), tinted by its colour."""
    stone = STONES[stone_name]
    material, bsdf = _principled(f"{PREFIX} {stone.label}")
    bsdf.inputs["Base Color"].default_value = (*stone.color, 1.0)
    bsdf.inputs["Metallic"].default_value = 0.0
    bsdf.inputs["Roughness"].default_value = 0.0
    bsdf.inputs["IOR"].default_value = stone.refractive_index
    bsdf.inputs["Transmission Weight"].default_value = 1.0
    material.diffuse_color = (*stone.color, 0.6)
    material.roughness = 0.0
    return material


def material_values(material: bpy.types.Material) -> dict:
    """The figures a material carries (for tests and the spec sheet)."""
    bsdf = next(n for n in material.node_tree.nodes if n.type == "BSDF_PRINCIPLED")
    return {
        "base_color": list(bsdf.inputs["Base Color"].default_value)[:3],
        "metallic": bsdf.inputs["Metallic"].default_value,
        "roughness": bsdf.inputs["Roughness"].default_value,
        "ior": bsdf.inputs["IOR"].default_value,
        "transmission": bsdf.inputs["Transmission Weight"].default_value,
    }
