"""bpy/bmesh builders for the ring's parts (1 unit = 1 mm; finger along Y; top at +Z).

Each builder returns plain mesh data (vertices, faces) in millimetres or a bpy object made
from it; `builder/pipeline.py` puts them together. Nothing here touches objects Aura did not make.
"""
