"""Refining a design in words, and variations around it."""

from __future__ import annotations

import pytest

from aura_addon.jewelry.design_edits import MAX_VARIATIONS, refine, variations
from aura_addon.jewelry.intent import IntentError, parse
from aura_addon.jewelry.spec import DesignSpec, SpecError

SAPPHIRE = "1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif"


def spec_of(text: str) -> DesignSpec:
    return parse(text).spec


@pytest.mark.parametrize(
    ("base", "instruction", "check"),
    [
        ("size 7, 1ct diamond", "make it a size smaller", lambda s: s.size.value == 6),
        ("size 7, 1ct diamond", "half a size bigger", lambda s: s.size.value == 7.5),
        ("size 7, 1ct diamond", "two sizes up", lambda s: s.size.value == 9),
        ("size 7, 1ct diamond", "a quarter size smaller", lambda s: s.size.value == 6.75),
        (SAPPHIRE, "a size smaller", lambda s: s.size.value == "L"),
        (SAPPHIRE, "half a size bigger", lambda s: s.size.value == "M 1/2"),
        ("EU 54 ruby", "one size up", lambda s: (s.size.system, s.size.value) == ("EU", 55)),
        ("Swiss 14 ruby", "size down", lambda s: (s.size.system, s.size.value) == ("CH", 13)),
        ("Japanese 11 ruby", "a size bigger", lambda s: s.size.value == 12),
        ("HK 15 ruby", "a size smaller", lambda s: s.size.value == 14),
        ("17.3 mm inside, ruby", "a size bigger", lambda s: s.size.diameter_mm == 18.11),
        (SAPPHIRE, "switch to platinum", lambda s: s.metal == "platinum_950"),
        (SAPPHIRE, "switch from yellow gold to 14k rose", lambda s: s.metal == "gold_14k_rose"),
        (SAPPHIRE, "bigger stone, 1.5 carat", lambda s: s.gem.carat == 1.5),
        (SAPPHIRE, "bigger stone", lambda s: s.gem.carat == 1.25),
        (SAPPHIRE, "a smaller sapphire", lambda s: s.gem.carat == 0.75),
        ("8x6 oval ruby", "bigger stone", lambda s: s.gem.size_mm == [8.5, 6.4]),
        (
            SAPPHIRE,
            "six prongs instead",
            lambda s: (s.setting.type, s.setting.prongs) == ("prong", 6),
        ),
        ("1ct diamond, 6 prongs", "bezel instead", lambda s: s.setting.type == "bezel"),
        (SAPPHIRE, "prongs instead of the bezel", lambda s: s.setting.type == "prong"),
        (SAPPHIRE, "emerald cut", lambda s: (s.gem.cut, s.gem.stone) == ("emerald", "sapphire")),
        (SAPPHIRE, "make it a ruby", lambda s: s.gem.stone == "ruby" and s.motif.prompt == "vine"),
        (SAPPHIRE, "make the band thinner", lambda s: s.shank.width_mm == 1.8),
        (SAPPHIRE, "a wider band", lambda s: s.shank.width_mm == 2.8),
        (SAPPHIRE, "thicker shank", lambda s: s.shank.thickness_mm == 2.0),
        (
            SAPPHIRE,
            "3mm wide knife edge",
            lambda s: (s.shank.width_mm, s.shank.profile) == (3, "knife-edge"),
        ),
        (SAPPHIRE, "no motif", lambda s: s.motif is None and s.gem is not None),
        (SAPPHIRE, "remove the stone", lambda s: s.gem is None and s.setting.type == "none"),
        (SAPPHIRE, "a dragon instead", lambda s: s.motif.prompt == "dragon"),
        (SAPPHIRE, "bigger motif", lambda s: s.motif.size_mm == 15.0),
        (SAPPHIRE, "new seed", lambda s: s.motif.seed == 1),
        (
            "platinum band",
            "add a 1 ct emerald",
            lambda s: s.gem.stone == "emerald" and s.setting.type == "prong",
        ),
        ("size 7, 1ct diamond", "size M", lambda s: (s.size.system, s.size.value) == ("UK", "M")),
    ],
)
def test_refine(base, instruction, check):
    spec = spec_of(base)
    new, understood = refine(spec, instruction)
    assert check(new), new.to_dict()
    assert DesignSpec.from_dict(new.to_dict()) == new
    assert spec == spec_of(base)  # the original is not modified


def test_refine_says_what_changed_and_what_stayed():
    new, understood = refine(spec_of(SAPPHIRE), "half a size bigger, switch to platinum")
    assert understood["size"]["source"] == "words"
    assert understood["size"]["words"] == "half a size bigger"
    assert "UK" in understood["size"]["note"]
    assert understood["metal"] == {"value": "platinum_950", "source": "words", "words": "platinum"}
    assert understood["gem.carat"]["source"] == "base"
    assert understood["motif.prompt"]["source"] == "base"


def test_words_without_meaning_do_not_replace_the_motif():
    base = spec_of(SAPPHIRE)
    new, understood = refine(base, "make it sparkle")
    assert new == base
    assert understood["ignored"]["value"] == ["sparkle"]


@pytest.mark.parametrize(
    ("base", "instruction", "field"),
    [
        ("size 1, ruby", "a size smaller", "size"),
        ("size 16, ruby", "two sizes up", "size"),
        (SAPPHIRE, "a quarter size smaller", "size"),  # UK has half sizes only
        ("Japanese 11 ruby", "half a size up", "size"),
        ("platinum band", "bigger stone", "gem"),
        ("10 carat diamond", "bigger stone", "gem.carat"),
        ("1.1mm wide band, ruby", "narrower band", "shank.width_mm"),
        ("1ct diamond", "bigger motif", "motif"),
        (SAPPHIRE, "size 40", "size"),
    ],
)
def test_impossible_refinements_are_clear_errors(base, instruction, field):
    with pytest.raises(IntentError) as info:
        refine(spec_of(base), instruction)
    assert info.value.field == field
    assert info.value.words in instruction


def test_refine_rejects_bad_arguments():
    with pytest.raises(SpecError, match="instruction"):
        refine(spec_of(SAPPHIRE), "  ")
    with pytest.raises(SpecError, match="DesignSpec"):
        refine({"metal": "platinum_950"}, "a size up")


# Variations ------------------------------------------------------------------------------


def identity(spec: DesignSpec) -> str:
    data = spec.to_dict()
    data.pop("name")
    return repr(data)


@pytest.mark.parametrize(
    "text",
    [
        SAPPHIRE,
        "8x6 oval ruby, 3 prongs",
        "1ct princess diamond, platinum, size 6",
        "platinum wedding band, size 9",
        "a dragon wrapping the finger in sterling",
        "15mm wide flat band",
    ],
)
@pytest.mark.parametrize("n", [1, 3, MAX_VARIATIONS])
def test_variations_are_distinct_valid_and_around_the_base(text, n):
    base = spec_of(text)
    specs = variations(base, n, seed=7)
    assert len(specs) == n
    keys = {identity(s) for s in specs}
    assert len(keys) == n
    assert identity(base) not in keys
    for spec in specs:
        assert DesignSpec.from_dict(spec.to_dict()) == spec
        assert spec.name  # says what changed
        assert spec.size == base.size and spec.metal == base.metal  # around the same ring
        if spec.setting.type == "prong" and spec.setting.prongs == 3:
            assert spec.gem.cut in ("round", "oval", "pear", "heart", "trillion")


def test_variations_are_deterministic_per_seed():
    base = spec_of(SAPPHIRE)
    first = [s.to_dict() for s in variations(base, 5, seed=3)]
    again = [s.to_dict() for s in variations(base, 5, seed=3)]
    assert first == again
    others = {repr([s.to_dict() for s in variations(base, 5, seed=k)]) for k in range(4, 9)}
    assert len(others | {repr(first)}) > 1


def test_variations_cover_the_aspects():
    base = spec_of(SAPPHIRE)
    seen = set()
    for seed in range(6):
        for spec in variations(base, 5, seed=seed):
            if spec.gem.cut != base.gem.cut:
                seen.add("cut")
            if spec.setting != base.setting:
                seen.add("setting")
            if spec.shank.profile != base.shank.profile:
                seen.add("profile")
            if spec.shank.width_mm != base.shank.width_mm:
                seen.add("width")
            if spec.motif.seed != base.motif.seed:
                seen.add("motif")
    assert seen == {"cut", "setting", "profile", "width", "motif"}


def test_a_new_cut_keeps_the_stone_weight():
    base = spec_of("8x6 oval ruby")
    for spec in variations(base, 5, seed=11):
        if spec.gem.cut != "oval":
            assert spec.gem.carat == pytest.approx(base.gem.carat_weight(), abs=0.01)


@pytest.mark.parametrize("n", [0, 6, 9, -1, True, 2.5, "3"])
def test_variation_count_is_bounded(n):
    with pytest.raises(SpecError, match="1 to 5"):
        variations(spec_of(SAPPHIRE), n, seed=0)


def test_variation_seed_must_be_a_whole_number():
    with pytest.raises(SpecError, match="seed"):
        variations(spec_of(SAPPHIRE), 2, seed="x")
