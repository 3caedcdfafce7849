"""Shared test settings: no model hub is ever reached from the tests."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# The add-on in real bpy, for the tests of its operators and panels --------------------------
import pytest  # noqa: E402

ADDON = "aura_addon"


@pytest.fixture(scope="module")
def addon():
    """Aura enabled as Blender enables an add-on, for one test module."""
    import addon_utils
    import bpy  # noqa: F401  (puts addon_utils on sys.path)

    module = addon_utils.enable(ADDON, default_set=True)
    assert module is not None, "the add-on did not enable"
    yield module
    addon_utils.disable(ADDON, default_set=True)


@pytest.fixture
def aura_settings(addon):
    """The scene's Aura settings at their defaults, and reset again after the test."""
    import bpy

    settings = bpy.context.scene.aura
    _reset(settings)
    yield settings
    _reset(settings)


@pytest.fixture
def reset_settings():
    """The function that puts Aura's settings back to their defaults (for use mid-test)."""
    return _reset


def _reset(settings) -> None:
    for prop in settings.bl_rna.properties:
        if prop.identifier != "rna_type" and not prop.is_readonly:
            settings.property_unset(prop.identifier)
    for name in ("variations", "checks", "concepts"):
        getattr(settings, name).clear()
