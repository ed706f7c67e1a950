"""Helpers the workbook chapters use: small drawing and measuring functions over a Lab (views only)."""
