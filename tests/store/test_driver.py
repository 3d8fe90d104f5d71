"""What leaves the store is a catalog error, never one of the Neo4j driver's."""

from __future__ import annotations

import socket

import pytest

from catalog.errors import QueryTimedOut, StoreUnavailable
from catalog.store.driver import Store, make_driver


def test_a_store_that_cannot_be_reached_is_store_unavailable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = Store(make_driver(f"bolt://127.0.0.1:{port}", None), "neo4j", timeout=5)
    try:
        with pytest.raises(StoreUnavailable):
            store.rows("RETURN 1 AS one")
        with pytest.raises(StoreUnavailable):
            store.execute("RETURN 1 AS one")
    finally:
        store.close()


def test_a_query_past_its_time_limit_is_query_timed_out(neo4j_server):
    uri, auth = neo4j_server
    store = Store(make_driver(uri, auth), "neo4j", timeout=0.2)
    try:
        with pytest.raises(QueryTimedOut):
            store.rows("UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n")
    finally:
        store.close()
