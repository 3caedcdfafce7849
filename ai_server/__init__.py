"""Aura's persistent local AI inference server (text/image -> motif mesh, concept images)."""

__version__ = "0.1.0"
