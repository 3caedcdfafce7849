"""Fuzzing the two readers of outside input that every entry point shares: the spec loader
(DesignSpec.from_dict / from_json: files, batch lines, the server's answers) and the intent
parser (a jeweler's words). Whatever comes in, the only exception is SpecError (IntentError
is one), its message names the field, and nothing hangs.

Bounded and deterministic here (`derandomize`: the same examples on every run, so CI never
flakes); `scripts/fuzz_spec_intent.py` runs the same tests long and random
(AURA_FUZZ=long)."""

from __future__ import annotations

import json
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aura_addon.jewelry import intent
from aura_addon.jewelry.spec import DesignSpec, SpecError

PROFILES = {
    "ci": {"max_examples": 200, "derandomize": True},
    "long": {"max_examples": int(os.environ.get("AURA_FUZZ_EXAMPLES", "20000"))},
}
FUZZ = settings(
    **PROFILES[os.environ.get("AURA_FUZZ", "ci")],
    deadline=None,  # time is checked by each test itself, against a generous bound
    suppress_health_check=list(HealthCheck),
    database=None,
)
SLOW_S = 5.0  # "no hang": one spec or one description read well within this

VALID = {
    "spec_version": 1, "name": "fuzz", "size": {"system": "US", "value": 7},
    "metal": "gold_18k_yellow",
    "shank": {"profile": "comfort", "width_mm": 2.2, "thickness_mm": 1.7, "top_width_mm": 3.0,
              "top_thickness_mm": 2.0},
    "gem": {"cut": "oval", "stone": "sapphire", "carat": 1.0},
    "setting": {"type": "prong", "prongs": 4},
    "motif": {"prompt": "a rose", "backend": "procedural", "seed": 0, "size_mm": 12.0},
}  # fmt: skip
FIELDS = [(k,) for k in VALID] + [
    (k, s) for k, v in VALID.items() if isinstance(v, dict) for s in v
]
FIELDS += [("size", "diameter_mm"), ("gem", "size_mm")]
NAMES = sorted({name for path in FIELDS for name in path})

# What JSON can carry, and then some: huge and non-finite numbers, odd text, nesting.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "US",
            "UK",
            "EU",
            "CH",
            "JP",
            "HK",
            "M",
            "M 1/2",
            "Z 1/2",
            "round",
            "oval",
            "diamond",
            "prong",
            "bezel",
            "none",
            "comfort",
            "gold_18k_yellow",
        ]
    )  # fmt: skip
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)

WORDS = """1 ct 0.5 1/2 ½ ¾ 2 7 7.25 40 9k 14k 18k 24k kt carat carats mm x × size US UK EU JP HK
swiss japanese M Z and a half three quarters one two five six prongs prong claws bezel halo pave
round oval pear marquise emerald cushion princess asscher radiant sapphire diamond ruby
moissanite gold white yellow rose nickel platinum silver titanium comfort flat knife edge d
shaped band wedding plain motif heart vine star seed shap-e procedural image no without instead
of from to , . - 3mm 2.2mm wide thick 12mm 99999999999999999999999999 1e400 nan inf""".split()
TEXTS = st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=80).map(" ".join) | st.text(
    max_size=400
)


def assert_clear(error: SpecError) -> None:
    """A clear error: names its field, and is a message a person reads, not a dump."""
    assert error.field, error
    assert error.field in str(error)
    assert len(str(error)) < 600, str(error)[:200]


def read(load, *args):
    """Run a reader: a result or a clear SpecError, nothing else, in good time."""
    t0 = time.process_time()  # CPU time: a machine busy with other work is no hang
    try:
        return load(*args)
    except SpecError as error:
        assert_clear(error)
        return None
    finally:
        assert time.process_time() - t0 < SLOW_S


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), min_size=1, max_size=3), st.booleans())
def test_spec_with_fields_changed(changes, by_size):
    data = json.loads(json.dumps(VALID))
    if by_size:
        data["gem"] = {"cut": "round", "size_mm": 6.5}
    for path, value in changes:
        part = data
        for name in path[:-1]:
            if not isinstance(part.get(name), dict):
                part[name] = {}
            part = part[name]
        part[path[-1]] = value
    spec = read(DesignSpec.from_dict, data)
    if spec is not None:  # what loads round-trips
        assert DesignSpec.from_dict(spec.to_dict()) == spec


@FUZZ
@given(VALUES)
def test_spec_from_any_value(data):
    read(DesignSpec.from_dict, data)


@FUZZ
@given(st.one_of(st.text(max_size=200), VALUES.map(lambda v: json.dumps(v, allow_nan=True))))
def test_spec_from_any_text(text):
    read(DesignSpec.from_json, text)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000 + "]" * 50_000,  # nested past the JSON reader's recursion
        '{"name": ' + "9" * 5000 + "}",  # past Python's 4,300-digit int limit
        '{"gem": {"carat": ' + "9" * 400 + "}}",  # an int past float's range
        '{"shank": {"width_mm": Infinity}}',
        '{"motif": {"prompt": "a rose", "size_mm": NaN}}',
    ],
)
def test_spec_hostile_json(text):
    with pytest.raises(SpecError) as err:
        read(DesignSpec.from_json, text) or DesignSpec.from_json(text)
    assert_clear(err.value)


def test_spec_hostile_values():
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    for data, field in [({"name": deep}, "name"), ({"name": 10**5000}, "name"),
                        ({"size": {"system": "US", "value": 10**400}}, "size.value"),
                        ({"size": {"system": "UK", "value": 10**5000}}, "size.value"),
                        ({"gem": {"carat": -(10**400)}}, "gem.carat")]:  # fmt: skip
        with pytest.raises(SpecError) as err:
            DesignSpec.from_dict(data)
        assert err.value.field == field
        assert_clear(err.value)


@FUZZ
@given(TEXTS, st.booleans())
def test_intent_any_words(text, refining):
    result = read(intent.parse, text, DesignSpec() if refining else None)
    if result is not None:
        assert DesignSpec.from_dict(result.spec.to_dict()) == result.spec


def test_intent_longest_text_in_good_time():
    text = " ".join(WORDS * 20)[: intent.MAX_TEXT]
    read(intent.parse, text)
    with pytest.raises(SpecError) as err:
        intent.parse(text + " x" * intent.MAX_TEXT)
    assert_clear(err.value)


@pytest.mark.parametrize("text", ["a 1/0 carat diamond", "size 7 0/0", "1/0 ct 1/0 mm"])
def test_intent_fractions_by_zero(text):
    read(intent.parse, text)  # found by the long run: "1/0" divided by zero
