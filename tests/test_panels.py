"""The Aura sidebar's panels drawn against a recording layout that checks every call against
Blender's real RNA (real bpy, the add-on enabled for real), and the panel's live figures and
spec <-> fields conversion."""

from __future__ import annotations

import inspect
import threading
import types

import bpy
import pytest

import aura_addon
from aura_addon.jewelry import sizes
from aura_addon.jewelry.spec import DesignSpec, SpecError
from aura_addon.studio import tasks
from aura_addon.ui import properties, server_line

UI_FUNCTIONS = bpy.types.UILayout.bl_rna.functions
UI_PROPERTIES = bpy.types.UILayout.bl_rna.properties
ICONS = set(UI_FUNCTIONS["label"].parameters["icon"].enum_items.keys())
SUB_LAYOUTS = {"row", "column", "box", "split", "grid_flow", "column_flow"}


pytestmark = pytest.mark.usefixtures("addon")
PANELS = [c for c in aura_addon.classes() if issubclass(c, bpy.types.Panel)]


@pytest.fixture
def settings(aura_settings):
    return aura_settings


# The recording layout -------------------------------------------------------------------
class OperatorProps:
    """What layout.operator() returns: only the operator's real properties may be set."""

    def __init__(self, idname: str):
        module, name = idname.split(".")
        try:
            rna = getattr(getattr(bpy.ops, module), name).get_rna_type()
        except KeyError:
            raise AssertionError(f"operator {idname} is not registered") from None
        object.__setattr__(self, "_names", set(rna.properties.keys()))
        object.__setattr__(self, "_idname", idname)

    def __setattr__(self, name, value):
        assert name in self._names, f"{self._idname} has no property {name!r}"
        object.__setattr__(self, name, value)


class RecordingLayout:
    """Stands in for bpy.types.UILayout and fails on anything the real one would reject:
    an unknown function or keyword, an icon that does not exist, an operator that is not
    registered, or a prop() naming a property the data's RNA does not have."""

    def __init__(self, log: list):
        object.__setattr__(self, "_log", log)

    def __setattr__(self, name, value):
        assert name in UI_PROPERTIES, f"UILayout has no property {name!r}"
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        assert name in UI_FUNCTIONS, f"UILayout has no function {name!r}"
        allowed = {p.identifier for p in UI_FUNCTIONS[name].parameters}

        def call(*args, **kwargs):
            unknown = set(kwargs) - allowed
            assert not unknown, f"layout.{name}() got unknown keywords {unknown}"
            for key in ("icon",):
                if key in kwargs:
                    assert kwargs[key] in ICONS, f"layout.{name}(): no icon {kwargs[key]!r}"
            if "text" in kwargs:
                assert isinstance(kwargs["text"], str), f"layout.{name}(text=...) must be a str"
            self._log.append((name, args, kwargs))
            if name in ("prop", "prop_enum", "props_enum", "prop_tabs_enum", "prop_menu_enum"):
                _check_prop(*args[:2])
            if name == "operator":
                return OperatorProps(args[0] if args else kwargs["operator"])
            if name == "progress":
                assert 0.0 <= kwargs.get("factor", 0.0) <= 1.0
            if name in SUB_LAYOUTS:
                return RecordingLayout(self._log)
            return None

        return call


def _check_prop(data, name: str) -> None:
    rna = getattr(data, "bl_rna", None)
    assert rna is not None, f"prop() on {data!r}, which is not RNA data"
    assert name in rna.properties, f"{rna.identifier} has no property {name!r}"
    assert hasattr(data, name)


class PanelStandIn:
    """`self` for a panel's draw(): the recording layout plus the class's own helpers (and a
    real RNA instance's properties, for add-on preferences)."""

    def __init__(self, cls, layout, instance=None):
        self._cls, self._instance, self.layout = cls, instance, layout

    def __getattr__(self, name):
        if self._instance is not None and name in self._instance.bl_rna.properties:
            return getattr(self._instance, name)
        static = inspect.getattr_static(self._cls, name)
        attr = getattr(self._cls, name)
        if inspect.isfunction(attr) and not isinstance(static, staticmethod):
            return types.MethodType(attr, self)
        return attr


def draw_all(context=None) -> list:
    """Draw every Aura panel (headers too); returns the recorded calls."""
    context = context or bpy.context
    log: list = []
    for cls in PANELS:
        if hasattr(cls, "draw_header"):
            cls.draw_header(PanelStandIn(cls, RecordingLayout(log)), context)
        cls.draw(PanelStandIn(cls, RecordingLayout(log)), context)
    return log


def labels(log) -> list[str]:
    return [kw.get("text", "") for name, _args, kw in log if name == "label"]


def operators(log) -> list[str]:
    return [args[0] for name, args, _kw in log if name == "operator"]


# The recorder is a real check -------------------------------------------------------------
def test_recording_layout_rejects_what_blender_would(settings):
    layout = RecordingLayout([])
    layout.prop(settings, "shank_width")
    with pytest.raises(AssertionError, match="no property 'shank_wdith'"):
        layout.prop(settings, "shank_wdith")
    with pytest.raises(AssertionError, match="no icon"):
        layout.label(text="x", icon="NOT_AN_ICON")
    with pytest.raises(AssertionError, match="no function"):
        layout.no_such_widget()
    with pytest.raises(AssertionError, match="not registered"):
        layout.operator("aura.no_such_operator")
    with pytest.raises(AssertionError, match="no property 'bogus'"):
        layout.operator("aura.apply_variation").bogus = 1
    with pytest.raises(AssertionError, match="unknown keywords"):
        layout.prop(settings, "metal", colour="red")


# Every panel, every branch ------------------------------------------------------------------
def test_panels_draw_in_default_state(settings):
    log = draw_all()
    ops = operators(log)
    for idname in ("aura.plan", "aura.refine", "aura.variations", "aura.generate"):
        assert idname in ops
    for idname in ("aura.build_ring", "aura.rebuild", "aura.check_print", "aura.export_stl"):
        assert idname in ops
    assert "aura.setup_units" in ops and "aura.check_server" in ops
    assert ("aura.showcase" in ops) == hasattr(bpy.types, "AURA_OT_showcase")
    assert any("17.32 mm inside, 54.41 mm around" in t for t in labels(log))
    assert any("6.4" in t and "mm across" in t for t in labels(log))  # 1 ct round diamond


@pytest.mark.parametrize("system", [*sizes.SYSTEMS, properties.DIAMETER])
def test_ring_panel_for_each_size_system(settings, system):
    settings.size_system = system
    log = draw_all()
    field = properties.SIZE_FIELDS[system]
    assert any(name == "prop" and args[1] == field for name, args, _ in log)
    assert any("mm inside" in t for t in labels(log))


def test_panels_draw_every_branch(settings):
    settings.shank_taper = True
    settings.gem_by = "MM"
    settings.gem_cut = "oval"
    settings.setting_type = "bezel"
    settings.has_motif = True
    settings.motif_path = "/tmp/motif.obj"
    settings.understood = "size: UK M\nmetal: gold_18k_yellow ('18k yellow')"
    settings.provider = "rules"
    settings.set_status("Something went wrong with a long explanation " * 3, "ERROR")
    item = settings.variations.add()
    item.label, item.spec_json = "d profile: US 7", DesignSpec().to_json()
    settings.store_report(
        {
            "checks": [
                {"name": "manifold", "passed": True, "value": 0, "threshold": 0},
                {"name": "min_wall", "passed": False, "value": 0.41, "threshold": 0.6},
            ],
            "passed": False,
            "weight_g": 3.21,
            "volume_mm3": 206.7,
            "stones": {"items": [{"count": 12, "carat": 0.013, "cut": "round",
                                  "stone": "diamond", "where": "both shoulders"}],
                       "count": 12, "carat_total": 0.156},
        }
    )  # fmt: skip
    settings.has_accents = settings.has_engraving = True
    settings.engraving_text = "Always"
    log = draw_all()
    props = {args[1] for name, args, _ in log if name == "prop"}
    assert {"shank_top_width", "shank_top_thickness", "gem_length", "gem_width"} <= props
    assert "prongs" not in props  # a bezel has none
    assert "aura.select_failing" in operators(log) and "aura.apply_variation" in operators(log)
    texts = labels(log)
    assert any("Weight 3.21 g" in t for t in texts)
    assert any(t == "min wall" for t in texts) and any("0.41 / 0.6" in t for t in texts)
    assert any(t.endswith("ct") for t in texts)  # the weight of a stone given in mm
    assert {"accents_layout", "accents_count", "engraving_text", "stamp"} <= props
    assert any(t.startswith("about ") and t.endswith(" ct") for t in texts)  # live accents
    assert "12 stones, 0.16 ct in all" in texts  # the last build's bill


def test_motif_panel_shows_concept_thumbnails(settings, tmp_path):
    settings.has_motif = True
    settings.motif_backend = "image-to-3d"
    made = []
    for index in range(2):
        image = bpy.data.images.new(f"aura_test_concept_{index}", 8, 8)
        image.filepath_raw = str(tmp_path / f"c{index}.png")
        image.file_format = "PNG"
        image.save()
        image.preview_ensure()
        made.append(image)
        item = settings.concepts.add()
        item.image_name, item.ref = image.name, f"{'0' * 32}/{index}"
    missing = settings.concepts.add()
    missing.image_name = "aura_test_not_loaded"
    settings.concept_index = 1
    try:
        log = draw_all()
    finally:
        for image in made:
            bpy.data.images.remove(image)
    icons = [kw for name, _args, kw in log if name == "template_icon"]
    assert len(icons) == 2
    picks = [kw for name, args, kw in log if name == "operator" and args[0] == "aura.pick_concept"]
    assert [p.get("depress") for p in picks] == [False, True, False]
    assert "aura.concepts" in operators(log)


def test_running_task_shows_progress_and_cancel(settings):
    release = threading.Event()

    def work(task):
        task.publish(0.4, "sculpting", job_id="0" * 32)
        release.wait(10)
        return None

    task = tasks.start("generate", "Generate motif", work)
    try:
        deadline = threading.Event()
        while task.snapshot().stage != "sculpting":
            deadline.wait(0.01)
        log = draw_all()
        bars = [kw for name, _args, kw in log if name == "progress"]
        assert bars and bars[0]["factor"] == pytest.approx(0.4)
        assert "sculpting 40%" in bars[0]["text"]
        assert "aura.cancel_job" in operators(log)
        assert "aura.generate" not in operators(log)  # one motif at a time
    finally:
        release.set()
        task.join(5)
        tasks.forget(task)


@pytest.mark.parametrize("connected", [True, False, None])
def test_server_line_states(settings, connected):
    line = server_line.Line(
        connected, "connected · cpu · procedural" if connected else "unreachable: x"
    )
    server_line.set_line(line)
    log = draw_all()
    assert any(line.text in t for t in labels(log))
    assert ("aura.start_server" in operators(log)) == (connected is not True)


def test_preferences_draw(settings):
    prefs = bpy.context.preferences.addons[aura_addon.__name__].preferences
    log: list = []
    cls = type(prefs)
    cls.draw(PanelStandIn(cls, RecordingLayout(log), prefs), bpy.context)
    props = {args[1] for name, args, _ in log if name == "prop"}
    assert {"server_url", "token", "request_timeout", "job_timeout", "server_command"} <= props
    prefs.server_url = "http://192.0.2.7:8765"  # elsewhere, and online access is off
    try:
        log = []
        cls.draw(PanelStandIn(cls, RecordingLayout(log), prefs), bpy.context)
        assert any("Online access is off" in t for t in labels(log))
    finally:
        prefs.property_unset("server_url")


# Live figures and the spec <-> fields conversion ----------------------------------------------
SPECS = [
    {"size": {"system": "UK", "value": "M 1/2"}, "metal": "platinum_950"},
    {"size": {"system": "JP", "value": 11}, "gem": None, "setting": {"type": "none"}},
    {"size": {"system": "HK", "value": 15}, "shank": {"profile": "knife-edge", "width_mm": 3.0}},
    {
        "size": {"system": "EU", "value": 52.5},
        "gem": {"cut": "oval", "stone": "ruby", "size_mm": [8.0, 6.0]},
    },
    {"size": {"system": "CH", "value": 12}, "gem": {"cut": "round", "stone": "cz", "size_mm": 5.2}},
    {"size": {"diameter_mm": 18.1}, "setting": {"type": "prong", "prongs": 6}},
    {
        "shank": {"shoulders": "split"},
        "setting": {"prongs": 4, "head": "cathedral", "height": "high", "tips": "double"},
    },
    {
        "size": {"system": "US", "value": 6.25},
        "shank": {
            "profile": "d",
            "width_mm": 2.0,
            "thickness_mm": 1.5,
            "top_width_mm": 3.5,
            "top_thickness_mm": 2.0,
        },
        "gem": {"cut": "pear", "stone": "emerald", "carat": 1.5},
        "setting": {"type": "bezel"},
        "motif": {"prompt": "a vine", "backend": "shap-e", "seed": 7, "size_mm": 9.0},
        "name": "Vine",
    },
    {
        "accents": {
            "layout": "channel",
            "coverage": "half",
            "stone": "sapphire",
            "cut": "princess",
            "size_mm": 2.0,
            "gap_mm": 0.1,
            "count": 10,
        },
        "engraving": {"text": "Always", "font": ""},
        "stamp": False,
    },  # fmt: skip
]


@pytest.mark.parametrize("data", SPECS)
def test_spec_round_trips_through_the_fields(settings, data):
    spec = DesignSpec.from_dict(data)
    properties.apply_spec(settings, spec)
    back = properties.spec_from_settings(settings)
    assert back.size.inner_diameter_mm == pytest.approx(spec.size.inner_diameter_mm, abs=1e-3)
    assert back.size.label == spec.size.label
    assert back.metal == spec.metal and back.shank == spec.shank and back.name == spec.name
    assert back.setting.type == spec.setting.type
    if spec.setting.type == "prong":
        assert back.setting == spec.setting  # prongs, head style, height and tips
    assert (back.gem is None) == (spec.gem is None)
    if spec.gem is not None:
        assert (back.gem.cut, back.gem.stone) == (spec.gem.cut, spec.gem.stone)
        assert back.gem.carat_weight() == pytest.approx(spec.gem.carat_weight(), rel=1e-3)
    assert back.motif == spec.motif
    assert back.accents == spec.accents and back.engraving == spec.engraving
    assert back.stamp == spec.stamp


def test_live_stone_count_and_bill(settings):
    properties.apply_spec(settings, DesignSpec.from_dict(
        {"gem": None, "setting": {"type": "none"}, "shank": {"width_mm": 3.0},
         "accents": {"coverage": "full", "size_mm": 1.5}}))  # fmt: skip
    summary = properties.stones_summary(settings)  # "about N x 0.013 ct = 0.5 ct"
    count = int(summary.split()[1])
    assert 36 <= count <= 44 and summary.endswith(" ct")
    settings.accents_count = 500
    assert "accents.count" in properties.stones_summary(settings)
    report = {"stones": {"items": [{"count": 2, "carat": 0.01, "cut": "round", "stone": "ruby",
                                    "where": "both shoulders"}],
                         "count": 2, "carat_total": 0.02}}  # fmt: skip
    assert properties.bill_lines(report) == [
        "2 x 0.010 ct round ruby: both shoulders", "2 stones, 0.02 ct in all"]  # fmt: skip


def test_switching_size_system_keeps_the_finger(settings):
    settings.size_us = 7.0
    us7 = sizes.inner_diameter_mm("US", 7)
    for system in ("UK", "EU", "CH", "JP", "HK", properties.DIAMETER, "US"):
        settings.size_system = system
        got = properties.spec_from_settings(settings).size.inner_diameter_mm
        assert got == pytest.approx(us7, abs=0.2), system  # the nearest size of that system
    assert settings.size_us == pytest.approx(7.0)


def test_invalid_fields_name_the_field(settings):
    settings.size_us = 7.1  # not a quarter size
    with pytest.raises(SpecError, match=r"size\.value"):
        properties.spec_from_settings(settings)
    assert "size.value" in properties.size_summary(settings)
    settings.property_unset("size_us")
    settings.gem_by, settings.gem_cut = "MM", "oval"
    settings.gem_length, settings.gem_width = 5.0, 7.0  # length must be the longer side
    with pytest.raises(SpecError, match=r"gem\.size_mm"):
        properties.spec_from_settings(settings)
    assert "gem.size_mm" in properties.gem_summary(settings)
    settings.property_unset("gem_by")
    settings.has_motif = True  # with no prompt
    with pytest.raises(SpecError, match=r"motif\.prompt"):
        properties.spec_from_settings(settings)


def test_live_figures(settings):
    settings.size_system = "UK"
    settings.size_uk = "M"
    assert properties.size_summary(settings) == "16.71 mm inside, 52.50 mm around"
    assert "US 6.25" in properties.other_sizes_summary(settings)
    settings.gem_by = "MM"
    settings.gem_length = 6.45
    summary = properties.gem_summary(settings)  # a 6.45 mm round diamond is about 1 ct
    assert summary.endswith(" ct") and float(summary.split()[0]) == pytest.approx(1.0, abs=0.03)
    settings.has_gem = False
    assert properties.gem_summary(settings) == ""
    assert properties.spec_from_settings(settings).setting.type == "none"
