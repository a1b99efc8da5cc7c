"""AfterShip webhook deliveries as the endpoint receives them: the test secret, the URL, a checkpoint and
the signed body's bytes around checkpoints."""

import json

SECRET = "whsec-test-3f645f5e"
NUMBER = "9361289676091361892011"
URL = "/webhooks/aftership/"


def checkpoint(at="2026-11-12T09:30:00+08:00", tag="InTransit", subtag="InTransit_001", message="", **extra):
    return {
        "checkpoint_time": at,
        "tag": tag,
        "subtag": subtag,
        "message": message or f"{subtag or tag} at {at}",
        "location": "Shenzhen",
        "country_iso3": "CHN",
        "zip": "518000",
        **extra,
    }


def body_of(*checkpoints, number=NUMBER, event_id="3f645f5e-530b-4062-8695-db6a64420af8", **extra) -> bytes:
    payload = {
        "event": "tracking_update",
        "event_id": event_id,
        "ts": 1794470400,
        "msg": {
            "id": "grhrexm6t3hiwkjwq37jd003",
            "tracking_number": number,
            "slug": "usps",
            "tag": "InTransit",
            "subtag": "InTransit_001",
            "checkpoints": list(checkpoints),
        },
        **extra,
    }
    return json.dumps(payload).encode()
