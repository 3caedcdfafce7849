"""The scene's Aura settings: a PropertyGroup mirroring the design spec, and the one place
that converts between the panel's fields and a DesignSpec (both ways).

Every size system gets its own field with that system's range and step, so switching the
system never leaves an impossible value behind: the new system starts at the size nearest
to the finger the old one described.
"""

from __future__ import annotations

import json
import math

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from ..jewelry import gem_cuts, sizes
from ..jewelry.materials import METALS, STONES
from ..jewelry.spec import (
    ACCENT_COUNT,
    ACCENT_GAP_MM,
    ACCENT_MM,
    BACKENDS,
    CARAT,
    GEM_MM,
    HEAD_HEIGHTS,
    HEAD_STYLES,
    MOTIF_MM,
    PROFILES,
    PRONG_TIPS,
    SHANK_THICKNESS,
    SHANK_WIDTH,
    SHOULDERS,
    Accents,
    DesignSpec,
    Engraving,
    Gem,
    Motif,
    RingSize,
    Setting,
    Shank,
    SpecError,
)

DIAMETER = "DIAMETER"  # size_system value for a raw inner diameter instead of a named size
SYSTEM_LABELS = {
    "US": ("US / Canada", "US and Canadian sizes, quarter steps"),
    "UK": ("UK / Australia", "UK and Australian letter sizes"),
    "EU": ("EU (ISO 8653)", "The inner circumference in millimetres"),
    "CH": ("Swiss", "ISO 8653 less 40"),
    "JP": ("Japan", "Japanese sizes"),
    "HK": ("Hong Kong", "Hong Kong sizes"),
}
# The field that holds the size for each system.
SIZE_FIELDS = {
    "US": "size_us",
    "UK": "size_uk",
    "EU": "size_eu",
    "CH": "size_ch",
    "JP": "size_jp",
    "HK": "size_hk",
    DIAMETER: "size_diameter",
}
PROFILE_LABELS = {
    "flat": "Flat",
    "comfort": "Comfort fit",
    "d": "D shape",
    "knife-edge": "Knife edge",
}
SETTING_LABELS = {"prong": "Prongs", "bezel": "Bezel", "none": "No setting"}
ACCENT_LAYOUT_LABELS = {"pave": "Pavé", "channel": "Channel", "bar": "Bar"}
COVERAGE_LABELS = {
    "shoulders": "Shoulders",
    "half": "Half",
    "three-quarter": "Three-quarter",
    "full": "Full eternity",
}
BACKEND_LABELS = {
    "procedural": ("Procedural", "Keyword motifs and seeded organic shapes; no model weights"),
    "shap-e": ("Shap-E (text to 3D)", "Text straight to a 3D motif"),
    "image-to-3d": ("Image to 3D", "Concept images first, then the chosen image to 3D"),
}


def _uk_id(label: str) -> str:
    """Enum identifiers stay plain: 'M 1/2' -> 'M_half'."""
    return label.replace(" 1/2", "_half")


def _uk_label(identifier: str) -> str:
    return identifier.replace("_half", " 1/2")


SYSTEM_ITEMS = list(
    [(s, *SYSTEM_LABELS[s]) for s in sizes.SYSTEMS]
    + [(DIAMETER, "Inner diameter", "A measured inner diameter in millimetres")]
)
UK_ITEMS = list((_uk_id(label), label, f"UK size {label}") for label in sizes.all_sizes("UK"))
PROFILE_ITEMS = list((p, PROFILE_LABELS.get(p, p), f"{p} profile") for p in PROFILES)
CUT_ITEMS = list((c, c.title(), f"{c.title()} cut") for c in gem_cuts.CUTS)
STONE_ITEMS = list((s.name, s.label, f"{s.label}, {s.density:g} g/cm3") for s in STONES.values())
METAL_ITEMS = list((m.name, m.label, f"{m.label}, {m.density:g} g/cm3") for m in METALS.values())
SETTING_ITEMS = list((t, SETTING_LABELS[t], f"{SETTING_LABELS[t]}") for t in ("prong", "bezel"))
PRONG_ITEMS = list((str(n), str(n), f"{n} prongs") for n in (3, 4, 6))
HEAD_LABELS = {
    "basket": ("Basket", "Claws leaning in from the girdle to the band, gallery rail under it"),
    "cathedral": ("Cathedral", "Arches rising from the shoulders into the head"),
}
HEAD_ITEMS = list((h, *HEAD_LABELS[h]) for h in HEAD_STYLES)
HEIGHT_ITEMS = list((h, h.title(), f"{h.title()} set: the stone's height over the band")
                     for h in HEAD_HEIGHTS)  # fmt: skip
TIP_LABELS = {
    "round": ("Claw", "Round claw tips"),
    "flat": ("Tab", "Flat tab tips, wider across"),
    "v": ("V", "V tips on every claw (points and corners always get V)"),
    "double": ("Double", "A pair of claws at each place"),
}
TIP_ITEMS = list((t, *TIP_LABELS[t]) for t in PRONG_TIPS)
SHOULDER_ITEMS = list((s, s.title(), f"{s.title()} shoulders") for s in SHOULDERS)
BACKEND_ITEMS = list((b, *BACKEND_LABELS[b]) for b in BACKENDS)
GEM_BY_ITEMS = [
    ("CARAT", "Carat", "Give the stone's weight; its size follows from the cut"),
    ("MM", "Millimetres", "Give the stone's size; its weight follows from the cut"),
]
LEVEL_ITEMS = [("INFO", "Info", ""), ("WARNING", "Warning", ""), ("ERROR", "Error", "")]


# Live figures ---------------------------------------------------------------------------
def ring_size(settings) -> RingSize:
    system = settings.size_system
    if system == DIAMETER:
        return RingSize(system=None, value=None, diameter_mm=round(settings.size_diameter, 3))
    raw = getattr(settings, SIZE_FIELDS[system])
    if system == "UK":
        value = _uk_label(raw)
    elif system in ("JP", "HK"):
        value = int(raw)
    else:
        value = round(float(raw), 3)
        value = int(value) if value.is_integer() else value
    return RingSize(system=system, value=value)


def size_summary(settings) -> str:
    """'17.32 mm inside, 54.41 mm around' or the reason the size is not valid."""
    size = ring_size(settings)
    try:
        size.validate()
    except SpecError as exc:
        return str(exc)
    d = size.inner_diameter_mm
    return f"{d:.2f} mm inside, {d * math.pi:.2f} mm around"


def other_sizes_summary(settings) -> str:
    """The nearest size in the other systems, e.g. 'UK N 1/2 · EU 54.5 · JP 14'."""
    size = ring_size(settings)
    try:
        size.validate()
    except SpecError:
        return ""
    near = sizes.nearest_sizes(size.inner_diameter_mm)
    return " · ".join(n.label for s, n in near.items() if s != settings.size_system)


def gem_of(settings) -> Gem | None:
    if not settings.has_gem:
        return None
    if settings.gem_by == "CARAT":
        return Gem(settings.gem_cut, settings.gem_stone, carat=round(settings.gem_carat, 3))
    length = round(settings.gem_length, 3)
    if settings.gem_cut == "round":
        return Gem(settings.gem_cut, settings.gem_stone, carat=None, size_mm=length)
    width = round(settings.gem_width, 3)
    return Gem(settings.gem_cut, settings.gem_stone, carat=None, size_mm=[length, width])


def gem_summary(settings) -> str:
    """The figure the user did not type: millimetres for a carat weight, and the other way."""
    gem = gem_of(settings)
    if gem is None:
        return ""
    try:
        gem.validate()
        length, width = gem.dimensions()
        carat = gem.carat_weight()
    except SpecError as exc:
        return str(exc)
    if settings.gem_by == "CARAT":
        if gem.cut == "round":
            return f"{length:.2f} mm across"
        return f"{length:.2f} x {width:.2f} mm"
    return f"{carat:.2f} ct"


# Spec <-> settings ----------------------------------------------------------------------
def shank_of(settings) -> Shank:
    return Shank(
        profile=settings.shank_profile,
        width_mm=round(settings.shank_width, 3),
        thickness_mm=round(settings.shank_thickness, 3),
        top_width_mm=round(settings.shank_top_width, 3) if settings.shank_taper else None,
        top_thickness_mm=round(settings.shank_top_thickness, 3) if settings.shank_taper else None,
        shoulders=settings.shoulders,
    )


def spec_from_settings(settings) -> DesignSpec:
    """The validated design spec the panel describes; raises SpecError naming the field."""
    shank = shank_of(settings)
    gem = gem_of(settings)
    if gem is None:
        setting = Setting(type="none", prongs=4)
    else:
        setting = Setting(
            type=settings.setting_type,
            prongs=int(settings.prongs),
            head=settings.head_style,
            height=settings.head_height,
            tips=settings.prong_tips,
        )
    motif = None
    if settings.has_motif:
        motif = Motif(
            prompt=settings.motif_prompt,
            backend=settings.motif_backend,
            seed=int(settings.motif_seed),
            size_mm=round(settings.motif_size, 3),
        )
    spec = DesignSpec(
        name=settings.design_name,
        size=ring_size(settings),
        metal=settings.metal,
        shank=shank,
        gem=gem,
        setting=setting,
        motif=motif,
        accents=accents_of(settings),
        engraving=Engraving(text=settings.engraving_text, font=settings.engraving_font)
        if settings.has_engraving
        else None,
        stamp=settings.stamp,
    )
    return spec.validate()


def accents_of(settings) -> Accents | None:
    if not settings.has_accents:
        return None
    return Accents(
        layout=settings.accents_layout,
        coverage=settings.accents_coverage,
        cut=settings.accents_cut,
        stone=settings.accents_stone,
        size_mm=round(settings.accents_size, 3),
        gap_mm=round(settings.accents_gap, 3),
        count=settings.accents_count or None,
    )


def stones_summary(settings) -> str:
    """Live count and carats of the accents as the panel stands (the layout only, no
    meshes; the head's width from the stone's size), or why they do not fit."""
    from ..geometry import accents
    from ..jewelry.process import profile

    acc = accents_of(settings)
    if acc is None:
        return ""
    try:
        acc.validate()
        shank = shank_of(settings)
        shank.validate()
        gem = gem_of(settings)
        if gem is not None:
            gem.validate()
        beside = None if gem is None else gem.dimensions()[1] / 2 + 0.8  # prongs or bezel
        row = accents.build_row(acc, shank, ring_size(settings).inner_diameter_mm,
                                profile("lost-wax"), beside, plan_only=True)  # fmt: skip
    except SpecError as exc:
        return str(exc)
    lot = row.lot
    return f"about {lot.count} x {lot.carat_each:.3f} ct = {lot.count * lot.carat_each:.2f} ct"


def bill_lines(report: dict | None) -> list[str]:
    """The last build's bill of stones, one line per lot and the total."""
    if not report or not report.get("stones", {}).get("items"):
        return []
    lines = [
        f"{i['count']} x {i['carat']:.3f} ct {i['cut']} {i['stone']}: {i['where']}"
        for i in report["stones"]["items"]
    ]
    total = report["stones"]
    lines.append(f"{total['count']} stones, {total['carat_total']:.2f} ct in all")
    return lines


def apply_spec(settings, spec: DesignSpec) -> None:
    """Fill the panel's fields from a spec (from the server, a variation or a built object)."""
    spec.validate()
    settings.design_name = spec.name
    _apply_size(settings, spec.size)
    settings.metal = spec.metal
    shank = spec.shank
    settings.shank_profile = shank.profile
    settings.shank_width = shank.width_mm
    settings.shank_thickness = shank.thickness_mm
    tapered = shank.top_width_mm is not None or shank.top_thickness_mm is not None
    settings.shank_taper = tapered
    settings.shank_top_width = shank.width_top
    settings.shank_top_thickness = shank.thickness_top
    settings.shoulders = shank.shoulders
    settings.has_gem = spec.gem is not None
    if spec.gem is not None:
        gem = spec.gem
        settings.gem_cut = gem.cut
        settings.gem_stone = gem.stone
        length, width = gem.dimensions()
        settings.gem_length = length
        settings.gem_width = width
        if gem.carat is not None:
            settings.gem_by = "CARAT"
            settings.gem_carat = gem.carat
        else:
            settings.gem_by = "MM"
            settings.gem_carat = gem.carat_weight()
        settings.setting_type = spec.setting.type
        settings.prongs = str(spec.setting.prongs)
        settings.head_style = spec.setting.head
        settings.head_height = spec.setting.height
        settings.prong_tips = spec.setting.tips
    settings.has_accents = spec.accents is not None
    if spec.accents is not None:
        a = spec.accents
        settings.accents_layout, settings.accents_coverage = a.layout, a.coverage
        settings.accents_cut, settings.accents_stone = a.cut, a.stone
        settings.accents_size, settings.accents_gap = a.size_mm, a.gap_mm
        settings.accents_count = a.count or 0
    settings.has_engraving = spec.engraving is not None
    if spec.engraving is not None:
        settings.engraving_text = spec.engraving.text
        settings.engraving_font = spec.engraving.font
    settings.stamp = spec.stamp
    settings.has_motif = spec.motif is not None
    if spec.motif is not None:
        settings.motif_prompt = spec.motif.prompt
        settings.motif_backend = spec.motif.backend
        settings.motif_seed = spec.motif.seed
        settings.motif_size = spec.motif.size_mm


def _apply_size(settings, size: RingSize) -> None:
    # The system first: switching it fills in a converted size, which the value then replaces.
    if size.diameter_mm is not None:
        settings.size_system = DIAMETER
        settings.size_diameter = size.diameter_mm
        return
    system = size.system
    settings.size_system = system
    if system == "UK":
        settings.size_uk = _uk_id(sizes.uk_label(sizes.uk_index(size.value)))
    elif system in ("JP", "HK"):
        setattr(settings, SIZE_FIELDS[system], int(float(size.value)))
    else:
        setattr(settings, SIZE_FIELDS[system], float(size.value))


# Update callbacks -----------------------------------------------------------------------
def _remember_diameter(self, _context) -> None:
    size = ring_size(self)
    try:
        size.validate()
    except SpecError:
        return
    self.size_last_diameter = size.inner_diameter_mm


def _on_size_system(self, _context) -> None:
    """Keep the finger: the new system starts at the size nearest the last valid diameter."""
    diameter = self.size_last_diameter
    system = self.size_system
    if system == DIAMETER:
        self.size_diameter = diameter
        return
    near = sizes.nearest_size(system, diameter)
    if system == "UK":
        self.size_uk = _uk_id(near.label.removeprefix("UK "))
    else:
        setattr(self, SIZE_FIELDS[system], near.value)


# Property groups ------------------------------------------------------------------------
class AuraCheck(bpy.types.PropertyGroup):
    passed: BoolProperty(name="Passed")
    value: StringProperty(name="Value")
    threshold: StringProperty(name="Threshold")
    message: StringProperty(name="About")


class AuraVariation(bpy.types.PropertyGroup):
    label: StringProperty(name="Variation")
    spec_json: StringProperty(name="Spec")


class AuraConcept(bpy.types.PropertyGroup):
    image_name: StringProperty(name="Image", description="Name of the image in bpy.data.images")
    filepath: StringProperty(name="File", subtype="FILE_PATH")
    ref: StringProperty(name="Reference", description="The server's name for this image")


def _describe_props():
    return {
        "prompt": StringProperty(
            name="Describe",
            description="Describe the ring in your own words, e.g. '1 ct oval sapphire in a "
            "bezel, 18k yellow, UK M, with a vine motif'",
            maxlen=2000,
        ),
        "understood": StringProperty(name="Understood", description="What the plan read"),
        "provider": StringProperty(name="Provider", description="Who made the plan"),
        "instruction": StringProperty(
            name="Change",
            description="A change to the current design, e.g. 'make it rose gold, size up one'",
            maxlen=1000,
        ),
        "variation_count": IntProperty(name="How many", default=3, min=1, max=5),
        "variation_seed": IntProperty(name="Seed", default=0, min=0),
        "variations": CollectionProperty(type=AuraVariation),
    }


def _ring_props():
    width, thick = SHANK_WIDTH, SHANK_THICKNESS
    return {
        "design_name": StringProperty(name="Name", description="Names the objects Aura makes"),
        "size_system": EnumProperty(
            name="System", items=SYSTEM_ITEMS, default="US", update=_on_size_system
        ),
        "size_us": FloatProperty(
            name="US size", default=7.0, min=sizes.US_MIN, max=sizes.US_MAX, step=25,
            precision=2, update=_remember_diameter,
        ),
        "size_uk": EnumProperty(
            name="UK size", items=UK_ITEMS, default="N_half", update=_remember_diameter
        ),
        "size_eu": FloatProperty(
            name="EU size", default=54.5, min=sizes.EU_MIN, max=sizes.EU_MAX, step=50,
            precision=1, update=_remember_diameter,
        ),
        "size_ch": FloatProperty(
            name="Swiss size", default=14.5, min=sizes.CH_MIN, max=sizes.CH_MAX, step=50,
            precision=1, update=_remember_diameter,
        ),
        "size_jp": IntProperty(
            name="Japan size", default=14, min=sizes.JP_MIN, max=sizes.JP_MAX,
            update=_remember_diameter,
        ),
        "size_hk": IntProperty(
            name="Hong Kong size", default=15, min=min(sizes.HK_TO_US), max=max(sizes.HK_TO_US),
            update=_remember_diameter,
        ),
        "size_diameter": FloatProperty(
            name="Inner diameter", description="Inner diameter in millimetres", default=17.32,
            min=sizes.DIAMETER_MIN, max=sizes.DIAMETER_MAX, precision=2, step=5,
            update=_remember_diameter,
        ),
        "size_last_diameter": FloatProperty(default=17.3197, options={"HIDDEN"}),
        "shank_profile": EnumProperty(name="Profile", items=PROFILE_ITEMS, default="comfort"),
        "shank_width": FloatProperty(
            name="Width", description="Shank width along the finger, mm", default=2.2,
            min=width[0], max=width[1], precision=2, step=10,
        ),
        "shank_thickness": FloatProperty(
            name="Thickness", description="Shank wall thickness, mm", default=1.7,
            min=thick[0], max=thick[1], precision=2, step=10,
        ),
        "shank_taper": BoolProperty(
            name="Taper", description="A different width and thickness under the head"
        ),
        "shank_top_width": FloatProperty(
            name="Top width", default=3.0, min=width[0], max=width[1], precision=2, step=10
        ),
        "shank_top_thickness": FloatProperty(
            name="Top thickness", default=2.0, min=thick[0], max=thick[1], precision=2, step=10
        ),
    }  # fmt: skip


def _gem_props():
    return {
        "has_gem": BoolProperty(name="Stone", default=True, description="Set a stone"),
        "gem_cut": EnumProperty(name="Cut", items=CUT_ITEMS, default="round"),
        "gem_stone": EnumProperty(name="Stone", items=STONE_ITEMS, default="diamond"),
        "gem_by": EnumProperty(name="Size by", items=GEM_BY_ITEMS, default="CARAT"),
        "gem_carat": FloatProperty(
            name="Carat", default=1.0, min=CARAT[0], max=CARAT[1], precision=2, step=5
        ),
        "gem_length": FloatProperty(
            name="Length", description="Diameter of a round stone, length of a fancy cut, mm",
            default=6.5, min=GEM_MM[0], max=GEM_MM[1], precision=2, step=5,
        ),
        "gem_width": FloatProperty(
            name="Width", description="Width of a fancy cut, mm", default=5.0,
            min=GEM_MM[0], max=GEM_MM[1], precision=2, step=5,
        ),
        "setting_type": EnumProperty(name="Setting", items=SETTING_ITEMS, default="prong"),
        "prongs": EnumProperty(name="Prongs", items=PRONG_ITEMS, default="4"),
        "head_style": EnumProperty(name="Head", items=HEAD_ITEMS, default="basket"),
        "head_height": EnumProperty(name="Height", items=HEIGHT_ITEMS, default="medium"),
        "prong_tips": EnumProperty(name="Tips", items=TIP_ITEMS, default="round"),
        "shoulders": EnumProperty(name="Shoulders", items=SHOULDER_ITEMS, default="plain"),
        "metal": EnumProperty(name="Metal", items=METAL_ITEMS, default="gold_18k_yellow"),
    }  # fmt: skip


def _accent_props():
    return {
        "has_accents": BoolProperty(name="Accents", description="Small stones along the band"),
        "accents_layout": EnumProperty(
            name="Layout", items=[(k, v, "") for k, v in ACCENT_LAYOUT_LABELS.items()],
            default="pave",
        ),
        "accents_coverage": EnumProperty(
            name="Coverage", items=[(k, v, "") for k, v in COVERAGE_LABELS.items()],
            default="shoulders",
        ),
        "accents_cut": EnumProperty(name="Cut", items=CUT_ITEMS, default="round"),
        "accents_stone": EnumProperty(name="Stone", items=STONE_ITEMS, default="diamond"),
        "accents_size": FloatProperty(
            name="Size", description="Girdle diameter (round) or length, mm", default=1.5,
            min=ACCENT_MM[0], max=ACCENT_MM[1], precision=2, step=5,
        ),
        "accents_gap": FloatProperty(
            name="Gap", description="Between girdles, mm (JewelCraft's default 0.2)",
            default=0.2, min=ACCENT_GAP_MM[0], max=ACCENT_GAP_MM[1], precision=2, step=1,
        ),
        "accents_count": IntProperty(
            name="Count", description="0: as many as fit", default=0, min=0,
            max=ACCENT_COUNT[1],
        ),
        "has_engraving": BoolProperty(name="Engraving", description="Text inside the band"),
        "engraving_text": StringProperty(name="Text", maxlen=60),
        "engraving_font": StringProperty(
            name="Font", description="A .ttf/.otf file; empty for Blender's own",
            subtype="FILE_PATH",
        ),
        "stamp": BoolProperty(
            name="Fineness stamp", default=True,
            description="The metal's fineness mark inside the band (750, 585, PT950...)",
        ),
    }  # fmt: skip


def _motif_props():
    return {
        "has_motif": BoolProperty(name="Motif", description="Add a sculpted motif"),
        "motif_prompt": StringProperty(
            name="Motif", description="What the motif shows, e.g. 'a rose'", maxlen=1000
        ),
        "motif_backend": EnumProperty(name="Model", items=BACKEND_ITEMS, default="procedural"),
        "motif_seed": IntProperty(name="Seed", default=0, min=0),
        "motif_size": FloatProperty(
            name="Size", description="Motif size, mm", default=12.0, min=MOTIF_MM[0],
            max=MOTIF_MM[1], precision=1, step=50,
        ),
        "motif_params": StringProperty(
            name="Model settings",
            description='Advanced: a JSON object of model settings for the server, e.g. '
            '{"steps": 32, "grid_size": 64}; empty for the defaults',
        ),
        "motif_path": StringProperty(
            name="Motif mesh", description="The motif OBJ (millimetres) the ring is built with",
            subtype="FILE_PATH",
        ),
        "build_after_generate": BoolProperty(
            name="Build when ready", default=True,
            description="Build the ring as soon as the motif arrives",
        ),
        "concepts": CollectionProperty(type=AuraConcept),
        "concept_index": IntProperty(name="Concept", default=-1, min=-1),
    }  # fmt: skip


def _result_props():
    return {
        "design": PointerProperty(
            type=bpy.types.Object, name="Design", description="The ring the panel last built"
        ),
        "status": StringProperty(name="Status", description="The last message from Aura"),
        "status_level": EnumProperty(name="Level", items=LEVEL_ITEMS, default="INFO"),
        "checks": CollectionProperty(type=AuraCheck),
        "checks_passed": BoolProperty(name="All checks passed"),
        "weight_g": FloatProperty(name="Weight", description="Metal weight in grams", precision=2),
        "volume_mm3": FloatProperty(name="Volume", description="Metal volume in mm3", precision=1),
        "report_json": StringProperty(name="Report", options={"HIDDEN"}),
        "export_stones": BoolProperty(
            name="Stones STL", default=True, description="Also write the stones as a separate STL"
        ),
        "export_report": BoolProperty(
            name="Report", default=True, description="Also write the build report (JSON)"
        ),
    }


class AuraSettings(bpy.types.PropertyGroup):
    __annotations__ = {
        **_describe_props(),
        **_ring_props(),
        **_gem_props(),
        **_accent_props(),
        **_motif_props(),
        **_result_props(),
    }

    def set_status(self, message: str, level: str = "INFO") -> None:
        self.status = message[:1000]
        self.status_level = level

    def store_report(self, report: dict) -> None:
        """Keep a build's report for the Checks panel and the export."""
        self.report_json = json.dumps(report)
        self.checks.clear()
        for check in report.get("checks", []):
            item = self.checks.add()
            item.name = check["name"]
            item.passed = bool(check["passed"])
            item.value = _figure(check.get("value"))
            item.threshold = _figure(check.get("threshold"))
            item.message = check.get("message", "")
        self.checks_passed = bool(report.get("passed"))
        self.weight_g = float(report.get("weight_g") or 0.0)
        self.volume_mm3 = float(report.get("volume_mm3") or 0.0)

    def report(self) -> dict | None:
        return json.loads(self.report_json) if self.report_json else None


def _figure(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def attach() -> None:
    """Give every scene its Aura settings (after the classes are registered)."""
    bpy.types.Scene.aura = PointerProperty(type=AuraSettings)


def detach() -> None:
    del bpy.types.Scene.aura
