"""What `bot.config.load` returns: every setting, parsed and checked, in one frozen object."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path

from bot.clinic_hours import Hours


@dataclass(frozen=True)
class Settings:
    """Every setting, parsed and checked once at start-up (`load`); passed around as it is, never
    changed afterwards. The fields are the SETTINGS names in lower case."""
    database_url: str
    secret_key: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_webhook_shared_keys: dict[str, str] | None
    twilio_from_number: str | None
    twilio_messaging_service_sid: str | None
    twilio_api_base_url: str
    public_url: str | None
    proxy_count: int
    send_rate: float
    quiet_hours: tuple[time, time]
    default_phone_region: str
    default_timezone: str
    api_token: str | None
    metrics_token: str | None
    clinic_name: str
    clinic_phone: str
    clinic_hours: Hours
    clinic_timezone: str | None
    plan_horizon_days: int
    dispatch_batch: int
    dispatch_threads: int
    sending_lease_seconds: int
    heartbeat_seconds: float
    heartbeat_stale_seconds: float
    dispatch_queue_seconds: float
    dispatch_idle_seconds: float
    twilio_timeout_seconds: float
    in_doubt_recheck_seconds: int
    max_send_attempts: int
    routine_stale_hours: int
    inbound_sweep_seconds: int
    escalation_emergency_minutes: int
    escalation_urgent_minutes: int
    answer_window_hours: int
    simulator: bool
    testing: bool
    content_dir: Path
    # CLINIC_NAME and CLINIC_PHONE when the simulator invented them (shown wherever they appear).
    clinic_invented: tuple[str, ...] = ()
