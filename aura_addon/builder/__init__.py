"""The build: spec (+ motif mesh) -> Blender objects -> measured report -> files.

The one place a report is made; the operators, the batch script and the tests all call it.
"""
