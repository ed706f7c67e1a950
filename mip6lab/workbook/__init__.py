"""Helpers the chapter notebooks share: the map of chapters and figures, and small drawing and
measuring helpers that would otherwise be long code cells."""
