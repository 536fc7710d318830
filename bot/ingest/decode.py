"""Bytes to text, the way browsers do it: HTTP charset, then the document's own declaration,
then detection. Older Korean pages are EUC-KR/CP949 and often say so nowhere in the headers."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from bot.ingest.errors import IngestError

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)

# Labels that pages use for a superset encoding; decoding with the superset loses nothing.
_SUPERSETS = {
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ksc5601": "cp949",
    "x-windows-949": "cp949",
}


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _HEADER_CHARSET.search(content_type)
    return _codec(m.group(1)) if m else None


def declared_charset(data: bytes) -> str | None:
    """The charset the document declares in its first 4 KiB (``<meta>`` or XML declaration)."""
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _codec(m.group(1).decode("ascii", "replace")) if m else None


# Detection on a short text often finds several equally clean readings (EUC-KR "짧은 글" is as
# clean in Big5 or GB18030, "crème" as clean in cp1250): ties go to what a Korean or English film
# blog most likely used.
_PREFERRED_ON_TIE = ("cp949", "cp1252")
_TIE = 0.01


def detect_encoding(data: bytes) -> str | None:
    """The codec charset-normalizer finds for ``data``, ties resolved toward Korean."""
    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is None or not best.encoding:
        return None
    for preferred in _PREFERRED_ON_TIE:
        for match in matches:
            if (
                _codec(match.encoding) == preferred
                and match.chaos <= best.chaos + _TIE
                and match.coherence >= best.coherence - _TIE
            ):
                return preferred
    return _codec(best.encoding) or "utf-8"


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes mean an image, archive or other non-text file."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text carries NULs legitimately
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > len(sample) // 20


def decode_bytes(data: bytes, *, content_type: str | None = None) -> str:
    """Decode ``data``; raise IngestError when it is not text at all."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if looks_binary(data):
        raise IngestError("not a text file (binary content)")
    for candidate in (charset_from_content_type(content_type), declared_charset(data)):
        if candidate:
            try:
                return data.decode(candidate)
            except UnicodeDecodeError:
                continue  # a wrong declaration is common; fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    name = detect_encoding(data)
    if name is not None:
        return data.decode(name, errors="replace")
    raise IngestError("cannot tell the text encoding")
