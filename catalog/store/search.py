"""Full-text search over names and descriptions (the ontology marks what is searchable)."""

from __future__ import annotations

import re
from typing import Any

from catalog.store.cypher import summary
from catalog.store.driver import Store
from catalog.store.schema import SEARCH_INDEX

# Lucene's query syntax characters; user text is searched as plain words.
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


def lucene_query(text: str) -> str | None:
    # Lower case, so that AND, OR and NOT are searched as words rather than read as operators.
    words = [_LUCENE_SPECIAL.sub(r"\\\1", word) for word in text.lower().split()]
    words = [w for w in words if w.strip("\\")]
    # Each word matches as typed or as the start of a longer word.
    return " AND ".join(f"({w} OR {w}*)" for w in words) or None


def search(store: Store, text: str, label: str | None, limit: int) -> list[dict[str, Any]]:
    query = lucene_query(text)
    if query is None:
        return []
    type_filter = f"WHERE node:{label}" if label else ""
    return store.rows(
        f"CALL db.index.fulltext.queryNodes('{SEARCH_INDEX}', $query) YIELD node, score {type_filter} "
        f"RETURN {summary('node')} AS hit, score ORDER BY score DESC, node.id LIMIT $limit",
        query=query, limit=limit,
    )
