"""The daily review digest and feed watching.

Kept light on purpose: :mod:`bot.ports` imports :mod:`bot.digest.model`, so nothing here may
import the router, the lookups or storage at package import time.
"""
