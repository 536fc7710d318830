import pytest

from bot.ingest.decode import declared_charset, decode_bytes, looks_binary
from bot.ingest.errors import IngestError

KOREAN_PAGE = (
    "<html><head><title>영화 &lt;괴물&gt; 리뷰</title></head><body>"
    "<p>한강 둔치에서 시작되는 이야기는 가족이 서로를 끝까지 찾는 과정으로 이어진다. "
    "재난 앞에서 국가는 느리고, 매점 가족은 빠르다.</p></body></html>"
)


def test_euc_kr_page_without_any_declaration_is_detected() -> None:
    assert decode_bytes(KOREAN_PAGE.encode("euc-kr")) == KOREAN_PAGE


def test_http_charset_wins() -> None:
    data = KOREAN_PAGE.encode("cp949")
    assert decode_bytes(data, content_type="text/html; charset=EUC-KR") == KOREAN_PAGE


def test_meta_charset_is_used_and_euc_kr_widened_to_cp949() -> None:
    # 똠 is outside EUC-KR but inside CP949: pages labelled euc-kr often contain it.
    page = '<meta charset="euc-kr"><p>똠방각하 같은 글자도 깨지지 않는다.</p>'
    assert declared_charset(page.encode("cp949")) == "cp949"
    assert decode_bytes(page.encode("cp949")) == page


def test_wrong_declaration_falls_back_to_utf8() -> None:
    page = '<meta charset="euc-kr"><p>유니코드로 저장된 글</p>'
    assert decode_bytes(page.encode("utf-8")) == page


def test_bom_is_removed() -> None:
    assert decode_bytes("\ufeff제목".encode()) == "제목"


def test_binary_is_rejected_in_one_line() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert looks_binary(png)
    with pytest.raises(IngestError, match="binary") as err:
        decode_bytes(png)
    assert "\n" not in str(err.value)
