"""SMS encoding facts: which characters fit GSM-7 and how many segments a text costs."""
from __future__ import annotations

# GSM 03.38 basic set and the extension table (extension characters cost two septets).
_GSM_BASIC = set(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5\u0394_\u03a6\u0393\u039b\u03a9"
    "\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9 !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7\u00bfabcdefghijklmnopqrstuvwxyz"
    "\u00e4\u00f6\u00f1\u00fc\u00e0"
)
_GSM_EXTENDED = set("^{}\\[~]|\u20ac\f")


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def non_gsm_characters(text: str) -> list[str]:
    return sorted({ch for ch in text if ch not in _GSM_BASIC and ch not in _GSM_EXTENDED})


def segments(text: str) -> int:
    """Segments Twilio bills: 160/153 septets in GSM-7, else 70/67 UTF-16 code units in UCS-2."""
    if is_gsm7(text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)
