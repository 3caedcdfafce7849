"""The design spec: the contract between the panel, the batch script and the AI server.

Dataclasses with defaults, strict validation (an error names the field, the value and what
is allowed; nothing is clamped silently), and JSON load/save with a `spec_version`.
`DesignSpec.from_dict(spec.to_dict()) == spec` for every valid spec.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

from . import gem_cuts, sizes
from .materials import METALS, STONES
from .quoting import shown

SPEC_VERSION = 2
READS_VERSIONS = (1, 2)  # v1 specs load: every v2 section has a default (see migrate())
PROFILES = ("flat", "comfort", "d", "knife-edge")
SHOULDERS = ("plain", "tapered", "cathedral", "split")
SETTINGS = ("prong", "bezel", "none")
PRONG_COUNTS = (3, 4, 6)
HEAD_STYLES = ("basket", "cathedral")  # how a prong or bezel head rises from the shank
HEAD_HEIGHTS = ("low", "medium", "high")
PRONG_TIPS = ("round", "flat", "v", "double")  # points of pear/marquise/heart... always get V
ACCENT_LAYOUTS = ("pave", "channel", "bar")
ACCENT_COVERAGE = ("shoulders", "half", "three-quarter", "full")
ENGRAVING_PLACES = ("inside", "outside")
PROCESSES = ("lost-wax", "direct-metal")
BACKENDS = ("procedural", "shap-e", "image-to-3d")
MAX_PROMPT = 1000

SHANK_WIDTH = (1.0, 15.0)
SHANK_THICKNESS = (0.8, 6.0)
CARAT = (0.01, 30.0)
GEM_MM = (1.0, 30.0)
MOTIF_MM = (2.0, 40.0)
ACCENT_MM = (0.8, 3.0)  # melee to small accents (DESIGN.md, pave/accents)
HALO_MM = (0.8, 1.5)
ACCENT_GAP_MM = (0.05, 1.0)  # between girdles; 0.2 is JewelCraft's distribution default
ACCENT_COUNT = (1, 300)
HALO_ROWS = (1, 2)
SIDE_RATIO = (0.05, 1.0)  # side stone carat as a fraction of the centre stone's
MAX_ENGRAVING = 60
ENGRAVING_HEIGHT_MM = (0.5, 6.0)
ENGRAVING_DEPTH_MM = (0.1, 2.0)
SHRINKAGE_PCT = (0.0, 5.0)


class SpecError(ValueError):
    """An invalid design spec. `field` is the dotted path, e.g. 'gem.carat'."""

    def __init__(self, field_path: str, value, allowed: str):
        self.field = field_path
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field_path}: {shown(value)} is not allowed; {allowed}")


def _finite(value) -> bool:
    """A real number a float can hold (an int past 1e308 overflows math.isfinite)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _number(path: str, value, lo: float, hi: float, unit: str = "") -> float:
    if not _finite(value):
        raise SpecError(path, value, f"expected a number from {lo:g} to {hi:g}{unit}")
    if not lo <= value <= hi:
        raise SpecError(path, value, f"allowed: {lo:g} to {hi:g}{unit}")
    return float(value)


def _choice(path: str, value, allowed) -> str:
    if value not in allowed:
        raise SpecError(path, value, f"allowed: {', '.join(map(str, allowed))}")
    return value


@dataclass
class RingSize:
    system: str | None = "US"
    value: float | str | None = 7
    diameter_mm: float | None = None  # a raw inner diameter instead of a named size

    def validate(self) -> None:
        if self.diameter_mm is not None:
            if self.system is not None or self.value is not None:
                raise SpecError(
                    "size", asdict(self), "give either system and value, or diameter_mm"
                )
            _number(
                "size.diameter_mm", self.diameter_mm, sizes.DIAMETER_MIN, sizes.DIAMETER_MAX, " mm"
            )
            return
        _choice("size.system", self.system, sizes.SYSTEMS)
        try:
            sizes.circumference_mm(self.system, self.value)
        except sizes.SizeError as exc:
            raise SpecError("size.value", self.value, str(exc).split("; ", 1)[-1]) from None

    @property
    def inner_diameter_mm(self) -> float:
        if self.diameter_mm is not None:
            return float(self.diameter_mm)
        return sizes.inner_diameter_mm(self.system, self.value)

    @property
    def circumference_mm(self) -> float:
        return self.inner_diameter_mm * math.pi

    @property
    def label(self) -> str:
        if self.diameter_mm is not None:
            return f"{self.diameter_mm:g} mm inside"
        return f"{self.system} {sizes.format_value(self.value)}"


@dataclass
class Shank:
    profile: str = "comfort"
    width_mm: float = 2.2
    thickness_mm: float = 1.7
    top_width_mm: float | None = None  # taper: wider under the head (None: no taper)
    top_thickness_mm: float | None = None
    shoulders: str = "plain"  # plain | tapered | cathedral | split (spec v2)

    def validate(self) -> None:
        _choice("shank.profile", self.profile, PROFILES)
        _choice("shank.shoulders", self.shoulders, SHOULDERS)
        _number("shank.width_mm", self.width_mm, *SHANK_WIDTH, " mm")
        _number("shank.thickness_mm", self.thickness_mm, *SHANK_THICKNESS, " mm")
        if self.top_width_mm is not None:
            _number("shank.top_width_mm", self.top_width_mm, *SHANK_WIDTH, " mm")
        if self.top_thickness_mm is not None:
            _number("shank.top_thickness_mm", self.top_thickness_mm, *SHANK_THICKNESS, " mm")

    @property
    def width_top(self) -> float:
        return self.top_width_mm if self.top_width_mm is not None else self.width_mm

    @property
    def thickness_top(self) -> float:
        return self.top_thickness_mm if self.top_thickness_mm is not None else self.thickness_mm


@dataclass
class Gem:
    cut: str = "round"
    stone: str = "diamond"
    carat: float | None = 1.0
    size_mm: float | list[float] | None = None  # round: diameter; fancy: [length, width]

    def validate(self) -> None:
        _choice("gem.cut", self.cut, gem_cuts.CUTS)
        _choice("gem.stone", self.stone, tuple(STONES))
        if (self.carat is None) == (self.size_mm is None):
            raise SpecError(
                "gem", {"carat": self.carat, "size_mm": self.size_mm}, "give carat or size_mm"
            )
        if self.carat is not None:
            _number("gem.carat", self.carat, *CARAT, " ct")
            return
        if isinstance(self.size_mm, list):
            if len(self.size_mm) != 2:
                raise SpecError("gem.size_mm", self.size_mm, "a number or [length, width] in mm")
            for i, v in enumerate(self.size_mm):
                _number(f"gem.size_mm[{i}]", v, *GEM_MM, " mm")
            if self.size_mm[0] < self.size_mm[1]:
                raise SpecError("gem.size_mm", self.size_mm, "[length, width] with length >= width")
        else:
            _number("gem.size_mm", self.size_mm, *GEM_MM, " mm")

    def dimensions(self) -> tuple[float, float]:
        """(length, width) in mm; length runs along the finger."""
        if self.carat is not None:
            return gem_cuts.dimensions_for_carat(self.cut, self.stone, self.carat)
        return gem_cuts.dimensions_for_size(self.cut, self.size_mm)

    def carat_weight(self) -> float:
        return gem_cuts.carat_of(self.cut, self.stone, *self.dimensions())


@dataclass
class Setting:
    type: str = "prong"
    prongs: int = 4
    head: str = "basket"  # spec v2: basket | cathedral
    height: str = "medium"  # spec v2: low | medium | high
    tips: str = "round"  # spec v2: round | flat | v | double

    def validate(self) -> None:
        _choice("setting.type", self.type, SETTINGS)
        _choice("setting.head", self.head, HEAD_STYLES)
        _choice("setting.height", self.height, HEAD_HEIGHTS)
        _choice("setting.tips", self.tips, PRONG_TIPS)
        if self.type == "prong":
            if isinstance(self.prongs, bool) or self.prongs not in PRONG_COUNTS:
                raise SpecError(
                    "setting.prongs", self.prongs, f"allowed: {', '.join(map(str, PRONG_COUNTS))}"
                )


@dataclass
class Motif:
    prompt: str = ""
    backend: str = "procedural"
    seed: int = 0
    size_mm: float = 12.0

    def validate(self) -> None:
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise SpecError("motif.prompt", self.prompt, "describe the motif in words")
        if len(self.prompt) > MAX_PROMPT:
            raise SpecError(
                "motif.prompt", self.prompt[:40] + "...", f"at most {MAX_PROMPT} characters"
            )
        _choice("motif.backend", self.backend, BACKENDS)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SpecError("motif.seed", self.seed, "a whole number >= 0")
        _number("motif.size_mm", self.size_mm, *MOTIF_MM, " mm")


def _stone_choice(prefix: str, cut: str, stone: str) -> None:
    _choice(f"{prefix}.cut", cut, gem_cuts.CUTS)
    _choice(f"{prefix}.stone", stone, tuple(STONES))


def _optional_number(path: str, value, lo: float, hi: float, unit: str = "") -> None:
    if value is not None:
        _number(path, value, lo, hi, unit)


def _count(path: str, value, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SpecError(path, value, f"a whole number from {lo} to {hi}")


@dataclass
class Accents:
    """Small stones set along the band (spec v2)."""

    layout: str = "pave"  # pave (shared beads) | channel (between two rails) | bar
    coverage: str = "shoulders"  # shoulders | half | three-quarter | full (eternity)
    cut: str = "round"
    stone: str = "diamond"
    size_mm: float = 1.5  # girdle diameter (round) or length
    gap_mm: float = 0.2  # between girdles
    count: int | None = None  # None: as many as fit the covered length

    def validate(self) -> None:
        _choice("accents.layout", self.layout, ACCENT_LAYOUTS)
        _choice("accents.coverage", self.coverage, ACCENT_COVERAGE)
        _stone_choice("accents", self.cut, self.stone)
        _number("accents.size_mm", self.size_mm, *ACCENT_MM, " mm")
        _number("accents.gap_mm", self.gap_mm, *ACCENT_GAP_MM, " mm")
        if self.count is not None:
            _count("accents.count", self.count, *ACCENT_COUNT)


@dataclass
class Halo:
    """A frame of melee around the centre stone, following its outline (spec v2)."""

    rows: int = 1  # 2: double halo
    cut: str = "round"
    stone: str = "diamond"
    size_mm: float = 1.2
    gap_mm: float = 0.2

    def validate(self) -> None:
        _count("halo.rows", self.rows, *HALO_ROWS)
        _stone_choice("halo", self.cut, self.stone)
        _number("halo.size_mm", self.size_mm, *HALO_MM, " mm")
        _number("halo.gap_mm", self.gap_mm, *ACCENT_GAP_MM, " mm")


@dataclass
class SideStones:
    """Three-stone: one stone each side of the centre, each in its own head (spec v2).
    Sized by carat, or by `ratio` of the centre stone's carat when carat is None."""

    cut: str = "round"
    stone: str = "diamond"
    carat: float | None = None
    ratio: float = 0.5

    def validate(self) -> None:
        _stone_choice("side_stones", self.cut, self.stone)
        _optional_number("side_stones.carat", self.carat, *CARAT, " ct")
        _number("side_stones.ratio", self.ratio, *SIDE_RATIO)


@dataclass
class Engraving:
    """Text engraved into the band (spec v2). None sizes: castable defaults the builder
    works out from the band (DESIGN.md, engraving for casting)."""

    text: str = ""
    font: str = ""  # "" = Blender's built-in font; else a path to a .ttf/.otf file
    where: str = "inside"
    height_mm: float | None = None
    depth_mm: float | None = None

    def validate(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise SpecError("engraving.text", self.text, "the text to engrave")
        if len(self.text) > MAX_ENGRAVING:
            raise SpecError(
                "engraving.text", self.text[:20] + "...", f"at most {MAX_ENGRAVING} characters"
            )
        if not isinstance(self.font, str):
            raise SpecError("engraving.font", self.font, "a font file path, or '' for built-in")
        _choice("engraving.where", self.where, ENGRAVING_PLACES)
        _optional_number("engraving.height_mm", self.height_mm, *ENGRAVING_HEIGHT_MM, " mm")
        _optional_number("engraving.depth_mm", self.depth_mm, *ENGRAVING_DEPTH_MM, " mm")


@dataclass
class Process:
    """How the piece is made (spec v2): the profile sets the checks' minimums."""

    profile: str = "lost-wax"  # lost-wax | direct-metal
    shrinkage_pct: float = 0.0  # applied to the exported casting file only; ~1.5 is common

    def validate(self) -> None:
        _choice("process.profile", self.profile, PROCESSES)
        _number("process.shrinkage_pct", self.shrinkage_pct, *SHRINKAGE_PCT, " %")


@dataclass
class DesignSpec:
    spec_version: int = SPEC_VERSION
    name: str = ""
    size: RingSize = field(default_factory=RingSize)
    metal: str = "gold_18k_yellow"
    shank: Shank = field(default_factory=Shank)
    gem: Gem | None = field(default_factory=Gem)
    setting: Setting = field(default_factory=Setting)
    motif: Motif | None = None
    # spec v2 sections
    accents: Accents | None = None
    halo: Halo | None = None
    side_stones: SideStones | None = None
    engraving: Engraving | None = None
    stamp: bool = True  # the metal's fineness mark inside the band, as casting houses expect
    process: Process = field(default_factory=Process)

    def validate(self) -> DesignSpec:
        if self.spec_version != SPEC_VERSION:
            raise SpecError("spec_version", self.spec_version, f"this Aura writes {SPEC_VERSION}")
        if not isinstance(self.name, str):
            raise SpecError("name", self.name, "a text")
        self.size.validate()
        _choice("metal", self.metal, tuple(METALS))
        self.shank.validate()
        self.setting.validate()
        if self.gem is not None:
            self.gem.validate()
            if self.setting.type == "none":
                raise SpecError("setting.type", "none", "a stone needs a prong or bezel setting")
        if self.motif is not None:
            self.motif.validate()
        for part in (self.accents, self.halo, self.side_stones, self.engraving):
            if part is not None:
                part.validate()
        if (self.halo or self.side_stones) and self.gem is None:
            which = "halo" if self.halo else "side_stones"
            raise SpecError(which, "set", "a halo or side stones need a centre stone (gem)")
        if not isinstance(self.stamp, bool):
            raise SpecError("stamp", self.stamp, "true or false")
        self.process.validate()
        return self

    # JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data) -> DesignSpec:
        """Build and validate a spec from plain data; missing fields take their defaults."""
        if not isinstance(data, dict):
            raise SpecError("spec", type(data).__name__, "a JSON object")
        data = migrate(data)
        _reject_unknown("", data, cls)
        kwargs = {k: v for k, v in data.items() if k not in _SECTIONS}
        spec = cls(**kwargs)
        spec.size = _part("size", data, RingSize)
        if isinstance(data.get("size"), dict) and "diameter_mm" in data["size"]:
            spec.size.system = data["size"].get("system")
            spec.size.value = data["size"].get("value")
        spec.shank = _part("shank", data, Shank)
        spec.setting = _part("setting", data, Setting)
        spec.gem = _part("gem", data, Gem, nullable=True)
        gem_data = data.get("gem") or {}
        if spec.gem is not None and "size_mm" in gem_data and "carat" not in gem_data:
            spec.gem.carat = None
        spec.motif = _part("motif", data, Motif, nullable=True, default_none=True)
        spec.accents = _part("accents", data, Accents, nullable=True, default_none=True)
        spec.halo = _part("halo", data, Halo, nullable=True, default_none=True)
        spec.side_stones = _part("side_stones", data, SideStones, nullable=True, default_none=True)
        spec.engraving = _part("engraving", data, Engraving, nullable=True, default_none=True)
        spec.process = _part("process", data, Process)
        return spec.validate()

    @classmethod
    def from_json(cls, text: str) -> DesignSpec:
        if not isinstance(text, (str, bytes, bytearray)):
            raise SpecError("spec", type(text).__name__, "JSON text")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                "spec", text[:40], f"valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        except RecursionError:
            raise SpecError("spec", text[:40], "JSON nested at most a few hundred deep") from None
        except ValueError as exc:  # e.g. a number past Python's 4,300-digit limit
            raise SpecError("spec", text[:40], f"valid JSON ({exc})") from None
        return cls.from_dict(data)

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_json() + "\n")

    @classmethod
    def load(cls, path) -> DesignSpec:
        with open(path, encoding="utf-8") as fh:
            return cls.from_json(fh.read())

    def copy(self) -> DesignSpec:
        return DesignSpec.from_dict(self.to_dict())


_SECTIONS = (
    "size", "shank", "gem", "setting", "motif",
    "accents", "halo", "side_stones", "engraving", "process",
)  # fmt: skip


def migrate(data: dict) -> dict:
    """Bring an older spec's plain data to this version (a new dict; the input is kept).

    v1 -> v2: v2 only adds sections and fields, each with a default that builds what v1
    built (basket head, medium height, round tips, plain shoulders, lost-wax, no shrinkage)
    plus the fineness stamp, which casting houses expect on every piece."""
    version = data.get("spec_version", SPEC_VERSION)
    if isinstance(version, bool) or version not in READS_VERSIONS:
        allowed = " or ".join(map(str, READS_VERSIONS))
        raise SpecError("spec_version", version, f"this Aura reads spec_version {allowed}")
    return {**data, "spec_version": SPEC_VERSION}


def _reject_unknown(prefix: str, data: dict, cls) -> None:
    allowed = [f.name for f in fields(cls)]
    for key in data:
        if key not in allowed:
            name = key if isinstance(key, str) and key.isidentifier() else shown(key)
            raise SpecError(
                f"{prefix}{name}", data[key], f"unknown field; allowed: {', '.join(allowed)}"
            )


def _part(name: str, data: dict, cls, nullable: bool = False, default_none: bool = False):
    if name not in data:
        return None if default_none else cls()
    value = data[name]
    if value is None:
        if nullable:
            return None
        raise SpecError(name, None, "an object")
    if not isinstance(value, dict):
        raise SpecError(name, value, "a JSON object")
    _reject_unknown(f"{name}.", value, cls)
    return cls(**value)
