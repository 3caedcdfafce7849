"""Design intent: a jeweler's words -> a DesignSpec, and where each field came from.

`parse("1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif")` reads real
trade phrasing with rules (no model, no network, no bpy) so that the panel, the batch
script and the server share one parser. `ParseResult.understood` says for every field of
the spec the words that set it, or "default" / "base" / "inferred", so the panel can show
what was understood.

How it works: each rule is a regular expression run over the lower-cased text; whatever
a rule matches is masked out, so later rules never read the same words twice. What is left
at the end is the motif prompt: words the rules do not understand describe the motif
rather than being thrown away (filler such as "a", "ring", "with", "please" is dropped).

Choices worth knowing (users meet them):
- A gold colour without a karat is 18K ("yellow gold" -> gold_18k_yellow, "white gold" ->
  gold_18k_white_pd): the spec's default metal and the fine-jewellery norm outside the US.
  Write "14k" for 14K. White gold without an alloy is the palladium alloy (nickel-free,
  the safe choice under the EU nickel directive); "nickel" picks the nickel alloy.
- "size N" and a lone "7 1/2" are US sizes; other systems need their name ("UK M",
  "EU 54", "Japanese 11", "HK 15", "Swiss 14") except a UK letter with a half ("M 1/2").
- A value the user clearly asked for that does not exist ("size 40", "9k gold", "five
  prongs", "50 carat") raises IntentError naming the words, the field and what is allowed;
  the server answers it as a 422. Building something else instead would be a silent lie.
- A feature Aura cannot build yet (a halo, pave, a split shank) is reported in
  understood["ignored"] rather than turned into a motif; a cut Aura lacks but has a close
  relative of (asscher -> emerald) is substituted with a note on the field.
- A ring with no stone words gets the default stone, unless it is clearly a band
  ("wedding band", "plain") or a motif ring with no stone mentioned.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from . import sizes
from .quoting import shown
from .spec import DesignSpec, Gem, SpecError

MAX_TEXT = 2000  # characters; a design description, not a document

_MASK = "\x00"

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16,
}  # fmt: skip
_WORDNUM = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?"
_FRACTION_TAIL = r"(?:(?:\s+|-)\d/\d|\s*[½¼¾]|\s+and\s+an?\s+(?:half|quarter))"

# A quantity as people write it: 1.5, 1 1/2, 1½, 1/2, half, three quarters, one and a half.
# Public: design_edits reads amounts too. Written spread out: compile it with re.VERBOSE.
AMOUNT = rf"""(?:
    (?:\d+(?:[.,]\d+)?|{_WORDNUM}){_FRACTION_TAIL}
  | \d+(?:[.,]\d+)?
  | \d/\d | [½¼¾]
  | three[\s-]quarters?(?:\s+of)?(?:\s+an?)?
  | half(?:\s+an?)?
  | (?:a\s+)?quarter(?:\s+of)?(?:\s+an?)?
  | {_WORDNUM}
)"""
# A ring size number: digits with an optional half/quarter, or a number word.
_SIZE_NUM = rf"(?:(?:\d{{1,2}}(?:[.,]\d+)?|{_WORDNUM}){_FRACTION_TAIL}?)"
_NOT_A_UNIT = r"(?![\w/]|[.,]\d)(?!\s*(?:mm|cm|ct|cts|carats?|k|kt|karats?|x|×|prongs?|claws?)\b)"

_SYSTEM_WORDS = {
    "US": r"us|u\.s\.|usa|american|canadian",
    "UK": r"uk|u\.k\.|british|australian|aus|au|nz",
    "EU": r"eu|eur|european|iso|french|german",
    "CH": r"swiss|ch|switzerland|italian|spanish",
    "JP": r"japanese|japan|jp|jpn",
    "HK": r"hk|hong[\s-]kong|chinese|china",
}
_UK_VALUE = r"[a-z](?:\s*(?:1/2|½|\.5|and\s+a\s+half))?"

_STONE_WORDS = {
    "diamond": r"(?:lab[\s-](?:grown|created)\s+)?diamonds?",
    "ruby": r"rub(?:y|ies)",
    "sapphire": r"sapphires?",
    "emerald": r"emeralds?",
    "aquamarine": r"aquamarines?|aqua",
    "morganite": r"morganites?",
    "amethyst": r"amethysts?",
    "citrine": r"citrines?",
    "spinel": r"spinels?",
    "topaz": r"topaz(?:es)?",
    "garnet": r"garnets?",
    "tourmaline": r"tourmalines?",
    "peridot": r"peridots?",
    "tanzanite": r"tanzanites?",
    "cz": r"cz|c\.z\.|cubic\s+zirconias?|zirconias?",
}
_STONE_NEAR = {"moissanite": ("diamond", "moissanite is not in the catalogue; a diamond stands in")}
_STONE_COLOUR = r"(?:(?:light|dark|deep|royal|london|swiss|sky|pale|hot)\s+)?(?:blue|pink|yellow|white|green|red|black|purple|orange|teal|peach|padparadscha)\s+"

_CUT_WORDS = {
    "round": r"round(?:\s+brilliant)?(?:[\s-]cut)?|brilliant(?:[\s-]cut)?",
    "oval": r"ovals?(?:[\s-](?:cut|shaped?))?",
    "cushion": r"cushion(?:[\s-](?:cut|shaped?))?",
    "princess": r"princess(?:[\s-]cut)?|square[\s-]cut",
    "pear": r"pear(?:[\s-](?:cut|shaped?))?|tear[\s-]?drop",
    "marquise": r"marquise(?:[\s-](?:cut|shaped?))?|navette",
    "asscher": r"asscher(?:[\s-]cut)?|square[\s-]emerald(?:[\s-]cut)?",
    "radiant": r"radiant(?:[\s-]cut)?",
    "trillion": r"trill?i(?:on|ant)s?(?:[\s-]cut)?|triangular[\s-]brilliant|triangle[\s-]cut",
    "baguette": r"baguettes?(?:[\s-]cut)?",
}
# "heart" alone is a motif; a heart-shaped stone is named as one ("heart-shaped ruby")
_HEART_CUT = r"heart\s+brilliant|heart[\s-]shaped?"
# Cuts Aura does not have, each with its nearest relative (same outline family).
_CUT_NEAR = {
    r"old[\s-]mine": ("cushion", "old mine is not available; the cushion is the nearest"),
    r"old[\s-]european": ("round", "old european is not available; the round is the nearest"),
    r"briolette": ("pear", "briolette is not available; the pear is the nearest"),
}
_ALL_CUT_WORDS = "|".join(
    [*_CUT_WORDS.values(), r"emerald[\s-](?:cut|shaped?)", r"heart[\s-]cut", *_CUT_NEAR]
)
_ALL_STONE_WORDS = "|".join([*_STONE_WORDS.values(), *_STONE_NEAR])

_PROFILE_WORDS = {
    "knife-edge": r"knife[\s-]?edged?(?:\s+profile)?|knife",
    "d": r"d[\s-]?shaped?|d[\s-]?(?:profile|section)|half[\s-]?round",
    "comfort": r"comfort(?:[\s-]?fit(?:ting)?)?|court(?:[\s-]shaped?)?(?:\s+profile)?",
    "flat": r"flat(?:[\s-](?:profile|top|sided?|fit))?",
}

# Things a jeweler may ask for that Aura cannot build yet: reported, not made into a motif.
# How the piece is made (spec.process): words -> profile (jewelry/process.py)
_PROCESS_WORDS = {
    "direct-metal": r"direct[\s-]+metal(?:\s+(?:laser\s+)?(?:printing|printed|print|sintering))?"
    r"|(?:3d[\s-]+)?printed\s+in\s+metal|metal\s+(?:3d[\s-]+)?print(?:ing|ed)?"
    r"|dmls|slm|laser[\s-]+(?:powder[\s-]+bed[\s-]+)?(?:fusion|sintering|melting)",
    "lost-wax": r"lost[\s-]+wax(?:\s+cast(?:ing)?)?|investment\s+cast(?:ing)?",
}
_SHRINKAGE = (
    r"\b(?:shrinkage|shrink)\s*(?:allowance\s*)?(?:of\s+|=\s*|:\s*|by\s+)?(?P<a>\d+(?:\.\d+)?)\s*%"
    r"|\b(?P<b>\d+(?:\.\d+)?)\s*%\s*(?:casting\s+)?shrink(?:age)?\b"
)

_UNAVAILABLE = (
    r"hidden\s+halo|double\s+halo|halo|"
    r"three[\s-]stone(?:\s+with\s+(?:[a-z]+\s+)?sides?(?:[\s-]stones?)?)?|trilogy|"
    r"(?:[a-z]+\s+)?side[\s-]stones?|sides|milgrain|"
    r"split[\s-](?:shank|shoulders?)|cluster"  # a split shank: in the spec, not yet built
)

# Head, claw and shoulder styles, as (field, value, words); shoulders first: "cathedral
# shoulders" is the shank's, a bare "cathedral" is the head's.
_STYLE_WORDS = (
    ("shank.shoulders", "tapered", r"taper(?:ed|ing)[\s-]shoulders?"),
    ("shank.shoulders", "cathedral", r"cathedral[\s-]shoulders?"),
    ("shank.shoulders", "plain", r"plain[\s-]shoulders?"),
    ("setting.head", "cathedral", r"cathedral(?:[\s-](?:head|setting|mount(?:ing)?|style))?"),
    ("setting.head", "basket", r"basket(?:[\s-](?:head|setting|style))?|peg[\s-]head"),
    ("setting.height", "low", r"low[\s-](?:set|profile|setting|head)"),
    ("setting.height", "high", r"high[\s-](?:set|profile|setting|head)|tall[\s-]head"),
    ("setting.tips", "flat", r"(?:flat|tab)[\s-](?:tipped[\s-])?(?:prongs?|claws?|tips?)"),
    ("setting.tips", "v", r"v[\s-](?:prongs?|claws?|tips?)|chevron[\s-](?:prongs?|claws?|tips?)"),
    ("setting.tips", "double", r"double[\s-](?:prongs?|claws?)"),
    ("setting.tips", "round", r"(?:round|claw)[\s-](?:tipped[\s-])?(?:prongs?|tips?)"),
)
# Accent rows along the band (spec v2 `accents`)
_LAYOUT_WORDS = {
    "pave": r"(?:micro[\s-]?)?pav[eé](?:[\s-]set(?:ting)?)?",
    "channel": r"channel(?:[\s-]set(?:ting)?)?",
    "bar": r"bar[\s-]set(?:ting)?",
}
_COVERAGE_WORDS = {  # the narrower phrases first: "half eternity" is not a full one
    "three-quarter": r"three[\s-]quarters?[\s-]eternity|three[\s-]quarters?\s+(?:of\s+the\s+)?(?:band|way)",
    "half": r"half[\s-]eternity|half[\s-]way",
    "full": r"(?:full[\s-])?eternity",
    "shoulders": r"(?:on\s+the\s+)?shoulders?",
}
MICRO_PAVE_MM = 1.1  # micro-pavé: stones under 1.5 mm (DESIGN.md, pavé / accents)

_FILLER = set(
    """a an the with and in on of set ring rings band bands shank stone stones gem gems gemstone
    center centre i i'd id want wants would like love please make me for my her him his our
    wife husband fiance fiancee engagement wedding anniversary promise style styled design
    designed featuring feature features motif motifs motive topped top by having has have that
    is it its it's some to fit setting mounted mount mounting metal cut shaped shape size sized
    made just also plus simple classic elegant beautiful lovely nice pretty modern delicate
    dainty minimal minimalist sleek timeless stunning gorgeous custom handmade solid real
    genuine natural mens men's ladies ladies' womens women's unisex switch change use instead
    rather than swap go try let's lets can you could create build model get give bit little
    slightly should be new now then so very really something kind sort type this one & +
    main single""".split()
)


class IntentError(SpecError):
    """A value the user clearly asked for that cannot be made: names the words, the field
    and what is allowed. `words` is the user's own phrase."""

    def __init__(self, field_path: str, value, allowed: str, words: str):
        super().__init__(field_path, value, allowed)
        self.words = words
        self.args = (f'"{words}": {field_path} {shown(value)} is not possible; {allowed}',)


@dataclass
class _Found:
    start: int
    value: object
    words: str
    note: str | None = None


@dataclass
class ParseResult:
    spec: DesignSpec
    understood: dict[str, dict]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"spec": self.spec.to_dict(), "understood": self.understood, "notes": self.notes}


def amount(text: str) -> float:
    """'1 1/2' -> 1.5, 'half a' -> 0.5, 'three quarters' -> 0.75, 'two' -> 2, 'a' -> 1."""
    t = text.lower().strip().replace(",", ".")
    for symbol, fraction in (("½", " 1/2"), ("¼", " 1/4"), ("¾", " 3/4")):
        t = t.replace(symbol, fraction)
    t = re.sub(r"three[\s-]quarters?", " 0.75 ", t)
    if t in ("a", "an"):
        return 1.0
    total = 0.0
    for token in re.findall(r"\d+/\d+|\d+(?:\.\d+)?|[a-z]+", t):
        if "/" in token:
            num, den = token.split("/")
            total += int(num) / int(den) if int(den) else 0.0  # "1/0" is no amount
        elif token[0].isdigit():
            total += float(token)
        elif token in _WORD_NUMBERS:
            total += _WORD_NUMBERS[token]
        elif token == "half":
            total += 0.5
        elif token in ("quarter", "quarters"):
            total += 0.25
    return total


def _tidy(number: float):
    """7.0 -> 7 (specs read better with whole numbers as ints)."""
    return int(number) if float(number).is_integer() else round(number, 4)


class _Text:
    """The text being read: the original (for quoting the user's words) and a lower-case
    working copy in which every rule masks what it has consumed."""

    def __init__(self, text: str):
        self.original = text
        # per character, so offsets stay aligned with the original
        self.work = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)

    def take(self, pattern: str, flags=re.VERBOSE) -> list[re.Match]:
        matches = list(re.finditer(pattern, self.work, flags))
        for m in matches:
            self.work = (
                self.work[: m.start()] + _MASK * (m.end() - m.start()) + self.work[m.end() :]
            )
        return matches

    def words(self, m: re.Match) -> str:
        return " ".join(self.original[m.start() : m.end()].split())


class _Reader:
    """Runs the rules over one text and collects what each field was given."""

    def __init__(self, text: str):
        self.text = _Text(text)
        self.found: dict[str, list[_Found]] = {}
        self.ignored: list[str] = []
        self.dropped: list[str] = []  # "instead of X" / "from X to": words that were negated
        self.band = re.search(r"\bbands?\b", self.text.work) is not None  # a band, not a solitaire

    def add(self, key: str, m: re.Match, value, note: str | None = None) -> None:
        self.found.setdefault(key, []).append(_Found(m.start(), value, self.text.words(m), note))

    def get(self, key: str) -> _Found | None:
        """The last mention wins: later words usually correct earlier ones."""
        items = self.found.get(key)
        return max(items, key=lambda f: f.start) if items else None

    def run(self) -> None:
        self._negations()
        self._personal()  # quoted text first: its words are the client's, not a design
        self._styles()  # before accents and the profile: "tapered shoulders" are the shank's,
        # "flat prongs" are claws, not a flat band
        self._accents()
        self._process()  # before the metals: "printed in metal" names no alloy
        self._metal()
        self._size()
        self._shank_dimensions()
        self._gem_dimensions()
        self._motif_size()
        self._band_width()
        self._carat()
        self._profile()  # before the cuts: "half round" is a profile, not a round stone
        self._stone_and_cut()
        self._setting()
        self._motif_options()
        self._unavailable()

    # "bezel instead of prongs", "switch from gold to platinum": the negated words are
    # masked first so they cannot set anything.
    def _negations(self) -> None:
        t = self.text
        for m in t.take(
            r"\b(?:no|without(?:\s+an?|\s+the)?|remove\s+the|drop\s+the|lose\s+the)\s+motifs?\b"
        ):
            self.add("no_motif", m, True)
        no_stone = r"\b(?:no|without(?:\s+an?|\s+the|\s+any)?|remove\s+the|drop\s+the|lose\s+the)\s+(?:center\s+|centre\s+)?(?:stones?|gems?|gemstones?)\b|\bplain\b|\bwedding\s+band\b"
        for m in t.take(no_stone):
            self.add("no_gem", m, True)
        clause = r"[^,;.!?\x00]+?"
        stop = r"(?=$|[,;.!?\x00]|\s+(?:and|with|but|in|to|please)\b)"
        for m in t.take(rf"\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+{clause}{stop}"):
            self.dropped.append(t.words(m))
        for m in t.take(rf"\bfrom\s+{clause}(?=\s+(?:to|into)\b)"):
            self.dropped.append(t.words(m))

    def _process(self) -> None:
        t = self.text
        for profile, pattern in _PROCESS_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})\b"):
                self.add("process.profile", m, profile)
        for m in t.take(_SHRINKAGE):
            self.add("process.shrinkage_pct", m, float(m["a"] or m["b"]))
        for m in t.take(r"\bno\s+shrink(?:age)?(?:\s+allowance)?\b"):
            self.add("process.shrinkage_pct", m, 0.0)

    # Metals -------------------------------------------------------------------------
    def _metal(self) -> None:
        t = self.text
        # karats 8-24 only, so "1 ct" stays a stone weight ("18ct" is British for 18K)
        number = r"(?P<k>[89]|1\d|2[0-4])"
        karat = rf"{number}\s*-?\s*(?:k|kt|ct|karats?|carats?)"
        karat_k = rf"{number}\s*-?\s*(?:k|kt|karats?)\b"
        colour = r"(?P<c>yellow|white|rose|pink|red)"
        alloy = r"[\s,]*\(?\s*(?P<a>palladium|pd|nickel|ni)\b\s*\)?"
        not_a_stone = rf"(?![\s-]+(?:{_ALL_STONE_WORDS})\b)"
        patterns = [
            rf"(?<![\w.]){karat}[\s-]*(?:{colour}[\s-]*)?gold(?:{alloy})?",
            rf"\b{colour}[\s-]*gold(?:[\s,]*{karat_k})?(?:{alloy})?",
            rf"(?<![\w.])(?:{karat}\s+)?(?P<a>palladium|nickel)[\s-]+(?P<c>white)[\s-]+gold",
            rf"(?<![\w.]){karat}[\s-]*{colour}\b{not_a_stone}(?:{alloy})?",
            rf"(?<![\w.]){karat_k}",
        ]
        for pattern in patterns:
            for m in t.take(pattern):
                groups = m.groupdict()
                name, note = _gold(groups.get("k"), groups.get("c"), groups.get("a"), t.words(m))
                self.add("metal", m, name, note)
        for m in t.take(r"\b(?:pure|fine)\s+gold\b"):
            self.add("metal", m, "gold_24k")
        for m in t.take(r"\bgold\b"):
            self.add("metal", m, "gold_18k_yellow", "gold without a karat or colour: 18K yellow")
        for m in t.take(r"\b(?:(?P<p1>950|900)\s+)?(?:platinum|plat|pt)\s*-?\s*(?P<p2>950|900)?\b"):
            grade = m.group("p1") or m.group("p2") or "950"
            self.add("metal", m, f"platinum_{grade}")
        for m in t.take(r"\bpalladium(?:\s*950)?\b"):
            self.add("metal", m, "palladium_950")
        for m in t.take(r"\b(?:sterling(?:\s+silver)?(?:\s+925)?|(?:925\s+)?silver(?:\s+925)?)\b"):
            self.add("metal", m, "silver_925")
        for name in ("brass", "bronze", "titanium"):
            for m in t.take(rf"\b{name}\b"):
                self.add("metal", m, name)

    # Sizes --------------------------------------------------------------------------
    def _size(self) -> None:
        t = self.text
        # raw inner diameter / circumference in millimetres
        diameter = [
            rf"\b(?:(?:inner|inside|internal)\s+diameter|i\.?d\.?)\s*(?:of\s+|is\s+|:\s*|=\s*)?(?P<v>{_NUM})\s*mm",
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm\s+(?:inner|inside|internal|i\.?d\.?)\b(?:\s+diameter)?",
            rf"\binside\s+(?P<v>{_NUM})\s*mm",
        ]
        for pattern in diameter:
            for m in t.take(pattern):
                self.add("size", m, {"diameter_mm": _tidy(float(m["v"].replace(",", ".")))})
        circumference = [
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm\s+(?:inner\s+|inside\s+)?circumference",
            rf"\b(?:inner\s+|inside\s+)?circumference\s*(?:of\s+|is\s+|:\s*)?(?P<v>{_NUM})\s*mm",
        ]
        for pattern in circumference:
            for m in t.take(pattern):
                c = float(m["v"].replace(",", "."))
                self.add("size", m, {"diameter_mm": round(c / math.pi, 2)}, f"{c:g} mm around")
        # named systems, before or after the value
        size_word = r"(?:(?:ring|finger)\s+)?(?:size|sz)\s*(?:is\s+|of\s+|:\s*|=\s*)?"
        for system, names in _SYSTEM_WORDS.items():
            value = _UK_VALUE if system == "UK" else _SIZE_NUM
            tail = r"(?![a-z])" if system == "UK" else _NOT_A_UNIT
            before = rf"\b(?:{size_word})?(?:{names})\s*(?:{size_word})?(?P<v>{value}){tail}"
            # after the value: a UK letter needs "size" before it ("a UK ..." is no size A)
            lead = size_word if system == "UK" else f"(?:{size_word})?"
            after = rf"(?<![\w./])(?:{lead})(?P<v>{value})\s*\(?(?:{names})\)?(?![a-z])"
            for pattern in (before, after):
                for m in t.take(pattern):
                    self._add_size(m, system)
        # "size M", "size M 1/2": a letter is a UK size ("size a bit..." is not)
        for m in t.take(
            rf"\b{size_word}(?P<v>(?![ai]\b)[a-z](?:\s*(?:1/2|½|\.5))?|[ai]\s*(?:1/2|½))(?![a-z0-9])"
        ):
            self._add_size(m, "UK")
        # "size 7", "size 6.75", "size seven and a half": US
        for m in t.take(rf"\b{size_word}(?P<v>{_SIZE_NUM}){_NOT_A_UNIT}"):
            self._add_size(m, "US")
        # "M 1/2" (a letter and a half, not the article "a 1/2 ct"): UK
        for m in list(re.finditer(r"\b(?P<v>[A-Za-z]\s*(?:1/2|½))(?![\w/])", t.original)):
            article = m.group()[0] in "ai"
            unit = re.match(r"\s*(?:ct|carat|mm)", t.work[m.end() :])
            if t.work[m.start()] != _MASK and not article and not unit:
                t.work = t.work[: m.start()] + _MASK * (m.end() - m.start()) + t.work[m.end() :]
                self._add_size(m, "UK")

    def _add_size(self, m: re.Match, system: str) -> None:
        words = self.text.words(m)
        raw = m["v"]
        if system == "UK":
            letter = raw.strip()[0].upper()
            half = bool(re.search(r"1/2|½|\.5|half", raw))
            value = letter + (" 1/2" if half else "")
        else:
            value = _tidy(amount(raw))
        try:
            sizes.circumference_mm(system, value)
        except sizes.SizeError as exc:
            allowed = str(exc).split("; ", 1)[-1]
            if system == "US" and re.search(r"\bsize\b", words.lower()):
                allowed += "; for another system name it, e.g. 'EU 54', 'UK M', 'Japanese 11'"
            raise IntentError("size", f"{system} {value}", allowed, words) from None
        self.add("size", m, {"system": system, "value": value})

    # Shank width and thickness, motif size -------------------------------------------
    def _shank_dimensions(self) -> None:
        t = self.text
        gap = r"(?:[\s\x00-]+(?:comfort|fit|flat|court|d|shaped?|knife|edge|half|round|wedding|plain|tapered|tapering|profile))*"
        width = [
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm\s*(?:wide|width|broad)\b",
            rf"\b(?:(?:band|shank)\s+)?width\s*(?:of\s+|is\s+|:\s*)?(?P<v>{_NUM})\s*mm",
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm(?={gap}[\s\x00-]+(?:bands?|shank)\b)",
            rf"\b(?:band|shank)\s+(?:of\s+)?(?P<v>{_NUM})\s*mm(?!\s*(?:thick|deep))",
        ]
        for pattern in width:
            for m in t.take(pattern):
                self.add("shank.width_mm", m, _tidy(float(m["v"].replace(",", "."))))
        thickness = [
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm\s*(?:thick|thickness|deep|depth)\b",
            rf"\bthickness\s*(?:of\s+|is\s+|:\s*)?(?P<v>{_NUM})\s*mm",
        ]
        for pattern in thickness:
            for m in t.take(pattern):
                self.add("shank.thickness_mm", m, _tidy(float(m["v"].replace(",", "."))))

    def _band_width(self) -> None:
        """On a band, a bare "4mm" is its width (no stone to measure)."""
        if not self.band:
            return
        pattern = rf"(?<![\w.])(?P<v>{_NUM})\s*mm\b(?!\s*(?:x|by|×|thick|deep|high|tall))"
        for m in self.text.take(pattern):
            self.add("shank.width_mm", m, _tidy(float(m["v"].replace(",", "."))))

    # Personal touches and accents -------------------------------------------------------
    def _personal(self) -> None:
        t = self.text
        quote = r"[\"'“‘](?P<q>[^\"'”’\x00]{1,80})[\"'”’]"
        said = [
            rf"\b(?:engrav(?:e|ed|ing)|inscri(?:be|bed|ption))\s*(?:with\s+|:\s*|=\s*)?{quote}"
            r"(?:\s+(?:on\s+the\s+)?inside(?:\s+the\s+band)?)?",
        ]
        for pattern in said:
            for m in t.take(pattern):
                self.add("engraving.text", m, t.original[m.start("q") : m.end("q")].strip())
        no_stamp = r"\b(?:no|without(?:\s+an?|\s+the)?)\s+(?:fineness\s+|karat\s+|quality\s+)?(?:stamp|hallmark|mark)s?\b"
        for m in t.take(no_stamp):
            self.add("stamp", m, False)

    def _accents(self) -> None:
        t = self.text
        row = "|".join([*_LAYOUT_WORDS.values(), r"accents?(?:[\s-]stones?)?", r"melee"])
        eternity = re.search(r"eternity", t.work) is not None
        if eternity:  # an eternity band's stones are its accents
            row += f"|{_ALL_STONE_WORDS}|stones?"
        row += "|" + "|".join(_COVERAGE_WORDS.values())
        for m in t.take(rf"(?<![\w.])(?P<v>{_NUM})\s*mm\s+(?={row})"):
            self.add("accents.size_mm", m, _tidy(float(m["v"].replace(",", "."))))
        for stone, pattern in _STONE_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})(?=[\s\x00-]+(?:{row}))"):
                self.add("accents.stone", m, stone)
        for m in t.take(r"\bmicro[\s-]?pav[eé](?:[\s-]set(?:ting)?)?\b"):
            self.add("accents.layout", m, "pave")
            self.add("accents.size_mm", m, MICRO_PAVE_MM, "micro pavé: 1.1 mm stones")
        for layout, pattern in _LAYOUT_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})(?![a-z])"):
                self.add("accents.layout", m, layout)
        for coverage, pattern in _COVERAGE_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})\b"):
                self.add("accents.coverage", m, coverage)
        for m in t.take(r"\baccents?(?:[\s-]stones?)?\b|\bmelee\b"):
            self.add("accents", m, True)  # a row of them; the layout from other words
        if eternity:
            for stone, pattern in _STONE_WORDS.items():
                for m in t.take(rf"\b(?:{pattern})s?\b"):
                    self.add("accents.stone", m, stone)

    def _motif_size(self) -> None:
        t = self.text
        motif = [
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm(?=(?:[\s\x00-]+[a-z]+){{0,3}}?[\s\x00-]+motifs?\b)",
            rf"\bmotif\s+(?:of\s+|is\s+|size\s+)?(?P<v>{_NUM})\s*mm",
        ]
        for pattern in motif:
            for m in t.take(pattern):
                self.add("motif.size_mm", m, _tidy(float(m["v"].replace(",", "."))))

    # The stone -----------------------------------------------------------------------
    def _gem_dimensions(self) -> None:
        t = self.text
        near = rf"(?=(?:[\s\x00-]+[a-z]+){{0,2}}?[\s\x00-]+(?:{_ALL_CUT_WORDS}|{_ALL_STONE_WORDS}|stones?|gems?|gemstones?|cent(?:er|re))\b)"
        for m in t.take(
            rf"(?<![\w.])(?P<l>{_NUM})\s*(?:mm\s*)?(?:x|×|\*|by)\s*(?P<w>{_NUM})(?:\s*mm)?\b"
        ):
            a, b = (float(v.replace(",", ".")) for v in (m["l"], m["w"]))
            self.add("gem.size_mm", m, [_tidy(max(a, b)), _tidy(min(a, b))])
        single = [
            rf"(?<![\w.])(?P<v>{_NUM})\s*mm{near}",
            rf"\b(?:{_ALL_STONE_WORDS}|stone|gem|gemstone)\s+(?:size\s+)?(?:of\s+|is\s+)?(?P<v>{_NUM})\s*mm",
        ]
        for pattern in single:
            for m in t.take(pattern):
                self.add("gem.size_mm", m, _tidy(float(m["v"].replace(",", "."))))

    def _carat(self) -> None:
        t = self.text
        for m in t.take(
            rf"(?<![\w./])(?P<n>{AMOUNT}|an?)\s*-?\s*(?:carats?|cts?\.?|karats?)(?![a-z])"
        ):
            self.add("gem.carat", m, _tidy(amount(m["n"])))
        for m in t.take(r"(?<![\w./])(?P<n>\d{1,3})\s*-?\s*(?:points?|pointer)\b"):
            self.add("gem.carat", m, _tidy(int(m["n"]) / 100))

    def _stone_and_cut(self) -> None:
        t = self.text
        for m in t.take(r"\bemerald[\s-](?:cut|shaped?)\b|\bstep[\s-]cut\b"):
            self.add("gem.cut", m, "emerald")
        gem = rf"(?:{_ALL_STONE_WORDS}|stones?|gems?|gemstones?)"
        named = rf"(?:{_HEART_CUT})(?=(?:[\s-]+[a-z]+){{0,2}}?[\s-]+{gem}\b)"
        for m in t.take(rf"\bheart[\s-]cut\b|\b{named}"):
            self.add("gem.cut", m, "heart")
        for word, (cut, note) in _CUT_NEAR.items():
            for m in t.take(rf"\b{word}(?:[\s-]cut)?\b"):
                self.add("gem.cut", m, cut, note)
        for stone, pattern in _STONE_WORDS.items():
            for m in t.take(rf"(?:\b{_STONE_COLOUR})?\b(?:{pattern})\b"):
                self.add("gem.stone", m, stone)
        for word, (stone, note) in _STONE_NEAR.items():
            for m in t.take(rf"\b{word}s?\b"):
                self.add("gem.stone", m, stone, note)
        for cut, pattern in _CUT_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})\b"):
                self.add("gem.cut", m, cut)

    # Setting, shank profile, motif options --------------------------------------------
    def _setting(self) -> None:
        t = self.text
        count = rf"(?P<n>\d+|{_WORDNUM})"
        for m in t.take(
            rf"\b{count}\s*-?\s*(?:prongs?|claws?|pronged|claw)(?:[\s-]set(?:ting)?)?\b"
        ):
            n = _tidy(amount(m["n"]))
            if n not in (3, 4, 6):
                raise IntentError("setting.prongs", n, "allowed: 3, 4 or 6 prongs", t.words(m))
            self.add("setting.prongs", m, n)
            self.add("setting.type", m, "prong")
        bezel = r"\b(?:full\s+|half\s+)?bezel(?:[\s-]set(?:ting)?)?\b|\brub[\s-]?over(?:[\s-]set)?\b|\bcollet(?:[\s-]set)?\b"
        for m in t.take(bezel):
            self.add("setting.type", m, "bezel")
        for m in t.take(r"\b(?:prong|claw)(?:s|[\s-]set(?:ting)?)?\b"):
            self.add("setting.type", m, "prong")
        for m in t.take(r"\bsolitaire\b"):
            self.add("solitaire", m, True)
        add = r"\badd\s+(?:an?\s+|the\s+)?(?:center\s+|centre\s+)?(?:stone|gem|gemstone)\b"
        for m in t.take(add):
            self.add("add_gem", m, True)

    def _styles(self) -> None:
        t = self.text
        for key, value, pattern in _STYLE_WORDS:
            for m in t.take(rf"\b(?:{pattern})\b"):
                self.add(key, m, value)
                if key == "setting.tips":
                    self.add("setting.type", m, "prong")

    def _profile(self) -> None:
        t = self.text
        for profile, pattern in _PROFILE_WORDS.items():
            for m in t.take(rf"\b(?:{pattern})\b"):
                self.add("shank.profile", m, profile)
        for m in t.take(r"\breverse[\s-]tapere?d?\b|\bwider\s+at\s+the\s+top\b|\bflared\b"):
            self.add("taper", m, 1.4)
        for m in t.take(r"\btaper(?:ed|ing)?\b"):
            self.add("taper", m, 0.7)

    def _motif_options(self) -> None:
        t = self.text
        backend = r"\b(?:using\s+|with\s+|via\s+|by\s+)?(?:the\s+)?(?P<b>shap[-_]e|shap\s+e|image[\s-]to[\s-]3d|procedural)(?:\s+(?:backend|model))?\b"
        for m in t.take(backend):
            b = m["b"].replace(" ", "-")
            self.add("motif.backend", m, "shap-e" if b.startswith("shap") else b)
        for m in t.take(r"\bseed\s*(?:=|:|of|is)?\s*(?P<s>\d{1,9})\b"):
            self.add("motif.seed", m, int(m["s"]))

    def _unavailable(self) -> None:
        for m in self.text.take(rf"\b(?:{_UNAVAILABLE})\b"):
            self.ignored.append(self.text.words(m))

    # Leftovers -----------------------------------------------------------------------
    def leftovers(self) -> list[str]:
        """The words no rule understood, as phrases (filler trimmed from their ends)."""
        t = self.text
        phrases = []
        for chunk in re.finditer(r"[^\x00,;:.!?()\[\]\"]+", t.work):
            tokens = list(re.finditer(r"[\w'’&+/-]+", chunk.group()))
            while tokens and _is_filler(tokens[0].group()):
                tokens.pop(0)
            while tokens and _is_filler(tokens[-1].group()):
                tokens.pop()
            if tokens:
                start = chunk.start() + tokens[0].start()
                end = chunk.start() + tokens[-1].end()
                phrases.append(" ".join(t.original[start:end].split()))
        return phrases


def _is_filler(word: str) -> bool:
    return word.lower().replace("’", "'").strip("-") in _FILLER or not word.strip("-&+/")


def _gold(k, colour, alloy, words) -> tuple[str, str | None]:
    """Karat, colour and alloy words -> a metal name (or IntentError)."""
    note = None
    colour = {"pink": "rose", "red": "rose"}.get(colour, colour)
    if k is None:
        k = 18
        note = f"{colour or 'yellow'} gold without a karat: 18K"
    k = int(k)
    if colour in (None, "yellow") and k in (24, 22):
        return f"gold_{k}k", note
    offered = {"yellow": (18, 14, 10), "white": (18, 14, 10), "rose": (18, 14, 10)}
    colour = colour or "yellow"
    if k not in offered[colour]:
        allowed = "24K and 22K (yellow), 18K, 14K or 10K (yellow, white, rose)"
        raise IntentError("metal", f"{k}K {colour} gold", f"allowed: {allowed}", words)
    if colour == "white":
        if k == 10:
            return "gold_10k_white", note
        alloy_name = "ni" if alloy in ("nickel", "ni") else "pd"
        if alloy is None:
            note = (note + "; " if note else "") + "white gold without an alloy: palladium"
        return f"gold_{k}k_white_{alloy_name}", note
    return f"gold_{k}k_{colour}", note


# Building the spec -----------------------------------------------------------------------


def parse(text: str, base=None, *, unknown_words: str = "motif") -> ParseResult:
    """Words -> ParseResult(spec, understood). `base` (a DesignSpec) supplies every field the
    words do not mention (refining); without it the spec's defaults do. `unknown_words`:
    "motif" (words not understood become the motif prompt) or "ignore" (they are reported
    in understood["ignored"] and the motif is left as it was)."""
    if not isinstance(text, str):
        raise SpecError("text", type(text).__name__, "a text describing the ring")
    if len(text) > MAX_TEXT:
        raise SpecError("text", f"{len(text)} characters", f"at most {MAX_TEXT} characters")
    reader = _Reader(text)
    reader.run()
    start = base.copy() if base is not None else DesignSpec()
    return _Builder(reader, start, refining=base is not None, unknown_words=unknown_words).build()


class _Builder:
    def __init__(self, reader: _Reader, start, refining: bool, unknown_words: str):
        self.r = reader
        self.start = start
        self.d = start.to_dict()
        self.refining = refining
        self.unknown_words = unknown_words
        self.origin = "base" if refining else "default"
        self.sources: dict[str, dict] = {}  # field -> {"source", "words", "note"?}

    def set_from(self, key: str, found: _Found) -> None:
        entry = {"source": "words", "words": found.words}
        if found.note:
            entry["note"] = found.note
        others = {str(f.value) for f in self.r.found.get(key, []) if f is not found}
        if others - {str(found.value)}:
            entry["note"] = "; ".join(
                filter(None, [entry.get("note"), "mentioned more than once; the last one counts"])
            )
        self.sources[key] = entry

    def infer(self, key: str, note: str) -> None:
        self.sources[key] = {"source": "inferred", "words": None, "note": note}

    def build(self) -> ParseResult:
        self._classify_leftovers()
        self._size_and_metal()
        self._shank()
        self._gem_and_setting()
        self._accents_and_engraving()
        self._motif()
        self._process()
        try:
            spec = DesignSpec.from_dict(self.d)
        except SpecError as exc:
            # the words behind the field, or behind its part ("size" for size.diameter_mm)
            path = exc.field.split("[")[0]
            entry = None
            while path and entry is None:
                entry = self.sources.get(path)
                path = path.rpartition(".")[0]
            words = entry.get("words") if entry else None
            if words is None:
                raise
            raise IntentError(exc.field, exc.value, exc.allowed, words) from None
        understood = self._understood(spec)
        notes = [f"{k}: {v['note']}" for k, v in understood.items() if v.get("note")]
        return ParseResult(spec, understood, notes)

    def _process(self) -> None:
        for key in ("process.profile", "process.shrinkage_pct"):
            found = self.r.get(key)
            if found:
                self.d.setdefault("process", {})[key.split(".")[1]] = found.value
                self.set_from(key, found)

    def _size_and_metal(self) -> None:
        found = self.r.get("size")
        if found:
            v = found.value
            self.d["size"] = {
                "system": v.get("system"),
                "value": v.get("value"),
                "diameter_mm": v.get("diameter_mm"),
            }
            self.set_from("size", found)
        found = self.r.get("metal")
        if found:
            self.d["metal"] = found.value
            self.set_from("metal", found)

    def _shank(self) -> None:
        shank = self.d["shank"]
        for key in ("shank.profile", "shank.width_mm", "shank.thickness_mm", "shank.shoulders"):
            found = self.r.get(key)
            if found:
                shank[key.split(".")[1]] = found.value
                self.set_from(key, found)
        taper = self.r.get("taper")
        if taper:
            top = round(shank["width_mm"] * taper.value, 2)
            shank["top_width_mm"] = top
            how = "narrows to" if taper.value < 1 else "widens to"
            self.sources["shank.top_width_mm"] = {
                "source": "words",
                "words": taper.words,
                "note": f"the band {how} {top:g} mm under the stone",
            }
        elif "shank.width_mm" in self.sources and shank.get("top_width_mm") is not None:
            # keep an existing taper in proportion when the width changes
            old = self.start.shank
            ratio = old.top_width_mm / old.width_mm
            shank["top_width_mm"] = round(shank["width_mm"] * ratio, 2)
            self.infer("shank.top_width_mm", "taper kept in proportion to the new width")

    def _gem_and_setting(self) -> None:
        r = self.r
        gem_keys = ("gem.stone", "gem.cut", "gem.carat", "gem.size_mm")
        gem_words = [r.get(k) for k in gem_keys if r.get(k)]
        solitaire = r.get("solitaire")
        setting_type = r.get("setting.type")
        no_gem = r.get("no_gem")
        wants_stone = bool(gem_words or solitaire or setting_type or r.get("add_gem"))

        if no_gem and not gem_words:
            self.d["gem"] = None
            self.d["setting"]["type"] = "none"
            self.sources["gem"] = {"source": "words", "words": no_gem.words}
            self.infer("setting.type", "no stone, so no setting")
            return
        had_gem = self.d["gem"] is not None
        if not wants_stone:
            if not self.refining and (self.motif_phrases or r.band):
                self.d["gem"] = None
                self.d["setting"]["type"] = "none"
                why = "a band" if r.band else "a motif ring"
                self.infer("gem", f"{why} with no stone mentioned")
                self.infer("setting.type", "no stone, so no setting")
            return
        if not had_gem:
            self.d["gem"] = asdict(Gem())
            self.infer("gem", "a stone was mentioned")
        gem = self.d["gem"]
        old = self.start.gem
        for key in ("gem.stone", "gem.cut"):
            found = r.get(key)
            if found:
                gem[key.split(".")[1]] = found.value
                self.set_from(key, found)
        carat, size_mm = r.get("gem.carat"), r.get("gem.size_mm")
        if carat and (not size_mm or carat.start > size_mm.start):
            gem["carat"], gem["size_mm"] = carat.value, None
            self.set_from("gem.carat", carat)
        elif size_mm:
            gem["carat"], gem["size_mm"] = None, size_mm.value
            self.set_from("gem.size_mm", size_mm)
        elif had_gem and gem["size_mm"] is not None and gem["cut"] != old.cut:
            # millimetres belong to the old outline; keep the weight instead
            gem["carat"], gem["size_mm"] = round(old.carat_weight(), 2), None
            self.infer("gem.carat", f"the {old.cut}'s weight kept for the new {gem['cut']} cut")

        setting = self.d["setting"]
        prongs = r.get("setting.prongs")
        if setting_type:
            setting["type"] = setting_type.value
            self.set_from("setting.type", setting_type)
        elif solitaire:
            setting["type"] = "prong"
            self.set_from("setting.type", _Found(solitaire.start, "prong", solitaire.words))
        elif setting["type"] == "none":
            setting["type"] = "prong"
            self.infer("setting.type", "a stone needs a setting; prongs")
        if prongs and setting["type"] == "prong":
            setting["prongs"] = prongs.value
            self.set_from("setting.prongs", prongs)
        for key in ("setting.head", "setting.height", "setting.tips"):
            found = r.get(key)
            if found:
                setting[key.split(".")[1]] = found.value
                self.set_from(key, found)
        if solitaire and not prongs and setting["type"] == "prong" and not self.refining:
            setting["prongs"] = 4
            self.sources["setting.prongs"] = {
                "source": "words",
                "words": solitaire.words,
                "note": "a classic solitaire: 4 prongs",
            }

    def _accents_and_engraving(self) -> None:
        r = self.r
        keys = ("accents.layout", "accents.coverage", "accents.size_mm", "accents.stone")
        found = {k: r.get(k) for k in keys}
        if any(found.values()) or r.get("accents"):
            accents = dict(self.d.get("accents") or {})
            if not accents:
                # alone on a band, a row across its top half; beside a stone, on its shoulders
                accents["coverage"] = "half" if self.d["gem"] is None else "shoulders"
                self.infer("accents.coverage", "the usual place for accents on this ring")
            for key, f in found.items():
                if f:
                    accents[key.split(".")[1]] = f.value
                    self.set_from(key, f)
            self.d["accents"] = accents
        text = r.get("engraving.text")
        if text:
            self.d["engraving"] = {**(self.d.get("engraving") or {}), "text": text.value}
            self.set_from("engraving.text", text)
        stamp = r.get("stamp")
        if stamp:
            self.d["stamp"] = stamp.value
            self.set_from("stamp", stamp)

    def _classify_leftovers(self) -> None:
        """Split the words no rule took into motif phrases, a lone US size ("..., 7 1/2")
        and stray numbers (reported, never a motif)."""
        r = self.r
        self.motif_phrases = []
        for phrase in r.leftovers():
            low = phrase.lower()
            if r.get("size") is None and (size := _lone_size(low)):
                note = "a size on its own: " + ("UK" if size["system"] == "UK" else "US")
                r.found["size"] = [_Found(-1, size, phrase, note)]
                continue
            if not re.search(r"[^\W\d_]", phrase) or re.fullmatch(_MEASURE, low):
                r.ignored.append(phrase)  # a number or a measure with nothing to say what of
                continue
            self.motif_phrases.append(phrase)
        if self.motif_phrases and self.unknown_words == "ignore":
            r.ignored.extend(self.motif_phrases)
            self.motif_phrases = []

    def _motif(self) -> None:
        r = self.r
        rest = self.motif_phrases
        motif = self.d["motif"]
        no_motif = r.get("no_motif")
        if no_motif and not rest:
            self.d["motif"] = None
            self.sources["motif"] = {"source": "words", "words": no_motif.words}
            return
        options = {k: r.get(k) for k in ("motif.backend", "motif.seed", "motif.size_mm")}
        if rest:
            motif = dict(motif) if motif else {"backend": "procedural", "seed": 0, "size_mm": 12.0}
            motif["prompt"] = ", ".join(rest)
            self.sources["motif.prompt"] = {
                "source": "words",
                "words": ", ".join(rest),
                "note": "words not otherwise understood describe the motif",
            }
        elif motif is None:
            if any(options.values()):
                names = ", ".join(f.words for f in options.values() if f)
                r.ignored.append(names)
            return
        for key, found in options.items():
            if found:
                motif[key.split(".")[1]] = found.value
                self.set_from(key, found)
        self.d["motif"] = motif

    def _understood(self, spec) -> dict[str, dict]:
        gem, motif = spec.gem, spec.motif
        understood = {}
        for key, value in field_values(spec):
            entry = self.sources.get(key) or {"source": self.origin, "words": None}
            if key == "gem" and "gem" not in self.sources and gem is not None:
                entry = _summary(self.sources, "gem.", self.origin)
            if key == "motif" and "motif" not in self.sources and motif is not None:
                entry = _summary(self.sources, "motif.", self.origin)
            understood[key] = {"value": value, **entry}
        ignored = self.r.ignored + [f"({d})" for d in self.r.dropped]
        if ignored:
            understood["ignored"] = {
                "value": ignored,
                "source": "words",
                "words": ", ".join(ignored),
                "note": "not available yet, not understood, or negated: left out",
            }
        return understood


def field_values(spec) -> list[tuple[str, object]]:
    """The spec's fields as (name, display value) rows, in the order the panel shows them."""
    rows: list[tuple[str, object]] = [
        ("size", _size_label(spec.size)),
        ("metal", spec.metal),
        ("shank.profile", spec.shank.profile),
        ("shank.width_mm", spec.shank.width_mm),
        ("shank.thickness_mm", spec.shank.thickness_mm),
    ]
    if spec.shank.top_width_mm is not None:
        rows.append(("shank.top_width_mm", spec.shank.top_width_mm))
    rows.append(("shank.shoulders", spec.shank.shoulders))
    gem = spec.gem
    rows.append(("gem", None if gem is None else f"{gem.cut}-cut {gem.stone}"))
    if gem is not None:
        rows += [("gem.stone", gem.stone), ("gem.cut", gem.cut)]
        weight = ("gem.carat", gem.carat) if gem.carat is not None else ("gem.size_mm", gem.size_mm)
        rows.append(weight)
    rows.append(("setting.type", spec.setting.type))
    if spec.accents is not None:
        a = spec.accents
        rows += [("accents.layout", a.layout), ("accents.coverage", a.coverage),
                 ("accents.stone", a.stone), ("accents.size_mm", a.size_mm)]  # fmt: skip
    if spec.engraving is not None:
        rows.append(("engraving.text", spec.engraving.text))
    rows.append(("stamp", spec.stamp))
    if spec.setting.type == "prong":
        rows.append(("setting.prongs", spec.setting.prongs))
        rows.append(("setting.tips", spec.setting.tips))
    if spec.setting.type != "none":
        rows += [("setting.head", spec.setting.head), ("setting.height", spec.setting.height)]
    motif = spec.motif
    rows.append(("motif", None if motif is None else motif.prompt))
    if motif is not None:
        rows += [
            ("motif.prompt", motif.prompt),
            ("motif.backend", motif.backend),
            ("motif.seed", motif.seed),
            ("motif.size_mm", motif.size_mm),
        ]
    process = spec.process
    if process.profile != "lost-wax" or process.shrinkage_pct:  # shown when not the default
        rows += [
            ("process.profile", process.profile),
            ("process.shrinkage_pct", process.shrinkage_pct),
        ]
    return rows


def understood_from(spec, source: str) -> dict[str, dict]:
    """An `understood` table for a spec that came whole from one source (e.g. "llm")."""
    return {
        key: {"value": value, "source": source, "words": None} for key, value in field_values(spec)
    }


def _size_label(size) -> str:
    if size.diameter_mm is not None:
        return f"{size.diameter_mm:g} mm inside"
    return f"{size.label} ({size.inner_diameter_mm:.2f} mm inside)"


def _summary(sources: dict, prefix: str, origin: str) -> dict:
    """A part's own entry: from words if any of its fields came from words."""
    words = [v["words"] for k, v in sources.items() if k.startswith(prefix) and v.get("words")]
    if words:
        return {"source": "words", "words": ", ".join(words)}
    return {"source": origin, "words": None}


_MEASURE = r"[\d.,/\s½¼¾x×]+\s*(?:mm|cm|ct|cts|carats?|k|kt|x)?"


def _lone_size(phrase: str) -> dict | None:
    """A phrase that is nothing but a size: '7 1/2' or 'seven' (US), 'm 1/2' (UK)."""
    if re.fullmatch(r"[a-z]\s*(?:1/2|½)", phrase):
        return {"system": "UK", "value": phrase[0].upper() + " 1/2"}
    if re.fullmatch(_SIZE_NUM, phrase):
        value = _tidy(amount(phrase))
        try:
            sizes.circumference_mm("US", value)
        except sizes.SizeError:
            return None
        return {"system": "US", "value": value}
    return None
