"""The `manage.py` commands of the cases app, one module each."""
