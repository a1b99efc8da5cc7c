"""Suppliers and products, the vendor map, the weekly rollups and the supplier scorecard."""
