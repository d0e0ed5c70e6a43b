"""Real processes and clients for tests/, e2e/ and bench/: redis-server, PostgreSQL, ASGI
servers (uvicorn, or daphne), a whole site made of them, its users and an HTTP client.

- processes: ports, waiting, stopping; MissingDependency
- redis: RedisServer (stoppable and restartable on its port), redis_server()
- postgres: postgres_server(), postgres_database()
- asgi: AsgiServer, server_env(), manage()
- users: PASSWORD, create_users()
- site: Site (`Site.python()` runs a snippet as `manage.py shell -c` would), running_site(),
  prepare_database(), WEB_HOST (where tests serve pages to fetch)
- shell: DjangoShell (one Django shell process kept open per site)
- worker: TaskWorker (django-tasks' db_worker, stoppable and restartable), run_queued()
- http: HttpClient, receive_until(), until_closed(), message_ids()
- smtp: smtp_server() (aiosmtpd, keeping what it receives in a Mailbox), body_of()
- http_sites: http_site() (little loopback web sites: pages, redirects, endless, slow, gzip
  bombs, images; requests recorded), silent_listener() (proves no connection was made)
- audit: recording() (Python's audit events, e.g. every socket connect and DNS lookup, seen
  while a block runs: proof that code did not connect where it must not)
"""
