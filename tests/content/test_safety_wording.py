"""One 911 rule everywhere (safety rule 7): every text that gives advice about numbness between the
legs or bladder and bowel control says it in the same words (the er_rule text of its language)."""
import pytest

from bot import pathways

# Words that mean a text talks about the cauda equina signs.
SIGNS = {"en": ("between your legs", "bladder", "trouble peeing"),
         "es": ("entrepierna", "orinar", "la orina")}
QUESTIONS = {"checkin_redflags"}  # the check-in lists the signs; it asks, it does not advise


@pytest.fixture(scope="module")
def library():
    return pathways.library()


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_text_with_the_signs_gives_the_one_rule(library, language):
    rule = library.content[language]["er_rule"].text
    assert "911" in rule
    giving = [key for key, message in library.content[language].items()
              if key not in QUESTIONS | {"er_rule"} and any(s in message.text for s in SIGNS[language])]
    assert {"help", "screen_yes_reply", "screen_yes_reply_unpaged", "hip_buttock_call"} <= set(giving)
    for key in giving:
        assert rule in library.content[language][key].text, key
