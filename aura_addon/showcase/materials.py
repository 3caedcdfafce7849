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


# Wavelengths (nm) that stand for Cycles' red, green and blue channels when a stone's
# dispersion is emulated (about the dominant wavelengths of the sRGB primaries)
CHANNEL_NM = (610.0, 550.0, 465.0)


def stone_material(stone_name: str) -> bpy.types.Material:
    """A clear faceted stone: full transmission, no roughness, IOR = the stone's refractive
    index (diamond 2.42, corundum 1.77, beryl 1.58, ...), tinted by its colour; and its
    dispersion (the fire), see `_add_dispersion`."""
    stone = STONES[stone_name]
    material, bsdf = _principled(f"{PREFIX} {stone.label}")
    bsdf.inputs["Base Color"].default_value = (*stone.color, 1.0)
    bsdf.inputs["Metallic"].default_value = 0.0
    bsdf.inputs["Roughness"].default_value = 0.0
    bsdf.inputs["IOR"].default_value = stone.refractive_index
    bsdf.inputs["Transmission Weight"].default_value = 1.0
    material.diffuse_color = (*stone.color, 0.6)
    material.roughness = 0.0
    if stone.dispersion > 0:
        _add_dispersion(material, bsdf, stone)
    return material


def _add_dispersion(material, bsdf, stone) -> None:
    """Where the Principled BSDF has a Dispersion input (defined as 1 / Abbe number), set
    it. Blender 4.2 to 5.0 have none: Cycles then gets its own output where light entering
    the stone meets three sharp glass shaders added together, each passing one colour
    channel at the stone's refractive index for that channel's wavelength, so white light
    splits into colours as in the stone. Once inside (transmission depth > 0) the path
    meets one clear glass: splitting again at every facet would multiply a red path by a
    green filter and blacken the stone, as Cycles has no wavelength that a path keeps.
    The Principled stays on the output for all engines, which the glTF exporter reads."""
    if "Dispersion" in bsdf.inputs:
        n_f, n_c = stone.ior_at(486.1), stone.ior_at(656.3)
        bsdf.inputs["Dispersion"].default_value = (n_f - n_c) / (stone.refractive_index - 1)
        return
    nodes, links = material.node_tree.nodes, material.node_tree.links
    shared = next(n for n in nodes if n.type == "OUTPUT_MATERIAL")
    shared.target = "ALL"
    cycles_out = nodes.new("ShaderNodeOutputMaterial")
    cycles_out.target = "CYCLES"
    total = None
    for channel, nm in enumerate(CHANNEL_NM):
        glass = nodes.new("ShaderNodeBsdfGlass")
        glass.distribution = "SHARP" if "SHARP" in _enum(glass, "distribution") else "GGX"
        glass.inputs["Roughness"].default_value = 0.0
        glass.inputs["IOR"].default_value = stone.ior_at(nm)
        color = [0.0, 0.0, 0.0, 1.0]
        color[channel] = stone.color[channel]
        glass.inputs["Color"].default_value = color
        if total is None:
            total = glass.outputs["BSDF"]
        else:
            add = nodes.new("ShaderNodeAddShader")
            links.new(total, add.inputs[0])
            links.new(glass.outputs["BSDF"], add.inputs[1])
            total = add.outputs["Shader"]
    clear = nodes.new("ShaderNodeBsdfGlass")
    clear.distribution = "SHARP" if "SHARP" in _enum(clear, "distribution") else "GGX"
    clear.inputs["Roughness"].default_value = 0.0
    clear.inputs["IOR"].default_value = stone.refractive_index
    clear.inputs["Color"].default_value = (*stone.color, 1.0)
    inside = nodes.new("ShaderNodeMath")
    inside.operation = "GREATER_THAN"
    inside.inputs[1].default_value = 0.5
    links.new(nodes.new("ShaderNodeLightPath").outputs["Transmission Depth"], inside.inputs[0])
    mix = nodes.new("ShaderNodeMixShader")
    links.new(inside.outputs["Value"], mix.inputs["Fac"])
    links.new(total, mix.inputs[1])
    links.new(clear.outputs["BSDF"], mix.inputs[2])
    links.new(mix.outputs["Shader"], cycles_out.inputs["Surface"])


def _enum(node, prop: str) -> set[str]:
    return {item.identifier for item in node.bl_rna.properties[prop].enum_items}


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
