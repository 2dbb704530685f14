"""One way to read a typed phone number (in the deployment's region) and one way to mask one."""
import pytest

from bot.phones import mask_phone, parse_phone


def test_a_national_number_is_read_in_the_region_given():
    assert parse_phone("(202) 555-0143", "US") == "+12025550143"
    assert parse_phone("+1 202 555 0143", "GB") == "+12025550143"  # a country code wins over the region
    # 020 7946 0958: a London number reserved for drama (Ofcom), never anyone's.
    assert parse_phone("020 7946 0958", "GB", mobile=False) == "+442079460958"
    with pytest.raises(ValueError, match="not a valid phone number"):
        parse_phone("020 7946 0958", "US", mobile=False)


def test_a_number_that_cannot_receive_texts_is_refused_unless_a_landline_will_do():
    with pytest.raises(ValueError, match="not a mobile number"):
        parse_phone("020 7946 0958", "GB")
    with pytest.raises(ValueError, match="not a phone number"):
        parse_phone("call me", "US")


def test_a_masked_number_keeps_the_country_digit_and_the_last_four():
    assert mask_phone("+12025550143") == "+1******0143"
    assert mask_phone("%2B12025550143") == "+1******0143"
    assert mask_phone(None) == mask_phone("") == "-"
