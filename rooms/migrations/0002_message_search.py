"""Full-text search over message bodies, for rooms/search.py; each database its own way.

SQLite: an external-content FTS5 table `rooms_message_fts` over rooms_message.body, and
triggers that keep it in step with every insert, update of the body, and delete.
Caution: when a later migration makes Django rebuild rooms_message on SQLite (many
AlterField/AddField operations do: new table, copy, drop, rename), the triggers are dropped
with the old table. Such a migration must run `create_sqlite_triggers` again afterwards;
tests/test_search.py fails while they are missing.

PostgreSQL: a function `rooms_message_search_text(body)`: the body lowercased, with
everything but letters and digits turned into spaces, by Unicode rules (ICU's, where the
server has it, so even a database with the C locale ignores case), so that PostgreSQL's
parser finds the same words as SQLite's tokenizer (left alone, it would skip "<b>" and
"&amp;" as markup, and keep "bob@example.com" or "a/b.txt" as single words). And a GIN
index on to_tsvector('simple', that), the expression rooms/search.py queries.

Other databases get neither (rooms/search.py supports only these two).
"""

from django.db import migrations, models

FTS_TABLE = "rooms_message_fts"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON rooms_message BEGIN
        INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON rooms_message BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF body ON rooms_message BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, new.body);
    END""",
]

PG_FUNCTION = "rooms_message_search_text"
PG_INDEX = "message_body_search"


def create_sqlite_triggers(apps, schema_editor):
    """(Re)create the triggers and re-index every body: safe to run again at any time."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE_TRIGGERS:
        schema_editor.execute(statement)
    schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def create_sqlite_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    # unicode61: words are runs of letters and digits, folded to lower case; accents ignored.
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, content='rooms_message', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    create_sqlite_triggers(apps, schema_editor)


def drop_sqlite_index(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{trigger}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def postgres_index(apps):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # Built the way rooms/search.py builds its query, so the planner can use it.
    lowered = models.Func(models.F("body"), function=PG_FUNCTION, output_field=models.TextField())
    return GinIndex(SearchVector(lowered, config="simple"), name=PG_INDEX)


def create_postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")
        icu = cursor.fetchone() is not None
    if icu:
        # Unicode rules whatever the database's locale: lower case, and every run of
        # characters that are not letters or digits one space.
        words = """regexp_replace(lower($1 COLLATE "und-x-icu"), '[^[:alnum:]]+', ' ', 'g')"""
    else:
        punctuation = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum())
        words = "translate(lower($1), {}, {})".format(
            schema_editor.quote_value(punctuation), schema_editor.quote_value(" " * len(punctuation))
        )
    schema_editor.execute(
        f"CREATE FUNCTION {PG_FUNCTION}(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {words} $$",
        params=None,  # "%" is text here, not a placeholder
    )
    message = apps.get_model("rooms", "Message")
    schema_editor.execute(postgres_index(apps).create_sql(message, schema_editor))


def drop_postgres_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_sqlite_index, drop_sqlite_index, elidable=False),
        migrations.RunPython(create_postgres_index, drop_postgres_index, elidable=False),
    ]
