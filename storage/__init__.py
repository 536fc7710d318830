"""SQL storage for the review library (SQLite by default, PostgreSQL through asyncpg).

Found by the core through the ``reviewbot.storage`` entry point, never imported by ``bot/``.
"""
