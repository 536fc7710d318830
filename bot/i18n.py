"""User-facing text in Korean and English, chosen per user with an English fallback.

Messages live in one table so that a missing translation is a visible gap (falls back to
English, then to the key) instead of a crash in front of a user.
"""

from __future__ import annotations

import logging
import os
from typing import Final

log = logging.getLogger(__name__)

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
    "library.preparing": {"en": "Preparing the library", "ko": "라이브러리 준비 중"},
    "run.none_enabled": {
        "en": "No chat platform is enabled: put a token in config.toml ([telegram] token or "
        "[discord] token) or set REVIEWBOT_TELEGRAM_TOKEN / REVIEWBOT_DISCORD_TOKEN. "
        "Opening the console bot instead.",
        "ko": "켜진 채팅 플랫폼이 없습니다. config.toml에 토큰([telegram] token 또는 "
        "[discord] token)을 넣거나 REVIEWBOT_TELEGRAM_TOKEN / REVIEWBOT_DISCORD_TOKEN을 "
        "설정하세요. 대신 콘솔 봇을 엽니다.",
    },
    "run.started": {
        "en": "{name}: running (Ctrl-C stops)",
        "ko": "{name}: 실행 중 (Ctrl-C로 종료)",
    },
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
    # --- messages the lookups name (bot/results.py: LookupResult.message) ---
    "query.empty": {
        "en": "Please type what to look for.",
        "ko": "찾을 내용을 입력해 주세요.",
    },
    "film.not_found": {
        "en": "No reviews of a film called “{query}”.",
        "ko": "‘{query}’ 영화의 리뷰를 찾지 못했어요.",
    },
    "film.choose": {
        "en": "Several films match “{query}”. Which one?",
        "ko": "‘{query}’에 해당하는 영화가 여러 편이에요. 골라 주세요.",
    },
    "film.did_you_mean": {"en": "Did you mean:", "ko": "혹시 이 영화를 찾으셨나요?"},
    "suggest.did_you_mean": {"en": "Did you mean:", "ko": "혹시 이것을 찾으셨나요?"},
    "theme.not_found": {
        "en": "No reviews about “{query}”.",
        "ko": "‘{query}’ 주제의 리뷰를 찾지 못했어요.",
    },
    "category.not_found": {
        "en": "No category “{query}”. /categories lists them.",
        "ko": "‘{query}’ 카테고리가 없어요. /categories 로 목록을 볼 수 있어요.",
    },
    "search.no_results": {
        "en": "Nothing found for “{query}”.",
        "ko": "‘{query}’ 검색 결과가 없어요.",
    },
    "search.relaxed": {
        "en": "No review has all of those words; these have some of them.",
        "ko": "모든 단어가 들어간 리뷰가 없어서 일부 단어가 맞는 리뷰를 보여 드려요.",
    },
    "library.empty": {
        "en": "The library has no reviews yet.",
        "ko": "아직 라이브러리에 리뷰가 없어요.",
    },
    "review.not_found": {
        "en": "There is no review #{id}.",
        "ko": "{id}번 리뷰가 없어요.",
    },
    # --- reply headlines and notes (bot/router.py) ---
    "results.film": {
        "en": "Reviews of “{query}” ({total})",
        "ko": "‘{query}’ 리뷰 {total}편",
    },
    "results.theme": {
        "en": "Reviews about “{query}” ({total})",
        "ko": "‘{query}’ 주제 리뷰 {total}편",
    },
    "results.category": {
        "en": "Category “{query}” ({total})",
        "ko": "‘{query}’ 카테고리 글 {total}편",
    },
    "results.text": {
        "en": "Results for “{query}” ({total})",
        "ko": "‘{query}’ 검색 결과 {total}건",
    },
    "results.random": {"en": "A review for you", "ko": "추천 리뷰"},
    "results.random_in": {
        "en": "A review for you: “{query}”",
        "ko": "‘{query}’ 추천 리뷰",
    },
    "film.searched_text": {
        "en": "No film called “{query}”, so here are reviews that mention it.",
        "ko": "‘{query}’ 영화는 없어서 본문에서 찾은 리뷰를 보여 드려요.",
    },
    "query.truncated": {
        "en": "Your message was long; only its first {n} characters were used.",
        "ko": "메시지가 길어서 앞부분 {n}자만 사용했어요.",
    },
    "page.out_of_range": {
        "en": "That page no longer exists; here is the last one.",
        "ko": "그 페이지는 이제 없어서 마지막 페이지를 보여 드려요.",
    },
    "categories.title": {"en": "Categories ({count})", "ko": "카테고리 {count}개"},
    "categories.more": {
        "en": "…and {count} more. /category NAME opens any of them.",
        "ko": "…외 {count}개. /category 이름 으로 열 수 있어요.",
    },
    "sections.title": {"en": "Sections: {title}", "ko": "섹션 · {title}"},
    "sections.none": {
        "en": "This review is not divided into sections.",
        "ko": "이 리뷰는 섹션으로 나뉘어 있지 않아요.",
    },
    "sections.stub": {
        "en": "This post is not in the library yet; read it at its link.",
        "ko": "아직 가져오지 않은 글이에요. 링크에서 읽어 보세요.",
    },
    "related.title": {"en": "Related: {title}", "ko": "관련 글 · {title}"},
    "similar.title": {"en": "More like: {title}", "ko": "비슷한 리뷰 · {title}"},
    "related.none": {"en": "No related posts.", "ko": "관련 글이 없어요."},
    "related.blog": {"en": "From the blog", "ko": "블로그의 관련 글"},
    "related.similar": {"en": "More like this", "ko": "비슷한 리뷰"},
    "action.invalid": {
        "en": "I don't know that button. Please ask again.",
        "ko": "알 수 없는 버튼이에요. 다시 물어봐 주세요.",
    },
    "action.expired": {
        "en": "That button has expired. Please search again.",
        "ko": "오래된 버튼이에요. 다시 검색해 주세요.",
    },
    "command.unknown": {
        "en": "I don't know the command {command}. /help lists what I can do.",
        "ko": "{command} 명령어는 몰라요. /help 로 명령어를 볼 수 있어요.",
    },
    "lang.set": {
        "en": "I'll answer in English from now on.",
        "ko": "이제부터 한국어로 답할게요.",
    },
    "lang.name": {"en": "English", "ko": "한국어"},
    "error.sorry": {
        "en": "Sorry, something went wrong. Please try again in a moment.",
        "ko": "죄송해요, 문제가 생겼어요. 잠시 후 다시 시도해 주세요.",
    },
    "start.welcome": {
        "en": "Hi! I find film reviews from blogs for you.",
        "ko": "안녕하세요! 블로그의 영화 리뷰를 찾아 드려요.",
    },
    "help.title": {"en": "What I can do:", "ko": "이렇게 물어보세요:"},
    "help.plain": {
        "en": "Or just type a film title.",
        "ko": "명령어 없이 영화 제목만 써도 돼요.",
    },
    # --- usage lines: shown when an argument is missing or wrong ---
    "usage.film": {
        "en": "Usage: /film TITLE — e.g. /film Parasite",
        "ko": "사용법: /film 영화 제목 — 예: /film 기생충",
    },
    "usage.theme": {
        "en": "Usage: /theme WORD — e.g. /theme family",
        "ko": "사용법: /theme 주제 — 예: /theme 가족",
    },
    "usage.category": {
        "en": "Usage: /category NAME — /categories lists them",
        "ko": "사용법: /category 카테고리 — 목록은 /categories",
    },
    "usage.search": {
        "en": "Usage: /search WORDS — e.g. /search rain and class",
        "ko": "사용법: /search 검색어 — 예: /search 비 오는 날 계급",
    },
    "usage.review": {
        "en": "Usage: /review NUMBER — e.g. /review 12",
        "ko": "사용법: /review 번호 — 예: /review 12",
    },
    "usage.sections": {
        "en": "Usage: /sections NUMBER — e.g. /sections 12",
        "ko": "사용법: /sections 번호 — 예: /sections 12",
    },
    "usage.related": {
        "en": "Usage: /related NUMBER — e.g. /related 12",
        "ko": "사용법: /related 번호 — 예: /related 12",
    },
    "usage.random": {
        "en": "Usage: /random, or /random film:TITLE, theme:WORD, category:NAME",
        "ko": "사용법: /random, 또는 /random 영화:제목, 주제:단어, 카테고리:이름",
    },
    "usage.lang": {
        "en": "Usage: /lang ko or /lang en (now: {current})",
        "ko": "사용법: /lang ko 또는 /lang en (지금: {current})",
    },
    # --- /help lines and the command menu (descriptions: short, Telegram shows them) ---
    "cmd.film": {"en": "reviews of a film", "ko": "영화 제목으로 리뷰 찾기"},
    "cmd.theme": {"en": "reviews about a theme", "ko": "주제로 리뷰 찾기"},
    "cmd.category": {"en": "posts in a category", "ko": "카테고리의 글 보기"},
    "cmd.categories": {"en": "list the categories", "ko": "카테고리 목록"},
    "cmd.search": {"en": "search the review texts", "ko": "리뷰 본문 검색"},
    "cmd.review": {"en": "one review with its summary", "ko": "리뷰 하나와 요약 보기"},
    "cmd.sections": {"en": "a review's sections", "ko": "리뷰의 섹션별 발췌"},
    "cmd.related": {"en": "posts related to a review", "ko": "리뷰의 관련 글"},
    "cmd.random": {"en": "a review to read now", "ko": "리뷰 추천 받기"},
    "cmd.lang": {"en": "answer in Korean or English", "ko": "답하는 언어 바꾸기"},
    "cmd.help": {"en": "this help", "ko": "도움말"},
    "cmd.start": {"en": "start", "ko": "시작"},
    "args.title": {"en": "TITLE", "ko": "제목"},
    "args.word": {"en": "WORD", "ko": "주제"},
    "args.name": {"en": "NAME", "ko": "이름"},
    "args.words": {"en": "WORDS", "ko": "검색어"},
    "args.number": {"en": "NUMBER", "ko": "번호"},
    "args.random": {"en": "[theme:WORD]", "ko": "[주제:단어]"},
    "args.lang": {"en": "ko|en", "ko": "ko|en"},
    # --- button labels ---
    "action.review": {"en": "Review", "ko": "리뷰 보기"},
    "action.sections": {"en": "Sections", "ko": "섹션"},
    "action.related": {"en": "Related", "ko": "관련 글"},
    "action.more_like_this": {"en": "More like this", "ko": "비슷한 리뷰"},
    "action.next": {"en": "Next ▶", "ko": "다음 ▶"},
    "action.prev": {"en": "◀ Previous", "ko": "◀ 이전"},
    "action.open": {"en": "Open post", "ko": "원문 보기"},
    "action.another": {"en": "Another one", "ko": "다른 추천"},
    # --- labels renderers use ---
    "label.reviews": {"en": "{count} reviews", "ko": "리뷰 {count}편"},
    "label.posts": {"en": "{count} posts", "ko": "글 {count}편"},
    "label.page": {"en": "page {number} of {total}", "ko": "{number}/{total}쪽"},
    "label.score": {"en": "score", "ko": "점수"},
    "label.summary": {"en": "Summary", "ko": "요약"},
    # --- the console bot ---
    "console.hint": {
        "en": "Type a command (/help) or a film title; a number picks a button; /quit exits.",
        "ko": "명령어(/help)나 영화 제목을 입력하세요. 숫자로 버튼을 고르고, /quit 으로 끝냅니다.",
    },
    "console.bye": {"en": "Bye!", "ko": "안녕히 가세요!"},
    "console.interrupted": {"en": "Interrupted.", "ko": "중단했어요."},
    "console.link": {"en": "Link: {url}", "ko": "링크: {url}"},
    "console.adapter_missing": {
        "en": "the console adapter is not installed (pip install -e .)",
        "ko": "콘솔 어댑터가 설치되어 있지 않습니다 (pip install -e .)",
    },
    # --- the Discord adapter: slash command names, options, menus (adapters/discord) ---
    # Names must be lower case, 1-32 letters, digits, - or _ (Discord's rule; Korean allowed).
    "discord.name.film": {"en": "film", "ko": "영화"},
    "discord.name.theme": {"en": "theme", "ko": "주제"},
    "discord.name.category": {"en": "category", "ko": "카테고리"},
    "discord.name.categories": {"en": "categories", "ko": "카테고리목록"},
    "discord.name.search": {"en": "search", "ko": "검색"},
    "discord.name.review": {"en": "review", "ko": "리뷰"},
    "discord.name.sections": {"en": "sections", "ko": "섹션"},
    "discord.name.related": {"en": "related", "ko": "관련글"},
    "discord.name.random": {"en": "random", "ko": "추천"},
    "discord.name.lang": {"en": "lang", "ko": "언어"},
    "discord.name.help": {"en": "help", "ko": "도움말"},
    "discord.name.subscribe": {"en": "subscribe", "ko": "구독"},
    "discord.name.unsubscribe": {"en": "unsubscribe", "ko": "구독취소"},
    "discord.name.subscriptions": {"en": "subscriptions", "ko": "구독목록"},
    "discord.name.digest": {"en": "digest", "ko": "오늘의리뷰"},
    "discord.name.status": {"en": "status", "ko": "상태"},
    "discord.option.title": {"en": "title", "ko": "제목"},
    "discord.option.theme": {"en": "theme", "ko": "주제"},
    "discord.option.name": {"en": "name", "ko": "이름"},
    "discord.option.words": {"en": "words", "ko": "검색어"},
    "discord.option.number": {"en": "number", "ko": "번호"},
    "discord.option.film": {"en": "film", "ko": "영화"},
    "discord.option.category": {"en": "category", "ko": "카테고리"},
    "discord.option.language": {"en": "language", "ko": "언어"},
    "discord.option.time": {"en": "time", "ko": "시각"},
    "discord.option.timezone": {"en": "timezone", "ko": "시간대"},
    "discord.option.filter": {"en": "filter", "ko": "필터"},
    "discord.option.mode": {"en": "mode", "ko": "방식"},
    "discord.option.enable": {"en": "enable", "ko": "다시켜기"},
    "discord.choice.daily": {"en": "daily: one review a day", "ko": "매일 리뷰 한 편"},
    "discord.choice.new": {"en": "new: every new post", "ko": "새 글이 올라올 때마다"},
    "discord.choice.all": {"en": "all", "ko": "전부"},
    # Descriptions: at most 100 characters.
    "discord.describe.title": {
        "en": "A film title; typos, initial consonants (ㄱㅅㅊ) and English titles work",
        "ko": "영화 제목 — 오타, 초성(ㄱㅅㅊ), 영어 제목도 알아들어요",
    },
    "discord.describe.theme": {"en": "A theme, e.g. family", "ko": "주제 — 예: 가족"},
    "discord.describe.name": {
        "en": "A category, e.g. Reviews > Korean films",
        "ko": "카테고리 — 예: 리뷰 > 한국영화",
    },
    "discord.describe.words": {
        "en": "Words to look for in the review texts",
        "ko": "리뷰 본문에서 찾을 단어",
    },
    "discord.describe.number": {
        "en": "The review's number (shown as #12 on its card)",
        "ko": "리뷰 번호 (카드에 #12처럼 보여요)",
    },
    "discord.describe.random_film": {
        "en": "Only reviews of this film",
        "ko": "이 영화의 리뷰 중에서",
    },
    "discord.describe.random_theme": {
        "en": "Only reviews about this theme",
        "ko": "이 주제의 리뷰 중에서",
    },
    "discord.describe.random_category": {
        "en": "Only reviews in this category",
        "ko": "이 카테고리의 리뷰 중에서",
    },
    "discord.describe.language": {
        "en": "The language of my answers",
        "ko": "답하는 언어",
    },
    "discord.describe.time": {
        "en": "When to send it, as HH:MM, e.g. 08:30",
        "ko": "보낼 시각 (시:분) — 예: 08:30",
    },
    "discord.describe.timezone": {
        "en": "A time zone, e.g. Asia/Seoul or Europe/London",
        "ko": "시간대 — 예: Asia/Seoul",
    },
    "discord.describe.filter": {
        "en": "Only these: theme:family, category:name or film:title (a word alone is a theme)",
        "ko": "이런 리뷰만: theme:가족, category:카테고리, film:제목 (단어만 쓰면 주제)",
    },
    "discord.describe.enable": {
        "en": "A disabled source's URL to watch again (the bot's admins only)",
        "ko": "다시 지켜볼 꺼진 소스의 URL (봇 관리자만)",
    },
    "discord.describe.mode": {
        "en": "One review a day (default), or a card for every new post",
        "ko": "하루 한 편(기본) 또는 새 글마다",
    },
    "discord.describe.unsubscribe_mode": {
        "en": "Which subscription to stop (default: all)",
        "ko": "그만둘 구독 (기본: 전부)",
    },
    # Select menu placeholders (at most 150 characters), one per kind of button they hold.
    "discord.select.review": {"en": "Open a review…", "ko": "리뷰 열기…"},
    "discord.select.sections": {
        "en": "See the sections of a review…",
        "ko": "섹션을 볼 리뷰 고르기…",
    },
    "discord.select.related": {
        "en": "See posts related to a review…",
        "ko": "관련 글을 볼 리뷰 고르기…",
    },
    "discord.select.more_like_this": {
        "en": "More like a review…",
        "ko": "비슷한 리뷰 찾기…",
    },
    "discord.select.pick_film": {"en": "Pick a film…", "ko": "영화 고르기…"},
    "discord.select.pick_category": {"en": "Open a category…", "ko": "카테고리 열기…"},
    "discord.select.suggestion": {"en": "Did you mean…", "ko": "혹시 이것을 찾으셨나요…"},
    "discord.select.more": {
        "en": "{placeholder} ({number}/{total})",
        "ko": "{placeholder} ({number}/{total})",
    },
    "discord.error.bad_input": {
        "en": "I could not read that option. Please check it and try again.",
        "ko": "입력한 값을 읽지 못했어요. 확인하고 다시 시도해 주세요.",
    },
    # --- the Telegram adapter ---
    "telegram.open_in_bot": {"en": "Open in the bot", "ko": "봇에서 보기"},
    "telegram.read_more": {"en": "Read more", "ko": "더 읽기"},
    "telegram.inline_hint": {
        "en": "Type a film title, or tap here for help",
        "ko": "영화 제목을 입력하거나 여기를 눌러 도움말 보기",
    },
    "telegram.inline_none": {
        "en": "No reviews found: tap here to ask the bot",
        "ko": "리뷰를 찾지 못했어요: 여기를 눌러 봇에게 물어보기",
    },
}


# --- the daily digest (bot/digest): subscribe., digest., status. ----------------------------------
MESSAGES.update(
    {
        "subscribe.cmd": {
            "en": "a review every day at your hour",
            "ko": "매일 정한 시각에 리뷰 받기",
        },
        "subscribe.cmd_stop": {"en": "stop the digest", "ko": "구독 그만하기"},
        "subscribe.cmd_list": {"en": "what this chat gets", "ko": "이 채팅의 구독"},
        "digest.cmd": {"en": "today's pick, now", "ko": "오늘의 리뷰 지금 보기"},
        "status.cmd": {
            "en": "sources and digest status (admins)",
            "ko": "소스와 구독 상태 (관리자)",
        },
        "subscribe.args": {
            "en": "[HH:MM] [time zone] [new] [theme:…]",
            "ko": "[시:분] [시간대] [new] [theme:…]",
        },
        "subscribe.args_unsubscribe": {"en": "[daily|new]", "ko": "[daily|new]"},
        "subscribe.usage": {
            "en": "Usage: /subscribe [HH:MM] [time zone] [theme:word | category:name | film:title]"
            " — e.g. /subscribe 08:30 Asia/Seoul theme:family. /subscribe new: every new post.",
            "ko": "사용법: /subscribe [시:분] [시간대] [theme:주제 | category:카테고리 | film:제목]"
            " — 예: /subscribe 08:30 Asia/Seoul theme:가족. /subscribe new는 새 글마다 보내요.",
        },
        "subscribe.usage_stop": {
            "en": "Usage: /unsubscribe (everything), /unsubscribe daily or /unsubscribe new",
            "ko": "사용법: /unsubscribe (전체), /unsubscribe daily 또는 /unsubscribe new",
        },
        "subscribe.bad_arg": {
            "en": "I did not understand {arg!r}. Usage: /subscribe [HH:MM] [time zone] [theme:…]",
            "ko": "{arg!r}을(를) 이해하지 못했어요. 사용법: /subscribe [시:분] [시간대] [theme:…]",
        },
        "subscribe.bad_zone": {
            "en": "{arg} is not a time zone I know; use an IANA name such as Asia/Seoul or "
            "Europe/London.",
            "ko": "{arg}은(는) 알 수 없는 시간대예요. "
            "Asia/Seoul, Europe/London 같은 이름을 써 주세요.",
        },
        "subscribe.admins_only": {
            "en": "Only this chat's admins can change its subscriptions.",
            "ko": "이 채팅의 구독은 관리자만 바꿀 수 있어요.",
        },
        "subscribe.done": {
            "en": "Subscribed: one review every day at {time} ({zone}){filter}.",
            "ko": "구독했어요: 매일 {time}({zone})에 리뷰 하나{filter}.",
        },
        "subscribe.done_new": {
            "en": "Subscribed: a card for every new post{filter}.",
            "ko": "구독했어요: 새 글마다 카드를 보내요{filter}.",
        },
        "subscribe.filter": {"en": ", only {filter}", "ko": ", {filter}만"},
        "subscribe.line": {
            "en": "Daily at {time} ({zone}){filter}",
            "ko": "매일 {time} ({zone}){filter}",
        },
        "subscribe.line_new": {"en": "Every new post{filter}", "ko": "새 글마다{filter}"},
        "subscribe.paused": {
            "en": "paused (the bot could not post here; /subscribe again to resume)",
            "ko": "일시 중지됨 (여기에 글을 보낼 수 없었어요; 다시 /subscribe 하면 재개)",
        },
        "subscribe.list_title": {
            "en": "This chat's subscriptions ({count}):",
            "ko": "이 채팅의 구독 ({count}개):",
        },
        "subscribe.none": {
            "en": "This chat has no subscriptions. /subscribe starts a daily review.",
            "ko": "이 채팅에는 구독이 없어요. /subscribe로 매일 리뷰를 받아 보세요.",
        },
        "subscribe.stopped": {"en": "Unsubscribed.", "ko": "구독을 해지했어요."},
        "digest.unavailable": {
            "en": "The daily digest is not available here.",
            "ko": "여기서는 오늘의 리뷰를 쓸 수 없어요.",
        },
        "digest.headline": {"en": "Today's review", "ko": "오늘의 리뷰"},
        "digest.new_post": {"en": "New review", "ko": "새 리뷰"},
        "digest.tick_sent": {
            "en": "{platform} {chat}: sent post {post} (message {message})",
            "ko": "{platform} {chat}: 글 {post} 보냄 (메시지 {message})",
        },
        "digest.tick_would": {
            "en": "{platform} {chat}: would send post {post}",
            "ko": "{platform} {chat}: 글 {post}을(를) 보낼 예정",
        },
        "digest.tick_other": {
            "en": "{platform} {chat}: {status} {error}",
            "ko": "{platform} {chat}: {status} {error}",
        },
        "digest.tick_summary": {
            "en": "digest tick at {at}: {summary}",
            "ko": "다이제스트 실행 {at}: {summary}",
        },
        "digest.tick_dry": {
            "en": "No chat platform is enabled: nothing was sent; this is what would be.",
            "ko": "켜진 채팅 플랫폼이 없어 보내지 않았어요. 보냈을 내용은 다음과 같아요.",
        },
        "digest.bad_now": {
            "en": "--now must be an ISO 8601 time, e.g. 2025-03-09T09:00+09:00 (without an "
            "offset: this machine's local time)",
            "ko": "--now는 ISO 8601 시각이어야 해요. 예: 2025-03-09T09:00+09:00 "
            "(오프셋이 없으면 이 컴퓨터의 현지 시각)",
        },
        "status.title": {"en": "Digest status", "ko": "다이제스트 상태"},
        "status.admins_only": {
            "en": "Only admins can see the status.",
            "ko": "상태는 관리자만 볼 수 있어요.",
        },
        "status.operators_only": {
            "en": "Only the bot's admins can see the status here. To be one, add your id "
            "{user} to admins in the [{platform}] section of the config.",
            "ko": "여기서는 봇 관리자만 상태를 볼 수 있어요. 설정 파일의 [{platform}] 항목 "
            "admins에 내 ID {user}를 넣으면 관리자가 돼요.",
        },
        "status.library": {"en": "Library: {count} reviews", "ko": "라이브러리: 리뷰 {count}개"},
        "status.subscriptions": {
            "en": "Subscriptions: {daily} daily, {new} new-post, {paused} paused",
            "ko": "구독: 매일 {daily}, 새 글 {new}, 일시 중지 {paused}",
        },
        "status.paused_chat": {
            "en": "Paused: {chat} — {reason}",
            "ko": "일시 중지: {chat} — {reason}",
        },
        "status.last_tick": {
            "en": "Last digest run: {at} UTC ({sent} sent, {failed} failed)",
            "ko": "마지막 실행: {at} UTC (보냄 {sent}, 실패 {failed})",
        },
        "status.day": {
            "en": "Last 24 h: {sent} sent, {pending} in progress, {failed} failed, "
            "{gone} to chats that removed the bot",
            "ko": "최근 24시간: 보냄 {sent}, 보내는 중 {pending}, 실패 {failed}, "
            "봇을 내보낸 채팅 {gone}",
        },
        "status.uncertain": {
            "en": "{count} cut off mid-send when the bot stopped: perhaps delivered, not sent "
            "again (set [digest] resend_uncertain = true to resend instead)",
            "ko": "{count}개는 봇이 멈출 때 보내는 도중이었어요: 전달됐을 수 있어 다시 보내지 "
            "않았어요 (다시 보내려면 [digest] resend_uncertain = true)",
        },
        "status.never_ran": {"en": "The digest has not run yet.", "ko": "아직 실행된 적이 없어요."},
        "status.source": {
            "en": "{url}: last success {success}, errors {errors} in a row ({total} in all)",
            "ko": "{url}: 마지막 성공 {success}, 연속 오류 {errors} (전체 {total})",
        },
        "status.source_disabled": {
            "en": "{url}: DISABLED after {errors} errors in a row ({error}); last success "
            "{success}. /status enable {url} turns it back on",
            "ko": "{url}: 연속 오류 {errors}번으로 꺼짐 ({error}); 마지막 성공 {success}. "
            "/status 켜기 {url} 로 다시 켤 수 있어요",
        },
        "status.source_pending": {"en": "{url}: not checked yet", "ko": "{url}: 아직 확인 전"},
        "status.args": {"en": "[enable URL]", "ko": "[켜기 URL]"},
        "status.enable_usage": {
            "en": "Usage: /status enable URL — watch a disabled source again.",
            "ko": "사용법: /status 켜기 URL — 꺼진 소스를 다시 지켜봐요.",
        },
        "status.enable_operators_only": {
            "en": "Only the bot's admins can turn a source back on.",
            "ko": "소스를 다시 켜는 건 봇 관리자만 할 수 있어요.",
        },
        "status.enable_unknown": {
            "en": "No watched source has the address {url}. /status lists them.",
            "ko": "{url} 주소의 소스는 없어요. /status에서 목록을 볼 수 있어요.",
        },
        "status.enabled": {
            "en": "{url} is watched again from the next check.",
            "ko": "{url} 소스를 다음 확인부터 다시 지켜봐요.",
        },
        "status.no_sources": {
            "en": "No sources are watched ([[sources]] in config.toml).",
            "ko": "지켜보는 소스가 없어요 (config.toml의 [[sources]]).",
        },
    }
)


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


class _Blank(dict[str, object]):
    """Format values where a missing placeholder becomes empty instead of a KeyError."""

    def __missing__(self, key: str) -> str:
        log.warning("i18n: no value for {%s}", key)
        return ""


def t(key: str, lang: str, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (else English, else the key itself), filled in.

    Never raises: a message is often shown while something else already went wrong, and a
    placeholder a caller forgot (or a stray brace in a template) must not turn a helpful reply
    into a crash. Values are inserted as they are; they are not parsed as templates.
    """
    table = MESSAGES.get(key, {})
    template = table.get(lang) or table.get(DEFAULT_LANG) or key
    try:
        return template.format_map(_Blank(values))
    except (ValueError, IndexError, AttributeError, TypeError):
        log.warning("i18n: bad template for %s", key)
        return template


def has(key: str) -> bool:
    """Whether ``key`` is a known message (lookups may name keys the table lacks)."""
    return key in MESSAGES
