"""Blender glue: properties, preferences, panels and operators. Thin: the work is done by
the layers below (studio, showcase, builder, geometry, jewelry).
"""
