"""The `manage.py` commands of the suppliers app, one module each."""
