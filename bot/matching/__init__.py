"""The film matcher: which film of the library a reader's words name.

A pure in-memory index (:class:`FilmIndex`) built once from the library's films; lookups are
synchronous and take a few milliseconds even for tens of thousands of films, so async callers
can run them inline.
"""

from bot.matching.film_index import FilmIndex, FilmMatch

__all__ = ["FilmIndex", "FilmMatch"]
