"""Settings that only matter on Redis, read the way a server process reads them."""

import json
import os
import subprocess
import sys

from support.processes import PROJECT_DIR

READ_LAYER = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CHANNEL_LAYERS['default'], default=repr))"
)


def layer_with(**env: str) -> dict:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "chatsite.settings", **env}
    output = subprocess.run(
        [sys.executable, "-c", READ_LAYER],
        cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(output)


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
