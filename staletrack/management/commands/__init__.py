"""The `manage.py` commands of the project package, one module each."""
