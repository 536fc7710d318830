"""An in-memory LookupService for router and console tests: small, deterministic, offline.

It follows the protocol's contract (messages as i18n keys, pages with totals, remembered
queries as short ASCII keys) with deliberately simple matching, so router tests pin the
router's behaviour rather than the real lookups'. It records every call for assertions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain import CategoryCount, Section, SourceKind, StoredPost, StoredRelated
from bot.results import (
    FilmChoice,
    Hit,
    LookupKind,
    LookupResult,
    RelatedItem,
    RelatedOrigin,
)


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def make_post(
    post_id: int,
    title: str,
    *,
    film: str | None = None,
    film_id: int | None = None,
    year: int | None = None,
    category: tuple[str, ...] = ("리뷰", "한국영화"),
    themes: tuple[str, ...] = (),
    sections: tuple[Section, ...] = (),
    excerpts: tuple[str, ...] = (),
    summary: str = "",
    related: tuple[StoredRelated, ...] = (),
    stub: bool = False,
    url: str | None = None,
    day: int = 1,
) -> StoredPost:
    return StoredPost(
        id=post_id,
        title=title,
        url=url if url is not None else f"https://filmnote.example/{post_id}",
        guid=None,
        kind=SourceKind.STUB if stub else SourceKind.TISTORY_PAGE,
        film=film,
        film_year=year,
        published=datetime(2024, 1, day, 12, 0),
        category=category,
        tags=(),
        themes=themes,
        stub=stub,
        teaser=False,
        source=None,
        sections=sections,
        related=related,
        film_id=film_id,
        summary=summary,
        excerpts=excerpts,
        mined_themes=("계급",) if film == "기생충" else (),
    )


def sample_posts() -> list[StoredPost]:
    posts: list[StoredPost] = []
    for i in range(1, 8):  # seven reviews of one film: two pages of five
        sections: tuple[Section, ...] = ()
        excerpts: tuple[str, ...] = ()
        if i == 1:
            sections = (
                Section(None, "봉준호 감독의 기생충은 계단의 영화다. 반지하에서 저택까지."),
                Section("줄거리", "기택 가족은 반지하에 산다. " * 40),
                Section("계단과 냄새", "냄새는 선을 넘는다. 계단은 계급을 보여 준다."),
            )
            excerpts = ("봉준호 감독의 기생충은 계단의 영화다.", "", "냄새는 선을 넘는다.")
        posts.append(
            make_post(
                i,
                f"기생충 리뷰 {i} — 계단의 영화",
                film="기생충",
                film_id=1,
                year=2019,
                themes=("가족", "계급"),
                sections=sections,
                excerpts=excerpts,
                summary="반지하와 저택, 계단과 냄새로 계급을 그린 영화." if i != 2 else "",
                related=(
                    StoredRelated(
                        8, "헤어질 결심 리뷰", None, date(2024, 1, 8), None, None, (), False
                    ),
                    StoredRelated(
                        None,
                        "아직 없는 글",
                        "https://filmnote.example/999",
                        None,
                        None,
                        None,
                        (),
                        True,
                    ),
                )
                if i == 1
                else (),
                day=i,
            )
        )
    posts.append(
        make_post(
            8,
            "헤어질 결심 리뷰: 안개 속의 사랑",
            film="헤어질 결심",
            film_id=2,
            year=2022,
            themes=("사랑", "안개"),
            summary="안개처럼 번지는 사랑.",
            day=8,
        )
    )
    posts.append(make_post(9, "괴물 (2006) 리뷰", film="괴물", film_id=5, year=2006, day=9))
    posts.append(
        make_post(
            10,
            "괴물 (2023) 리뷰",
            film="괴물",
            film_id=6,
            year=2023,
            category=("리뷰", "일본영화"),
            themes=("가족",),
            day=10,
        )
    )
    posts.append(
        make_post(
            11,
            "Aftersun: a father and a daughter",
            film="Aftersun",
            film_id=7,
            year=2022,
            category=("Reviews",),
            themes=("family", "memory"),
            summary="A holiday remembered.",
            sections=(Section(None, "One section only, no heading."),),
            day=11,
        )
    )
    posts.append(make_post(12, "아직 가져오지 않은 리뷰", stub=True, category=(), day=12))
    posts.append(
        make_post(
            13,
            "<b>&\"' [bold red]제목[/] *별* _밑줄_",
            film="<b>&\"'",
            film_id=8,
            themes=("[link=x]",),
            summary="<script>alert(1)</script> [red]not red[/]",
            url="https://filmnote.example/13?a=1&b=<2>",
            day=13,
        )
    )
    return posts


FILMS: dict[int, tuple[str, int | None, tuple[str, ...]]] = {
    1: ("기생충", 2019, ("Parasite",)),
    2: ("헤어질 결심", 2022, ("Decision to Leave",)),
    5: ("괴물", 2006, ("The Host",)),
    6: ("괴물", 2023, ("Monster",)),
    7: ("Aftersun", 2022, ("애프터썬",)),
    8: ("<b>&\"'", None, ()),
}
SUGGESTIONS = {"기생층": ("기생충",), "헤어질걸심": ("헤어질 결심",)}


@dataclass
class FakeLookups:
    posts: dict[int, StoredPost] = field(default_factory=lambda: {p.id: p for p in sample_posts()})
    fail: bool = False
    fail_lang: bool = False
    langs: dict[str, str] = field(default_factory=dict)
    queries: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, object]] = field(default_factory=list)

    # -- helpers

    def _call(self, name: str, arg: object) -> None:
        self.calls.append((name, arg))
        if self.fail:
            raise RuntimeError("database on fire")

    def _page(
        self,
        kind: LookupKind,
        query: str,
        posts: list[StoredPost],
        limit: int,
        offset: int,
        **extra: object,
    ) -> LookupResult:
        posts = sorted(posts, key=lambda p: p.id)
        hits = tuple(Hit(p, round(1.0 - i * 0.1, 2)) for i, p in enumerate(posts))
        return LookupResult(
            kind,
            query,
            hits=hits[offset : offset + limit],
            total=len(hits),
            offset=offset,
            limit=limit,
            **extra,
        )

    def _film_ids(self, query: str) -> list[int]:
        key = _key(query)
        return [
            fid
            for fid, (title, _, aliases) in FILMS.items()
            if key and key in {_key(title), *map(_key, aliases)}
        ]

    # -- the protocol

    async def by_film(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        self._call("by_film", query)
        if not query.strip():
            return LookupResult(LookupKind.FILM, query, limit=limit, message="query.empty")
        ids = self._film_ids(query)
        if len(ids) > 1:
            choices = tuple(
                FilmChoice(
                    fid,
                    FILMS[fid][0],
                    FILMS[fid][1],
                    sum(p.film_id == fid for p in self.posts.values()),
                )
                for fid in ids
            )
            return LookupResult(
                LookupKind.FILM,
                query,
                choices=choices,
                limit=limit,
                message="film.choose",
                message_args={"query": query},
            )
        if not ids:
            return LookupResult(
                LookupKind.FILM,
                query,
                limit=limit,
                suggestions=SUGGESTIONS.get(query.strip(), ()),
                message="film.not_found",
                message_args={"query": query},
            )
        posts = [p for p in self.posts.values() if p.film_id == ids[0]]
        return self._page(LookupKind.FILM, query, posts, limit, offset)

    async def by_film_id(self, film_id: int, *, limit: int = 5, offset: int = 0) -> LookupResult:
        self._call("by_film_id", film_id)
        posts = [p for p in self.posts.values() if p.film_id == film_id]
        if not posts:
            return LookupResult(
                LookupKind.FILM,
                str(film_id),
                limit=limit,
                message="film.not_found",
                message_args={"query": str(film_id)},
            )
        return self._page(LookupKind.FILM, FILMS[film_id][0], posts, limit, offset)

    async def by_theme(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        self._call("by_theme", query)
        posts = [p for p in self.posts.values() if _key(query) in map(_key, p.themes)]
        if not posts:
            return LookupResult(
                LookupKind.THEME,
                query,
                limit=limit,
                message="theme.not_found",
                message_args={"query": query},
            )
        return self._page(LookupKind.THEME, query, posts, limit, offset)

    async def by_category(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        self._call("by_category", query)
        key = _key(query)
        posts = [
            p
            for p in self.posts.values()
            if p.category
            and (
                key in map(_key, p.category)
                or any(_key("/".join(p.category[:n])) == key for n in range(1, 4))
            )
        ]
        if not posts:
            return LookupResult(
                LookupKind.CATEGORY,
                query,
                limit=limit,
                message="category.not_found",
                message_args={"query": query},
            )
        return self._page(LookupKind.CATEGORY, query, posts, limit, offset)

    async def categories(self) -> list[CategoryCount]:
        self._call("categories", None)
        counts: dict[tuple[str, ...], int] = {}
        for post in self.posts.values():
            for n in range(1, len(post.category) + 1):
                counts[post.category[:n]] = counts.get(post.category[:n], 0) + 1
        return [CategoryCount(path, n) for path, n in sorted(counts.items())]

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> LookupResult:
        self._call("search", query)
        words = [w for w in query.split() if w]
        if not words:
            return LookupResult(LookupKind.TEXT, query, limit=limit, message="query.empty")

        def text(p: StoredPost) -> str:
            return " ".join([p.title, *(s.text for s in p.sections)])

        every = [p for p in self.posts.values() if all(w in text(p) for w in words)]
        if every:
            return self._page(LookupKind.TEXT, query, every, limit, offset)
        some = [p for p in self.posts.values() if any(w in text(p) for w in words)]
        if some:
            return self._page(LookupKind.TEXT, query, some, limit, offset, message="search.relaxed")
        return LookupResult(
            LookupKind.TEXT,
            query,
            limit=limit,
            message="search.no_results",
            message_args={"query": query},
        )

    async def random(
        self, *, film: str | None = None, theme: str | None = None, category: str | None = None
    ) -> LookupResult:
        self._call("random", (film, theme, category))
        if film is not None:
            result = await self.by_film(film, limit=1)
        elif theme is not None:
            result = await self.by_theme(theme, limit=1)
        elif category is not None:
            result = await self.by_category(category, limit=1)
        else:
            full = [p for p in self.posts.values() if not p.stub]
            if not full:
                return LookupResult(LookupKind.RANDOM, "", message="library.empty")
            return LookupResult(LookupKind.RANDOM, "", hits=(Hit(full[0], 1.0),), total=1)
        if not result.hits:
            return LookupResult(
                LookupKind.RANDOM,
                result.query,
                message="search.no_results",
                message_args={"query": result.query},
            )
        return LookupResult(LookupKind.RANDOM, result.query, hits=result.hits[:1], total=1)

    async def review(self, post_id: int) -> StoredPost | None:
        self._call("review", post_id)
        return self.posts.get(post_id)

    async def related(self, post_id: int, *, limit: int = 8) -> list[RelatedItem]:
        self._call("related", post_id)
        post = self.posts.get(post_id)
        if post is None:
            return []
        items = [
            RelatedItem(r.post_id, r.title, r.url, r.published, r.film, r.stub, RelatedOrigin.BLOG)
            for r in post.related
        ]
        for other in self.posts.values():
            if other.id != post_id and other.film_id == post.film_id and not other.stub:
                items.append(
                    RelatedItem(
                        other.id,
                        other.title,
                        other.url,
                        None,
                        other.film,
                        False,
                        RelatedOrigin.SIMILAR,
                    )
                )
        return items[:limit]

    async def film_choices(self, prefix: str, *, limit: int = 25) -> list[FilmChoice]:
        return []

    async def theme_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        return []

    async def category_choices(self, prefix: str, *, limit: int = 25) -> list[str]:
        return []

    async def remember_query(self, kind: str, query: str) -> str:
        self._call("remember_query", (kind, query))
        key = hashlib.sha256(f"{kind}\0{query}".encode()).hexdigest()[:12]
        self.queries[key] = (str(kind), query)
        return key

    async def recall_query(self, key: str) -> tuple[str, str] | None:
        self._call("recall_query", key)
        return self.queries.get(key)

    async def user_lang(self, user: str) -> str | None:
        if self.fail_lang:
            raise RuntimeError("no languages today")
        return self.langs.get(user)

    async def set_user_lang(self, user: str, lang: str) -> None:
        self._call("set_user_lang", (user, lang))
        self.langs[user] = lang

    def queried(self, name: str) -> list[object]:
        return [arg for call, arg in self.calls if call == name]
