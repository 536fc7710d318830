from bot.textnorm import clean_line, clean_text, normalize_key


def test_compatibility_jamo_survive_cleaning() -> None:
    assert clean_text("진짜 웃겼다 ㅋㅋㅋ") == "진짜 웃겼다 ㅋㅋㅋ"
    assert clean_line("ㅎㅇㅈ ㄱㅅ") == "ㅎㅇㅈ ㄱㅅ"
    # a consonant followed by a vowel must not silently become a syllable
    assert clean_line("ㅇㅏ") == "ㅇㅏ"


def test_halfwidth_jamo_fold_to_compatibility_jamo() -> None:
    assert clean_line("\uffbe\uffbe") == "ㅎㅎ"


def test_nfkc_still_applies_elsewhere() -> None:
    assert clean_line("ＡＢＣ\u00a0１２３ ﬁ") == "ABC 123 fi"
    assert normalize_key("<헤어질 결심>") == normalize_key("헤어질결심")
