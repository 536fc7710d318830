"""Understanding post titles: which film a review is about, its year and its theme keywords.

Bloggers follow a loose grammar rather than a format::

    [label] FILM (year | original title | keyword list | note) generic-words keywords / extra

Labels are bracketed generic words (``[영화]``, ``<영화리뷰>``); the film may be bracketed
(``<괴물>``, ``《살인의 추억》``), quoted (``'벌새'``) or bare; generic words (리뷰, 후기, review)
end a bare film name; a keyword list comes in parentheses or after the generic words; whatever
follows `` / `` or `` - `` is a director or a blog name unless it is a keyword list. A dash
between two runs of English title words is the film's own (``Mission: Impossible - Dead
Reckoning``), see :func:`_title_dash`. The parser reads that structure instead of matching known
titles, so titles it has never seen still work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.textnorm import clean_line, normalize_key, normalize_theme, strip_emoji


@dataclass(frozen=True, slots=True)
class TitleInfo:
    """What a title says about its film. ``aliases`` are other names given in parentheses."""

    film: str | None
    year: int | None
    themes: tuple[str, ...]
    aliases: tuple[str, ...] = ()


MAX_FILM_CHARS = 60
_MIN_YEAR, _MAX_YEAR = 1880, 2100

# --- vocabulary -------------------------------------------------------------------------------

# Words that say "this is a review" rather than naming anything. Matched against a token's
# normalize_key, so "영화리뷰", "결말해석", "솔직후기" (glued compounds) are generic too.
_STRONG_GENERIC = re.compile(
    r"(?:영화|리뷰|후기|감상문|감상평|감상|솔직|관람평|재관람|관람|재개봉|재감상|시사회|결말|해석"
    r"|스포일러|스포|노스포|약스포"
    r"|정보|쿠키|줄거리|평점|총평|reviews?|spoilers?|recap)+"
)
# Weak words: stripped at the edges of a bare film name but never end it ("영화 괴물",
# "넷플릭스 영화 길복순"). English "movie"/"film" only in lower case, so that "The Lego Movie"
# keeps its last word.
_WEAK_GENERIC = re.compile(
    r"(?:한국|외국|해외|독립|단편|애니메이션|애니)?영화|넷플릭스|왓챠|티빙|웨이브|쿠팡플레이"
    r"|디즈니플러스|디즈니|애플티비|오리지널"
)
_WEAK_ENGLISH = frozenset({"movie", "film", "movies", "films", "netflix", "Netflix"})
# Words that only make sense next to a generic word: "스포 있음", "결말 포함", "해석 및 쿠키".
_CONNECTORS = frozenset({"및", "있음", "없음", "포함", "주의", "약간", "다수", "o", "x", "and"})
# English words that describe the post rather than name anything ("My Honest Review", "A
# Spoiler-Free Review", "My Thoughts"); matched by normalize_key. They only tell a " - Full
# Review" label from a " - Fallout review" subtitle; in _CONNECTORS or _STRONG_GENERIC they would
# cut or drop films called "Honest", "Final" or "Reaction".
_REVIEW_MODIFIERS = frozenset(
    {
        "my", "our", "a", "an", "the", "full", "quick", "short", "mini", "brief", "honest",
        "final", "first", "initial", "personal", "indepth", "detailed", "spoilerfree",
        "nonspoiler", "spoilerless", "no", "thoughts", "impressions", "reaction", "verdict",
        "take", "opinion", "opinions", "rating",
    }
)  # fmt: skip
# Words that make the text after a dash a blog or channel name, whatever its case: "Past Lives -
# My Film Blog", "Dune - Netflix". Film subtitles after a dash do not carry them.
_BLOG_WORDS = frozenset(
    {"blog", "blogger", "vlog", "podcast", "movie", "movies", "film", "films", "netflix"}
)
# Title-case exceptions: English short words a title keeps in lower case ("Guardians of the
# Galaxy"), so that they do not make a dash's right side read as a sentence.
_SMALL_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for",
        "with", "from", "by", "as", "into", "vs", "via", "per",
    }
)  # fmt: skip
_ARTICLES = frozenset({"the", "a", "an"})
# "Movie"/"Film" before a review word: a label in "Past Lives Movie Review", a name in "The Lego
# Movie review"; see _movie_is_label.
_MOVIE_WORDS = frozenset({"movie", "film"})
# Extra words seen only inside label brackets: [추천], <신작>, [넷플릭스 시리즈].
_LABEL_ONLY = frozenset(
    {"추천", "신작", "개봉작", "개봉", "재개봉", "시리즈", "드라마", "다큐", "다큐멘터리", "극장판"}
)
# Parenthesised notes that are neither themes nor names.
_NOTE = re.compile(
    r"스포|spoil|감독|주연|출연|directed|재관람|재감상|\d+회차|\d+차관람|n차|★|☆|\d+(?:\.\d+)?점"
    r"|\d+(?:\.\d+)?/(?:5|10|100)\b"
)
# A title about several films or about watching in general, not one film.
_NO_FILM = re.compile(
    r"모음|모아보기|총정리|결산|목록|리스트|추천|순위|베스트|상반기|하반기|연말|올해의|이번\s*주"
    r"|이번\s*달|지난\s*주|지난\s*달|주간|월간|(?:영화|작품|리뷰|후기)들|\d+\s*선\b"
    r"|\b(?:top|best)\s*\d+|\brecap\b|\broundup\b|\bwatchlist\b|\bwhat i watched\b",
    re.IGNORECASE,
)
# Verbs of watching, which make a bare phrase a sentence ("이번 주에 본 영화들") — but only
# after the first word, since "본 얼티메이텀" is a film.
_WATCHING = frozenset({"본", "봤다", "봤던", "보고", "보고나서", "봤어요"})

# An HTML-looking bracket: <br>, </p>, <a href=…>, <!-- … -->.
_HTML_TAGS = frozenset(
    {
        "a", "abbr", "b", "br", "center", "dd", "div", "dl", "dt", "em", "figure", "figcaption",
        "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "li", "ol", "p",
        "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "tr",
        "u", "ul", "video", "script", "style",
    }
)  # fmt: skip
_HTML_ISH = re.compile(r"^[/!?%]|=|https?:|^\w+\s*/$", re.IGNORECASE)

# --- title pieces -----------------------------------------------------------------------------

# One structural piece of a title. Group names map to piece kinds in _KINDS.
_PIECE = re.compile(
    r"""
      <(?P<angle>[^<>]{1,100})>                 # <괴물>
    | 《(?P<dangle>[^《》]{1,100})》            # 《살인의 추억》
    | 〈(?P<sangle>[^〈〉]{1,100})〉            # 〈벌새〉
    | 「(?P<corner>[^「」]{1,100})」            # 「괴물」
    | 『(?P<wcorner>[^『』]{1,100})』           # 『괴물』
    | [\[【〔](?P<square>[^\[\]【】〔〕]{1,100})[\]】〕]   # [영화] labels, rarely a film
    | \((?P<paren>[^()]{1,100})\)               # (2018), (가족, 재난), (The Host, 2006)
      # 'quoted': the opening quote must not follow a letter and the closing one must not
      # precede one, so the apostrophe in "Schindler's List" is not a quote.
    | (?<![\w'’])['‘](?=\S)(?P<squote>.{1,100}?)(?<=\S)['’](?!\w)
    | (?<!\w)["“](?=\S)(?P<dquote>[^"“”]{1,100}?)(?<=\S)["”](?!\w)
      # separators before a director or blog name: " / ", " | ", " - ", " — ", "::"
    | (?P<sep>\s+/\s+|\s*\|\s*|\s*::\s*|\s+[-–—]+\s+|\s*[—–]\s*)
    """,
    re.VERBOSE,
)
_KINDS = {
    "angle": "bracket",
    "dangle": "bracket",
    "sangle": "bracket",
    "corner": "bracket",
    "wcorner": "bracket",
    "square": "square",
    "paren": "paren",
    "squote": "quote",
    "dquote": "quote",
    "sep": "sep",
}
# "(2018)", "(2018년)", "(2018년 개봉)", "(2018작)"
_YEAR = re.compile(r"((?:18[89]|19\d|20\d)\d)\s*년?\s*(?:개봉|작)?")
# List separators inside a keyword list or a parenthesis.
_LIST_SEP = re.compile(r"\s*[,，、·・/]\s*")
# "#가족 #재난" hashtags anywhere in a title.
_HASHTAG = re.compile(r"(?<![\w&])#([^\s#,()\[\]<>]+)")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_EDGE_PUNCT = " :;,.·|~-–—_/\\'\"“”‘’"


@dataclass(frozen=True, slots=True)
class _Piece:
    """A piece of a title; a separator keeps its spaces so that a dash kept in a film reads as
    written (``Impossible - Dead``, ``Impossible–Dead``)."""

    kind: str  # "text", "bracket", "quote", "square", "paren", "sep"
    text: str


def _pieces(text: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    pos = 0
    for m in _PIECE.finditer(text):
        kind = _KINDS[m.lastgroup or "sep"]
        content = m.group(m.lastgroup or "sep")
        # "(500)일의 썸머": a parenthesis glued to the next word is part of the name.
        glued = m.end() < len(text) and text[m.end()].isalnum()
        if kind == "paren" and glued and not _YEAR.fullmatch(content.strip()):
            continue
        if m.start() > pos:
            pieces.append(_Piece("text", text[pos : m.start()]))
        pieces.append(_Piece(kind, content if kind == "sep" else content.strip()))
        pos = m.end()
    if pos < len(text):
        pieces.append(_Piece("text", text[pos:]))
    return pieces


# --- word classes -----------------------------------------------------------------------------


def _key(token: str) -> str:
    return normalize_key(token)


def _is_strong(token: str) -> bool:
    key = _key(token)
    return bool(key) and _STRONG_GENERIC.fullmatch(key) is not None and not _is_weak(token)


def _is_weak(token: str) -> bool:
    key = _key(token)
    if not key:
        return False
    if _WEAK_GENERIC.fullmatch(key):
        return True
    return token.strip(_EDGE_PUNCT) in _WEAK_ENGLISH  # lower case only, see _WEAK_GENERIC


def _is_generic(token: str) -> bool:
    return _is_strong(token) or _is_weak(token)


def _is_generic_phrase(text: str) -> bool:
    """True when every word is generic ("영화 리뷰", "스포 있음", "결말 해석 및 쿠키")."""
    tokens = text.split()
    if not tokens or not _is_generic(tokens[0]):
        return False
    return all(_is_generic(t) or _key(t) in _CONNECTORS for t in tokens)


def _is_label(text: str) -> bool:
    """A bracket that labels the post instead of naming the film: [영화], <영화리뷰>, [넷플릭스]."""
    tokens = text.split()
    return bool(tokens) and all(
        _is_generic(t) or _key(t) in _CONNECTORS or _key(t) in _LABEL_ONLY or _NOTE.search(t)
        for t in tokens
    )


def _year_of(text: str) -> int | None:
    m = _YEAR.fullmatch(text.strip())
    if m is None:
        return None
    year = int(m.group(1))
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


def _script(text: str) -> str:
    if _HANGUL.search(text):
        return "hangul"
    return "latin" if _LATIN.search(text) else "other"


# --- the film name ----------------------------------------------------------------------------


def _clean_film(text: str) -> str | None:
    film = strip_emoji(clean_line(text)).strip(_EDGE_PUNCT)
    if not film or len(film) > MAX_FILM_CHARS or not any(c.isalnum() for c in film):
        return None
    return film


@dataclass(frozen=True, slots=True)
class _Run:
    """A bare film candidate and what follows it in the same run of text."""

    film: str | None
    residue: str
    introduced: bool  # the residue came after "리뷰:" / "review:", so one keyword counts


def _first_letter(token: str) -> str:
    return next((c for c in token if c.isalnum()), "")


def _capitalised(token: str) -> bool:
    """Upper case or a number; Hangul has no case and is never capitalised."""
    first = _first_letter(token)
    return first.isdigit() or (first.isupper() and first.isascii())


def _movie_is_label(name: list[str], review_word: str) -> bool:
    """Whether a capitalised "Movie"/"Film" ending ``name`` right before a review word is a label.

    Lower-case "movie" is always a label (``_WEAK_ENGLISH``); a capital is meaningful only when
    the review word after it is lower case: "The Lego Movie review" capitalises Movie as part of a
    name. In a Title Case heading ("Past Lives Movie Review") or before a Korean review word
    (which has no case) the capital says nothing, and then:

    * an article at the start or right before the word makes it a name — "The Lego Movie",
      "A Minecraft Movie", "Jackass: The Movie", "This Is Not a Film" — so "The Lego Movie
      Review" keeps it even though "The Batman Movie Review" is then wrong: many films are
      named "The … Movie" (Lego, Simpsons, Peanuts, Super Mario Bros.), and "The Batman movie
      review" in lower case still loses the word;
    * a single word left ("Bee Movie Review", "Scary Movie Review", "Barbie Movie Review") keeps
      it: that is where the spoof and animated "X Movie" titles live, and stripping would leave a
      bare common word ("Bee", "Scary") that names another film, whereas "Barbie Movie" still
      starts with the real name and a prefix lookup finds it;
    * otherwise ("Past Lives Movie Review", "Past Lives Film Review") it is a label.
    """
    if len(name) < 3 or _key(name[-1]) not in _MOVIE_WORDS or not _is_strong(review_word):
        return False
    if _first_letter(review_word).islower():
        return False
    return _key(name[0]) not in _ARTICLES and _key(name[-2]) not in _ARTICLES


def _split_run(run: str) -> _Run:
    """Split bare text into leading generic words, the film, a generic run and the rest.

    The film ends at the first strong generic word ("리뷰", "후기", "review"); a colon belongs to
    the film unless the words before it are generic ("리뷰: 괴물", "올드보이 리뷰: 복수").
    """
    tokens = run.split()
    i = 0
    while i < len(tokens) and (_is_generic(tokens[i]) or tokens[i] in {":", "-"}):
        i += 1
    # "Film Review: …", "Movie review - …": an English label before a strong generic word.
    if i + 1 < len(tokens) and _key(tokens[i]) in _WEAK_ENGLISH and _is_strong(tokens[i + 1]):
        i += 2
    start = i
    while i < len(tokens) and not _is_strong(tokens[i]):
        i += 1
    film_tokens = tokens[start:i]
    if i < len(tokens) and _movie_is_label(film_tokens, tokens[i]):
        film_tokens.pop()
    while film_tokens and _is_weak(film_tokens[-1]):
        film_tokens.pop()
    introduced = False
    while i < len(tokens) and (
        _is_strong(tokens[i]) or _is_weak(tokens[i]) or _key(tokens[i]) in _CONNECTORS
    ):
        introduced = introduced or tokens[i].endswith(":")
        i += 1
    residue = " ".join(tokens[i:])
    if residue.startswith((":", "：")):
        introduced, residue = True, residue[1:]
    return _Run(_clean_film(" ".join(film_tokens)), residue.strip(), introduced)


def _names_no_film(film: str) -> bool:
    """A bare phrase about several films or about watching ("이번 주에 본 영화들")."""
    if _NO_FILM.search(film):
        return True
    return any(t in _WATCHING for t in film.split()[1:])


# --- keywords ---------------------------------------------------------------------------------


def _keyword_like(item: str) -> bool:
    return 0 < len(item) <= 25 and len(item.split()) <= 4


def _keywords(residue: str, *, introduced: bool) -> list[str]:
    """Keywords from text after the film: a list of two or more, or one after a colon."""
    tokens = residue.split()
    while tokens and (_is_generic(tokens[0]) or _key(tokens[0]) in _CONNECTORS):
        introduced = introduced or tokens[0].endswith(":")
        tokens.pop(0)
    text = " ".join(tokens).strip()
    if text.startswith((":", "-", "—", "–")):
        introduced, text = True, text.lstrip(":-—– ")
    items = [i for i in _LIST_SEP.split(text) if i and not _is_generic_phrase(i)]
    if not items or not (len(items) >= 2 or introduced):
        return []
    return items if all(_keyword_like(i) for i in items) else []


def _take_hashtags(text: str) -> tuple[str, list[str]]:
    tags = _HASHTAG.findall(text)
    return (_HASHTAG.sub(" ", text), tags) if tags else (text, [])


def merge_themes(*groups: Iterable[str]) -> tuple[str, ...]:
    """Themes from several places (title, tags, front matter) normalised and deduplicated.

    "청춘의 목소리" and "청춘의목소리" are one theme: the first spelling seen is kept.
    Generic words and years are never themes.
    """
    seen: set[str] = set()
    themes: list[str] = []
    for group in groups:
        for item in group:
            theme = normalize_theme(item)
            key = normalize_key(theme)
            if not key or key in seen or _is_generic_phrase(theme) or _year_of(theme):
                continue
            seen.add(key)
            themes.append(theme)
    return tuple(themes)


# --- parentheses ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Extras:
    """What the parentheses of one title add to the film name."""

    year: int | None = None
    aliases: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)


def _is_note(item: str) -> bool:
    return bool(_NOTE.search(item)) or _is_generic_phrase(item) or _is_label(item)


def _read_parenthesis(content: str, film: str | None, extras: _Extras) -> None:
    """Sort one parenthesis into year, original titles and keywords; notes are dropped.

    ``(2018)`` is a year; ``(The Host, 2006)`` an original title (another script than the film)
    and a year; ``(가족, 재난)`` a keyword list. A single word in the film's own script
    (``(스포일러)``, ``(이창동)``, ``(넷플릭스)``) is a note, director or platform far more often
    than a theme, so it is dropped rather than polluting the themes.
    """
    items = [i.strip() for i in _LIST_SEP.split(content) if i.strip()]
    years = [y for y in map(_year_of, items) if y is not None]
    if years and extras.year is None:
        extras.year = years[0]
    rest = [i for i in items if _year_of(i) is None and not _is_note(i)]
    film_script = _script(film) if film else None
    if len(rest) >= 2 and not years and all(_keyword_like(i) for i in rest):
        extras.themes += rest
        return
    for item in rest:
        alias = _clean_film(item)
        if alias and film_script is not None and _script(alias) not in {film_script, "other"}:
            extras.aliases.append(alias)


# --- parse_title ------------------------------------------------------------------------------


def _title_words_before_dash(left: str) -> bool:
    """The text before a dash ends in English title words ("영화 Mission: Impossible")."""
    words: list[str] = []
    for token in reversed(left.split()):
        if _is_generic(token):  # "영화 Mission: Impossible": a Korean label before the film
            break
        words.append(token)
    text = " ".join(words)
    if not words or _HANGUL.search(text) or not _LATIN.search(text):
        return False
    return _capitalised(words[0]) and _key(words[0]) not in _BLOG_WORDS


def _title_words_after_dash(right: str) -> bool:
    """The words after a dash, up to a review word, read as a title ("Dead Reckoning Part One").

    Title case is the sign: a subtitle is capitalised like the film, while a tagline or comment
    after a dash is a sentence ("Past Lives – the weight of twenty-four years"). A list is
    keywords ("Past Lives - Love, Fate"); words that only describe the post ("My Honest Review",
    "A Review") or a bare year are a label, not a subtitle; a blog or platform word is a blog name.
    """
    words: list[str] = []
    for token in right.split():
        if _is_generic(token):  # "Dead Reckoning 영화 리뷰": Korean generic words end it too
            break
        words.append(token)
    text = " ".join(words)
    if not words or _HANGUL.search(text) or _LIST_SEP.search(text):
        return False
    if not _capitalised(words[0]):
        return False
    for word in words:
        key = _key(word)
        if key in _BLOG_WORDS:
            return False
        if key and not _capitalised(word) and key not in _SMALL_WORDS:
            return False
    return any(
        _LATIN.search(w) and _key(w) not in _REVIEW_MODIFIERS and _key(w) not in _SMALL_WORDS
        for w in words
    )


def _title_dash(pieces: list[_Piece], index: int, left: str) -> bool:
    """Whether the separator at ``index`` is a dash inside an English film name.

    "Mission: Impossible - Dead Reckoning" and "Star Wars: Episode IV - A New Hope" put a dash
    between two runs of title words, while a dash that ends the film introduces generic or label
    words ("- review", "- 리뷰", "- 스포 있음"), a keyword list, a sentence, a year or a blog
    name; so the words on both sides decide, not the dash. Korean titles carry no case to tell a
    subtitle from a comment ("길복순 - 킬러도 엄마다"), so a dash next to Hangul always splits; so
    does "/", "|" or "::", which bloggers use before a director or a blog name. The cost is a
    Title Case director or tagline after a dash ("Past Lives - Celine Song"), which stays in the
    name: only a list of names could tell "Celine Song" from "Dead Reckoning", and this parser
    reads structure, not known names. A director after " / " or in parentheses still splits.
    """
    piece = pieces[index]
    if piece.kind != "sep" or not set(piece.text.strip()) <= set("-–—"):
        return False
    if index == 0 or pieces[index - 1].kind != "text" or index + 1 >= len(pieces):
        return False
    after = pieces[index + 1]
    return (
        after.kind == "text"
        and _title_words_before_dash(left)
        and _title_words_after_dash(after.text)
    )


def _runs(pieces: list[_Piece]) -> list[str]:
    """Bare text split at every bracket, quote, parenthesis and separator but a title's dash."""
    runs: list[str] = []
    current: list[str] = []
    for index, piece in enumerate(pieces):
        if piece.kind == "text" or _title_dash(pieces, index, "".join(current)):
            current.append(piece.text)
            continue
        runs.append("".join(current).strip())
        current = []
    runs.append("".join(current).strip())
    return runs


def _marked_film(piece: _Piece) -> str | None:
    if _is_label(piece.text) or _is_html_ish(piece.text):
        return None
    return _clean_film(piece.text)


def _bracketed_film(pieces: list[_Piece], kind: str) -> str | None:
    return next((f for p in pieces if p.kind == kind and (f := _marked_film(p))), None)


def _quoted_film(pieces: list[_Piece]) -> str | None:
    """A quotation names the film only if no bare film comes before it.

    "영화 '벌새' 감상" and "“Aftersun” review: memory" quote the film; in
    "괴물 리뷰 - "가족을 지킨다는 것"" the quotation is a subtitle.
    """
    for index, piece in enumerate(pieces):
        if piece.kind == "quote" and (film := _marked_film(piece)):
            return None if _bare_film(_runs(pieces[:index]))[3] else film
    return None


def _bare_film(runs: list[str]) -> tuple[str | None, list[str], bool, bool]:
    """The film from the first run that is not only generic words, and the residues after it.

    Returns (film, residues, introduced, candidate_seen); a candidate that turns out to name no
    film ("영화 리뷰 모음") still counts as seen, so a ``[label]`` is not promoted to a film.
    """
    for index, run in enumerate(runs):
        split = _split_run(run)
        if split.film is None:
            continue
        residues = [split.residue, *runs[index + 1 :]]
        film = None if _names_no_film(split.film) else split.film
        return film, residues, split.introduced, True
    return None, runs, False, False


def parse_title(title: str) -> TitleInfo:
    """Film, year, keywords and original titles as the blogger wrote them in the title.

    The film comes from the first non-label bracket (<괴물>, 《괴물》), else a quotation
    ('벌새'), else the bare words before the first generic word, else a square bracket
    ([괴물] 리뷰). The caller unescapes HTML entities first; nothing is unescaped twice here.
    """
    text, hashtags = _take_hashtags(clean_line(title))
    pieces = _pieces(text)
    runs = _runs(pieces)
    introduced = False
    residues = runs
    film = _bracketed_film(pieces, "bracket") or _quoted_film(pieces)
    if film is None:
        film, residues, introduced, seen = _bare_film(runs)
        if not seen:
            film = _bracketed_film(pieces, "square")
    keywords: list[str] = []
    for n, residue in enumerate(residues):
        keywords += _keywords(residue, introduced=introduced and n == 0)
    extras = _Extras()
    for piece in pieces:
        if piece.kind in {"paren", "square"}:
            _read_parenthesis(piece.text, film, extras)
    themes = merge_themes(extras.themes, keywords, hashtags)
    return TitleInfo(film=film, year=extras.year, themes=themes, aliases=tuple(extras.aliases))


def looks_like_review_title(line: str) -> bool:
    """Whether a short line reads as a review's title rather than a heading or a sentence.

    It must name a film and carry a sign of a title: a bracket or quotation, a generic word
    (리뷰, 후기, review), a year, a keyword list or an original title. "들어가며" or
    "왜 괴물인가?" name nothing of the kind and stay headings.
    """
    text = clean_line(line)
    info = parse_title(text)
    if info.film is None:
        return False
    if info.year or info.themes or info.aliases:
        return True
    if any(p.kind in {"bracket", "quote", "square"} for p in _pieces(text)):
        return True
    return any(_is_strong(token) for token in text.split())


# --- film_from_text ---------------------------------------------------------------------------

# Film marks in running text, one line at most: <괴물>, 《괴물》, 〈괴물〉, 「괴물」, 『괴물』.
_TEXT_MARK = re.compile(
    r"<([^<>\n]{1,80})>|《([^《》\n]{1,80})》|〈([^〈〉\n]{1,80})〉|「([^「」\n]{1,80})」"
    r"|『([^『』\n]{1,80})』"
)


def _is_html_ish(text: str) -> bool:
    if _HTML_ISH.search(text):
        return True
    first = text.split()[0].lower().rstrip("/") if text.split() else ""
    return first in _HTML_TAGS and text.isascii()


def film_from_text(text: str) -> str | None:
    """The first bracketed film name in a post's text, for titles that name none.

    Brackets that hold HTML (``<br>``, ``<a href=…>``), labels (``<영화리뷰>``) or more than
    a title's length are passed over.
    """
    for m in _TEXT_MARK.finditer(text):
        content = clean_line(next(g for g in m.groups() if g is not None))
        if not content or _is_html_ish(content) or _is_label(content):
            continue
        film = _clean_film(content)
        if film is not None:
            return film
    return None
