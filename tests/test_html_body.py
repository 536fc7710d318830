from selectolax.lexbor import LexborHTMLParser

from bot.domain import Section
from bot.ingest.html_body import (
    html_to_sections,
    html_to_text,
    inline_text,
    node_to_sections,
    strip_boilerplate,
)


def texts(fragment: str) -> list[tuple[str | None, str]]:
    return [(s.heading, s.text) for s in html_to_sections(fragment)]


# --- paragraphs and lines ---------------------------------------------------------------------


def test_br_is_a_line_break_inside_a_paragraph() -> None:
    sections = html_to_sections("<p>아버지는 졸고,<br/>딸은 라면을 먹는다.</p><p>다음 문단.</p>")
    assert sections == (Section(None, "아버지는 졸고,\n딸은 라면을 먹는다.\n\n다음 문단."),)


def test_two_brs_end_a_paragraph() -> None:
    sections = html_to_sections("<p>첫 문단이다.<br><br>둘째 문단이다.<br>\n<br>셋째.</p>")
    assert sections[0].text == "첫 문단이다.\n\n둘째 문단이다.\n\n셋째."


def test_spacer_paragraphs_are_dropped() -> None:
    fragment = (
        '<p data-ke-size="size16">&nbsp;</p><p><br></p><p>\u200b</p>'
        "<p>본문.</p><p>\u00a0</p><div> </div>"
    )
    assert texts(fragment) == [(None, "본문.")]


def test_text_is_normalised() -> None:
    fragment = "<p>ＡＢＣ\u00a0\u00a0극장에서&nbsp;본\u200b 영화\ufeff,   정말\t좋았다</p>"
    assert texts(fragment) == [(None, "ABC 극장에서 본 영화, 정말 좋았다")]


def test_source_newlines_inside_a_paragraph_are_spaces() -> None:
    assert texts("<p>한 줄이\n   이어진다</p>") == [(None, "한 줄이 이어진다")]


def test_inline_tags_do_not_split_words() -> None:
    assert texts("<p>최소 단위<b>(MVP)</b>부터 <i>괴</i>물까지</p>") == [
        (None, "최소 단위(MVP)부터 괴물까지")
    ]


def test_figcaption_is_its_own_paragraph() -> None:
    fragment = (
        "<p>앞 문단.</p><figure class='imageblock'><span><img src='x.png'></span>"
        "<figcaption>다리 아래의 첫 장면</figcaption></figure><p>뒤 문단.</p>"
    )
    assert texts(fragment) == [(None, "앞 문단.\n\n다리 아래의 첫 장면\n\n뒤 문단.")]


def test_table_rows_become_lines_of_cells() -> None:
    fragment = (
        "<table><tbody><tr><td>감독</td><td> 봉준호 </td></tr>"
        "<tr><th>개봉</th><td>2006</td></tr></tbody></table>"
    )
    assert texts(fragment) == [(None, "감독 | 봉준호\n\n개봉 | 2006")]


# --- headings ---------------------------------------------------------------------------------


def test_intro_then_sections_with_levels() -> None:
    fragment = "<p>들어가며.</p><h2>줄거리</h2><p>요약.</p><h3>인물</h3><p>강두.</p>"
    assert html_to_sections(fragment) == (
        Section(None, "들어가며.", 0),
        Section("줄거리", "요약.", 2),
        Section("인물", "강두.", 3),
    )


def test_a_post_without_headings_is_one_intro_section() -> None:
    assert texts("<p>하나.</p><p>둘.</p>") == [(None, "하나.\n\n둘.")]


def test_empty_and_decorative_headings_are_skipped() -> None:
    fragment = (
        "<h1> </h1><p>앞.</p><h3 data-ke-size='size23'>&nbsp;</h3><h2>✨</h2><h2>***</h2>"
        "<p>이어짐.</p><h2>총평</h2><p>끝.</p>"
    )
    assert texts(fragment) == [(None, "앞.\n\n이어짐."), ("총평", "끝.")]


def test_emoji_headings_are_kept_for_display() -> None:
    assert (
        html_to_sections("<h2>🛠\ufe0f 해결 방법</h2><p>본문.</p>")[0].heading == "🛠\ufe0f 해결 방법"
    )


def test_heading_text_is_clean_and_unsplit() -> None:
    fragment = "<h3 data-start='1' data-end='9'>가족이라는 <b>괴</b>물\u200b<br>이야기</h3><p>x</p>"
    assert html_to_sections(fragment)[0].heading == "가족이라는 괴물 이야기"


def test_headings_nested_in_wrappers_are_found() -> None:
    fragment = (
        "<div><section><p>앞.</p><div class='x'><h2>깊은 제목</h2></div><p>뒤.</p></section></div>"
        "<hr><h2>다음</h2><p>끝.</p>"
    )
    assert texts(fragment) == [(None, "앞."), ("깊은 제목", "뒤."), ("다음", "끝.")]


def test_h5_h6_and_overlong_headings_are_text() -> None:
    long = "가" * 150
    fragment = f"<h2>제목</h2><h5>작은 제목</h5><p>본문.</p><h6>메모</h6><h3>{long}</h3>"
    assert texts(fragment) == [("제목", f"작은 제목\n\n본문.\n\n메모\n\n{long}")]


def test_a_trailing_heading_without_text_is_kept() -> None:
    assert texts("<p>본문.</p><h2>다음 편에 계속</h2>") == [(None, "본문."), ("다음 편에 계속", "")]


def test_extra_heading_selector_for_editors_without_h_tags() -> None:
    html = (
        "<div id='body'><div class='se-component se-text'><p>앞.</p></div>"
        "<div class='se-component se-sectionTitle'><p><span>소</span><span>제목</span></p></div>"
        "<div class='se-component se-text'><p>뒤.</p></div></div>"
    )
    body = LexborHTMLParser(html).css_first("#body")
    assert body is not None
    sections = node_to_sections(body, heading_selector=".se-sectionTitle", heading_level=2)
    assert sections == (Section(None, "앞.", 0), Section("소제목", "뒤.", 2))


def test_deep_nesting_does_not_overflow_the_stack() -> None:
    fragment = "<div>" * 3000 + "<h2>제목</h2><p>본문</p>" + "</div>" * 3000
    assert texts(fragment) == [("제목", "본문")]


# --- boilerplate ------------------------------------------------------------------------------


BOILERPLATE = """
<div class="revenue_unit_wrap"><div class="revenue_unit_info">728x90</div>
  <ins class="adsbygoogle"></ins>
  <script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>
<p>리뷰 문장.</p>
<figure data-ke-type="opengraph"><a href="https://x.example"><div class="og-text">
  <p class="og-title">링크카드 제목</p><p class="og-desc">링크카드 설명</p></div></a></figure>
<figure data-ke-type="video"><iframe src="https://www.youtube.com/embed/x"></iframe>
  <figcaption>동영상 설명</figcaption></figure>
<pre><code>print("코드")</code></pre>
<div data-ke-type="moreLess"><a class="btn-toggle-moreless">더보기</a>
  <div class="moreless-content"><p>접힌 문장.</p></div></div>
<p style="display: none">숨은 문장</p><p hidden>또 숨은 문장</p>
<style>.x { color: red }</style><noscript>자바스크립트 필요</noscript>
<div class="container_postbtn">
  <button class="btn_share" data-description="요약 사본">공유하기</button>
  <div class="postbtn_ccl"><span>저작자표시</span></div>
  <div class="another_category"><h4>'영화' 카테고리의 다른 글</h4></div></div>
"""


def test_boilerplate_never_reaches_the_text() -> None:
    text = "\n".join(s.text for s in html_to_sections(BOILERPLATE))
    assert text == "리뷰 문장.\n\n접힌 문장."


def test_strip_boilerplate_survives_nested_and_repeated_matches() -> None:
    html = (
        "<div id='b'><div class='revenue_unit_wrap adsbygoogle'><ins class='adsbygoogle'>"
        "<script>x</script></ins></div><div class='container_postbtn'><div class='postbtn_like'>"
        "<button>b</button></div></div><p>남는 글</p></div>"
    )
    body = LexborHTMLParser(html).css_first("#b")
    assert body is not None
    strip_boilerplate(body, extra=("p.none",))
    assert body.html == '<div id="b"><p>남는 글</p></div>'


# --- short fragments --------------------------------------------------------------------------


def test_html_to_text_unescapes_once_and_drops_tags() -> None:
    assert html_to_text("영화 &lt;괴물&gt; 리뷰") == "영화 <괴물> 리뷰"
    assert html_to_text("&amp;lt;괴물&amp;gt;") == "&lt;괴물&gt;"
    assert html_to_text("<b>괴</b>물<br>리뷰 <script>x()</script>") == "괴물 리뷰"


def test_inline_text_of_a_node() -> None:
    node = LexborHTMLParser("<h2 id='h'>  🎬 <span>줄거리</span>&nbsp;</h2>").css_first("#h")
    assert node is not None
    assert inline_text(node) == "🎬 줄거리"
