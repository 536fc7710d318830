"""A deterministic synthetic review library, for benchmarks at 1k, 10k and 100k posts.

Why synthetic: the latency and ingest targets are about libraries far bigger than the samples,
and real blogs cannot be redistributed. The posts imitate what the parsers hand over for a
Tistory film blog — mostly Korean (~2,000 characters), some English, a title in one of the
common blogger formats (``영화 <X> 리뷰 (a, b, c)``, ``X (2019) 후기 - a, b``,
``<영화리뷰> X: 부제 (a, b)``, ``Title (2023) review``), an intro and 3–6 headed sections,
a nested category (``리뷰 > 한국영화``), tags, and the blog's category box pointing at other
generated posts — so that every lookup (film matcher, theme and free-text search, categories,
related posts) has realistic work to do.

Everything is composed here from templates and a small vocabulary written for this module
(no text is copied from anywhere); film titles mix real, well-known titles with invented ones,
and every person's name is invented. Directors and actors are attached to films at random, so
they are not facts about real films.

Determinism: one ``random.Random(seed)`` stream drives the content, and each post consumes it
the same way whatever ``n`` is, so ``generate_posts(1_000)`` is a prefix of
``generate_posts(100_000)`` except for the publication dates, which are spread over twelve years
for every ``n``. The generator keeps only a few recent posts per category (for the category
box), so memory stays flat however many posts are generated.
"""

from __future__ import annotations

import math
import random
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.domain import ParsedPost, RelatedRef, Section, SourceKind

BLOG_URL = "https://bench.tistory.com"
AUTHOR = "벤치마크 블로거"
KST = timezone(timedelta(hours=9))
START = datetime(2013, 1, 1, 9, 0, tzinfo=KST)
SPAN = timedelta(days=365 * 12)
ENGLISH_SHARE = 0.15
BOX_SIZE = 5
STUB_SHARE = 0.05  # category-box entries pointing at posts the library will not have
TARGET_CHARS = (1_700, 2_300)  # the body, before the last sentence overshoots

# --- Korean particles -------------------------------------------------------------------------

_JOSA: dict[str, tuple[str, str]] = {  # (after a final consonant, after a vowel)
    "은": ("은", "는"),
    "이": ("이", "가"),
    "을": ("을", "를"),
    "과": ("과", "와"),
    "으로": ("으로", "로"),
    "이다": ("이다", "다"),
    "이라는": ("이라는", "라는"),
    "이나": ("이나", "나"),
    "이었": ("이었", "였"),
}
_DIGIT_FINAL = frozenset("013678")  # 영 일 삼 육 칠 팔 end in a consonant


def _final_consonant(word: str) -> int:
    """0 when ``word`` ends in a vowel sound, else the final consonant's index (8 = ㄹ)."""
    for char in reversed(word):
        code = ord(char) - 0xAC00
        if 0 <= code < 11_172:
            return code % 28
        if char.isdigit():
            return 1 if char in _DIGIT_FINAL else 0
        if char.isalpha():
            return 4 if char.lower() in "lmn" else 0
    return 0


def josa(word: str, particle: str) -> str:
    """``word`` with ``particle`` in the form its last sound takes (은/는, 이/가, 으로/로 …)."""
    forms = _JOSA.get(particle)
    if forms is None:
        return word + particle
    final = _final_consonant(word)
    if particle == "으로" and final == 8:  # ㄹ takes 로: "서울로"
        return word + "로"
    return word + (forms[0] if final else forms[1])


Name = tuple[str, str]  # (as written in Korean, as written in English)

# --- films ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Film:
    """A film of the pool: the title Korean bloggers use, its year and its other names."""

    title: str
    year: int
    english: str | None  # the English title, for English posts and alias lookups
    korean: bool  # a Korean production (categorised under 한국영화)
    director: Name
    actors: tuple[Name, ...]
    characters: tuple[Name, ...]  # given names only, all different

    def names(self, english: bool) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """Director, actors and characters as a post in that language writes them."""
        k = 1 if english else 0
        return (
            self.director[k],
            tuple(a[k] for a in self.actors),
            tuple(c[k] for c in self.characters),
        )

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.english,) if self.english and self.english != self.title else ()


# (Korean title, year, English title or "", Korean production?)
_REAL_FILMS: tuple[tuple[str, int, str, bool], ...] = (
    ("기생충", 2019, "Parasite", True),
    ("살인의 추억", 2003, "Memories of Murder", True),
    ("헤어질 결심", 2022, "Decision to Leave", True),
    ("괴물", 2006, "The Host", True),
    ("올드보이", 2003, "Oldboy", True),
    ("버닝", 2018, "Burning", True),
    ("벌새", 2019, "House of Hummingbird", True),
    ("미나리", 2020, "Minari", True),
    ("부산행", 2016, "Train to Busan", True),
    ("곡성", 2016, "The Wailing", True),
    ("아가씨", 2016, "The Handmaiden", True),
    ("마더", 2009, "Mother", True),
    ("시", 2010, "Poetry", True),
    ("밀양", 2007, "Secret Sunshine", True),
    ("추격자", 2008, "The Chaser", True),
    ("황해", 2010, "The Yellow Sea", True),
    ("신세계", 2013, "New World", True),
    ("범죄도시", 2017, "The Outlaws", True),
    ("범죄도시 2", 2022, "The Roundup", True),
    ("범죄도시 3", 2023, "The Roundup: No Way Out", True),
    ("범죄도시 4", 2024, "The Roundup: Punishment", True),
    ("베테랑", 2015, "Veteran", True),
    ("베테랑 2", 2024, "I, the Executioner", True),
    ("극한직업", 2019, "Extreme Job", True),
    ("택시운전사", 2017, "A Taxi Driver", True),
    ("1987", 2017, "1987: When the Day Comes", True),
    ("써니", 2011, "Sunny", True),
    ("건축학개론", 2012, "Architecture 101", True),
    ("변호인", 2013, "The Attorney", True),
    ("암살", 2015, "Assassination", True),
    ("내부자들", 2015, "Inside Men", True),
    ("남산의 부장들", 2020, "The Man Standing Next", True),
    ("서울의 봄", 2023, "12.12: The Day", True),
    ("파묘", 2024, "Exhuma", True),
    ("콘크리트 유토피아", 2023, "Concrete Utopia", True),
    ("길복순", 2023, "Kill Boksoon", True),
    ("헌트", 2022, "Hunt", True),
    ("브로커", 2022, "Broker", True),
    ("다음 소희", 2023, "Next Sohee", True),
    ("우리들", 2016, "The World of Us", True),
    ("한공주", 2014, "Han Gong-ju", True),
    ("리틀 포레스트", 2018, "Little Forest", True),
    ("82년생 김지영", 2019, "Kim Ji-young: Born 1982", True),
    ("소공녀", 2018, "Microhabitat", True),
    ("남매의 여름밤", 2020, "Moving On", True),
    ("찬실이는 복도 많지", 2020, "Lucky Chan-sil", True),
    ("파수꾼", 2011, "Bleak Night", True),
    ("박하사탕", 2000, "Peppermint Candy", True),
    ("오아시스", 2002, "Oasis", True),
    ("김씨 표류기", 2009, "Castaway on the Moon", True),
    ("지구를 지켜라", 2003, "Save the Green Planet!", True),
    ("설국열차", 2013, "Snowpiercer", True),
    ("옥자", 2017, "Okja", True),
    ("아저씨", 2010, "The Man from Nowhere", True),
    ("달콤한 인생", 2005, "A Bittersweet Life", True),
    ("타짜", 2006, "Tazza: The High Rollers", True),
    ("전우치", 2009, "Woochi", True),
    ("7번방의 선물", 2013, "Miracle in Cell No. 7", True),
    ("신과함께-죄와 벌", 2017, "Along with the Gods: The Two Worlds", True),
    ("신과함께-인과 연", 2018, "Along with the Gods: The Last 49 Days", True),
    ("엑시트", 2019, "Exit", True),
    ("밀수", 2023, "Smugglers", True),
    ("한산: 용의 출현", 2022, "Hansan: Rising Dragon", True),
    ("노량: 죽음의 바다", 2023, "Noryang: Deadly Sea", True),
    ("명량", 2014, "The Admiral: Roaring Currents", True),
    ("잠", 2023, "Sleep", True),
    ("비밀의 언덕", 2022, "The Hill of Secrets", True),
    ("최악의 하루", 2016, "Worst Woman", True),
    ("69세", 2020, "An Old Lady", True),
    ("사바하", 2019, "Svaha: The Sixth Finger", True),
    ("듄", 2021, "Dune", False),
    ("듄: 파트 2", 2024, "Dune: Part Two", False),
    ("애프터썬", 2022, "Aftersun", False),
    ("패스트 라이브즈", 2023, "Past Lives", False),
    ("오펜하이머", 2023, "Oppenheimer", False),
    ("에브리씽 에브리웨어 올 앳 원스", 2022, "Everything Everywhere All at Once", False),
    ("문라이트", 2016, "Moonlight", False),
    ("레이디 버드", 2017, "Lady Bird", False),
    ("그녀", 2013, "Her", False),
    ("컨택트", 2016, "Arrival", False),
    ("인터스텔라", 2014, "Interstellar", False),
    ("인셉션", 2010, "Inception", False),
    ("라라랜드", 2016, "La La Land", False),
    ("위플래쉬", 2014, "Whiplash", False),
    ("소셜 네트워크", 2010, "The Social Network", False),
    ("매드맥스: 분노의 도로", 2015, "Mad Max: Fury Road", False),
    ("블레이드 러너 2049", 2017, "Blade Runner 2049", False),
    ("토이 스토리", 1995, "Toy Story", False),
    ("토이 스토리 2", 1999, "Toy Story 2", False),
    ("토이 스토리 3", 2010, "Toy Story 3", False),
    ("토이 스토리 4", 2019, "Toy Story 4", False),
    ("패딩턴", 2014, "Paddington", False),
    ("패딩턴 2", 2017, "Paddington 2", False),
    ("인사이드 아웃", 2015, "Inside Out", False),
    ("인사이드 아웃 2", 2024, "Inside Out 2", False),
    ("그랜드 부다페스트 호텔", 2014, "The Grand Budapest Hotel", False),
    ("드라이브 마이 카", 2021, "Drive My Car", False),
    ("어느 가족", 2018, "Shoplifters", False),
    ("타오르는 여인의 초상", 2019, "Portrait of a Lady on Fire", False),
    ("로마", 2018, "Roma", False),
    ("노매드랜드", 2020, "Nomadland", False),
    ("존 오브 인터레스트", 2023, "The Zone of Interest", False),
    ("추락의 해부", 2023, "Anatomy of a Fall", False),
    ("퍼펙트 데이즈", 2023, "Perfect Days", False),
    ("어바웃 타임", 2013, "About Time", False),
    ("이터널 선샤인", 2004, "Eternal Sunshine of the Spotless Mind", False),
    ("비포 선라이즈", 1995, "Before Sunrise", False),
    ("비포 선셋", 2004, "Before Sunset", False),
    ("죽은 시인의 사회", 1989, "Dead Poets Society", False),
    ("쇼생크 탈출", 1994, "The Shawshank Redemption", False),
    ("센과 치히로의 행방불명", 2001, "Spirited Away", False),
    ("이웃집 토토로", 1988, "My Neighbor Totoro", False),
    ("하울의 움직이는 성", 2004, "Howl's Moving Castle", False),
    ("너의 이름은.", 2016, "Your Name.", False),
    ("스즈메의 문단속", 2022, "Suzume", False),
    ("괴물", 2023, "Monster", False),
    ("탑건: 매버릭", 2022, "Top Gun: Maverick", False),
    ("아바타: 물의 길", 2022, "Avatar: The Way of Water", False),
    ("코코", 2017, "Coco", False),
    ("업", 2009, "Up", False),
    ("월-E", 2008, "WALL-E", False),
    ("가여운 것들", 2023, "Poor Things", False),
    ("바비", 2023, "Barbie", False),
    ("조커", 2019, "Joker", False),
    ("헤레디터리", 2018, "Hereditary", False),
    ("겟 아웃", 2017, "Get Out", False),
    ("플로리다 프로젝트", 2017, "The Florida Project", False),
    ("콜 미 바이 유어 네임", 2017, "Call Me by Your Name", False),
    ("스포트라이트", 2015, "Spotlight", False),
)

# Invented titles: "<modifier> <noun>", "<noun>의 <noun>", "<noun>과 <noun>" and English ones.
_TITLE_MODIFIERS = (
    "마지막", "조용한", "붉은", "낯선", "푸른", "오래된", "작은", "검은", "하얀", "먼",
    "잃어버린", "보이지 않는", "잠들지 않는", "돌아오지 않는", "한여름의", "한겨울의",
)  # fmt: skip
_TITLE_NOUNS = (
    "정원", "등대", "항구", "기차", "편지", "여름", "겨울", "골목", "섬", "바다", "언덕",
    "다리", "우물", "창문", "방", "별", "숲", "강", "사진관", "극장", "여관", "식탁",
    "운동장", "정류장", "목소리", "그림자", "약속", "거짓말", "노래", "계절",
)  # fmt: skip
_EN_TITLE_ADJ = (
    "Quiet", "Northern", "Last", "Paper", "Silver", "Hollow", "Distant", "Burning", "Little",
    "Broken", "Golden", "Secret", "Lonely", "Winter", "Summer", "Electric",
)  # fmt: skip
_EN_TITLE_NOUNS = (
    "Harbor", "Lights", "Motel", "Orchard", "Letters", "Season", "River", "Hours", "Garden",
    "Station", "Coast", "Signal", "Islands", "Avenue", "Fields", "Rooms", "Weather", "Tides",
)  # fmt: skip

# (Korean, English) forms of invented names: Korean posts write every name in Hangul, English
# posts romanise Korean names.
_SURNAMES = (
    ("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"), ("강", "Kang"),
    ("조", "Cho"), ("윤", "Yoon"), ("장", "Jang"), ("임", "Lim"), ("한", "Han"), ("오", "Oh"),
    ("서", "Seo"), ("신", "Shin"), ("권", "Kwon"), ("황", "Hwang"), ("안", "Ahn"), ("송", "Song"),
    ("류", "Ryu"), ("홍", "Hong"), ("전", "Jeon"), ("고", "Ko"), ("문", "Moon"), ("양", "Yang"),
    ("손", "Son"), ("배", "Bae"), ("백", "Baek"), ("허", "Heo"), ("남", "Nam"), ("심", "Shim"),
    ("노", "Noh"), ("하", "Ha"), ("곽", "Kwak"), ("성", "Sung"), ("차", "Cha"), ("민", "Min"),
)  # fmt: skip
_GIVEN = (
    ("민준", "Min-jun"), ("서연", "Seo-yeon"), ("지훈", "Ji-hoon"), ("하은", "Ha-eun"),
    ("도윤", "Do-yoon"), ("수아", "Su-a"), ("예준", "Ye-jun"), ("지유", "Ji-yu"),
    ("시우", "Si-woo"), ("서윤", "Seo-yoon"), ("주원", "Ju-won"), ("하린", "Ha-rin"),
    ("지호", "Ji-ho"), ("채원", "Chae-won"), ("준서", "Jun-seo"), ("다은", "Da-eun"),
    ("현우", "Hyun-woo"), ("윤서", "Yoon-seo"), ("건우", "Geon-woo"), ("소율", "So-yul"),
    ("우진", "Woo-jin"), ("지아", "Ji-a"), ("선우", "Seon-woo"), ("예린", "Ye-rin"),
    ("정민", "Jung-min"), ("수빈", "Su-bin"), ("태희", "Tae-hee"), ("은채", "Eun-chae"),
    ("재희", "Jae-hee"), ("나래", "Na-rae"), ("상훈", "Sang-hoon"), ("미정", "Mi-jung"),
    ("영호", "Young-ho"), ("경수", "Kyung-soo"), ("혜원", "Hye-won"), ("동하", "Dong-ha"),
    ("보람", "Bo-ram"), ("세진", "Se-jin"), ("인영", "In-young"), ("가온", "Ga-on"),
)  # fmt: skip
_EN_FIRST = (
    ("애나", "Anna"), ("벤", "Ben"), ("클라라", "Clara"), ("대니얼", "Daniel"), ("일라이", "Eli"),
    ("프랜시스", "Frances"), ("조지", "George"), ("해나", "Hannah"), ("아이작", "Isaac"),
    ("준", "June"), ("레오", "Leo"), ("마야", "Maya"), ("노라", "Nora"), ("오언", "Owen"),
    ("루스", "Ruth"), ("샘", "Sam"), ("테스", "Tess"), ("월터", "Walter"),
    ("아이리스", "Iris"), ("조나", "Jonah"),
)  # fmt: skip
_EN_LAST = (
    ("헤일", "Hale"), ("마시", "Marsh"), ("위틀록", "Whitlock"), ("브레넌", "Brennan"),
    ("오카포", "Okafor"), ("린드크비스트", "Lindqvist"), ("모로", "Moreau"),
    ("카스티요", "Castillo"), ("도일", "Doyle"), ("피셔", "Fischer"), ("퀸", "Quinn"),
    ("사토", "Sato"), ("바르가", "Varga"), ("엘리슨", "Ellison"), ("하틀리", "Hartley"),
)  # fmt: skip


def _korean_name(rng: random.Random) -> Name:
    (sur_ko, sur_en), (given_ko, given_en) = rng.choice(_SURNAMES), rng.choice(_GIVEN)
    return sur_ko + given_ko, f"{sur_en} {given_en}"


def _english_name(rng: random.Random) -> Name:
    (first_ko, first_en), (last_ko, last_en) = rng.choice(_EN_FIRST), rng.choice(_EN_LAST)
    return f"{first_ko} {last_ko}", f"{first_en} {last_en}"


def _build_films() -> tuple[Film, ...]:
    """The film pool: real titles plus ~240 invented ones (some with sequels), fixed forever."""
    rng = random.Random(20_240_501)
    entries: list[tuple[str, int, str | None, bool]] = [
        (title, year, english or None, korean) for title, year, english, korean in _REAL_FILMS
    ]
    seen = {title for title, *_ in entries}
    while len(entries) < len(_REAL_FILMS) + 200:
        shape = rng.random()
        if shape < 0.45:
            modifier, noun = rng.choice(_TITLE_MODIFIERS), rng.choice(_TITLE_NOUNS)
            title = f"{modifier} {noun}" if noun not in modifier else ""  # not "한여름의 여름"
        elif shape < 0.8:
            title = f"{rng.choice(_TITLE_NOUNS)}의 {rng.choice(_TITLE_NOUNS)}"
        else:
            first, second = rng.choice(_TITLE_NOUNS), rng.choice(_TITLE_NOUNS)
            title = f"{josa(first, '과')} {second}"
        if not title or title in seen or len(set(re.split(r"의 | |과 |와 ", title))) < 2:
            continue
        seen.add(title)
        year = rng.randint(1998, 2025)
        entries.append((title, year, None, True))
        if rng.random() < 0.08 and year < 2023:  # a sequel a few years later
            entries.append((f"{title} 2", year + rng.randint(2, 4), None, True))
    while len(entries) < len(_REAL_FILMS) + 240:
        title = f"The {rng.choice(_EN_TITLE_ADJ)} {rng.choice(_EN_TITLE_NOUNS)}"
        if title in seen:
            continue
        seen.add(title)
        year = rng.randint(1995, 2025)
        entries.append((title, year, title, False))
        if rng.random() < 0.1 and year < 2023:
            entries.append((f"{title} 2", year + rng.randint(2, 4), f"{title} 2", False))
    films: list[Film] = []
    for title, year, english, korean in entries:
        name = _korean_name if korean else _english_name
        cast = rng.randint(2, 3)
        films.append(
            Film(
                title=title,
                year=year,
                english=english,
                korean=korean,
                director=name(rng),
                actors=tuple(name(rng) for _ in range(cast)),
                characters=tuple(rng.sample(_GIVEN if korean else _EN_FIRST, cast)),
            )
        )
    return tuple(films)


FILMS: tuple[Film, ...] = _build_films()
_ENGLISH_FILMS: tuple[Film, ...] = tuple(f for f in FILMS if f.english)

# --- themes and categories --------------------------------------------------------------------

THEMES_KO: tuple[str, ...] = (
    "가족", "사랑", "우정", "상실", "기억", "성장", "복수", "구원", "죄책감", "용서", "외로움",
    "고독", "청춘", "첫사랑", "이별", "재회", "계급", "불평등", "가난", "노동", "자본", "권력",
    "부패", "정의", "폭력", "전쟁", "재난", "생존", "죽음", "애도", "슬픔", "희망", "절망", "꿈",
    "욕망", "집착", "질투", "배신", "비밀", "거짓말", "진실", "정체성", "자아", "모성", "부성",
    "부녀관계", "모녀관계", "형제", "자매", "결혼", "이혼", "육아", "노년", "치매", "질병",
    "장애", "이민", "디아스포라", "고향", "귀향", "여행", "도시", "시골", "바다", "겨울",
    "여름", "음식", "요리", "음악", "춤", "예술", "글쓰기", "학교", "입시", "교사", "직장",
    "퇴사", "범죄", "수사", "추리", "스릴러", "공포", "괴물", "좀비", "초능력", "시간여행",
    "우주", "인공지능", "로봇", "디스토피아", "종교", "믿음", "신화", "역사", "민주화", "독재",
    "분단", "식민지", "독립운동", "사극", "무협", "액션", "코미디", "블랙코미디", "로맨스",
    "멜로", "뮤지컬", "스포츠", "야구", "복싱", "청소년", "어린이", "동물", "반려견", "자연",
    "환경", "기후위기", "젠더", "페미니즘", "퀴어", "우울", "불안", "트라우마", "치유", "위로",
    "연대", "공동체", "이웃", "혐오", "차별", "편견", "소외", "감시", "미디어", "게임", "돈",
    "도박", "사기", "조직폭력", "감옥", "법정", "재판", "의학", "소방관", "군대", "선택",
    "운명", "우연", "시간", "밤", "비", "침묵", "자유", "책임", "용기", "두려움", "그리움",
)  # fmt: skip
THEMES_EN: tuple[str, ...] = (
    "family", "grief", "memory", "loneliness", "love", "friendship", "revenge", "redemption",
    "guilt", "forgiveness", "coming of age", "class", "power", "war", "survival", "death",
    "hope", "identity", "home", "immigration", "fathers", "mothers", "daughters", "summer",
    "winter", "the sea", "childhood", "marriage", "divorce", "ambition", "obsession", "art",
    "music", "dance", "time", "dreams", "faith", "isolation", "youth", "nostalgia", "regret",
    "trauma", "healing", "community", "technology", "space", "cities", "nature", "crime",
    "justice",
)  # fmt: skip
# Inflected and derived forms readers type instead of the theme word itself.
INFLECTIONS: dict[str, tuple[str, ...]] = {
    "외로움": ("외로운", "외로워서", "외롭다"),
    "슬픔": ("슬픈", "슬프다"),
    "사랑": ("사랑하는", "사랑했던"),
    "성장": ("성장하는", "성장기"),
    "복수": ("복수극", "복수하는"),
    "가족": ("가족의", "가족들"),
    "기억": ("기억하는", "기억들"),
    "죽음": ("죽은", "죽는"),
    "꿈": ("꿈꾸는",),
    "이별": ("이별한", "이별하는"),
    "희망": ("희망적인",),
    "절망": ("절망적인",),
    "고독": ("고독한",),
    "불안": ("불안한",),
    "우울": ("우울한",),
    "가난": ("가난한",),
    "폭력": ("폭력적인",),
    "치유": ("치유되는",),
    "위로": ("위로하는",),
    "공포": ("무서운",),
    "여행": ("여행하는",),
    "그리움": ("그리운", "그리워하는"),
    "두려움": ("두려운",),
    "용기": ("용기 있는",),
    "loneliness": ("lonely",),
    "grief": ("grieving",),
    "love": ("loving", "in love"),
    "revenge": ("vengeful",),
    "guilt": ("guilty",),
    "dreams": ("dreaming", "dream"),
    "fathers": ("father",),
    "mothers": ("mother",),
    "daughters": ("daughter",),
    "isolation": ("isolated",),
}

# (path, weight) — Korean films, foreign films, English posts.
_KO_CATEGORIES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("리뷰", "한국영화"), 40),
    (("리뷰", "한국영화", "독립영화"), 8),
    (("영화", "넷플릭스"), 6),
    (("영화 이야기",), 4),
)
_FOREIGN_CATEGORIES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("리뷰", "외국영화"), 40),
    (("리뷰", "애니메이션"), 8),
    (("영화", "OTT", "왓챠"), 5),
    (("영화", "넷플릭스"), 5),
    (("영화 이야기",), 4),
)
_EN_CATEGORIES: tuple[tuple[str, ...], ...] = (
    ("English Reviews",),
    ("English Reviews", "Korean Cinema"),
)
CATEGORIES: tuple[tuple[str, ...], ...] = tuple(
    dict.fromkeys(
        [*(p for table in (_KO_CATEGORIES, _FOREIGN_CATEGORIES) for p, _ in table), *_EN_CATEGORIES]
    )
)

# --- sentence templates -----------------------------------------------------------------------
# Slots: F film, Y year, D director, A actor, C character, T one of the post's themes, U any
# theme, N a concrete thing, P a place, J an adjective (adnominal), V an adverb, E a feeling,
# M a moment. "{T:은}" adds the particle in its right form.

_N_KO = (
    "낡은 자전거", "빈 식탁", "깨진 창문", "오래된 사진", "젖은 운동화", "꺼진 가로등",
    "편의점 도시락", "녹슨 대문", "작은 라디오", "빨간 우산", "버스 창밖", "어두운 복도",
    "식은 커피", "접힌 편지", "하얀 셔츠", "낡은 수첩", "멈춘 시계", "마당의 감나무",
)  # fmt: skip
_P_KO = (
    "바닷가 마을", "반지하 방", "시골 버스 정류장", "새벽의 편의점", "비 오는 골목",
    "학교 옥상", "오래된 여관", "병원 복도", "한강 다리 아래", "산동네 계단", "작은 어촌",
    "공장 뒤편", "텅 빈 극장", "기차역 대합실", "재개발 구역",
)  # fmt: skip
_J_KO = (
    "조용한", "차가운", "따뜻한", "먹먹한", "서늘한", "아름다운", "잔인한", "쓸쓸한",
    "단단한", "묵직한", "섬세한", "투박한", "집요한", "애틋한", "불편한", "낯선",
)  # fmt: skip
_V_KO = (
    "끝내", "천천히", "조용히", "집요하게", "담담하게", "끈질기게", "묵묵히", "서툴게",
    "가만히", "오래",
)  # fmt: skip
_E_KO = (
    "여운", "먹먹함", "긴장감", "쓸쓸함", "따뜻함", "불안", "슬픔", "분노", "그리움",
    "안도감", "허탈함", "설렘",
)  # fmt: skip
_M_KO = (
    "새벽", "비 오는 밤", "늦은 오후", "한여름 낮", "첫눈 오는 날", "장례식 다음 날",
    "졸업식 날", "추석 연휴", "이사 가는 날", "마지막 출근 날",
)  # fmt: skip

_KO_TEMPLATES: dict[str, tuple[str, ...]] = {
    "intro": (
        "{F:은} {T}에 관한 영화이면서 동시에 {U}에 관한 영화다.",
        "{Y}년에 개봉한 {F:은} {D} 감독이 {T:을} 가장 정면으로 다룬 작품이다.",
        "오랫동안 미뤄 두었던 {F:을} {M}에 드디어 보았다.",
        "결론부터 말하면 {F:은} {J} 영화이고, 저는 이 영화가 좋았습니다.",
        "{F:을} 한 문장으로 줄이면 {T:과} {U}의 이야기라고 할 수 있다.",
        "처음에는 흔한 {U} 영화라고 생각했지만 보고 나니 {T}에 대한 {J} 질문이 남았다.",
        "이 영화를 보고 나서 며칠 동안 {E:이} 가시지 않았다.",
        "{D} 감독의 영화는 늘 {T:을} 이야기하지만 {F:은} 그중에서도 가장 {J} 작품이다.",
        "누군가 {T}에 대한 영화를 추천해 달라고 하면 저는 {F:을} 먼저 꺼낼 것 같다.",
        "{F:은} 극장을 나서는 순간보다 집에 돌아오는 길에 더 크게 다가오는 영화였다.",
        "이번 리뷰는 스포일러를 최대한 피해서 {F}의 {T}에 대해 써 보려고 한다.",
        "{A:이} 출연한다는 것만 알고 봤는데 생각보다 훨씬 {J} 영화였다.",
    ),
    "plot": (
        "{C:은} {P}에서 {J} 하루하루를 버티며 살아간다.",
        "어느 날 {C:은} {N:을} 발견하고, 그날부터 모든 것이 조금씩 어긋나기 시작한다.",
        "{C:과} {C2:은} 오래전 {P}에서 처음 만났다.",
        "{C:이} 숨기고 있던 비밀은 {M}에 드러난다.",
        "영화는 {C:이} {P:으로} 돌아오는 장면에서 시작한다.",
        "{C}의 가족은 {T} 때문에 서로에게 말하지 못한 것이 많다.",
        "{C2:은} {C:을} 돕겠다고 나서지만 그 선택은 또 다른 {U:을} 부른다.",
        "이야기는 {M}부터 일주일 동안 벌어지는 일을 따라간다.",
        "{C:은} {N} 하나만 들고 {P:을} 떠난다.",
        "줄거리만 놓고 보면 단순한 {U} 이야기처럼 보인다.",
        "{C:이} 무엇을 원하는지는 영화가 끝날 때까지 분명하게 말해지지 않는다.",
        "두 사람은 {P}에서 {V} 서로를 기다린다.",
    ),
    "scene": (
        "가장 기억에 남는 장면은 {C:이} {N:을} {V} 바라보는 순간이다.",
        "{P}에서 벌어지는 긴 장면은 대사 없이도 {T:을} 설명한다.",
        "{M}의 {P:을} 담은 장면에서 저는 숨을 죽이고 화면을 봤다.",
        "{N:이} 화면에 다시 등장할 때 관객은 그 의미를 뒤늦게 깨닫는다.",
        "{C:과} {C2:이} 처음으로 서로의 눈을 보는 장면은 {J} 긴장으로 가득하다.",
        "카메라는 {C}의 뒷모습을 {V} 따라가며 {E:을} 쌓아 올린다.",
        "이 장면 하나만으로도 {F:은} 다시 볼 가치가 있다.",
        "웃음이 터지는 장면조차 어딘가 {J} 구석이 있다.",
        "{C:이} {N:을} 내려놓는 짧은 순간이 영화 전체의 방향을 바꾼다.",
        "후반부 {P} 장면은 앞에서 쌓아 온 {T:을} 한꺼번에 터뜨린다.",
    ),
    "theme": (
        "{F:은} {T:을} 설명하지 않고 보여준다.",
        "영화가 말하는 {T:은} 거창한 것이 아니라 일상의 작은 틈에서 생겨난다.",
        "{T:과} {U:은} 이 영화에서 서로 떨어질 수 없는 주제다.",
        "{C}에게 {T:은} 피하고 싶은 것이면서도 끝내 붙잡고 싶은 것이다.",
        "{D} 감독은 {T:을} {J} 시선으로 바라본다.",
        "결국 이 영화의 {T:은} 누구의 잘못도 아니라는 점에서 더 아프다.",
        "{T}에 대한 영화는 많지만 이만큼 {J} 영화는 드물다.",
        "{T:이} 개인의 문제가 아니라 사회의 문제라는 것을 영화는 {V} 보여준다.",
        "{U:과} {T} 사이에서 흔들리는 인물들이 현실적으로 그려진다.",
        "제가 생각하는 이 영화의 핵심은 {T:이다}.",
        "{T:을} 다루는 방식이 {J} 동시에 {J2}.",
        "{F}에서 {T:은} {N:이라는} 작은 사물에 담겨 있다.",
        "영화를 보는 내내 {T:이} 우리 삶에서 어떤 모양을 하고 있는지 생각하게 된다.",
        "{U}보다 {T:이} 먼저 보이는 영화였다.",
    ),
    "direction": (
        "{D} 감독의 연출은 {J} 리듬을 끝까지 잃지 않는다.",
        "촬영은 {P:을} {J} 빛으로 채운다.",
        "편집은 필요한 만큼만 보여주고 나머지는 관객에게 맡긴다.",
        "롱테이크가 많은데도 지루하지 않은 것은 화면 안의 움직임 덕분이다.",
        "색감이 장면마다 달라서 인물의 감정을 따라가기가 쉽다.",
        "{D} 감독은 {T:을} 직접 말하는 대신 공간의 배치로 보여준다.",
        "클로즈업을 아끼다가 결정적인 순간에만 쓰는 연출이 인상적이었다.",
        "화면 비율과 구도가 {C}의 고립을 {V} 강조한다.",
        "{P} 장면의 미술은 그 자체로 하나의 인물처럼 느껴진다.",
        "연출이 과하지 않아서 오히려 {E:이} 오래 남는다.",
    ),
    "acting": (
        "{A:은} {C:을} {J} 얼굴로 연기한다.",
        "{A}의 눈빛 하나로 대사 열 줄이 필요 없어진다.",
        "{A:과} {A2}의 호흡이 이 영화를 끝까지 끌고 간다.",
        "{A:은} 이 영화에서 자신의 가장 좋은 연기를 보여준다.",
        "조연들까지 모두 제자리에 있어서 작은 역할도 허투루 보이지 않는다.",
        "{C:이} 무너지는 장면에서 {A}의 연기는 {J} 울림을 남긴다.",
        "{A2:은} 등장하는 시간이 짧지만 강한 인상을 남긴다.",
        "아역 배우의 연기가 놀라울 정도로 자연스럽다.",
        "{A:은} 목소리를 낮추는 것만으로 {C}의 {E:을} 전한다.",
        "배우들의 연기가 {J} 이야기를 설득력 있게 만든다.",
    ),
    "music": (
        "음악은 거의 쓰이지 않고 대신 {P}의 소리가 화면을 채운다.",
        "엔딩 크레딧에 흐르는 노래까지 듣고 나서야 자리에서 일어날 수 있었다.",
        "{N}에서 나는 작은 소리가 이상하게 오래 기억에 남는다.",
        "배경 음악이 감정을 강요하지 않아서 좋았다.",
        "침묵이 음악보다 더 많은 것을 말하는 영화다.",
        "현악기 중심의 음악이 {T}의 정서와 잘 어울린다.",
        "소리의 설계가 섬세해서 극장에서 보기를 권하고 싶다.",
        "같은 멜로디가 다른 장면에서 반복될 때 {E:이} 밀려온다.",
    ),
    "weakness": (
        "아쉬운 점도 있다.",
        "중반부가 조금 늘어지는 느낌은 있었다.",
        "{C2}의 사연이 충분히 설명되지 않아서 몇몇 선택이 갑작스럽게 느껴진다.",
        "{U:을} 다루는 부분은 다소 설명적이라 영화의 리듬과 어울리지 않았다.",
        "결말이 너무 친절해서 여운이 조금 줄어든 것 같다.",
        "상영 시간이 길어서 보는 사람에 따라 지루할 수 있다.",
        "몇몇 대사는 인물이 아니라 감독의 목소리처럼 들렸다.",
        "그래도 이런 아쉬움이 영화 전체의 {E:을} 해치지는 않는다.",
    ),
    "ending": (
        "스포일러가 있으니 아직 안 본 분들은 이 부분을 건너뛰셔도 좋다.",
        "마지막 장면에서 {C:은} 다시 {P:으로} 돌아간다.",
        "결말은 열려 있지만 저는 희망 쪽으로 읽고 싶다.",
        "{N:이} 마지막에 다시 나오는 이유를 생각해 보면 결말의 의미가 달라진다.",
        "{C:이} 끝내 하지 못한 말이 엔딩의 침묵 속에 담겨 있다.",
        "엔딩은 {T}에 대한 영화의 대답이라기보다 또 하나의 질문에 가깝다.",
        "결말을 두고 해석이 갈리지만 저는 {C}의 선택이 옳았다고 생각한다.",
        "마지막 컷이 끝나고 화면이 어두워질 때까지 아무도 일어나지 않았다.",
    ),
    "verdict": (
        "{F:은} {T:을} 생각하게 만드는 {J} 영화다.",
        "화려하지는 않지만 오래 곁에 두고 싶은 영화였다.",
        "{T}에 관심이 있는 분들께 {F:을} 조심스럽게 추천한다.",
        "다시 본다면 {C}의 표정을 더 천천히 보고 싶다.",
        "제 별점은 다섯 개 중 네 개 반이다.",
        "{D} 감독의 다음 영화가 벌써 기다려진다.",
        "{M}에 혼자 보기 좋은 영화라고 생각한다.",
        "결국 {F:은} {T:과} {U}에 대해 우리가 쉽게 하지 못하는 이야기를 대신 해 준다.",
        "보고 나면 누군가에게 전화를 걸고 싶어지는 영화다.",
        "올해 본 영화 중 {E:이} 가장 오래 남은 작품이다.",
        "조금 느리더라도 끝까지 보시기를 권한다.",
        "{T:이} 무엇인지 다시 묻게 되는 영화, {F:이었}다.",
    ),
    "filler": (
        "솔직히 처음 삼십 분은 조금 지루했다.",
        "이 부분은 두 번째 볼 때 더 잘 보였다.",
        "개인적으로는 이 대목에서 눈물이 났다.",
        "극장에서 봤을 때와 집에서 다시 봤을 때 느낌이 꽤 달랐다.",
        "같이 본 친구는 이 장면을 전혀 다르게 해석했다.",
        "여기서 영화의 톤이 한 번 크게 바뀐다.",
        "관객에 따라 호불호가 갈릴 수 있는 부분이다.",
        "이 영화를 보고 {U}에 대한 다른 영화들도 찾아보게 되었다.",
        "원작과 비교하는 이야기도 많지만 저는 영화만의 매력이 충분하다고 본다.",
        "{C}의 대사 중 하나는 메모장에 적어 두었다.",
        "이런 디테일이 영화 곳곳에 숨어 있다.",
        "한 번 더 보면 또 다른 것이 보일 것 같다.",
    ),
}

_KO_HEADINGS: dict[str, tuple[str, ...]] = {
    "plot": ("줄거리", "줄거리 (스포 없음)", "어떤 이야기인가", "이야기의 시작"),
    "scene": ("인상 깊었던 장면", "기억에 남는 장면", "{N:이} 나오는 장면", "{P}에서"),
    "theme": ("{T}에 대하여", "{T}, 그리고 {U}", "이 영화가 말하는 {T}", "{T:이라는} 주제"),
    "direction": ("연출과 촬영", "{D} 감독의 연출", "화면과 색감"),
    "acting": ("배우들의 연기", "{A}의 연기", "{C:이라는} 인물"),
    "music": ("음악과 소리", "사운드에 대해"),
    "weakness": ("아쉬웠던 점", "아쉬운 부분", "호불호 포인트"),
    "ending": ("결말 해석 (스포 주의)", "결말에 대해", "엔딩의 의미"),
    "verdict": ("총평", "마치며", "한 줄 평", "정리하며"),
}

_N_EN = (
    "an old bicycle", "an empty kitchen table", "a cracked window", "a faded photograph",
    "a borrowed coat", "a stopped clock", "a red umbrella", "a letter never sent",
    "a motel key", "a cassette tape", "a paper crown", "a dog-eared notebook",
)  # fmt: skip
_P_EN = (
    "a seaside town", "a basement flat", "an empty bus station", "a late-night diner",
    "a rainy side street", "a school rooftop", "an old hotel", "a hospital corridor",
    "a fishing village", "a half-built suburb", "a closed cinema",
)  # fmt: skip
_J_EN = (  # all start with a consonant sound: templates say "a {J} film"
    "quiet", "cold", "warm", "beautiful", "cruel", "lonely", "restrained", "patient",
    "tender", "generous", "precise", "strange", "gentle", "bleak", "fierce", "sober",
)  # fmt: skip
_V_EN = ("slowly", "quietly", "patiently", "stubbornly", "carefully", "gently")
_E_EN = ("tension", "longing", "dread", "warmth", "sadness", "relief", "unease", "tenderness")
_M_EN = (
    "one rainy night", "a long summer afternoon", "the morning after a funeral",
    "the last day of school", "a snowed-in weekend", "a public holiday",
)  # fmt: skip

_EN_TEMPLATES: dict[str, tuple[str, ...]] = {
    "intro": (
        "{F} is a film about {T}, and just as much about {U}.",
        "Released in {Y}, {F} is the film where {D} looks at {T} most directly.",
        "I finally watched {F} on {M}, after putting it off for far too long.",
        "My verdict up front: {F} is a {J} film, and I liked it a great deal.",
        "If you want a film about {T}, {F} is the one I would recommend first.",
        "I expected a familiar story about {U}, but {F} left me with {J} questions about {T}.",
        "I went in knowing only that {A} was in it, and came out surprised.",
        "This review avoids spoilers until the section marked for them.",
    ),
    "plot": (
        "{C} gets through {J} days in {P}.",
        "One day {C} finds {N}, and from then on things begin to slip.",
        "{C} and {C2} first met years ago in {P}.",
        "The secret {C} has been keeping comes out on {M}.",
        "The film opens with {C} coming back to {P}.",
        "{C2} offers to help {C}, but that choice brings its own kind of {U}.",
        "On paper it sounds like a simple story about {U}.",
        "What {C} really wants is never spelled out, not even at the end.",
    ),
    "scene": (
        "The scene I keep thinking about is {C} staring {V} at {N}.",
        "A long sequence in {P} explains {T} without a single line of dialogue.",
        "When {N} shows up again, you understand what it meant the first time.",
        "The camera follows {C} from behind, {V}, and the {E} builds.",
        "That one scene is reason enough to watch {F} again.",
        "Even the funny moments have something {J} underneath them.",
        "A late scene in {P} cashes in everything the film has built around {T}.",
    ),
    "theme": (
        "{F} shows {T} rather than explaining it.",
        "The {T} here is not grand; it lives in the small gaps of ordinary days.",
        "In this film {T} and {U} cannot be pulled apart.",
        "For {C}, {T} is something to run from and something to hold on to.",
        "{D} looks at {T} with a {J} eye.",
        "There are many films about {T}, but few this {J}.",
        "The film suggests, {V}, that {T} is never only a private matter.",
        "For me, the heart of the film is {T}.",
        "Watching it, I kept asking what shape {T} takes in my own life.",
    ),
    "direction": (
        "{D} keeps a {J} rhythm from the first shot to the last.",
        "The cinematography fills {P} with a {J} light.",
        "The editing shows exactly as much as it needs to and trusts us with the rest.",
        "The long takes never drag, because something is always moving inside the frame.",
        "Close-ups are rationed and saved for the moments that matter.",
        "The framing keeps isolating {C}, {V}, without ever saying so.",
    ),
    "acting": (
        "{A} plays {C} with a {J} face that gives almost nothing away.",
        "One look from {A} does the work of a page of dialogue.",
        "The chemistry between {A} and {A2} carries the film.",
        "{A} gives the best performance of their career here.",
        "{A2} has little screen time but leaves a strong mark.",
        "The child actors are astonishingly natural.",
    ),
    "music": (
        "There is very little score; the sounds of {P} fill the silence instead.",
        "I stayed for the song over the end credits before I could get up.",
        "The music never tells you what to feel, which I appreciated.",
        "This is a film where silence says more than the score.",
        "The sound design is careful enough that I would recommend a cinema.",
    ),
    "weakness": (
        "It is not without flaws.",
        "The middle stretch sags a little.",
        "{C2} is underwritten, so a few of the late choices feel abrupt.",
        "The subplot about {U} is too explanatory for the film's rhythm.",
        "The ending is a touch too tidy, and some of the afterglow fades.",
        "None of this spoils the {E} of the whole.",
    ),
    "ending": (
        "Spoilers follow, so skip this part if you have not seen it.",
        "In the last scene {C} goes back to {P}.",
        "The ending is open, but I choose to read it hopefully.",
        "What {C} never manages to say is held in the silence of the final shot.",
        "The ending is less an answer about {T} than one more question.",
    ),
    "verdict": (
        "{F} is a {J} film that makes you think about {T}.",
        "It is not flashy, but it is a film I want to keep close.",
        "If {T} matters to you, I recommend {F}, gently.",
        "I would give it four and a half stars out of five.",
        "I am already looking forward to whatever {D} makes next.",
        "In the end, {F} says the things about {T} and {U} that we rarely manage to say.",
        "It is slow, but stay with it to the end.",
        "Of everything I saw this year, this is the one whose {E} stayed longest.",
    ),
    "filler": (
        "Honestly, the first half hour tested my patience.",
        "This part played better on a second viewing.",
        "I will admit this is where I cried.",
        "The friend I watched it with read this scene completely differently.",
        "This is where the tone of the film shifts.",
        "It is the kind of detail the film is full of.",
        "After this I went looking for other films about {U}.",
    ),
}

_EN_HEADINGS: dict[str, tuple[str, ...]] = {
    "plot": ("The story", "Setting the scene", "What it is about"),
    "scene": ("The scene I keep thinking about", "A moment in {P}"),
    "theme": ("On {T}", "{T} and {U}", "What it says about {T}"),
    "direction": ("Direction and camera", "How {D} shoots it"),
    "acting": ("The performances", "{A} as {C}"),
    "music": ("Sound and music",),
    "weakness": ("What doesn't work", "Reservations"),
    "ending": ("The ending (spoilers)", "About that ending"),
    "verdict": ("Verdict", "Final thoughts", "In short"),
}

_MIDDLE_ROLES = ("plot", "scene", "theme", "direction", "acting", "music", "weakness", "ending")
_ROLE_WEIGHTS = (10, 8, 12, 5, 6, 2, 4, 3)

# --- template compilation ---------------------------------------------------------------------

_SLOT = re.compile(r"\{([A-Z]2?)(?::([^}]+))?\}")
# A compiled template: literal text, then (slot, family, particle, literal text after) tuples.
# Slots of one family (C/C2, A/A2, T/U) get different values within a sentence.
_Compiled = tuple[str, tuple[tuple[str, str, str, str], ...]]


def _compile(template: str) -> _Compiled:
    parts = _SLOT.split(template)  # literal, slot, particle, literal, slot, particle, literal…
    names = parts[1::3]
    families = ["T" if name == "U" else name[0] for name in names]
    slots = []
    for k, name in enumerate(names):
        i = 1 + 3 * k
        # only slots whose family occurs more than once in the template need the check
        family = families[k] if families.count(families[k]) > 1 else ""
        slots.append((name, family, parts[i + 1] or "", parts[i + 2]))
    return parts[0], tuple(slots)


def _compile_all(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[_Compiled, ...]]:
    return {role: tuple(_compile(t) for t in templates) for role, templates in table.items()}


_KO = _compile_all(_KO_TEMPLATES)
_EN = _compile_all(_EN_TEMPLATES)
_KO_H = _compile_all(_KO_HEADINGS)
_EN_H = _compile_all(_EN_HEADINGS)


_OPENERS_KO = (
    "무엇보다 ", "특히 ", "사실 ", "그런데 ", "개인적으로 ", "돌이켜 보면 ", "그래서인지 ",
    "솔직히 말하면 ", "한편 ", "다시 생각해 보니 ",
)  # fmt: skip
_OPENERS_EN = ("Above all, ", "In fact, ", "Still, ", "Honestly, ", "Looking back, ", "Even so, ")
_LOWER_AFTER_OPENER = ("The ", "It ", "This ", "There ")
_OPENER_SHARE = 0.2
_STRIDES: dict[int, tuple[int, ...]] = {}


def _strides(n: int) -> tuple[int, ...]:
    """Steps that visit every index of a deck of ``n`` before repeating one (coprime with n)."""
    found = _STRIDES.get(n)
    if found is None:
        found = tuple(k for k in range(1, max(n, 2)) if math.gcd(k, n) == 1) or (1,)
        _STRIDES[n] = found
    return found


class _Writer:
    """Fills templates for one post: slot values are drawn from the post's own pools.

    Within a sentence, slots of one family (C and C2, A and A2, T and U) get different values
    when the pools allow ("재희는 지호를 돕겠다고", not "재희는 재희를"). Templates are dealt
    like a shuffled deck (a random start and a random step coprime with the deck size), so a
    post uses every template of a role before it repeats one and does not read like a loop.
    """

    __slots__ = ("decks", "english", "pools", "rnd")

    def __init__(self, rnd: Callable[[], float], pools: dict[str, Sequence[str]], english: bool):
        self.rnd = rnd
        self.pools = pools
        self.english = english
        self.decks: dict[int, list[int]] = {}  # id(templates) -> [next position, step]

    def fill(self, compiled: _Compiled, *, opener: bool = True) -> str:
        """The template with its slots filled; a sentence may get an opener ("특히 ")."""
        head, slots = compiled
        rnd = self.rnd
        if slots:
            out = [head]
            pools = self.pools
            taken: dict[str, str] = {}
            for slot, family, particle, tail in slots:
                pool = pools[slot]
                value = pool[int(rnd() * len(pool))]
                if family:  # a second slot of a family: not the same value as the first
                    if taken.get(family) == value and len(pool) > 1:
                        step = 1 + int(rnd() * (len(pool) - 1))
                        value = pool[(pool.index(value) + step) % len(pool)]
                    taken[family] = value
                if particle:
                    with_particle = _JOSA_CACHE.get((value, particle))
                    if with_particle is None:
                        with_particle = _JOSA_CACHE[value, particle] = josa(value, particle)
                    out.append(with_particle)
                else:
                    out.append(value)
                out.append(tail)
            text = "".join(out)
        else:
            text = head
        roll = rnd() if opener else 1.0
        if self.english:
            # only a template's own first word is lowered: never a title ("The Roundup")
            if roll < _OPENER_SHARE and head.startswith(_LOWER_AFTER_OPENER):
                start = _OPENERS_EN[int(roll / _OPENER_SHARE * len(_OPENERS_EN))]
                return start + text[0].lower() + text[1:]
            return text[0].upper() + text[1:] if text[0].islower() else text
        if roll < _OPENER_SHARE:
            return _OPENERS_KO[int(roll / _OPENER_SHARE * len(_OPENERS_KO))] + text
        return text

    def deck(self, templates: tuple[_Compiled, ...]) -> list[int]:
        """This post's deck for ``templates``: [next position, step]."""
        deck = self.decks.get(id(templates))
        if deck is None:
            size = len(templates)
            steps = _strides(size)
            deck = self.decks[id(templates)] = [
                int(self.rnd() * size),
                steps[int(self.rnd() * len(steps))],
            ]
        return deck

    def heading(self, templates: tuple[_Compiled, ...]) -> str:
        """The next heading of this deck, filled (headings never get an opener)."""
        deck = self.deck(templates)
        position = deck[0]
        deck[0] = (position + deck[1]) % len(templates)
        return self.fill(templates[position], opener=False)


_JOSA_CACHE: dict[tuple[str, str], str] = {}


# --- posts ------------------------------------------------------------------------------------


def _pick(rnd: Callable[[], float], seq: Sequence[str]) -> str:
    return seq[int(rnd() * len(seq))]


def _weighted(rng: random.Random, table: Sequence[tuple[tuple[str, ...], int]]) -> tuple[str, ...]:
    return rng.choices([p for p, _ in table], weights=[w for _, w in table])[0]


def _subtitle(rnd: Callable[[], float], themes: Sequence[str]) -> str:
    shape = rnd()
    if shape < 0.4:
        return f"{_pick(rnd, _P_KO)}의 {themes[0]}"
    if shape < 0.7:
        return f"{_pick(rnd, _J_KO)} {themes[0]}"
    return f"{themes[0]}에 관한 이야기"


def _title(rng: random.Random, film: Film, themes: Sequence[str], english: bool) -> str:
    """A post title in one of the formats Korean film bloggers use."""
    rnd = rng.random
    if english:
        name = film.english or film.title
        shape = rnd()
        if shape < 0.4:
            return f"{name} ({film.year}) review"
        if shape < 0.75:
            return f"{name} ({film.year}) Review ({', '.join(themes[:2])})"
        return f"Review: {name} ({film.year}) — {themes[0]} and {themes[-1]}"
    f, y = film.title, film.year
    t = themes
    shape = int(rnd() * 9)
    if shape == 0:
        return f"영화 <{f}> 리뷰 ({', '.join(t[:3])})"
    if shape == 1:
        return f"{f} ({y}) 후기 - {', '.join(t[:2])}"
    if shape == 2:
        return f"<영화리뷰> {f}: {_subtitle(rnd, t)} ({', '.join(t[:2])})"
    if shape == 3:
        return f"[영화] {f} 결말 해석 ({', '.join(t[:2])})"
    if shape == 4:
        return f"'{f}' 감상평 - {', '.join(t[:3])}"
    if shape == 5:
        return f"《{f}》({y}) 노스포 리뷰"
    if shape == 6:
        return f"넷플릭스 영화 {f} 솔직 후기 ({', '.join(t[:2])})"
    if shape == 7:
        return f"{f} 리뷰 | {josa(t[0], '과')} {t[-1]}에 대하여"
    return f"영화 {f} ({y}) 리뷰 - {', '.join(t)}"


def _section_text(
    writer: _Writer,
    templates: dict[str, tuple[_Compiled, ...]],
    role: str,
    target: int,
    rnd: Callable[[], float],
) -> str:
    """Sentences of one role (with some filler) until ``target`` characters, in paragraphs.

    When the role's templates are used up the section goes on with theme sentences (scene
    sentences in a theme section), as bloggers drift back to what the film is about.
    """
    own = templates[role]
    filler = templates["filler"]
    own_deck, filler_deck = writer.deck(own), writer.deck(filler)
    own_size, filler_size = len(own), len(filler)
    drawn = 0
    fill = writer.fill
    parts: list[str] = []  # sentences and the separators after them
    size = 0
    in_paragraph = 0
    limit = 2 + int(rnd() * 3)
    while size < target:
        if rnd() < 0.15:
            position = filler_deck[0]
            filler_deck[0] = (position + filler_deck[1]) % filler_size
            sentence = fill(filler[position])
        else:
            drawn += 1
            if drawn > own_size:  # the role's deck is used up: go on about the themes
                own = templates["scene" if role == "theme" else "theme"]
                own_deck, own_size, drawn = writer.deck(own), len(own), 1
            position = own_deck[0]
            own_deck[0] = (position + own_deck[1]) % own_size
            sentence = fill(own[position])
        size += len(sentence) + 1
        in_paragraph += 1
        if in_paragraph >= limit:
            parts += (sentence, "\n\n")
            in_paragraph = 0
            limit = 2 + int(rnd() * 3)
        else:
            parts += (sentence, " ")
    parts.pop()
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class _BoxEntry:
    title: str
    url: str
    published: datetime
    comments: int


def _post(
    rng: random.Random,
    number: int,
    published: datetime,
    boxes: dict[tuple[str, ...], deque[_BoxEntry]],
) -> ParsedPost:
    rnd = rng.random
    english = rnd() < ENGLISH_SHARE
    # Popular films get more reviews: skew the pick towards the front of the pool.
    pool = _ENGLISH_FILMS if english else FILMS
    film = pool[int(len(pool) * rnd() ** 1.6)]
    vocabulary = THEMES_EN if english else THEMES_KO
    themes = tuple(rng.sample(vocabulary, 2 + int(rnd() * 3)))
    if english:
        category = _EN_CATEGORIES[1 if film.korean and rnd() < 0.8 else 0]
    else:
        category = _weighted(rng, _KO_CATEGORIES if film.korean else _FOREIGN_CATEGORIES)
    title = _title(rng, film, themes, english)
    name = (film.english or film.title) if english else film.title
    director, actors, characters = film.names(english)
    pools: dict[str, Sequence[str]] = {
        "F": (name,),
        "Y": (str(film.year),),
        "D": (director,),
        "A": actors,
        "A2": actors,
        "C": characters,
        "C2": characters,
        "T": themes,
        "U": vocabulary,
        "N": _N_EN if english else _N_KO,
        "P": _P_EN if english else _P_KO,
        "J": _J_EN if english else _J_KO,
        "J2": ("마음에 남는다", "오래 기억된다", "조금 불편하다", "정직하다"),
        "V": _V_EN if english else _V_KO,
        "E": _E_EN if english else _E_KO,
        "M": _M_EN if english else _M_KO,
    }
    writer = _Writer(rnd, pools, english)
    templates = _EN if english else _KO
    headings = _EN_H if english else _KO_H

    count = 3 + int(rnd() * 4)  # 3–6 headed sections, the last one the verdict
    roles = rng.choices(_MIDDLE_ROLES, weights=_ROLE_WEIGHTS, k=count - 1)
    roles = [*dict.fromkeys(roles)]  # no role twice
    while len(roles) < count - 1:
        roles.append(_MIDDLE_ROLES[int(rnd() * len(_MIDDLE_ROLES))])
        roles = [*dict.fromkeys(roles)]
    if "ending" in roles:  # spoilers come last, just before the verdict
        roles.remove("ending")
        roles.append("ending")
    roles.append("verdict")
    total = TARGET_CHARS[0] + int(rnd() * (TARGET_CHARS[1] - TARGET_CHARS[0]))
    if english:
        total = int(total * 1.3)  # about as much review, in English words
    intro_chars = total // 6
    per_section = (total - intro_chars) // count
    level = 2 if rnd() < 0.4 else 3
    sections = [Section(None, _section_text(writer, templates, "intro", intro_chars, rnd), 0)]
    for role in roles:
        heading = writer.heading(headings[role])
        sections.append(
            Section(heading, _section_text(writer, templates, role, per_section, rnd), level)
        )

    tags = tuple(dict.fromkeys((name, *film.aliases, *themes, director)))
    box = boxes.setdefault(category, deque(maxlen=BOX_SIZE))
    related = [RelatedRef(e.title, e.url, e.published.date(), e.comments) for e in reversed(box)]
    if related and rnd() < STUB_SHARE * BOX_SIZE:
        old = _ENGLISH_FILMS[int(rnd() * len(_ENGLISH_FILMS))] if english else _pick_film(rnd)
        stub_title = _title(rng, old, themes, english)
        stub_url = f"{BLOG_URL}/{1_000_000 + int(rnd() * 1_000_000)}"
        related[int(rnd() * len(related))] = RelatedRef(stub_title, stub_url, None, None)
    url = f"{BLOG_URL}/{number}"
    comments = int(rnd() ** 3 * 40)
    box.append(_BoxEntry(title, url, published, comments))
    return ParsedPost(
        title=title,
        kind=SourceKind.TISTORY_PAGE,
        url=url,
        film=name,
        film_year=film.year,
        film_aliases=(film.title,) if english and film.title != name else film.aliases,
        published=published,
        author=AUTHOR,
        category=category,
        tags=tags,
        themes=themes,
        sections=tuple(sections),
        related=tuple(related),
    )


def _pick_film(rnd: Callable[[], float]) -> Film:
    return FILMS[int(rnd() * len(FILMS))]


def generate_posts(n: int, *, seed: int = 0) -> Iterator[ParsedPost]:
    """``n`` synthetic posts, numbered 1…n (``https://bench.tistory.com/<number>``), oldest first.

    The same ``n`` and ``seed`` always give the same posts; a smaller ``n`` gives the same posts
    as a larger one up to the publication dates, which always span twelve years.
    """
    rng = random.Random(seed)
    step = SPAN / max(n, 1)
    boxes: dict[tuple[str, ...], deque[_BoxEntry]] = {}
    for i in range(n):
        # a post somewhere in its slot of the timeline, at a plausible hour
        offset = step * (i + rng.random() * 0.9)
        published = (START + offset).replace(second=0, microsecond=0)
        yield _post(rng, i + 1, published, boxes)


# --- queries ----------------------------------------------------------------------------------

QUERY_KINDS = ("film", "theme", "category", "text")


@dataclass(frozen=True, slots=True)
class BenchQuery:
    """One query for the latency benchmark; ``expected`` is what a good answer is about.

    For films the pool title (None for a film the library cannot have), for themes the theme
    word, for categories the path joined with " > ", for free text None.
    """

    kind: str
    text: str
    expected: str | None
    variant: str  # how the query was derived (exact, typo, chosung, prefix, …), for reports


_CHOSUNG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
# Vowels a typist confuses (by index in the 21 medial vowels): ㅐ/ㅔ, ㅓ/ㅗ, ㅜ/ㅡ, ㅕ/ㅛ, ㅠ/ㅜ.
_VOWEL_SWAPS = {1: 5, 5: 1, 4: 8, 8: 4, 13: 18, 18: 13, 6: 12, 12: 6, 17: 13}


def chosung(text: str) -> str:
    """The initial consonants of each Hangul syllable, other characters kept ("ㅎㅇㅈ ㄱㅅ")."""
    out = []
    for char in text:
        code = ord(char) - 0xAC00
        out.append(_CHOSUNG[code // 588] if 0 <= code < 11_172 else char)
    return "".join(out)


def one_jamo_typo(text: str, rng: random.Random) -> str:
    """``text`` with one jamo changed in one syllable (기생충 → 기생층), or a letter swap."""
    syllables = [i for i, c in enumerate(text) if 0 <= ord(c) - 0xAC00 < 11_172]
    if not syllables:
        letters = [i for i, c in enumerate(text[:-1]) if c.isalpha() and text[i + 1].isalpha()]
        if not letters:
            return text
        i = rng.choice(letters)
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    for _ in range(8):
        i = rng.choice(syllables)
        code = ord(text[i]) - 0xAC00
        lead, vowel, tail = code // 588, (code % 588) // 28, code % 28
        if vowel in _VOWEL_SWAPS and rng.random() < 0.7:
            vowel = _VOWEL_SWAPS[vowel]
        elif tail:
            tail = rng.choice([t for t in (0, 4, 8, 16, 21) if t != tail])
        else:
            lead = (lead + rng.choice((-1, 1))) % 19
        changed = chr(0xAC00 + lead * 588 + vowel * 28 + tail)
        if changed != text[i]:
            return text[:i] + changed + text[i + 1 :]
    return text


_UNKNOWN_FILMS = (
    "무지개 건너편의 소년", "얼음 도시의 왕", "세 번째 달", "The Clockmaker's Island",
    "바람의 경계선", "Velvet Horizon", "잿빛 사이렌", "여섯 번째 계절",
)  # fmt: skip


def _film_query(rng: random.Random) -> BenchQuery:
    film = FILMS[int(len(FILMS) * rng.random() ** 1.6)]
    title = film.title
    roll = rng.random()
    if roll < 0.08:
        return BenchQuery("film", rng.choice(_UNKNOWN_FILMS), None, "unknown")
    if roll < 0.25:
        return BenchQuery("film", title, title, "exact")
    if roll < 0.35:
        return BenchQuery("film", title.replace(" ", ""), title, "no-spaces")
    if roll < 0.45:
        decorated = rng.choice((f"<{title}> 리뷰", f"영화 {title}", f"{title} 후기", f"'{title}'"))
        return BenchQuery("film", decorated, title, "decorated")
    if roll < 0.6:
        return BenchQuery("film", one_jamo_typo(title, rng), title, "typo")
    if roll < 0.7 and any(0 <= ord(c) - 0xAC00 < 11_172 for c in title):
        return BenchQuery("film", chosung(title), title, "chosung")
    if roll < 0.8 and len(title) >= 4:
        words = title.split()
        prefix = " ".join(words[:-1]) if len(words) > 1 else title[: max(2, len(title) * 2 // 3)]
        return BenchQuery("film", prefix, title, "prefix")
    if roll < 0.9 and film.english:
        english = film.english.lower() if rng.random() < 0.5 else film.english
        return BenchQuery("film", english, title, "alias")
    return BenchQuery("film", f"{title} {film.year}", title, "with-year")


def _theme_query(rng: random.Random) -> BenchQuery:
    roll = rng.random()
    if roll < 0.15:
        theme = rng.choice(THEMES_EN)
    else:
        theme = THEMES_KO[int(len(THEMES_KO) * rng.random() ** 1.3)]
    forms = INFLECTIONS.get(theme)
    if forms and rng.random() < 0.5:
        return BenchQuery("theme", rng.choice(forms), theme, "inflected")
    if theme in THEMES_KO and rng.random() < 0.3:
        text = rng.choice((josa(theme, "이"), josa(theme, "을"), f"{theme}의", f"{theme} 영화"))
        return BenchQuery("theme", text, theme, "particle")
    return BenchQuery("theme", theme, theme, "exact")


def _category_query(rng: random.Random) -> BenchQuery:
    path = rng.choice(CATEGORIES)
    expected = " > ".join(path)
    roll = rng.random()
    if roll < 0.4:
        return BenchQuery("category", path[-1], expected, "leaf")
    if roll < 0.6:
        return BenchQuery("category", path[0], path[0], "parent")
    leaf = path[-1]
    squashed = leaf.replace(" ", "").lower()
    if roll < 0.8 or squashed == leaf:  # nothing to squash: ask for the full path instead
        return BenchQuery("category", expected, expected, "path")
    return BenchQuery("category", squashed, expected, "spacing")


def _text_query(rng: random.Random) -> BenchQuery:
    film = FILMS[int(rng.random() * len(FILMS))]
    t, u = rng.choice(THEMES_KO), rng.choice(THEMES_KO)
    shapes = (
        f"{t} {u}",
        f"{josa(t, '과')} {u}에 관한 영화",
        f"{rng.choice(_P_KO)} {t}",
        f"{film.director[0]} 감독 {t}",
        f"{film.actors[0][0]} 연기",
        f"{rng.choice(_J_KO)} {t} 영화 추천",
        f"{rng.choice(_M_KO)}에 보기 좋은 영화",
        f"결말이 {rng.choice(_J_KO)} {t} 영화",
        f"{josa(rng.choice(_N_KO), '이')} 나오는 장면",
        f"movie about {rng.choice(THEMES_EN)} and {rng.choice(THEMES_EN)}",
    )
    return BenchQuery("text", rng.choice(shapes), None, "phrase")


_MAKERS: dict[str, Callable[[random.Random], BenchQuery]] = {
    "film": _film_query,
    "theme": _theme_query,
    "category": _category_query,
    "text": _text_query,
}


def generate_queries(
    n: int, *, seed: int = 0, kinds: Sequence[str] = QUERY_KINDS
) -> list[BenchQuery]:
    """``n`` queries of each kind in ``kinds``, grouped by kind, the same for the same seed."""
    queries: list[BenchQuery] = []
    for kind in kinds:
        rng = random.Random(f"{seed}:{kind}")
        make = _MAKERS[kind]
        queries.extend(make(rng) for _ in range(n))
    return queries
