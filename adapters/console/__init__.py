"""The console adapter: the review bot in a terminal (``reviewbot chat`` and ``reviewbot ask``).

The command line (in the core) finds it through the ``reviewbot.adapters`` entry point group
under the name ``console``, which points at :class:`ConsoleAdapter`; the core never imports it.
"""

from adapters.console.chat import ConsoleAdapter
from adapters.console.render import offers, render, render_plain

__all__ = ["ConsoleAdapter", "offers", "render", "render_plain"]
