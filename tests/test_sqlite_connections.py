"""SQLite's connections are handed from one request's thread to the next
(chatsite/sqlite/base.py), each in a server process of its own, as a server runs them."""

from tests.test_settings import in_a_process

OPEN_TWICE = """
import threading
from django.db import connection

def open_once(seen):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    seen.append(id(connection.connection))
    connection.close()

seen = []
for _ in range(3):  # each in a thread of its own, as requests under ASGI
    thread = threading.Thread(target=open_once, args=(seen,))
    thread.start()
    thread.join()
print(len(set(seen)))
"""


def test_each_threads_connection_is_the_one_the_last_thread_gave_back(tmp_path):
    assert in_a_process(OPEN_TWICE, DATABASE_URL=f"sqlite:///{tmp_path / 'chat.sqlite3'}") == "1\n"


def test_closing_a_connection_leaves_the_log_for_the_next(tmp_path):
    # The last connection to close folds SQLite's log back and deletes it, which was the
    # end of every request; the process keeps its connections open instead.
    database = tmp_path / "chat.sqlite3"
    log = f"{database}-wal"
    code = f"""
import os, sqlite3
from contextlib import closing
from django.db import connection
from chatsite.sqlite import base
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE said (words TEXT)")
    cursor.execute("INSERT INTO said VALUES ('kept')")
connection.close()
print(connection.settings_dict["ENGINE"], os.path.exists({log!r}))
with closing(sqlite3.connect({str(database)!r})) as reader:
    print(reader.execute("SELECT words FROM said").fetchall())
base.close_idle()
print(os.path.exists({log!r}))
"""
    engine_and_log, rows, log_after_the_last = in_a_process(
        code, DATABASE_URL=f"sqlite:///{database}"
    ).splitlines()
    assert engine_and_log == "chatsite.sqlite True"
    assert rows == "[('kept',)]"
    # Once the kept connection closes too, SQLite does what each request's close did.
    assert log_after_the_last == "False"


def test_a_connection_closed_in_a_transaction_is_rolled_back_and_holds_no_lock(tmp_path):
    database = tmp_path / "chat.sqlite3"
    code = f"""
import sqlite3
from contextlib import closing
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE said (words TEXT)")
connection.connection.execute("BEGIN IMMEDIATE")
connection.connection.execute("INSERT INTO said VALUES ('half done')")
connection.close()
with closing(sqlite3.connect({str(database)!r}, timeout=0)) as other:
    other.execute("INSERT INTO said VALUES ('written')")  # no lock left behind
    other.commit()
with connection.cursor() as cursor:
    cursor.execute("SELECT words FROM said")
    print(cursor.fetchall())
"""
    assert in_a_process(code, DATABASE_URL=f"sqlite:///{database}") == "[('written',)]\n"


def test_a_database_made_anew_at_the_same_path_gets_a_new_connection(tmp_path):
    database = tmp_path / "chat.sqlite3"
    code = f"""
import os, sqlite3
from contextlib import closing
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE old (words TEXT)")
connection.close()  # given back, open to the first file
for suffix in ("", "-wal", "-shm"):
    if os.path.exists({str(database)!r} + suffix):
        os.remove({str(database)!r} + suffix)
with closing(sqlite3.connect({str(database)!r})) as maker:
    maker.execute("CREATE TABLE new (words TEXT)")
with connection.cursor() as cursor:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    print(cursor.fetchall())
"""
    assert in_a_process(code, DATABASE_URL=f"sqlite:///{database}") == "[('new',)]\n"
