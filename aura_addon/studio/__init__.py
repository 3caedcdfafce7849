"""The studio, free of Blender: the AI server client, background tasks, the motif store and
production (batches, size runs). The panel and the batch script share it, so each job has
one path.
"""
