"""The lake's SQL as Athena reads it (devtools/athena_check.py): every view of the events template
and every documented query parses strictly in Athena's (Trino's) dialect and names only tables,
columns and struct fields the Glue tables and the views before it have; and the check fails on a
misspelt column, a misspelt struct field, DuckDB-only syntax and an UNNEST Athena reads otherwise."""

from __future__ import annotations

import pytest
from sqlglot import exp

from devtools import athena_check
from devtools.athena_check import AthenaSqlError, Catalog, Statement


@pytest.fixture(scope="module")
def views():
    return {v.view: v for v in athena_check.template_views()}


@pytest.fixture(scope="module")
def shipped():
    """Every view of the template and every documented query, checked in order: the statements,
    the problems found, and the catalog (the Glue tables and every view)."""
    statements = athena_check.statements()
    catalog = Catalog(athena_check.glue_schema())
    return statements, athena_check.check(statements, catalog=catalog), catalog


@pytest.fixture
def catalog(shipped):
    return shipped[2]


def copy_of(view: Statement, old: str, new: str) -> Statement:
    """The view with `old` replaced, under another name (the catalog keeps the real one)."""
    assert old in view.sql, f"{old!r} is not in {view.where}"
    return Statement(f"{view.where} (copy)", view.sql.replace(old, new), f"{view.view}_copy")


def problems(catalog: Catalog, statement: Statement) -> str:
    with pytest.raises(AthenaSqlError) as raised:
        catalog.check(statement)
    return str(raised.value)


# --- everything the project ships passes --------------------------------------------------------


def test_every_view_and_documented_query_reads_as_athena_reads_it(shipped):
    statements, errors, _ = shipped
    assert [str(e) for e in errors] == []
    sql_files = {p.stem for p in (athena_check.ROOT / "sql" / "views").glob("*.sql")}
    assert {s.view for s in statements if s.view} == sql_files
    documented = [s.where for s in statements if s.view is None and not s.where.startswith("engage_cli/")]
    assert any(w.startswith("docs/lake.md:") for w in documented), "no documented query was found"
    assert sum(w.startswith("engage_cli/lake/report.py") for w in (s.where for s in statements)) >= 3


def test_view_columns_carry_their_athena_types(catalog):
    named = catalog.views["events_named"]
    assert named["mail_event"].is_type(exp.DType.STRUCT)
    bounce = catalog.views["email_bounce"]
    assert bounce["bounced_recipient_status"].is_type(exp.DType.VARCHAR, exp.DType.TEXT)
    assert "bounce_type" in catalog.views["email_hardbounce"]


def test_documented_queries_come_from_sql_blocks_and_query_commands(tmp_path):
    doc = tmp_path / "guide.md"
    doc.write_text(
        "Intro\n\n"
        "```sql\nSELECT event_type FROM email_send;\n\n-- opens\nSELECT count(*) FROM email_open\n```\n\n"
        "```bash\n"
        'engage events query "SELECT campaign_id FROM email_open" --json\n'
        'engage events query --aws --stack engage "SELECT ..."   # a placeholder\n'
        "engage events query \\\n  'SELECT 1 AS one'\n"
        "engage events report\n"
        "```\n"
    )
    found = athena_check.markdown_queries(doc, tmp_path)
    assert [(q.where, q.sql) for q in found] == [
        ("guide.md:4", "SELECT event_type FROM email_send"),
        ("guide.md:6", "-- opens\nSELECT count(*) FROM email_open"),
        ("guide.md:11", "SELECT campaign_id FROM email_open"),
        ("guide.md:13", "SELECT 1 AS one"),
    ]


def test_each_statement_of_a_sql_block_is_checked(catalog, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("```sql\nSELECT event_type FROM email_send;\nSELECT event_typo FROM email_send;\n```\n")
    first, second = athena_check.markdown_queries(doc, tmp_path)
    catalog.check(first)
    message = problems(catalog, second)
    assert message.startswith("doc.md:3:") and "event_typo" in message


def test_hive_types_become_nested_types_with_lower_case_fields():
    kind = athena_check.hive_type(
        "struct<From:string,to:array<string>,open:struct<timestamp:string>,tags:map<string,array<int>>>"
    )
    assert kind.sql("trino") == (
        'ROW("from" VARCHAR, to ARRAY(VARCHAR), open ROW(timestamp VARCHAR), '
        "tags MAP(VARCHAR, ARRAY(INTEGER)))"
    )
    assert athena_check.hive_type("decimal(10,2)").sql("trino") == "DECIMAL(10, 2)"
    for broken in ("struct<a:string", "struct<a>", "map<string>", "strng"):
        with pytest.raises(ValueError, match=r"type|field"):
            athena_check.hive_type(broken)


def test_the_schema_is_the_glue_tables_with_their_partition_keys():
    schema = athena_check.glue_schema()
    assert set(schema) == {"events", "ses_events", "sms_events", "names"}
    assert {"event_type", "awsaccountid", "year", "month", "day", "hour"} <= set(schema["events"])
    assert "year" not in schema["names"]
    mail = next(f for f in schema["ses_events"]["mail"].expressions if f.name == "messageid")
    assert mail.args["kind"].is_type(exp.DType.VARCHAR, exp.DType.TEXT)


# --- what it catches ----------------------------------------------------------------------------


def test_a_misspelt_column_fails_naming_the_view_and_the_column(catalog, views):
    message = problems(catalog, copy_of(views["events_named"], "e.event_type", "e.event_typo"))
    assert message.startswith("view events_named (copy):") and "event_typo" in message


def test_a_misspelt_column_of_a_view_read_by_a_view_fails(catalog, views):
    message = problems(catalog, copy_of(views["email_send"], "event_type =", "event_typo ="))
    assert "email_send" in message and "event_typo" in message


def test_a_misspelt_struct_field_fails_naming_it_and_the_fields_there_are(catalog, views):
    message = problems(
        catalog, copy_of(views["events_named"], "e.application.app_id AS", "e.application.appid AS")
    )
    assert "events_named" in message and "unknown struct field 'appid'" in message and "app_id" in message
    # through a view: mail_event is a struct column of events_named, read by email_all_events
    message = problems(catalog, copy_of(views["email_bounce"], "bounce.bounce_type", "bounce.bounce_typo"))
    assert "email_bounce" in message and "'bounce_typo'" in message and "bounce_sub_type" in message


def test_struct_fields_are_matched_without_case_as_athena_does(catalog):
    query = 'SELECT s.mail.messageId, s.MAIL.CommonHeaders.subject, s."open"."timestamp" FROM ses_events AS s'
    catalog.check(Statement("query", query))


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM email_sends", "unknown table or view 'email_sends'"),
        ("SELECT n.message_tags.campaign_id FROM events_named AS n", "not a struct"),
        ("SELECT e.event_type.x FROM events AS e", "not a struct"),
    ],
)
def test_unknown_tables_and_dots_into_non_structs_fail(catalog, sql, expected):
    assert expected in problems(catalog, Statement("query", sql))


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT event_type FROM events QUALIFY row_number() OVER () = 1", "can't parse"),
        ("SELECT event_type::VARCHAR FROM events", "`x::type`"),
        ("SELECT * EXCLUDE (event_id) FROM events", "takes no EXCLUDE"),
        ("FROM events SELECT event_type", "`FROM ... SELECT`"),
        ("SELECT [1, 2] AS l FROM events", "list literal"),
        ("SELECT {'a': 1} AS s FROM events", "struct literal"),
        ("SELECT epoch_ms(event_timestamp) FROM events", "epoch_ms() is not an Athena"),
        ("SELECT strftime(now(), '%Y') FROM events", "strftime() is not an Athena"),
        ("SELECT event_type FROM events GROUP BY ALL", "GROUP BY ALL"),
        ("SELECT event_type FROM events WHERE event_type ILIKE '_email%'", "no ILIKE"),
        ("SHOW TABLES", "opaque command"),
        ("SELECT 1; SELECT 2", "2 statements"),
        ("DROP TABLE events", "not a query"),
    ],
)
def test_syntax_athena_does_not_have_fails(catalog, sql, expected):
    assert expected in problems(catalog, Statement("query", sql))


def test_athena_syntax_duckdb_lacks_passes(catalog):
    catalog.check(
        Statement(
            "query",
            "SELECT ARRAY[1, 2][1] AS first, element_at(e.attributes, 'a') AS a, e.attributes['b'] AS b,"
            " transform(e.facets.email_channel.mail_event.mail.destination, d -> lower(d)) AS ds,"
            " url_extract_host('https://example.com/') AS host"
            " FROM events AS e WHERE e.event_type LIKE '\\_email.%' ESCAPE '\\'",
        )
    )


def test_unnest_is_read_as_athena_unnests_arrays_of_rows(catalog, views):
    # Athena unnests an array of rows into a column per field: one alias for four columns fails,
    # and the one column of a one-field row is that field, not the row
    bounce = copy_of(views["email_bounce"], ") AS r\n", ") AS t(r)\n")
    message = problems(catalog, Statement(bounce.where, bounce.sql.replace("r.", "t.r."), bounce.view))
    assert "names 1 column(s), but Athena unnests it into 4" in message and "diagnostic_code" in message
    complaint = copy_of(views["email_complaint"], ") AS r\n", ") AS t(r)\n")
    message = problems(
        catalog, Statement(complaint.where, complaint.sql.replace("r.", "t.r."), complaint.view)
    )
    assert "is VARCHAR, not a struct" in message and "column per field" in message
    # named columns are read by name, a map unnests into two, WITH ORDINALITY adds one
    catalog.check(
        Statement(
            "query",
            "SELECT r.email_address, b.status, k, v, d, n FROM email_bounce AS e"
            " CROSS JOIN UNNEST(e.mail_event.bounce.bounced_recipients) AS r"
            " CROSS JOIN UNNEST(e.mail_event.bounce.bounced_recipients)"
            " AS b(email_address, action, status, code)"
            " CROSS JOIN UNNEST(e.message_tags) AS m(k, v)"
            " CROSS JOIN UNNEST(e.destination) WITH ORDINALITY AS x(d, n)",
        )
    )
    message = problems(
        catalog,
        Statement(
            "query",
            "SELECT r.email_adress FROM email_bounce AS e"
            " CROSS JOIN UNNEST(e.mail_event.bounce.bounced_recipients) AS r",
        ),
    )
    assert "no column 'email_adress'" in message
