"""Carrier keywords, in English and Spanish. A keyword is the whole message (trimmed, any case,
accents ignored, trailing punctuation allowed): "STOP" or "PARAR" opts out, "I can't stop shaking" is
a symptom and goes to triage.

Twilio's own opt-out handling knows only the English words, so a Spanish opt-out is confirmed by the
service itself (in Spanish), and the words Twilio ignores must still stop every text here."""
from __future__ import annotations

import re
import unicodedata

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
OPT_OUT_ES = {"PARAR", "PARE", "ALTO", "BAJA", "CANCELAR", "DETENER", "DETENTE", "TERMINAR", "FIN", "SALIR",
              "NO MAS", "NO MAS MENSAJES"}
OPT_IN = {"START", "UNSTOP"}
OPT_IN_ES = {"INICIO", "INICIAR", "COMENZAR", "EMPEZAR", "REANUDAR", "SEGUIR", "ALTA"}
# "yes" is an answer to a question unless the number is opted out
OPT_IN_WHEN_OPTED_OUT = {"YES": "en", "SI": "es"}
HELP = {"HELP", "INFO"}
HELP_ES = {"AYUDA", "INFORMACION"}
_TRAILING = re.compile(r"[\s.!?¡¿,;:'\"]+$")
_LEADING = re.compile(r"^[\s¡¿]+")
_ACK = re.compile(r"^\s*ACK\s+([A-Z0-9]{4,12})\s*[.!]*\s*$", re.IGNORECASE)


def _word(body: str) -> str:
    folded = unicodedata.normalize("NFKD", body).encode("ascii", "ignore").decode()
    return " ".join(_TRAILING.sub("", _LEADING.sub("", folded)).split()).upper()


def keyword_lang(body: str, opted_out: bool) -> tuple[str | None, str]:
    """('opt_out' | 'opt_in' | 'help' | None, language of the word: 'en' or 'es')."""
    word = _word(body)
    if word in OPT_OUT or word in OPT_OUT_ES:
        return "opt_out", "es" if word in OPT_OUT_ES else "en"
    if word in OPT_IN or word in OPT_IN_ES:
        return "opt_in", "es" if word in OPT_IN_ES else "en"
    if opted_out and word in OPT_IN_WHEN_OPTED_OUT:
        return "opt_in", OPT_IN_WHEN_OPTED_OUT[word]
    if word in HELP or word in HELP_ES:
        return "help", "es" if word in HELP_ES else "en"
    return None, "en"


def keyword(body: str, opted_out: bool) -> str | None:
    """'opt_out', 'opt_in', 'help' or None."""
    return keyword_lang(body, opted_out)[0]


def ack_code(body: str) -> str | None:
    """The code in a coordinator's 'ACK K7P2QX', if the message is exactly that."""
    m = _ACK.match(body)
    return m.group(1).upper() if m else None


def is_help_word(body: str) -> bool:
    """HELP or AYUDA itself (not INFO): from a patient, also a request for help."""
    return _word(body) in {"HELP", "AYUDA"}
