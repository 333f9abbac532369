"""Reference data shipped with the code (see gbt2260-sources.txt for sources)."""
