"""What every layer of the project shares: its IRIs and namespaces (namespaces.py) and the files it ships with
its code (files.py). Imports nothing of the project."""
