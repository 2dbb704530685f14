"""Settings fail fast at start-up, naming every bad variable."""
import pytest

from bot import config as settings


def load(**env):
    return settings.load(environ=env, instance_path="/tmp/postop-config-test")


def test_defaults_run_the_simulator_on_sqlite():
    cfg = load()
    assert cfg.simulator is True and cfg.database_url.startswith("sqlite:///")
    assert cfg.send_rate == 1.0 and cfg.default_phone_region == "US"
    assert str(cfg.quiet_hours[0]) == "21:00:00" and str(cfg.quiet_hours[1]) == "08:00:00"
    assert cfg.twilio_api_base_url == "https://api.twilio.com"


def test_every_malformed_value_is_named_in_one_error():
    with pytest.raises(settings.ConfigError) as e:
        load(SEND_RATE="fast", QUIET_HOURS="9pm-8am", DEFAULT_PHONE_REGION="XX", TWILIO_API_BASE_URL="ftp://x",
             DATABASE_URL="mysql://x", TWILIO_FROM_NUMBER="123")
    message = str(e.value)
    for name in ("SEND_RATE", "QUIET_HOURS", "DEFAULT_PHONE_REGION", "TWILIO_API_BASE_URL", "DATABASE_URL",
                 "TWILIO_FROM_NUMBER"):
        assert name in message


def test_twilio_needs_its_pieces_and_a_secret_key():
    with pytest.raises(settings.ConfigError, match="TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        load(TWILIO_ACCOUNT_SID="AC123")
    with pytest.raises(settings.ConfigError) as e:
        load(TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="t")
    assert "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID" in str(e.value) and "SECRET_KEY" in str(e.value)
    cfg = load(TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="t", TWILIO_MESSAGING_SERVICE_SID="MG1",
               SECRET_KEY="s" * 32, CLINIC_NAME="Riverside Spine Center", CLINIC_PHONE="+12025550111")
    assert cfg.simulator is False


def test_webhook_shared_keys_parse_by_id_and_a_bad_value_is_named_without_its_secrets():
    cfg = load(TWILIO_WEBHOOK_SHARED_KEYS="webhooks_sharedkey_a=s3cr=t, webhooks_sharedkey_b = other ")
    assert cfg.twilio_webhook_shared_keys == {"webhooks_sharedkey_a": "s3cr=t", "webhooks_sharedkey_b": "other"}
    assert load().twilio_webhook_shared_keys is None
    with pytest.raises(settings.ConfigError, match="TWILIO_WEBHOOK_SHARED_KEYS: expected KEY_ID=SECRET") as e:
        load(TWILIO_WEBHOOK_SHARED_KEYS="webhooks_sharedkey_a=very-secret,forgot-the-id")
    assert "very-secret" not in str(e.value)


def test_quiet_hours_and_rate_parse():
    cfg = load(QUIET_HOURS="22:30-07:15", SEND_RATE="0.5")
    assert str(cfg.quiet_hours[0]) == "22:30:00" and cfg.send_rate == 0.5
    with pytest.raises(settings.ConfigError, match="QUIET_HOURS"):
        load(QUIET_HOURS="25:00-08:00")
    with pytest.raises(settings.ConfigError, match="SEND_RATE"):
        load(SEND_RATE="0")


def test_a_short_secret_key_is_refused_when_twilio_is_configured():
    twilio = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "t", "TWILIO_MESSAGING_SERVICE_SID": "MG1",
              "CLINIC_NAME": "Riverside Spine Center", "CLINIC_PHONE": "+12025550111"}
    with pytest.raises(settings.ConfigError, match="SECRET_KEY: at least 32") as e:
        load(**twilio, SECRET_KEY="x")
    assert "'x'" not in str(e.value)  # never echoed
    with pytest.raises(settings.ConfigError, match="SECRET_KEY: at least 32"):
        load(**twilio, SECRET_KEY="s" * 31)
    assert load(**twilio, SECRET_KEY="s" * 32).secret_key == "s" * 32
    assert load(SECRET_KEY="short").simulator is True  # the local simulator sends nothing: allowed


def test_twilio_without_the_clinics_name_and_phone_is_refused_naming_both():
    twilio = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "t", "TWILIO_MESSAGING_SERVICE_SID": "MG1",
              "SECRET_KEY": "s" * 32}
    with pytest.raises(settings.ConfigError) as e:
        load(**twilio)
    assert "CLINIC_PHONE: required" in str(e.value) and "CLINIC_NAME: required" in str(e.value)
    with pytest.raises(settings.ConfigError, match="CLINIC_PHONE: required"):
        load(**twilio, CLINIC_NAME="Riverside Spine Center")


def test_the_simulator_invents_a_clinic_and_says_so():
    cfg = load()
    assert cfg.clinic_name == "Your spine surgery team" and cfg.clinic_phone.startswith("+1202555")
    assert cfg.clinic_invented == ("CLINIC_NAME", "CLINIC_PHONE")
    assert load(CLINIC_NAME="Riverside Spine Center", CLINIC_PHONE="202 555 0111").clinic_invented == ()


def test_the_clinics_numbers_are_read_in_the_deployments_phone_region():
    # 020 7946 0958: a London number reserved for drama (Ofcom), never anyone's.
    assert load(DEFAULT_PHONE_REGION="GB", CLINIC_PHONE="020 7946 0958").clinic_phone == "+442079460958"
    assert load(CLINIC_PHONE="202 555 0111").clinic_phone == "+12025550111"
    with pytest.raises(settings.ConfigError, match="CLINIC_PHONE="):
        load(CLINIC_PHONE="020 7946 0958")  # not a US number
