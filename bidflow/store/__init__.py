"""Database access as plain keyword-only functions taking the session.

Flows, the web app and the CLI call these; none of them builds its own queries.
"""
