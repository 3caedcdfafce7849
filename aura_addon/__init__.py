"""Aura: an AI jewelry design studio inside Blender (the extension's entry point).

Nothing here imports bpy at module level: the AI server imports `aura_addon.jewelry`
outside Blender, which runs this file first. The Blender modules load in register().
"""

from __future__ import annotations

import importlib
import importlib.util

# Registration order: preferences and properties before the operators and panels using them.
_MODULES = ("ui.preferences", "ui.properties", "ui.operators", "ui.panels", "ui.server_line")
# Optional modules written by other parts of the project; registered when present.
_OPTIONAL = ("ui.showcase_ops",)


def _modules():
    mods = [importlib.import_module(f".{name}", __name__) for name in _MODULES]
    for name in _OPTIONAL:
        # The showcase operator lives in its own module (aura_addon/ui/showcase_ops.py); a missing
        # module is fine, a broken one raises like any other.
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            mods.append(importlib.import_module(f".{name}", __name__))
    return mods


def register() -> None:
    for module in _modules():
        module.register()


def unregister() -> None:
    for module in reversed(_modules()):
        module.unregister()
