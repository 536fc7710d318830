"""Text analysis: Kiwi, sentence splitting, the term stream and mined themes.

``kiwi`` holds the process's one Kiwi instance; ``sentences`` splits Korean, English and mixed
text; ``terms`` makes the normalised term stream used both to index posts and to analyse
queries; ``keywords`` mines themes by TF-IDF; ``post`` analyses a whole parsed post at ingest.

This module imports nothing eagerly (``post`` needs ``bot.summary`` and ``bot.excerpts``, which
in turn may use ``terms``), so importing a submodule never drags the others in.
"""
