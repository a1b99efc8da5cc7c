"""Management commands of the cases app, and what the import commands share (`importing`)."""
