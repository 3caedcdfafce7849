"""Ring sizes in every common system, both ways: size -> inner circumference/diameter, and
diameter -> nearest size in each system.

Everything is expressed through the inner circumference C in millimetres:
- US/Canada: C = 36.5367 + 2.5535 * size (quarter sizes; US 7 -> 54.41 mm, 17.32 mm inside).
- UK/Australia: C = 37.5 + 1.25 * i, where letter A is i = 0 and a half size adds 0.5.
- EU, ISO 8653: the size number IS the inner circumference in millimetres.
- Switzerland: C = size + 40 (ISO 8653 less 40).
- Japan (JCS, the sizes Japanese jewelers use): inner DIAMETER 13.0 mm at size 1 and one
  third of a millimetre more per size, d = 13.0 + (n - 1) / 3 (JP 11 = 16.33 mm; j-tano.com,
  tenmaya-j.jp, kamakura-chokin.com). The JP -> US lookup table that circulates is off by up
  to 0.56 mm against it, so it is not used.
- Hong Kong: the published HK -> US conversion chart (table below).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .quoting import shown

SYSTEMS = ("US", "UK", "EU", "CH", "JP", "HK")

# The charts' formulas for the inner circumference C, mm (US: ANSI/jewelers' charts;
# UK/Australia: BS 6820 letters; Swiss: ISO 8653 less 40).
US_BASE_MM, US_STEP_MM = 36.5367, 2.5535  # C = US_BASE_MM + US_STEP_MM * size
UK_BASE_MM, UK_STEP_MM = 37.5, 1.25  # C = UK_BASE_MM + UK_STEP_MM * index (A = 0, 1/2 = 0.5)
CH_OFFSET_MM = 40.0  # C = size + CH_OFFSET_MM

US_MIN, US_MAX = 1.0, 16.0  # US 0 exists on some charts but is a child size; 1 is our floor
UK_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EU_MIN, EU_MAX = 36.5, 77.5
CH_MIN, CH_MAX = EU_MIN - CH_OFFSET_MM, EU_MAX - CH_OFFSET_MM
DIAMETER_MIN, DIAMETER_MAX = 12.0, 26.0

JP_MIN, JP_MAX = 1, 30
JP_SIZE1_DIAMETER, JP_STEP = 13.0, 1 / 3  # mm: the Japanese definition (module docstring)
# Hong Kong size -> US size (published chart).
HK_TO_US = {
    5: 2.75, 6: 3, 7: 3.5, 8: 3.75, 9: 4.25, 10: 4.75, 11: 5.25, 12: 5.5, 13: 6, 14: 6.5,
    15: 7, 16: 7.5, 17: 7.75, 18: 8.25, 19: 8.75, 20: 9, 21: 9.5, 22: 10, 23: 10.25,
    24: 10.75, 25: 11.25, 26: 11.5, 27: 12, 28: 12.5, 29: 12.75, 30: 13.25,
}  # fmt: skip


class SizeError(ValueError):
    """A ring size that does not exist; the message names the value and what is allowed."""


def us_circumference(us: float) -> float:
    return US_BASE_MM + US_STEP_MM * us


def uk_circumference(index: float) -> float:
    return UK_BASE_MM + UK_STEP_MM * index


def uk_index(value: str) -> float:
    """'M' -> 12, 'M 1/2' -> 12.5 (also 'M1/2', 'M½', 'M.5')."""
    text = value.strip().upper().replace("½", " 1/2") if isinstance(value, str) else ""
    m = re.fullmatch(r"([A-Z])\s*(?:(1/2|\.5))?", text)
    if not m:
        raise SizeError(
            f"size.value: {shown(value)} is not a UK size; allowed: a letter A to Z, optionally with ' 1/2'"
        )
    return UK_LETTERS.index(m.group(1)) + (0.5 if m.group(2) else 0.0)


def uk_label(index: float) -> str:
    letter = UK_LETTERS[int(index)]
    return letter + (" 1/2" if index % 1 else "")


def _number(system: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SizeError(f"size.value: {shown(value)} is not a {system} size number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise SizeError(f"size.value: {shown(value)} is not a {system} size number") from None
    if not math.isfinite(number):
        raise SizeError(f"size.value: {shown(value)} is not a {system} size number")
    return number


def circumference_mm(system: str, value) -> float:
    """Inner circumference in mm of a size; raises SizeError naming what is allowed."""
    system = str(system).upper()
    if system == "US":
        us = _number(system, value)
        if not (US_MIN <= us <= US_MAX) or abs(us * 8 - round(us * 8)) > 1e-9:
            raise SizeError(
                f"size.value: {shown(value)} is not a US size; allowed: {US_MIN:g} to {US_MAX:g} "
                "in quarter (or eighth) steps"
            )
        return us_circumference(us)
    if system == "UK":
        return uk_circumference(uk_index(value))
    if system in ("EU", "CH"):
        number = _number(system, value)
        lo, hi = (EU_MIN, EU_MAX) if system == "EU" else (CH_MIN, CH_MAX)
        if not (lo <= number <= hi) or abs(number * 2 - round(number * 2)) > 1e-9:
            raise SizeError(
                f"size.value: {shown(value)} is not a {system} size; allowed: {lo:g} to {hi:g} in half steps"
            )
        return number if system == "EU" else number + CH_OFFSET_MM
    if system == "JP":
        number = _number(system, value)
        if number != int(number) or not JP_MIN <= number <= JP_MAX:
            raise SizeError(
                f"size.value: {shown(value)} is not a JP size; allowed: whole numbers {JP_MIN} to {JP_MAX}"
            )
        return (JP_SIZE1_DIAMETER + (number - 1) * JP_STEP) * math.pi
    if system == "HK":
        number = _number(system, value)
        if number not in HK_TO_US:
            raise SizeError(
                f"size.value: {shown(value)} is not a HK size; allowed: whole numbers "
                f"{min(HK_TO_US)} to {max(HK_TO_US)}"
            )
        return us_circumference(HK_TO_US[int(number)])
    raise SizeError(f"size.system: {shown(system)} is unknown; allowed: {', '.join(SYSTEMS)}")


def inner_diameter_mm(system: str, value) -> float:
    return circumference_mm(system, value) / math.pi


def all_sizes(system: str) -> list:
    """Every size a system offers, in ascending order (labels as the spec writes them)."""
    if system == "US":
        return [i / 4 for i in range(int(US_MIN * 4), int(US_MAX * 4) + 1)]
    if system == "UK":
        return [uk_label(i / 2) for i in range(0, len(UK_LETTERS) * 2 - 1)]
    if system == "EU":
        return [i / 2 for i in range(int(EU_MIN * 2), int(EU_MAX * 2) + 1)]
    if system == "CH":
        return [i / 2 for i in range(int(CH_MIN * 2), int(CH_MAX * 2) + 1)]
    if system == "JP":
        return list(range(JP_MIN, JP_MAX + 1))
    if system == "HK":
        return sorted(HK_TO_US)
    raise SizeError(f"size.system: {shown(system)} is unknown; allowed: {', '.join(SYSTEMS)}")


def format_value(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}"


@dataclass(frozen=True)
class NearestSize:
    system: str
    value: object  # float for numeric systems, str for UK
    label: str
    diameter_mm: float
    delta_mm: float  # this size's diameter minus the measured one

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "label": self.label,
            "diameter_mm": round(self.diameter_mm, 3),
            "delta_mm": round(self.delta_mm, 3),
        }


def nearest_size(system: str, diameter_mm: float) -> NearestSize:
    best = min(all_sizes(system), key=lambda v: abs(inner_diameter_mm(system, v) - diameter_mm))
    d = inner_diameter_mm(system, best)
    value = best if isinstance(best, str) else (int(best) if float(best).is_integer() else best)
    return NearestSize(system, value, f"{system} {format_value(value)}", d, d - diameter_mm)


def nearest_sizes(diameter_mm: float) -> dict[str, NearestSize]:
    """The nearest size in every system for an inner diameter (for the panel and spec sheets)."""
    return {system: nearest_size(system, diameter_mm) for system in SYSTEMS}


def parse_size_range(text: str) -> list[tuple[str, object]]:
    """'US:5-10:0.5' -> [('US', 5.0), ('US', 5.5), ...]; 'UK:J-P' steps by whole letters unless a step is given."""
    m = re.fullmatch(r"\s*([A-Za-z]{2}):([^:]+?)-([^:]+?)(?::([0-9.]+))?\s*", text)
    if not m:
        raise SizeError(
            f"size range {text!r} is not understood; write SYSTEM:FROM-TO[:STEP], e.g. US:5-10:0.5"
        )
    system, first, last, step = m.group(1).upper(), m.group(2), m.group(3), m.group(4)
    sizes = all_sizes(system)
    if system == "UK":
        lo, hi = uk_index(first), uk_index(last)
        step_f = float(step) if step else 1.0
        keys = [uk_index(s) for s in sizes]
        circumference_mm("UK", first)
        picked = [
            s
            for s, k in zip(sizes, keys, strict=True)
            if lo <= k <= hi and _on_step(k - lo, step_f)
        ]
    else:
        lo, hi = float(first), float(last)
        circumference_mm(system, lo)
        circumference_mm(system, hi)
        step_f = float(step) if step else (0.5 if system in ("US",) else 1.0)
        picked = [s for s in sizes if lo - 1e-9 <= s <= hi + 1e-9 and _on_step(s - lo, step_f)]
    if step is not None and step_f <= 0:
        raise SizeError(f"size range {text!r}: the step must be positive")
    if not picked:
        raise SizeError(f"size range {text!r} contains no {system} sizes")
    return [(system, s) for s in picked]


def _on_step(offset: float, step: float) -> bool:
    if step <= 0:
        return False
    k = offset / step
    return abs(k - round(k)) < 1e-6
