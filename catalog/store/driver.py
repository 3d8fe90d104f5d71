"""The connection to Neo4j and the one way queries run: managed transactions, which the driver
retries on transient errors, each bounded by a timeout. The driver's exceptions end here: what
leaves the store is a catalog error (catalog.errors)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, TypeVar

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import ClientError, ConstraintError, Neo4jError, ServiceUnavailable, SessionExpired, TransientError
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from catalog.errors import Collision, QueryTimedOut, StoreUnavailable
from catalog.local_neo4j import LocalNeo4j
from catalog.settings import Settings

T = TypeVar("T")
READ_ATTEMPTS = 3
Work = Callable[[ManagedTransaction], T]


def local_neo4j(settings: Settings) -> LocalNeo4j:
    return LocalNeo4j(settings.data_dir / "neo4j", settings.local_neo4j_port,
                      settings.local_neo4j_heap, settings.local_neo4j_page_cache_mb)


# How long the driver tries a transaction again when Neo4j cannot be reached or answers with a
# transient error (a deadlock, a cluster electing its leader), and how long it waits for a
# connection to open: enough to ride those out, short enough that while Neo4j is down a request
# answers 503 within seconds and a harvest fails promptly, instead of after the driver's 30 s for
# every statement.
RETRY_SECONDS = 3.0
CONNECT_TIMEOUT_SECONDS = 5.0


def make_driver(uri: str, auth: tuple[str, str] | None) -> neo4j.Driver:
    # Schema-less lookups of properties some graphs lack yet are expected, not worth a warning.
    return GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF",
                                max_transaction_retry_time=RETRY_SECONDS, connection_timeout=CONNECT_TIMEOUT_SECONDS,
                                connection_acquisition_timeout=CONNECT_TIMEOUT_SECONDS)


class Store:
    """A driver plus the database name; every store module takes one.

    Reads run as read transactions and writes as write transactions, so that through a
    `neo4j://` address a cluster's secondaries serve the reads and the leader the writes. Every
    session shares one bookmark manager: a read follows this process's last write, even when a
    secondary serves it."""

    def __init__(self, driver: neo4j.Driver, database: str, timeout: float):
        self.driver = driver
        self.database = database
        self.timeout = timeout

    @classmethod
    def connect(cls, settings: Settings) -> "Store":
        if settings.neo4j_uri:
            auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
            driver = make_driver(settings.neo4j_uri, auth)
        else:
            driver = make_driver(local_neo4j(settings).start().uri, None)
        return cls(driver, settings.neo4j_database, settings.query_timeout_seconds)

    def close(self) -> None:
        self.driver.close()

    def read(self, work: Work[T], *args: Any) -> T:
        return self._run(neo4j.READ_ACCESS, work, args)

    def write(self, work: Work[T], *args: Any) -> T:
        return self._run(neo4j.WRITE_ACCESS, work, args)

    def rows(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """Run one read query and return its records as dicts.

        A single statement needs no explicit transaction: as an auto-commit query it takes one
        round trip instead of two (BEGIN is pipelined, COMMIT is not), and all records come in one
        batch. Queries return plain values and maps, never graph objects, so records need no
        conversion beyond pairing keys with values. The driver retries only managed transactions, so transient
        failures are retried here."""
        with _translated():
            return self._auto_commit(neo4j.Query(cypher, timeout=self.timeout), params)

    @retry(retry=retry_if_exception(lambda error: isinstance(error, Neo4jError | ServiceUnavailable | SessionExpired)
                                    and error.is_retryable()),
           stop=stop_after_attempt(READ_ATTEMPTS), wait=wait_exponential(multiplier=0.4, max=2), reraise=True)
    def _auto_commit(self, query: neo4j.Query, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS, fetch_size=-1,
                                 bookmark_manager=self.driver.execute_query_bookmark_manager) as session:
            return _dicts(session.run(query, params))

    def execute(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """Run one write query and return its records as dicts."""
        return self.write(lambda tx: _dicts(tx.run(cypher, params)))

    def ping(self) -> bool:
        try:
            self.driver.verify_connectivity()
            return True
        except Exception:  # any failure to reach the store means "not ready"
            return False

    def _run(self, mode: str, work: Work[T], args: tuple[Any, ...]) -> T:
        bounded = unit_of_work(timeout=self.timeout)(work)
        with _translated(), self.driver.session(database=self.database, default_access_mode=mode,
                                                bookmark_manager=self.driver.execute_query_bookmark_manager) as session:
            if mode == neo4j.READ_ACCESS:
                return session.execute_read(bounded, *args)
            return session.execute_write(bounded, *args)


@contextmanager
def _translated() -> Iterator[None]:
    """The driver's errors as the catalog's: what callers can act on, without knowing Neo4j."""
    try:
        yield
    except ConstraintError as error:
        raise Collision(f"The change collides with existing data: {error.message}") from error
    except ClientError as error:
        # The driver reports a transaction stopped at its time limit as a client error.
        if "TransactionTimedOut" in (error.code or "") or "Terminated" in (error.code or ""):
            raise QueryTimedOut("The query hit its time limit; narrow it and try again.") from error
        raise
    except (ServiceUnavailable, SessionExpired, TransientError) as error:
        raise StoreUnavailable("Neo4j cannot be reached right now.") from error


def _dicts(result: neo4j.Result) -> list[dict[str, Any]]:
    keys = result.keys()
    return [dict(zip(keys, record)) for record in result]
