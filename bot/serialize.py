"""JSON shapes of the command line (``--json``): a contract that scripts and checks rely on."""

from __future__ import annotations

from typing import Any

from bot.domain import SourceReport, StoredPost


def report_json(report: SourceReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "ok": report.ok,
        "error": report.error,
        "notes": list(report.notes),
        "posts": [
            {"id": p.post_id, "url": p.url, "title": p.title, "status": p.status.value}
            for p in report.posts
        ],
    }


def post_summary_json(post: StoredPost) -> dict[str, Any]:
    return {
        "id": post.id,
        "url": post.url,
        "title": post.title,
        "film": post.film,
        "film_year": post.film_year,
        "published": post.published.isoformat() if post.published else None,
        "category": " > ".join(post.category) if post.category else None,
        "tags": list(post.tags),
        "themes": list(post.themes),
        "stub": post.stub,
    }


def _excerpt(post: StoredPost, index: int) -> str:
    return post.excerpts[index] if index < len(post.excerpts) else ""


def post_json(post: StoredPost) -> dict[str, Any]:
    data = post_summary_json(post)
    data.update(
        {
            "source": post.source,
            "kind": post.kind.value,
            "teaser": post.teaser,
            "summary": post.summary,
            "mined_themes": list(post.mined_themes),
            "sections": [
                {"heading": s.heading, "text": s.text, "excerpt": _excerpt(post, i)}
                for i, s in enumerate(post.sections)
            ],
            "related": [
                {
                    "id": r.post_id,
                    "title": r.title,
                    "url": r.url,
                    "published": r.published.isoformat() if r.published else None,
                    "comments": r.comments,
                    "film": r.film,
                    "themes": list(r.themes),
                    "stub": r.stub,
                }
                for r in post.related
            ],
        }
    )
    if post.letterboxd is not None:
        lb = post.letterboxd
        data["letterboxd"] = {
            "rating": lb.rating,
            "rewatch": lb.rewatch,
            "liked": lb.liked,
            "watched": lb.watched.isoformat() if lb.watched else None,
            "tmdb_id": lb.tmdb_id,
        }
    return data
