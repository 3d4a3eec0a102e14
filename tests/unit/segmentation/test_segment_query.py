"""Federated segmentation's query check: one SELECT over allow-listed tables, no writes, no table
functions, every output column an endpoint field; and the request's fields, as A21 named them."""

from __future__ import annotations

import pytest
from engage.errors import ValidationError
from engage.segmentation.queries import (
    QueryRefusedError,
    SegmentQueryRequest,
    allowed_tables,
    check_query,
    named_query_key,
)

TABLES = allowed_tables("customers, orders")


def check(sql: str, kind: str = "direct"):
    return check_query(sql, "crm", TABLES, kind)


def test_a_direct_query_is_qualified_and_its_id_column_named_as_the_import_reads_it():
    checked = check(
        "SELECT c.customer_id AS id FROM customers c JOIN crm.orders o ON o.customer_id = c.customer_id "
        "WHERE c.tier = 'gold' GROUP BY c.customer_id HAVING sum(o.total) > 100"
    )
    assert checked.columns == ("Id",) and checked.tables == ("customers", "orders")
    assert '"crm"."customers" AS c' in checked.sql and '"crm"."orders" AS o' in checked.sql
    assert 'AS "Id"' in checked.sql
    assert '"crm"."customers"' in checked.to_duckdb()


def test_a_mutate_query_keeps_attribute_names_as_written_and_normalises_the_prefix():
    checked = check(
        'SELECT customer_id AS Id, tier AS "attributes.Tier", lifetime AS "Metrics.LifetimeValue", '
        'country AS "user.userattributes.Country" FROM awsdatacatalog.crm.customers',
        "mutate",
    )
    assert checked.columns == (
        "Id",
        "Attributes.Tier",
        "Metrics.LifetimeValue",
        "User.UserAttributes.Country",
    )
    assert '"Attributes.Tier"' in checked.sql and "awsdatacatalog" not in checked.sql


def test_with_entries_see_earlier_entries_and_recursive_ones_themselves():
    checked = check(
        "WITH a AS (SELECT customer_id FROM customers), b AS (SELECT customer_id FROM a) "
        "SELECT customer_id AS Id FROM b"
    )
    assert checked.tables == ("customers",) and "FROM a)" in checked.sql
    recursive = check(
        "WITH RECURSIVE r AS (SELECT customer_id FROM customers UNION ALL SELECT customer_id FROM r) "
        "SELECT customer_id AS Id FROM r"
    )
    assert recursive.tables == ("customers",)


def test_a_direct_querys_members_are_distinct():
    assert check(
        "SELECT customer_id AS Id FROM customers UNION ALL SELECT customer_id FROM orders"
    ).sql.startswith('SELECT DISTINCT "Id" FROM (')


def test_ctes_and_set_operations_read_only_allowed_tables():
    checked = check(
        "WITH gold AS (SELECT customer_id FROM customers WHERE tier = 'gold') "
        "SELECT customer_id AS Id FROM gold UNION SELECT customer_id FROM orders WHERE total > 500"
    )
    assert checked.tables == ("customers", "orders") and "FROM gold" in checked.sql


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("INSERT INTO customers SELECT 1", "must be a SELECT, not INSERT"),
        ("CREATE TABLE x AS SELECT customer_id AS Id FROM customers", "must be a SELECT, not CREATE"),
        ("DROP TABLE customers", "must be a SELECT, not DROP"),
        ("SELECT customer_id AS Id INTO copied FROM customers", "must only read; it contains INTO"),
        ("UNLOAD (SELECT 1) TO 's3://x/' WITH (format = 'CSV')", "must be a SELECT, not COMMAND"),
        ("SELECT customer_id AS Id FROM customers; DELETE FROM customers", "one statement only; found 2"),
        ("SELECT * FROM read_csv('/etc/passwd')", "table functions are not allowed"),
        ("SELECT a AS Id FROM (SELECT * FROM read_parquet('s3://x/y')) t", "table functions are not allowed"),
        ("SELECT customer_id AS Id FROM customers CROSS JOIN UNNEST(tags) AS t(tag)", "table functions"),
        ("SELECT card AS Id FROM payments", "table payments is not one a segment query may read"),
        ("SELECT customer_id AS Id FROM sales.customers", "sales.customers is outside the database crm"),
        ("SELECT customer_id AS Id FROM other_catalog.crm.customers", "is outside the database crm"),
        (
            "SELECT customer_id AS Id FROM customers WHERE customer_id IN (SELECT card FROM payments)",
            "table payments",
        ),
        ('SELECT customer_id AS Id FROM "s3://bucket/customers.csv"', "is not one a segment query may read"),
        ("SELECT * FROM customers", "can't SELECT *"),
        ("SELECT count(*) FROM customers", "has no name"),
        ("SELECT tier AS Plan, customer_id AS Id FROM customers", "column Plan is not Id"),
        ('SELECT tier AS "Attributes.Tier", customer_id AS Id FROM customers', "first column must be"),
        (
            'SELECT customer_id AS Id, tier AS "Attributes.Tier" FROM customers',
            "a direct query selects Id alone",
        ),
        ("SELECT 1 AS Id", "reads no table"),
        ("SELEC customer_id FROM customers", "not valid SQL"),
        # WITH entries are scoped as Trino scopes them: outside its scope a name is a table
        (
            "WITH payments AS (SELECT card FROM payments) "
            "SELECT p.card AS Id FROM payments p CROSS JOIN customers",
            "table payments",
        ),
        (
            "WITH a AS (SELECT card FROM b), b AS (SELECT 1 AS card FROM customers) SELECT card AS Id FROM a",
            "table b",
        ),
        (
            "SELECT customer_id AS Id FROM customers WHERE customer_id IN "
            "(SELECT x FROM (WITH payments AS (SELECT customer_id AS x FROM customers) "
            "SELECT x FROM payments) t) "
            "OR customer_id IN (SELECT card FROM payments)",
            "table payments",
        ),
    ],
)
def test_queries_that_write_read_files_or_touch_other_tables_are_refused_with_the_reason(sql, reason):
    with pytest.raises(QueryRefusedError) as refused:
        check(sql)
    assert reason in str(refused.value)


def test_a_mutate_query_must_set_something_and_name_each_column_once():
    with pytest.raises(QueryRefusedError, match="a mutate query sets something"):
        check("SELECT customer_id AS Id FROM customers", "mutate")
    with pytest.raises(QueryRefusedError, match=r"column Attributes\.Tier appears twice"):
        check(
            'SELECT customer_id AS Id, tier AS "Attributes.Tier", 1 AS "attributes.Tier" FROM customers',
            "mutate",
        )


def test_the_allow_list_takes_glue_names_only():
    assert allowed_tables(["Customers", " orders ", ""]) == {"customers", "orders"}
    with pytest.raises(ValidationError, match="not Glue table names"):
        allowed_tables("customers,drop table;")


def test_requests_name_one_query_and_what_to_do_with_its_result():
    direct = SegmentQueryRequest.parse(
        {"ApplicationId": "shop01", "Type": "direct", "QueryName": "gold-buyers", "SegmentName": "Gold"}
    )
    assert (direct.mode, direct.query_name, direct.query) == ("members", "gold-buyers", None)
    assert named_query_key("gold-buyers") == "segment-queries/named/gold-buyers.sql"
    mutate = SegmentQueryRequest.parse({"ApplicationId": "shop01", "Type": "mutate", "Query": "SELECT 1"})
    assert mutate.mode == "update"
    for document, field in (
        ({"ApplicationId": "shop01", "Type": "merge", "Query": "q"}, "Type"),
        ({"ApplicationId": "shop01", "Type": "mutate"}, "Query"),
        ({"ApplicationId": "shop01", "Type": "mutate", "Query": "q", "QueryName": "n"}, "Query"),
        ({"ApplicationId": "shop01", "Type": "mutate", "Query": "  "}, "Query"),
        ({"ApplicationId": "shop01", "Type": "mutate", "QueryName": "../etc/passwd"}, "QueryName"),
        ({"ApplicationId": "shop01", "Type": "direct", "Query": "q"}, "SegmentName"),
        ({"ApplicationId": "shop01", "Type": "mutate", "Query": "q", "SegmentId": "s1"}, "SegmentId"),
        ({"ApplicationId": "shop01", "Type": "mutate", "Query": "x" * 100_001}, "Query"),
        ({"Type": "mutate", "Query": "q"}, "ApplicationId"),
    ):
        with pytest.raises(ValidationError) as refused:
            SegmentQueryRequest.parse(document)
        assert refused.value.field == field, document
