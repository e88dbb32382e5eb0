"""The HTTP layer of the knowledge graph: one Flask blueprint per concern, registered by server.create_app.

HTTP only: request parsing, content negotiation, status codes and the one JSON error shape (errors.py). Queries
run on the backend of graph/ (answers.py is the one way the blueprints reach it); nothing here imports pyoxigraph.
"""
