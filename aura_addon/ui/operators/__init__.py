"""Aura's operators, one module per feature (as JewelCraft's operators/<feature>/): thin glue
between the panel and the layers below. `base` holds what they share: Runs (network work in
a worker thread, stepped from a timer), reports, and the operator mixins.
"""
