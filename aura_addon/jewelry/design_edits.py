"""Changing a design in words (`refine`) and proposing alternatives to it (`variations`).

`refine(spec, "half a size bigger, switch to platinum")` reads the relative wishes here
(a size up or down in the ring's own system, a bigger or smaller stone, a narrower or
wider band, a new motif seed) and hands everything else to `intent.parse` with the current
spec as its base, so explicit values ("1.5 carat", "six prongs", "bezel") have one parser.
A change that would leave the catalogue ("a size smaller" on a US 1) raises IntentError
naming the words and the limit; nothing is clamped silently.

`variations(spec, n, seed)` returns n distinct, valid specs around the given one, each
changing one or two of: cut, setting, shank profile, band width, motif seed. The same
seed gives the same list.
"""

from __future__ import annotations

import math
import random
import re

from . import sizes
from .intent import AMOUNT, IntentError, amount, parse
from .spec import MOTIF_MM, PROFILES, SHANK_WIDTH, DesignSpec, Gem, SpecError

MAX_VARIATIONS = 5
_FLAGS = re.IGNORECASE | re.VERBOSE  # VERBOSE: intent.AMOUNT is written spread out

# Common trade weights: "a bigger stone" moves to the next one.
CARAT_STEPS = (0.1, 0.25, 0.33, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5, 10.0)
# Three prongs hold round and curved outlines; cornered cuts need a prong per corner.
THREE_PRONG_CUTS = ("round", "oval", "pear", "heart", "trillion")

_UP = {"bigger", "larger", "up", "heavier", "more"}
_STONES = r"stone|gem|gemstone|diamond|ruby|sapphire|emerald|aquamarine|morganite|amethyst|citrine|spinel|topaz|garnet|tourmaline|peridot|tanzanite|cz"
_SIZE_SHIFT = [
    rf"\b(?:(?P<n>{AMOUNT}|an?)\s+)?(?:ring\s+|finger\s+)?sizes?\s+(?P<d>smaller|bigger|larger|up|down)\b",
    rf"\bsize\s+(?P<d>up|down)(?:\s+by\s+(?P<n>{AMOUNT}|an?)(?:\s+sizes?)?)?\b",
    rf"\b(?P<d>smaller|bigger|larger)\s+by\s+(?P<n>{AMOUNT}|an?)\s+sizes?\b",
]
_STONE_SHIFT = [
    rf"\b(?P<d>bigger|larger|smaller|heavier|lighter)\s+(?:center\s+|centre\s+|main\s+)?(?:{_STONES})s?\b",
    rf"\b(?:the\s+)?(?:{_STONES})\s+(?:a\s+(?:bit|little)\s+|slightly\s+|much\s+)?(?P<d>bigger|larger|smaller)\b",
]
_MOTIF_SHIFT = [
    r"\b(?P<d>bigger|larger|smaller)\s+motif\b",
    r"\b(?:the\s+)?motif\s+(?:a\s+(?:bit|little)\s+|slightly\s+)?(?P<d>bigger|larger|smaller)\b",
]
_BAND_WORDS = {
    "thinner": ("width_mm", 0.8), "narrower": ("width_mm", 0.8), "slimmer": ("width_mm", 0.8),
    "finer": ("width_mm", 0.8), "daintier": ("width_mm", 0.8), "wider": ("width_mm", 1.25),
    "broader": ("width_mm", 1.25), "bolder": ("width_mm", 1.25),
    "thicker": ("thickness_mm", 1.2), "chunkier": ("thickness_mm", 1.2),
    "heavier": ("thickness_mm", 1.2), "sturdier": ("thickness_mm", 1.2),
}  # fmt: skip
_BAND_SHIFT = (
    r"\b(?:(?:the\s+)?(?:band|shank|ring)\s+(?:a\s+(?:bit|little)\s+|slightly\s+|much\s+)?)?"
    rf"(?P<d>{'|'.join(_BAND_WORDS)})(?:\s+(?:band|shank))?\b"
)
_NEW_SEED = (
    r"\b(?:new|different|another|next)\s+(?:seed|version|take|variation|variant)"
    r"(?:\s+of\s+the\s+motif)?\b|\breroll\b|\bregenerate\b"
)
# Words that say the rest of an instruction is about the motif ("add a dragon").
_MOTIF_CUE = r"\b(?:motif|add|with|put|featuring|instead|replace|switch\s+to|change\s+to|swap\s+(?:to|for)|make\s+it\s+an?)\b"


def refine(spec: DesignSpec, instruction: str) -> tuple[DesignSpec, dict]:
    """Apply a wish in words to a spec: (new spec, understood) where understood says, per
    field, the words that changed it or "base" for what stayed."""
    if not isinstance(spec, DesignSpec):
        raise SpecError("spec", type(spec).__name__, "a DesignSpec")
    if not isinstance(instruction, str) or not instruction.strip():
        raise SpecError("instruction", instruction, "say what to change, e.g. 'a size smaller'")
    new = spec.copy()
    text = instruction
    changes: dict[str, dict] = {}

    def consume(patterns) -> list[re.Match]:
        nonlocal text
        found = []
        for pattern in [patterns] if isinstance(patterns, str) else patterns:
            found += list(re.finditer(pattern, text, _FLAGS))
            text = re.sub(pattern, ",", text, flags=_FLAGS)
        return found

    for m in consume(_SIZE_SHIFT):
        steps = amount(m["n"]) if m["n"] else 1.0
        steps = steps if m["d"].lower() in _UP else -steps
        new.size = _shift_size(new.size, steps, m.group())
        direction = "up" if steps > 0 else "down"
        system = new.size.system or "US"
        changes["size"] = _said(m, f"{abs(steps):g} {system} size {direction}")
    for m in consume(_STONE_SHIFT):
        new.gem = _shift_stone(new.gem, m["d"].lower() in _UP, m.group())
        key = "gem.carat" if new.gem.carat is not None else "gem.size_mm"
        changes[key] = _said(m)
    for m in consume(_MOTIF_SHIFT):
        if new.motif is None:
            raise IntentError("motif", None, "there is no motif to resize; describe one", m.group())
        size = round(new.motif.size_mm * (1.25 if m["d"].lower() in _UP else 0.8), 1)
        _check_range("motif.size_mm", size, MOTIF_MM, m.group())
        new.motif.size_mm = size
        changes["motif.size_mm"] = _said(m)
    for m in consume(_BAND_SHIFT):
        part, factor = _BAND_WORDS[m["d"].lower()]
        _scale_band(new, part, factor, m.group())
        note = "thinner reads as narrower: the thickness stays for strength"
        changes[f"shank.{part}"] = _said(m, note if m["d"].lower() == "thinner" else None)
    for m in consume(_NEW_SEED):
        if new.motif is None:
            raise IntentError("motif", None, "there is no motif to vary; describe one", m.group())
        new.motif.seed += 1
        changes["motif.seed"] = _said(m)

    to_motif = re.search(_MOTIF_CUE, text, _FLAGS) is not None
    result = parse(text, base=new, unknown_words="motif" if to_motif else "ignore")
    understood = result.understood
    for key, entry in changes.items():
        if key in understood and understood[key]["source"] != "words":
            understood[key] = {"value": understood[key]["value"], **entry}
    return result.spec, understood


def _said(m: re.Match, note: str | None = None) -> dict:
    entry = {"source": "words", "words": " ".join(m.group().split())}
    if note:
        entry["note"] = note
    return entry


def _check_range(path: str, value: float, bounds: tuple[float, float], words: str) -> None:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise IntentError(path, value, f"allowed: {lo:g} to {hi:g} mm", words)


def _shift_size(size, steps: float, words: str):
    """Move a size by `steps` sizes of its own system (US quarter sizes, UK half letters,
    EU/Swiss millimetres, the JP/HK chart); a raw diameter moves by US sizes."""
    from .spec import RingSize

    if size.diameter_mm is not None:
        circumference = size.circumference_mm + steps * sizes.US_STEP_MM  # US sizes, in mm
        diameter = round(circumference / math.pi, 2)
        _check_range("size.diameter_mm", diameter, (sizes.DIAMETER_MIN, sizes.DIAMETER_MAX), words)
        return RingSize(system=None, value=None, diameter_mm=diameter)
    system, value = size.system, size.value
    if system in ("JP", "HK"):
        chart = sizes.all_sizes(system)
        if steps != int(steps):
            raise IntentError(
                "size", f"{system} {value} {steps:+g}", f"{system} sizes are whole numbers", words
            )
        index = chart.index(int(value)) + int(steps)
        if not 0 <= index < len(chart):
            allowed = f"{system} sizes run {chart[0]} to {chart[-1]}"
            raise IntentError("size", f"{system} {value} {steps:+g}", allowed, words)
        return RingSize(system=system, value=chart[index])
    if system == "UK":
        index = sizes.uk_index(value) + steps  # A is 0
        if index * 2 != int(index * 2):
            raise IntentError(
                "size", f"UK {value} {steps:+g}", "UK sizes come in half steps", words
            )
        if not 0 <= index <= len(sizes.UK_LETTERS) - 1:
            raise IntentError("size", f"UK {value} {steps:+g}", "UK sizes run A to Z", words)
        return RingSize(system="UK", value=sizes.uk_label(index))
    new_value = float(value) + steps
    new_value = int(new_value) if new_value.is_integer() else new_value
    try:
        sizes.circumference_mm(system, new_value)
    except sizes.SizeError as exc:
        raise IntentError(
            "size", f"{system} {new_value}", str(exc).split("; ", 1)[-1], words
        ) from None
    return RingSize(system=system, value=new_value)


def _shift_stone(gem: Gem | None, up: bool, words: str) -> Gem:
    if gem is None:
        raise IntentError(
            "gem", None, "there is no stone; name one, e.g. 'add a 1 ct diamond'", words
        )
    gem = Gem(gem.cut, gem.stone, gem.carat, gem.size_mm)
    if gem.carat is not None:
        steps = [c for c in CARAT_STEPS if (c > gem.carat + 1e-9 if up else c < gem.carat - 1e-9)]
        if not steps:
            allowed = f"{CARAT_STEPS[0]:g} to {CARAT_STEPS[-1]:g} ct by steps; name a weight"
            raise IntentError("gem.carat", gem.carat, allowed, words)
        gem.carat = steps[0] if up else steps[-1]
        return gem
    length, width = gem.dimensions()
    factor = (length + (0.5 if up else -0.5)) / length
    if isinstance(gem.size_mm, list):
        gem.size_mm = [round(length * factor, 1), round(width * factor, 1)]
        for v in gem.size_mm:
            _check_range("gem.size_mm", v, (1.0, 30.0), words)
    else:
        gem.size_mm = round(gem.size_mm + (0.5 if up else -0.5), 1)
        _check_range("gem.size_mm", gem.size_mm, (1.0, 30.0), words)
    return gem


def _scale_band(spec: DesignSpec, part: str, factor: float, words: str) -> None:
    shank = spec.shank
    value = round(getattr(shank, part) * factor, 1)
    if part == "width_mm":
        _check_range("shank.width_mm", value, SHANK_WIDTH, words)
        if shank.top_width_mm is not None:  # a taper keeps its proportion
            shank.top_width_mm = round(shank.top_width_mm * value / shank.width_mm, 2)
            _check_range("shank.top_width_mm", shank.top_width_mm, SHANK_WIDTH, words)
    else:
        from .spec import SHANK_THICKNESS

        _check_range("shank.thickness_mm", value, SHANK_THICKNESS, words)
    setattr(shank, part, value)


# Variations ----------------------------------------------------------------------------


def variations(spec: DesignSpec, n: int, seed: int = 0) -> list[DesignSpec]:
    """n (1..5) distinct valid specs around `spec`, the same list for the same seed."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIATIONS:
        raise SpecError("n", n, f"a whole number from 1 to {MAX_VARIATIONS}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError("seed", seed, "a whole number")
    base = spec.copy()
    rng = random.Random(seed)
    aspects = _aspects(base, rng)
    names = list(aspects)  # in order: a cut is chosen before the setting that holds it
    seen = {_identity(base)}
    out: list[DesignSpec] = []
    for _attempt in range(200):
        if len(out) == n:
            break
        k = 1 if len(names) == 1 or rng.random() < 0.5 else 2
        chosen = sorted(rng.sample(names, k), key=names.index)
        candidate = base.copy()
        labels = []
        for name in chosen:
            label, change = rng.choice(aspects[name])
            change(candidate)
            labels.append(label)
        if _three_prongs_on_corners(candidate) and not _three_prongs_on_corners(base):
            continue
        candidate.validate()
        identity = _identity(candidate)
        if identity in seen:
            continue
        seen.add(identity)
        text = ", ".join(labels)
        candidate.name = f"{base.name} ({text})" if base.name else text
        out.append(candidate)
    if len(out) < n:  # cannot happen with the aspects below (widths and profiles alone give 5+)
        raise SpecError("n", n, f"this design has only {len(out)} distinct variations")
    return out


def _three_prongs_on_corners(spec: DesignSpec) -> bool:
    setting, gem = spec.setting, spec.gem
    three = setting.type == "prong" and setting.prongs == 3
    return three and gem is not None and gem.cut not in THREE_PRONG_CUTS


def _identity(spec: DesignSpec) -> str:
    data = spec.to_dict()
    data.pop("name")
    return repr(data)


def _aspects(base: DesignSpec, rng: random.Random) -> dict[str, list]:
    """Per aspect, the alternatives to the base: (label, function that applies it)."""
    from .gem_cuts import CUTS

    aspects: dict[str, list] = {}
    gem = base.gem
    if gem is not None:
        weight = gem.carat if gem.carat is not None else round(gem.carat_weight(), 2)

        def cut_to(cut):
            def change(s):
                s.gem = Gem(cut=cut, stone=gem.stone, carat=weight, size_mm=None)

            return change

        aspects["cut"] = [(f"{c} cut", cut_to(c)) for c in CUTS if c != gem.cut]

        def setting_to(kind, prongs):
            def change(s):
                s.setting.type, s.setting.prongs = kind, prongs

            return change

        options = [("bezel", "bezel", 4)] + [(f"{p} prongs", "prong", p) for p in (3, 4, 6)]
        current = (base.setting.type, base.setting.prongs if base.setting.type == "prong" else 4)
        aspects["setting"] = [
            (label, setting_to(kind, p)) for label, kind, p in options if (kind, p) != current
        ]

    def profile_to(profile):
        def change(s):
            s.shank.profile = profile

        return change

    aspects["profile"] = [
        (f"{p} profile", profile_to(p)) for p in PROFILES if p != base.shank.profile
    ]

    def width_to(width):
        def change(s):
            if s.shank.top_width_mm is not None:
                s.shank.top_width_mm = round(s.shank.top_width_mm * width / s.shank.width_mm, 2)
            s.shank.width_mm = width

        return change

    widths = {round(base.shank.width_mm * f, 1) for f in (0.8, 1.25, 1.5)}
    widths = sorted(w for w in widths if SHANK_WIDTH[0] <= w <= SHANK_WIDTH[1])
    if base.shank.top_width_mm is not None:
        top_ratio = base.shank.top_width_mm / base.shank.width_mm
        widths = [w for w in widths if SHANK_WIDTH[0] <= w * top_ratio <= SHANK_WIDTH[1]]
    aspects["width"] = [(f"{w:g} mm band", width_to(w)) for w in widths if w != base.shank.width_mm]

    if base.motif is not None:
        seeds = [s for s in rng.sample(range(1, 100_000), 4) if s != base.motif.seed][:3]

        def seed_to(seed):
            def change(s):
                s.motif.seed = seed

            return change

        aspects["motif"] = [(f"motif seed {s}", seed_to(s)) for s in seeds]
    return {k: v for k, v in aspects.items() if v}
