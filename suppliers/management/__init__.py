"""Management commands of the suppliers app."""
