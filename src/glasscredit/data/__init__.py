"""Data sets shipped with glasscredit (see README.md for sources and licences)."""
