"""The rule-based design-intent parser: real jeweler phrasing -> the expected spec fields."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from aura_addon.jewelry.intent import MAX_TEXT, IntentError, amount, parse
from aura_addon.jewelry.spec import DesignSpec, SpecError

NO = object()  # "this field must be None"


def field(spec: DesignSpec, path: str):
    value = spec.to_dict()
    for part in path.split("."):
        if value is None:
            return None
        value = value[part]
    return value


# (text, {dotted field: expected value}); None means the part is absent (no gem, no motif).
CORPUS = [
    # the issue's own example
    (
        "1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif",
        {
            "size.system": "UK",
            "size.value": "M",
            "metal": "gold_18k_yellow",
            "gem.cut": "oval",
            "gem.stone": "sapphire",
            "gem.carat": 1,
            "setting.type": "bezel",
            "motif.prompt": "vine",
        },
    ),
    # sizes in every system
    ("size 7 platinum solitaire", {"size.system": "US", "size.value": 7, "setting.prongs": 4}),
    ("7 1/2, 14k yellow gold, princess diamond", {"size.value": 7.5, "metal": "gold_14k_yellow"}),
    ("size 6.75 round diamond", {"size.system": "US", "size.value": 6.75}),
    ("ring size seven and a half", {"size.system": "US", "size.value": 7.5}),
    ("US 9 1/4 emerald ring", {"size.system": "US", "size.value": 9.25, "gem.stone": "emerald"}),
    ("M 1/2, 18k rose, with a lion head", {"size.value": "M 1/2", "motif.prompt": "lion head"}),
    ("uk size n ruby solitaire", {"size.system": "UK", "size.value": "N"}),
    ("size L 1/2 in platinum", {"size.system": "UK", "size.value": "L 1/2"}),
    ("EU 54, platinum, 1ct diamond", {"size.system": "EU", "size.value": 54}),
    ("size 56.5 EU", {"size.system": "EU", "size.value": 56.5}),
    ("Japanese 11 sapphire", {"size.system": "JP", "size.value": 11}),
    ("HK 15 jade-free ruby ring", {"size.system": "HK", "size.value": 15}),
    ("Swiss 14 garnet", {"size.system": "CH", "size.value": 14}),
    ("17.3 mm inside, knife edge, rose motif", {"size.diameter_mm": 17.3, "size.system": None}),
    ("inner diameter 18.1mm, topaz", {"size.diameter_mm": 18.1}),
    ("57mm circumference, spinel", {"size.diameter_mm": 18.14}),
    ("platinum solitaire, 7 1/2", {"size.system": "US", "size.value": 7.5}),
    ("size M 1/2, 1/2 ct ruby", {"size.value": "M 1/2", "gem.carat": 0.5}),
    # metals and karats
    ("18k rose with a 1ct morganite", {"metal": "gold_18k_rose", "gem.stone": "morganite"}),
    ("platinum band", {"metal": "platinum_950", "gem": None}),
    ("pt900 diamond ring", {"metal": "platinum_900"}),
    ("sterling ring with an owl", {"metal": "silver_925", "motif.prompt": "owl"}),
    ("white gold 14k palladium, 1ct round", {"metal": "gold_14k_white_pd"}),
    ("14k white gold (nickel) solitaire", {"metal": "gold_14k_white_ni"}),
    ("yellow gold solitaire", {"metal": "gold_18k_yellow"}),  # no karat: 18K, documented
    ("white gold solitaire", {"metal": "gold_18k_white_pd"}),
    ("10k white gold band", {"metal": "gold_10k_white"}),
    ("18ct rose gold, claw set aquamarine", {"metal": "gold_18k_rose", "setting.type": "prong"}),
    ("22k gold band with a sun", {"metal": "gold_22k", "motif.prompt": "sun"}),
    ("pure gold ring with a dragon", {"metal": "gold_24k"}),
    ("palladium wedding band", {"metal": "palladium_950", "gem": None}),
    ("titanium band, comfort fit", {"metal": "titanium", "gem": None}),
    ("bronze ring with an anchor", {"metal": "bronze", "motif.prompt": "anchor"}),
    ("brass signet-style ring with a moon", {"metal": "brass"}),
    # stones, cuts, weights and millimetres
    (
        "half carat princess diamond",
        {"gem.cut": "princess", "gem.stone": "diamond", "gem.carat": 0.5},
    ),
    (
        "1.5ct emerald cut emerald",
        {"gem.cut": "emerald", "gem.stone": "emerald", "gem.carat": 1.5},
    ),
    (
        "8x6 oval sapphire",
        {"gem.cut": "oval", "gem.size_mm": [8, 6], "gem.carat": None},
    ),
    ("6x8mm pear morganite", {"gem.cut": "pear", "gem.size_mm": [8, 6]}),
    ("3mm round", {"gem.cut": "round", "gem.stone": "diamond", "gem.size_mm": 3}),
    ("two carat cushion morganite", {"gem.carat": 2, "gem.cut": "cushion"}),
    ("1/2 ct ruby", {"gem.carat": 0.5, "gem.stone": "ruby", "gem.cut": "round"}),
    ("three quarter carat pear aquamarine", {"gem.carat": 0.75, "gem.cut": "pear"}),
    ("a 50 point diamond in a rub-over setting", {"gem.carat": 0.5, "setting.type": "bezel"}),
    ("1 1/2 carat marquise tanzanite", {"gem.carat": 1.5, "gem.cut": "marquise"}),
    ("1,5 ct blue sapphire", {"gem.carat": 1.5, "gem.stone": "sapphire"}),
    ("a carat of lab grown diamond, oval", {"gem.carat": 1, "gem.stone": "diamond"}),
    ("6mm cz solitaire in brass", {"gem.stone": "cz", "gem.size_mm": 6, "metal": "brass"}),
    ("cubic zirconia princess, silver", {"gem.stone": "cz", "metal": "silver_925"}),
    ("asscher cut diamond 2ct", {"gem.cut": "asscher", "gem.carat": 2}),
    ("radiant cut diamond", {"gem.cut": "radiant"}),
    ("heart shaped ruby", {"gem.cut": "heart", "gem.stone": "ruby"}),
    ("heart-shaped pink sapphire", {"gem.cut": "heart", "gem.stone": "sapphire"}),
    ("1 ct trilliant diamond", {"gem.cut": "trillion", "gem.carat": 1}),
    ("trillion cut tanzanite", {"gem.cut": "trillion", "gem.stone": "tanzanite"}),
    ("baguette diamond", {"gem.cut": "baguette"}),
    ("emerald cut emerald", {"gem.cut": "emerald", "gem.stone": "emerald"}),
    ("moissanite solitaire", {"gem.stone": "diamond"}),
    ("teardrop amethyst", {"gem.cut": "pear", "gem.stone": "amethyst"}),
    # settings
    ("bezel-set citrine", {"setting.type": "bezel", "gem.stone": "citrine"}),
    ("six prongs round diamond", {"setting.type": "prong", "setting.prongs": 6}),
    ("3-prong peridot", {"setting.prongs": 3, "gem.stone": "peridot"}),
    ("6 claw tourmaline", {"setting.prongs": 6, "gem.stone": "tourmaline"}),
    ("solitaire", {"setting.type": "prong", "setting.prongs": 4, "gem.stone": "diamond"}),
    # shank
    ("comfort fit, 2mm wide, ruby", {"shank.profile": "comfort", "shank.width_mm": 2}),
    ("flat 4mm band in platinum", {"shank.profile": "flat", "shank.width_mm": 4, "gem": None}),
    (
        "D shape band 3 mm wide 1.8mm thick",
        {"shank.profile": "d", "shank.width_mm": 3, "shank.thickness_mm": 1.8},
    ),
    ("knife-edge solitaire", {"shank.profile": "knife-edge"}),
    ("half round band", {"shank.profile": "d"}),
    ("court shape wedding band", {"shank.profile": "comfort", "gem": None}),
    ("tapered shank, 2.5mm wide, 1ct diamond", {"shank.top_width_mm": 1.75}),
    # motifs
    (
        "a dragon wrapping the finger",
        {"motif.prompt": "dragon wrapping the finger", "gem": None, "setting.type": "none"},
    ),
    ("with a lion head", {"motif.prompt": "lion head"}),
    ("rose gold ring with a rose", {"metal": "gold_18k_rose", "motif.prompt": "rose"}),
    (
        "star motif 15mm, shap-e, seed 42, silver",
        {"motif.prompt": "star", "motif.backend": "shap-e", "motif.seed": 42, "motif.size_mm": 15},
    ),
    ("1ct ruby with a vine motif", {"motif.prompt": "vine", "gem.stone": "ruby"}),
    (
        "I'd love an engagement ring for my fiancee: 0.75ct oval diamond, 14k yellow gold, size 4.5",
        {"motif": None, "gem.carat": 0.75, "size.value": 4.5},
    ),
    ("platinum wedding band, size 10", {"gem": None, "motif": None, "setting.type": "none"}),
]


@pytest.mark.parametrize(("text", "expected"), CORPUS, ids=[c[0][:40] for c in CORPUS])
def test_corpus(text, expected):
    spec = parse(text).spec
    assert DesignSpec.from_dict(spec.to_dict()) == spec  # valid and round-trips
    for path, value in expected.items():
        assert field(spec, path) == value, (path, spec.to_dict())


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 40
    assert len({c[0] for c in CORPUS}) == len(CORPUS)


def test_understood_says_where_each_field_came_from():
    result = parse("1 ct oval sapphire in a bezel, white gold, UK M, with a vine motif")
    u = result.understood
    assert u["size"] == {"value": "UK M (16.71 mm inside)", "source": "words", "words": "UK M"}
    assert u["metal"]["words"] == "white gold"
    assert "18K" in u["metal"]["note"] and "palladium" in u["metal"]["note"]
    assert u["gem.carat"] == {"value": 1, "source": "words", "words": "1 ct"}
    assert u["setting.type"]["words"] == "bezel"
    assert u["motif.prompt"]["source"] == "words"
    assert u["motif.prompt"]["words"] == "vine"
    for key in ("shank.profile", "shank.width_mm", "shank.thickness_mm", "motif.seed"):
        assert u[key]["source"] == "default", key
        assert u[key]["words"] is None
    assert "setting.prongs" not in u  # a bezel has no prongs to report
    assert any("palladium" in note for note in result.notes)
    assert result.to_dict()["spec"] == result.spec.to_dict()


def test_inferred_fields_are_marked_as_such():
    u = parse("a dragon wrapping the finger, sterling").understood
    assert u["gem"]["source"] == "inferred"
    assert u["gem"]["value"] is None
    assert u["setting.type"] == {
        "value": "none",
        "source": "inferred",
        "words": None,
        "note": "no stone, so no setting",
    }


def test_unknown_words_become_the_motif_prompt():
    spec = parse("1ct ruby, platinum, with a sleeping cat on a branch").spec
    assert spec.motif is not None
    assert spec.motif.prompt == "sleeping cat on a branch"
    assert spec.gem.stone == "ruby"  # what was understood is not in the prompt
    spec = parse("vintage filigree ring with an owl, 925 silver, US 6").spec
    assert "owl" in spec.motif.prompt and "filigree" in spec.motif.prompt


def test_a_fully_described_ring_gets_no_motif():
    text = "a 1 ct round diamond in 4 prongs, platinum, size 6, comfort fit, 2mm wide, please"
    result = parse(text)
    assert result.spec.motif is None
    assert result.understood["motif"]["value"] is None
    assert "ignored" not in result.understood


def test_unavailable_features_are_reported_not_made_motifs():
    result = parse("0.75ct oval diamond, hidden halo, pave band, 14k yellow gold")
    assert result.spec.motif is None
    assert result.understood["ignored"]["value"] == ["hidden halo"]
    assert result.spec.accents.layout == "pave"  # pavé is built now (accents)


def test_stray_numbers_are_reported_not_made_motifs():
    result = parse("comfort ring with an infinity sign, 6, size 8")
    assert result.spec.motif.prompt == "infinity sign"
    assert "6" in result.understood["ignored"]["value"]


def test_a_bare_width_on_a_band():
    spec = parse("palladium wedding band, 4mm, flat profile").spec
    assert spec.shank.width_mm == 4.0 and spec.shank.profile == "flat" and spec.gem is None
    assert parse("comfort band with an infinity sign, 6mm, size 8").spec.shank.width_mm == 6.0


@pytest.mark.parametrize(
    "text, layout, coverage, stone, size",
    [
        ("pavé band in platinum", "pave", "half", "diamond", 1.5),
        ("1 ct oval with micro pavé shoulders", "pave", "shoulders", "diamond", 1.1),
        ("full eternity band, 1.5mm diamonds", "pave", "full", "diamond", 1.5),
        ("ruby eternity band", "pave", "full", "ruby", 1.5),
        ("channel-set band in 18k white gold", "channel", "half", "diamond", 1.5),
        ("solitaire with sapphire pavé", "pave", "shoulders", "sapphire", 1.5),
        ("bar-set half eternity band, 2mm accents", "bar", "half", "diamond", 2.0),
    ],
)
def test_accent_words(text, layout, coverage, stone, size):
    a = parse(text).spec.accents
    assert (a.layout, a.coverage, a.stone, a.size_mm) == (layout, coverage, stone, size)


def test_engraving_and_stamp_words():
    spec = parse("1ct round solitaire, engraved 'Always' inside, no stamp").spec
    assert spec.engraving.text == "Always" and spec.engraving.where == "inside"
    assert spec.stamp is False and spec.gem.carat == 1.0
    assert parse("gold band").spec.stamp is True
    spec = parse('engrave "Forever Yours" inside the band, rose gold').spec
    assert spec.engraving.text == "Forever Yours" and spec.motif is None


def test_halo_and_three_stone_are_reported_not_built():
    result = parse("double halo, three-stone with pear sides, 1ct oval")
    assert result.understood["ignored"]["value"] == ["double halo", "three-stone", "sides"]
    assert result.spec.motif is None and result.spec.gem.cut == "oval"


def test_negated_words_set_nothing():
    spec = parse("bezel instead of prongs, sapphire").spec
    assert spec.setting.type == "bezel"
    spec = parse("switch from yellow gold to platinum").spec
    assert spec.metal == "platinum_950"


def test_the_last_mention_wins_and_says_so():
    result = parse("18k yellow gold, no, platinum")
    assert result.spec.metal == "platinum_950"
    assert "last one counts" in result.understood["metal"]["note"]


def test_a_close_substitute_is_noted():
    u = parse("old mine cut diamond").understood
    assert u["gem.cut"]["value"] == "cushion"
    assert "old mine" in u["gem.cut"]["note"]


def test_a_heart_alone_is_a_motif_not_a_cut():
    result = parse("1ct radiant diamond with a heart")
    assert result.spec.gem.cut == "radiant" and result.spec.motif.prompt == "heart"


def test_base_spec_keeps_what_the_words_do_not_mention():
    base = parse("8x6 oval sapphire, UK M, 18k rose, six prongs, with a vine").spec
    result = parse("platinum", base=base)
    assert result.spec.metal == "platinum_950"
    assert result.spec.gem == base.gem
    assert result.spec.size == base.size
    assert result.spec.motif == base.motif
    assert result.understood["metal"]["source"] == "words"
    assert result.understood["size"]["source"] == "base"


def test_a_new_cut_keeps_the_weight_of_a_stone_given_in_millimetres():
    base = parse("8x6 oval sapphire").spec
    spec = parse("round", base=base).spec
    assert spec.gem.cut == "round"
    assert spec.gem.size_mm is None
    assert spec.gem.carat == pytest.approx(base.gem.carat_weight(), abs=0.01)


@pytest.mark.parametrize(
    ("text", "words", "field_path", "hint"),
    [
        ("size 40", "size 40", "size", "EU 54"),
        ("EU 90 ring", "EU 90", "size", "36.5 to 77.5"),
        ("Japanese 40", "Japanese 40", "size", "1 to 30"),
        ("five prongs", "five prongs", "setting.prongs", "3, 4 or 6"),
        ("9ct gold", "9ct gold", "metal", "10K"),
        ("22k rose gold", "22k rose gold", "metal", "rose"),
        ("50 carat diamond", "50 carat", "gem.carat", "30"),
        ("40mm inside", "40mm inside", "size.diameter_mm", "26"),
        ("shank 20mm wide", "20mm wide", "shank.width_mm", "15"),
    ],
)
def test_impossible_values_are_clear_errors(text, words, field_path, hint):
    with pytest.raises(IntentError) as info:
        parse(text)
    error = info.value
    assert error.words == words
    assert error.field == field_path
    assert words in str(error) and hint in str(error)


def test_bad_input_types_and_lengths():
    with pytest.raises(SpecError, match="a text"):
        parse(42)
    with pytest.raises(SpecError, match=f"at most {MAX_TEXT}"):
        parse("ring " * 1000)


def test_amounts():
    assert amount("1 1/2") == 1.5
    assert amount("half a") == 0.5
    assert amount("three quarters") == 0.75
    assert amount("one and a half") == 1.5
    assert amount("7½") == 7.5
    assert amount("a") == 1.0


def test_parsing_is_fast_even_on_long_text():
    text = ("1 ct oval sapphire in a bezel, 18k yellow, UK M, with a vine motif " * 30)[:MAX_TEXT]
    started = time.perf_counter()
    parse(text)
    parse("x" * MAX_TEXT)
    parse("- " * (MAX_TEXT // 2))
    assert time.perf_counter() - started < 2.0


def test_the_parser_imports_no_bpy_and_nothing_heavy():
    code = (
        "import sys, aura_addon.jewelry.intent, aura_addon.jewelry.design_edits\n"
        "heavy = {'bpy', 'torch', 'numpy', 'fastapi', 'httpx'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.parametrize(
    ("text", "profile", "shrinkage"),
    [
        ("heart band, direct metal printing, shrinkage 1.5%", "direct-metal", 1.5),
        ("size 7 platinum band printed in metal", "direct-metal", 0.0),
        ("a solitaire, lost wax cast, 1.5 % shrinkage", "lost-wax", 1.5),
        ("metal 3D printing, shrinkage of 2%", "direct-metal", 2.0),
        ("size 7 ring in 18k yellow gold with a heart motif", "lost-wax", 0.0),
    ],
)
def test_process_words(text, profile, shrinkage):
    result = parse(text)
    assert (result.spec.process.profile, result.spec.process.shrinkage_pct) == (profile, shrinkage)
    assert result.spec.metal != "printed"  # "printed in metal" names no alloy
    if profile != "lost-wax" or shrinkage:
        assert result.understood["process.profile"]["value"] == profile
    motif = result.spec.motif
    assert motif is None or not {"printing", "printed", "shrinkage"} & set(motif.prompt.split())


def test_shrinkage_out_of_range_names_the_field():
    with pytest.raises(IntentError, match=r"process\.shrinkage_pct"):
        parse("a band, shrinkage 9%")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 ct round diamond, cathedral, high set, double claws",
         {"setting.head": "cathedral", "setting.height": "high", "setting.tips": "double",
          "setting.type": "prong"}),
        ("oval sapphire in a low set basket with tab prongs and tapered shoulders",
         {"setting.head": "basket", "setting.height": "low", "setting.tips": "flat",
          "shank.shoulders": "tapered"}),
        ("solitaire with v-prongs, cathedral shoulders, platinum",
         {"setting.tips": "v", "shank.shoulders": "cathedral"}),
        ("princess cut with claw tips on a flat profile band",
         {"setting.tips": "round", "shank.profile": "flat"}),
    ],
)  # fmt: skip
def test_head_and_shoulder_words(text, expected):
    result = parse(text)
    for path, value in expected.items():
        assert field(result.spec, path) == value, (path, result.spec.to_dict())
    for path in expected:
        if path != "setting.type":
            assert result.understood[path]["source"] == "words", path
    assert "cathedral" not in result.understood.get("ignored", {}).get("words", "")


def test_a_split_shank_is_reported_not_built_yet():
    result = parse("1 ct round diamond, split shank, 18k yellow")
    assert result.spec.shank.shoulders == "plain"
    assert "split shank" in result.understood["ignored"]["words"]
