"""JSON shapes of replies and lookup results: a contract scripts and checks rely on.

``reviewbot ask --json`` prints :func:`reply_json` and ``reviewbot find --json`` prints
:func:`find_json`. Keys are always present (None or an empty list when there is nothing), dates
are ISO 8601 and category paths are joined with " > ", so a consumer never has to guess which
of several shapes it got.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.i18n import has, t
from bot.replies import Action, Card, Choice, RelatedBlock, Reply
from bot.results import LookupResult

REPLY_SCHEMA_VERSION = 1


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _category(path: tuple[str, ...]) -> str | None:
    return " > ".join(path) if path else None


def action_json(action: Action) -> dict[str, Any]:
    return {
        "kind": action.kind.value,
        "label": action.label,
        "label_key": action.label_key,
        "token": action.token,
        "url": action.url,
    }


def choice_json(choice: Choice) -> dict[str, Any]:
    return {
        "kind": choice.kind.value,
        "label": choice.label,
        "token": choice.token,
        "count": choice.count,
        "depth": choice.depth,
    }


def card_json(card: Card) -> dict[str, Any]:
    return {
        "id": card.post_id,
        "title": card.title,
        "film": card.film,
        "film_year": card.film_year,
        "published": _iso(card.published),
        "category": _category(card.category),
        "summary": card.summary,
        "url": card.url,
        "stub": card.stub,
        "teaser": card.teaser,
        "themes": list(card.themes),
        "score": card.score,
        "actions": [action_json(a) for a in card.actions],
    }


def related_json(block: RelatedBlock) -> dict[str, Any]:
    return {
        "id": block.post_id,
        "title": block.title,
        "url": block.url,
        "published": _iso(block.published),
        "film": block.film,
        "stub": block.stub,
        "origin": block.origin.value,
        "actions": [action_json(a) for a in block.actions],
    }


def reply_json(reply: Reply) -> dict[str, Any]:
    """The whole reply model, every key present, in a fixed order."""
    return {
        "version": REPLY_SCHEMA_VERSION,
        "kind": reply.kind.value,
        "lang": reply.lang,
        "headline": reply.headline,
        "notes": list(reply.notes),
        "cards": [card_json(c) for c in reply.cards],
        "sections": [{"heading": s.heading, "excerpt": s.excerpt} for s in reply.sections],
        "related": [related_json(r) for r in reply.related],
        "choices": [choice_json(c) for c in reply.choices],
        "suggestions": [choice_json(c) for c in reply.suggestions],
        "commands": [
            {"command": c.command, "args": c.args, "description": c.description}
            for c in reply.commands
        ],
        "actions": [action_json(a) for a in reply.actions],
        "page": (
            {
                "number": reply.page.number,
                "total": reply.page.total,
                "items": reply.page.items,
                "next_offset": reply.page.next_offset,
            }
            if reply.page
            else None
        ),
    }


def find_json(result: LookupResult, lang: str) -> dict[str, Any]:
    """``reviewbot find --json``: exactly ``kind, query, results, suggestions, message``.

    When a film query matches several films, no reviews are listed; the films' labels are
    given as ``suggestions`` (the films to be more specific about) and ``message`` says so.
    ``message`` is the lookup's note rendered in ``lang``, or None.
    """
    results = []
    for hit in result.hits:
        post = hit.post
        results.append(
            {
                "id": post.id,
                "url": post.url,
                "title": post.title,
                "film": post.film,
                "published": post.published.isoformat() if post.published else None,
                "category": _category(post.category),
                "themes": list(post.themes),
                "score": hit.score,
                "stub": post.stub,
            }
        )
    suggestions = [c.label for c in result.choices] + [
        s for s in result.suggestions if s not in {c.label for c in result.choices}
    ]
    message: str | None = None
    if result.message:
        values: dict[str, object] = dict(result.message_args)
        values.setdefault("query", result.query)
        values.setdefault("total", result.total)
        message = t(result.message, lang, **values) if has(result.message) else result.message
    return {
        "kind": result.kind.value,
        "query": result.query,
        "results": results,
        "suggestions": suggestions,
        "message": message,
    }
