"""What gunicorn serves in tests/auth/test_throttle_burst.py: pb as PB_ENV=testing runs it, with
Flask-Limiter switched on (TestingConfig switches it off) and the counters' keys under a prefix
of the test's own, so runs sharing one Redis database never count each other's attempts.
The storage and the limits come from the environment (PB_RATELIMIT_STORAGE_URI, PB_LIMIT_*)."""
import os

from pb import create_app

app = create_app({"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": os.environ["PB_TEST_RATELIMIT_KEY_PREFIX"]})
