"""Rate limits shared by several workers through a real Redis server (KB_RATELIMIT_STORAGE=redis://...)."""
from __future__ import annotations

import os
import re
import uuid

import pytest

from tests.conftest import need

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_url():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # any failure means: no Redis to test against
        need(False, f"Redis server at {REDIS_URL} is unreachable ({type(exc).__name__}: {exc}); "
                    "install and start Debian's redis-server (.ci/run does)")
    prefix = f"kbtest-{uuid.uuid4().hex[:8]}"
    yield REDIS_URL, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def _login(client, email: str) -> int:
    page = client.get("/logga-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/logga-in", data={"email": email, "password": "x" * 12, "csrf_token": token}).status_code


def test_login_limit_is_shared_by_two_workers_through_redis(make_app, redis_url):
    url, prefix = redis_url
    config = dict(load=False, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix,
                  KB_LOGIN_LIMIT_ADDRESS="3 per minute", KB_LOGIN_LIMIT_ACCOUNT="100 per minute")
    worker_a, worker_b = make_app(**config), make_app(**config)
    a, b = worker_a.test_client(), worker_b.test_client()
    codes = [_login(a, "a@example.se"), _login(b, "a@example.se"), _login(a, "a@example.se")]
    assert codes == [401, 401, 401]
    # The fourth attempt from the same address is refused by either worker: the count is in Redis.
    assert _login(b, "a@example.se") == 429
    assert _login(a, "a@example.se") == 429
    import redis

    keys = list(redis.Redis.from_url(url).scan_iter(f"*{prefix}*"))
    assert keys, "the limiter wrote no counter to Redis"
