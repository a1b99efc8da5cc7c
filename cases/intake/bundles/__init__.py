"""Case bundles (spec bundle.md): reading, validating and assessing them without a database."""
