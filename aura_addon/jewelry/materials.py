"""Metals and gemstones: densities (g/cm3), display colours, refractive indices.

Metal densities are the published alloy figures (DESIGN.md). Colours are linear RGB for
Blender's Principled BSDF base colour. Weight (g) = volume (mm3) * density / 1000.
"""

from __future__ import annotations

from dataclasses import dataclass

CARAT_G = 0.2  # 1 carat = 0.2 g


@dataclass(frozen=True)
class Metal:
    name: str
    label: str
    density: float  # g/cm3
    color: tuple[float, float, float]
    roughness: float = 0.18

    def weight_g(self, volume_mm3: float) -> float:
        return volume_mm3 * self.density / 1000.0

    @property
    def fineness(self) -> str:
        """The fineness mark stamped inside the band ('' for base metals)."""
        return FINENESS.get(self.name, "")


# Colours are the polished metal's reflectance at normal incidence (F0), linear RGB. Pure
# metals are the published sRGB figures converted to linear: Google Filament's "Material
# properties" table (gold 255,220,157; silver 250,249,245; platinum 214,209,200; copper
# 251,216,184; brass 244,228,173; titanium 206,200,194) and Adobe Substance's "Metal material
# references" (palladium 223,218,212; copper 255,211,192). No table gives carat alloys: each
# is checked to lie between its metals' figures. Yellow golds grow paler and greener as the
# silver share rises (18K 255,228,157 = Real-Time Rendering's gold F0, 255,229,158); rose
# golds sit at copper's figure; white golds as sold, rhodium-plated, between platinum and
# silver (237,237,235).
_YELLOW = (1.0, 0.78, 0.34)
_WHITE = (0.85, 0.85, 0.83)
_ROSE = (0.98, 0.62, 0.52)

# Fineness marks stamped inside the band (parts per thousand; platinum and palladium with
# their symbol), as assay offices and casting houses mark them: 375/585/750 for 9/14/18k.
# Base metals carry none.
FINENESS = {
    "gold_24k": "999", "gold_22k": "916",
    "gold_18k_yellow": "750", "gold_18k_white_pd": "750", "gold_18k_white_ni": "750",
    "gold_18k_rose": "750",
    "gold_14k_yellow": "585", "gold_14k_white_pd": "585", "gold_14k_white_ni": "585",
    "gold_14k_rose": "585",
    "gold_10k_yellow": "417", "gold_10k_white": "417", "gold_10k_rose": "417",
    "platinum_950": "PT950", "platinum_900": "PT900", "palladium_950": "PD950",
    "silver_925": "925",
}  # fmt: skip

METALS: dict[str, Metal] = {
    m.name: m
    for m in (
        Metal("gold_24k", "24K gold", 19.32, (1.0, 0.716, 0.337)),
        Metal("gold_22k", "22K gold", 17.86, (1.0, 0.75, 0.34)),
        Metal("gold_18k_yellow", "18K yellow gold", 15.53, _YELLOW),
        Metal("gold_14k_yellow", "14K yellow gold", 13.05, (0.98, 0.80, 0.42)),
        Metal("gold_10k_yellow", "10K yellow gold", 11.47, (0.95, 0.81, 0.48)),
        Metal("gold_18k_white_pd", "18K white gold (palladium)", 15.66, _WHITE),
        Metal("gold_18k_white_ni", "18K white gold (nickel)", 14.69, _WHITE),
        Metal("gold_14k_white_pd", "14K white gold (palladium)", 14.6, (0.84, 0.83, 0.80)),
        Metal("gold_14k_white_ni", "14K white gold (nickel)", 12.61, (0.84, 0.83, 0.80)),
        Metal("gold_10k_white", "10K white gold", 10.99, (0.82, 0.81, 0.77)),
        Metal("gold_18k_rose", "18K rose gold", 15.02, _ROSE),
        Metal("gold_14k_rose", "14K rose gold", 13.03, (0.97, 0.65, 0.55)),
        Metal("gold_10k_rose", "10K rose gold", 11.52, (0.95, 0.67, 0.58)),
        Metal("platinum_950", "Platinum 950", 20.7, (0.672, 0.637, 0.578), 0.15),
        Metal("platinum_900", "Platinum 900", 21.54, (0.672, 0.637, 0.578), 0.15),
        Metal("palladium_950", "Palladium 950", 12.16, (0.737, 0.701, 0.658), 0.15),
        Metal("silver_925", "Sterling silver 925", 10.36, (0.955, 0.947, 0.913), 0.12),
        Metal("brass", "Brass", 8.75, (0.905, 0.776, 0.418), 0.25),
        Metal("bronze", "Bronze", 8.8, (0.93, 0.69, 0.47), 0.3),
        Metal("titanium", "Titanium Ti6Al4V", 4.43, (0.617, 0.578, 0.539), 0.3),
    )
}


# Fraunhofer lines (nm) of the gemmologist's dispersion figure (B to G) and of n_D
LINE_B, LINE_G, LINE_D = 686.7, 430.8, 589.3


@dataclass(frozen=True)
class Stone:
    name: str
    label: str
    density: float  # g/cm3
    refractive_index: float  # n_D
    color: tuple[float, float, float]
    # n_G - n_B, the "dispersion" of gem tables (GIA Gem Reference Guide; International Gem
    # Society): the fire. Diamond 0.044 is high, quartz 0.013 low, CZ 0.060 higher still.
    dispersion: float = 0.0

    def ior_at(self, wavelength_nm: float) -> float:
        """The refractive index at a wavelength, from n_D and the B-G dispersion through
        Cauchy's n = A + B / wavelength^2 (good across the visible for clear gems)."""
        b = self.dispersion / (LINE_G**-2 - LINE_B**-2)
        return self.refractive_index + b * (wavelength_nm**-2 - LINE_D**-2)


STONES: dict[str, Stone] = {
    s.name: s
    for s in (
        Stone("diamond", "Diamond", 3.52, 2.42, (1.0, 1.0, 1.0), 0.044),
        Stone("ruby", "Ruby", 4.0, 1.77, (0.75, 0.02, 0.08), 0.018),
        Stone("sapphire", "Sapphire", 4.0, 1.77, (0.05, 0.12, 0.65), 0.018),
        Stone("emerald", "Emerald", 2.72, 1.58, (0.03, 0.55, 0.22), 0.014),
        Stone("aquamarine", "Aquamarine", 2.72, 1.58, (0.45, 0.80, 0.90), 0.014),
        Stone("morganite", "Morganite", 2.72, 1.59, (0.95, 0.70, 0.68), 0.014),
        Stone("amethyst", "Amethyst", 2.65, 1.55, (0.50, 0.20, 0.70), 0.013),
        Stone("citrine", "Citrine", 2.65, 1.55, (0.95, 0.65, 0.12), 0.013),
        Stone("spinel", "Spinel", 3.6, 1.72, (0.80, 0.10, 0.30), 0.02),
        Stone("topaz", "Topaz", 3.53, 1.62, (0.55, 0.78, 0.95), 0.014),
        Stone("garnet", "Garnet", 3.9, 1.76, (0.45, 0.03, 0.06), 0.024),
        Stone("tourmaline", "Tourmaline", 3.1, 1.63, (0.20, 0.60, 0.35), 0.017),
        Stone("peridot", "Peridot", 3.34, 1.67, (0.55, 0.75, 0.10), 0.02),
        Stone("tanzanite", "Tanzanite", 3.35, 1.70, (0.30, 0.25, 0.75), 0.03),
        Stone("cz", "Cubic zirconia", 5.8, 2.16, (1.0, 1.0, 1.0), 0.06),
    )
}
