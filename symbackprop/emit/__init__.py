"""Code and documents generated from the proven symbolic expressions."""
