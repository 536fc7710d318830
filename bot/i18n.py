"""User-facing text in Korean and English, chosen per user with an English fallback.

Messages live in one table so that a missing translation is a visible gap (falls back to
English, then to the key) instead of a crash in front of a user.
"""

from __future__ import annotations

import os
from typing import Final

LANGS: Final = ("ko", "en")
DEFAULT_LANG: Final = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "ingest.summary": {
        "en": "{sources} sources: {added} added, {updated} updated, {unchanged} unchanged, "
        "{failed} failed",
        "ko": "소스 {sources}개: 추가 {added}, 갱신 {updated}, "
        "변경 없음 {unchanged}, 실패 {failed}",
    },
    "ingest.progress": {"en": "Ingesting", "ko": "가져오는 중"},
    "ingest.failed": {"en": "failed", "ko": "실패"},
    "status.added": {"en": "added", "ko": "추가"},
    "status.updated": {"en": "updated", "ko": "갱신"},
    "status.unchanged": {"en": "unchanged", "ko": "변경 없음"},
    "show.not_found": {
        "en": "No post {ref} in the library.",
        "ko": "라이브러리에 {ref} 글이 없습니다.",
    },
    "list.empty": {"en": "The library is empty.", "ko": "라이브러리가 비어 있습니다."},
    "list.count": {"en": "{count} posts", "ko": "글 {count}개"},
    "col.id": {"en": "id", "ko": "번호"},
    "col.date": {"en": "date", "ko": "날짜"},
    "col.title": {"en": "title", "ko": "제목"},
    "col.film": {"en": "film", "ko": "영화"},
    "col.category": {"en": "category", "ko": "카테고리"},
    "label.stub": {"en": "not yet ingested", "ko": "아직 가져오지 않음"},
    "label.teaser": {"en": "teaser only", "ko": "요약만 있음"},
    "label.related": {"en": "Related posts", "ko": "관련 글"},
    "label.tags": {"en": "Tags", "ko": "태그"},
    "label.themes": {"en": "Themes", "ko": "주제"},
    "label.intro": {"en": "(intro)", "ko": "(도입)"},
    "label.comments": {"en": "{n} comments", "ko": "댓글 {n}"},
    "samples.loaded": {
        "en": "Loaded the built-in sample library ({count} posts).",
        "ko": "내장 샘플 라이브러리를 불러왔습니다 (글 {count}개).",
    },
    "alias.added": {
        "en": "{film} is now also known as {alias}.",
        "ko": "{film}의 별칭으로 {alias}을(를) 추가했습니다.",
    },
    "alias.no_film": {
        "en": "No film {film} in the library.",
        "ko": "라이브러리에 영화 {film}이(가) 없습니다.",
    },
    "error.prefix": {"en": "error", "ko": "오류"},
}


def normalize_lang(value: str | None) -> str:
    """``ko_KR.UTF-8``, ``ko-KR``, ``KO`` → ``ko``; anything unknown → the default."""
    if not value:
        return DEFAULT_LANG
    code = value.replace("-", "_").split("_")[0].split(".")[0].lower()
    return code if code in LANGS else DEFAULT_LANG


def system_lang() -> str:
    for name in ("REVIEWBOT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return normalize_lang(os.environ[name])
    return DEFAULT_LANG


def t(key: str, lang: str, /, **values: object) -> str:
    table = MESSAGES.get(key, {})
    template = table.get(lang) or table.get(DEFAULT_LANG) or key
    return template.format(**values)
