"""Access levels rank by the ontology's one order, in Python and in Cypher alike."""

from __future__ import annotations

from ontology.catalog import ACCESS_LEVELS, access_rank
from tests.factory import create


def test_the_order_is_read_write_admin_and_none_ranks_below_read():
    assert [access_rank(level) for level in (None, "read", "write", "admin")] == [-1, 0, 1, 2]
    assert ACCESS_LEVELS == ("read", "write", "admin")


def test_a_level_the_ontology_does_not_know_counts_as_read_on_every_path(client, clean_store):
    system = create(client, "System")["id"]
    direct, member = create(client, "Person")["id"], create(client, "Person")["id"]
    group = create(client, "Group")["id"]
    assert client.post("/api/v1/memberships", json={"member_id": member, "group_id": group}).status_code == 201
    # Old data can hold a level the API would refuse: one straight to a person, one to a group.
    for principal in (direct, group):
        clean_store.execute("MATCH (p {id: $p}), (s {id: $s}) CREATE (p)-[:HAS_ACCESS {id: $p + '-old', level: 'owner'}]->(s)",
                            p=principal, s=system)
    who = client.get("/api/v1/access/who", params={"resource": system}).json()
    assert {p["id"]: p["level"] for p in who["principals"]} == {direct: "read", member: "read"}
    writers = client.get("/api/v1/access/who", params={"resource": system, "level": "write"}).json()
    assert writers["principals"] == []
