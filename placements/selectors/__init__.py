"""Reads that pages use: querysets and figures that join placements to the apps below."""
