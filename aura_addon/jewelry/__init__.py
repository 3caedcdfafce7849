"""Pure-Python jewelry knowledge (no bpy): sizes, metals and stones, gem cuts, the design spec.

The AI server imports this package too, so it must never import bpy.
"""
