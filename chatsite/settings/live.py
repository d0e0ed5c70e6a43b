"""The live layer: Redis, the channel layer, the fan-out's bounds, sockets and presence."""

import os

import redis.exceptions

from chatsite.settings.core import REDIS_URL

# Each server process reads every group it serves on one layer channel (rooms/fanout.py):
# room, lobby and user events for all its sockets queue there, not a socket's share. A
# process this far behind closes its sockets (3012: they reconnect and catch up) rather
# than queue more: the pub/sub layer's in-process queue is bounded to it too
# (rooms/layer_adapter.py); the core layer drops what is over it, which the heartbeat sees.
FANOUT_CHANNEL_CAPACITY = int(os.environ.get("FANOUT_CHANNEL_CAPACITY", "10000"))
# How often each process checks, through the layer, that its groups still reach it. After
# three missed beats its sockets reconnect and catch up.
FANOUT_HEARTBEAT = float(os.environ.get("FANOUT_HEARTBEAT", "2"))
# Slow and hostile clients (rooms/outbox.py, rooms/limits.py, chatsite/connections.py).
# What may wait for one socket that reads slower than its room talks: past either bound it
# is closed with 3012, reconnects and catches up over HTTP. Frames are shared by every
# socket they go to, so a slow socket's own cost is the server's write buffer (64 KiB) plus
# its share of these. 512 KiB is some 200 of the largest messages: seconds of the busiest room.
FANOUT_SOCKET_MAX_FRAMES = int(os.environ.get("FANOUT_SOCKET_MAX_FRAMES", "256"))
FANOUT_SOCKET_MAX_BYTES = int(os.environ.get("FANOUT_SOCKET_MAX_BYTES", str(512 * 1024)))
# Seconds a closing socket has to read its close frame before its connection is dropped: a
# peer that never reads would otherwise hold it, and its buffers, for good.
SOCKET_CLOSE_GRACE = float(os.environ.get("SOCKET_CLOSE_GRACE", "2"))
# The kernel's send buffer for each websocket, in bytes (0: the kernel's own, which grows to
# 4 MiB for a peer that does not read, outside the process's memory and every bound above).
SOCKET_SEND_BUFFER = int(os.environ.get("SOCKET_SEND_BUFFER", str(64 * 1024)))
# Open sockets per person (tabs and devices) and per client address, in each server process;
# the next is refused with 4429. Behind a proxy the address is X-Forwarded-For's (uvicorn's
# --proxy-headers): without it every client shares the proxy's address and this one cap.
SOCKETS_PER_USER = int(os.environ.get("SOCKETS_PER_USER", "20"))
SOCKETS_PER_ADDRESS = int(os.environ.get("SOCKETS_PER_ADDRESS", "200"))
# Frames a page never sends that a socket may send before it is closed (4400).
SOCKET_MAX_UNEXPECTED_FRAMES = int(os.environ.get("SOCKET_MAX_UNEXPECTED_FRAMES", "10"))
# Seconds a client has to send a request's line and headers, a websocket's handshake
# included (chatsite.connections.HttpProtocol): then the connection is dropped.
REQUEST_HEADER_TIMEOUT = float(os.environ.get("REQUEST_HEADER_TIMEOUT", "10"))
# Redis connections one server process may hold. A socket that opens takes one for a moment
# (presence, rate limits; joining a group the process is not yet in), so a reconnect storm
# after a restart needs many at once: redis-py's default cap of 100 raises instead of
# waiting. Keep processes x this under Redis's own `maxclients` (10 000 by default).
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000"))
# Which channels-redis layer REDIS_URL uses. With one layer channel per server process
# (rooms/fanout.py), pub/sub is the faster: one PUBLISH per broadcast against about five
# commands a process for the core layer; 35 vs 40 us of server CPU per delivered frame,
# 39 900 vs 30 000 frames/s at p99 <= 250 ms (bench/README.md, run F). Its weakness, losing
# what is published while a connection is down, is the fan-out's to handle: it closes its
# sockets with 3012 on any reconnect, and they catch up. Every consumer test runs on both;
# CHANNEL_LAYER_BACKEND=channels_redis.core.RedisChannelLayer selects the core layer.
CHANNEL_LAYER_BACKEND = (
    os.environ.get("CHANNEL_LAYER_BACKEND") or "channels_redis.pubsub.RedisPubSubChannelLayer"
)
# channels-redis waits for messages with a blocking pop of up to 5 s, and redis-py 8 gives
# up on any read after 5 s by default: the two race (core layer), and a lost race fails the
# process's read, which closes its sockets (3012). Reads may take as long as the pop, and more.
REDIS_SOCKET_TIMEOUT = 15
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKEND,
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                        "socket_timeout": REDIS_SOCKET_TIMEOUT,
                        # After Redis restarts each pooled connection fails once: reconnect
                        # and retry, rather than fail the socket or post that used it first.
                        "retry_on_error": [redis.exceptions.ConnectionError],
                    }
                ],
                "capacity": FANOUT_CHANNEL_CAPACITY,
            },
        }
    }
    if CHANNEL_LAYER_BACKEND == "channels_redis.core.RedisChannelLayer":
        # The core layer drops a channel from its groups this long after it joined
        # (a day by default): a page left open longer would stop receiving. Groups are
        # left on disconnect; only a crashed process leaves entries for this to clean.
        CHANNEL_LAYERS["default"]["CONFIG"]["group_expiry"] = 30 * 24 * 3600  # type: ignore[index]
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": FANOUT_CHANNEL_CAPACITY},
        }
    }


# Presence entries live this many seconds unless their process refreshes them (it does
# every PRESENCE_HEARTBEAT seconds), so a dead process's users vanish within a minute.
PRESENCE_TTL = 30
PRESENCE_HEARTBEAT = 10
# How long a socket's presence update may take before it is given up (and logged).
PRESENCE_TIMEOUT = 5
# At most one presence broadcast per room and process this often (rooms.presence.Coalescer).
PRESENCE_INTERVAL = 1.0
# Shortest gap between two "is typing" broadcasts from one socket.
TYPING_MIN_INTERVAL = 1.0
