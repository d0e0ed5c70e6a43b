"""Settings that only matter on Redis or PostgreSQL, read the way a server process reads
them."""

import json
import os
import subprocess
import sys

from support.processes import PROJECT_DIR

POSTGRES = "postgres://chat@127.0.0.1:1/chat"


def in_a_process(code: str, **env: str) -> str:
    """What `code` prints, run after django.setup() in a process started with `env`."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatsite.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def setting_with(expression: str, **env: str) -> dict:
    """`expression` (on `settings`) as a process started with `env` reads it."""
    read = "import json; from django.conf import settings; "
    read += f"print(json.dumps({expression}, default=repr))"
    return json.loads(in_a_process(read, **env))


def layer_with(**env: str) -> dict:
    return setting_with("settings.CHANNEL_LAYERS['default']", **env)


def database_with(**env: str) -> dict:
    return setting_with("settings.DATABASES['default']", **env)


def test_without_redis_the_layer_is_in_memory():
    assert layer_with(REDIS_URL="")["BACKEND"] == "channels.layers.InMemoryChannelLayer"


def test_on_redis_the_default_is_the_pubsub_layer():
    layer = layer_with(REDIS_URL="redis://127.0.0.1:1/0", CHANNEL_LAYER_BACKEND="")
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    [host] = layer["CONFIG"]["hosts"]
    assert host["max_connections"] > 100


def test_on_the_core_layer_reads_outlast_its_blocking_pop_and_groups_last_for_days():
    backend = "channels_redis.core.RedisChannelLayer"
    layer = layer_with(REDIS_URL="redis://127.0.0.1:1/0", CHANNEL_LAYER_BACKEND=backend)
    [host] = layer["CONFIG"]["hosts"]
    # channels-redis's blocking pop waits up to 5 s; a read timeout as short fails reads.
    assert host["socket_timeout"] > 5
    assert layer["CONFIG"]["group_expiry"] >= 7 * 24 * 3600


def test_postgresql_connections_come_from_a_pool_per_process():
    database = database_with(DATABASE_URL=POSTGRES, CONN_MAX_AGE="", DATABASE_POOL="")
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10}
    sized = database_with(DATABASE_URL=POSTGRES, DATABASE_POOL_SIZE="3", DATABASE_POOL="")
    assert sized["OPTIONS"]["pool"]["max_size"] == 3


def test_the_pool_can_be_turned_off_and_never_meets_kept_connections():
    assert "pool" not in database_with(DATABASE_URL=POSTGRES, DATABASE_POOL="0").get("OPTIONS", {})
    kept = database_with(DATABASE_URL=POSTGRES, CONN_MAX_AGE="60", DATABASE_POOL="")
    # Django refuses a pool beside CONN_MAX_AGE; the kept connections win.
    assert kept["CONN_MAX_AGE"] == 60
    assert "pool" not in kept.get("OPTIONS", {})


def test_sqlite_gets_no_postgresql_pool_option():
    database = database_with(DATABASE_URL="sqlite:///chat.sqlite3", DATABASE_POOL="1")
    assert "pool" not in database["OPTIONS"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
