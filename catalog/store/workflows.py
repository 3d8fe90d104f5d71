"""What keeping the catalog true needs from the store: leases for work done once across API
instances, owner attestations, and access review campaigns with their items."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from catalog.store import history
from catalog.store.cypher import label_test, type_of, valid_at
from catalog.store.driver import Store
from catalog.store.schema import ENTITY

# --- Leases -------------------------------------------------------------------------------------


def acquire_lease(store: Store, name: str, holder: str, now: str, expires: str, slot: str) -> bool:
    """Take the lease for `slot` unless another live holder has it or the slot was done already.

    The first SET takes the node's write lock, so two processes asking at once are served one
    after the other and the second reads what the first wrote."""
    rows = store.execute(
        "MERGE (l:Lease {name: $name}) ON CREATE SET l.id = 'lease-' + $name "
        "SET l.asked = $now "
        "WITH l WHERE (l.holder IS NULL OR l.expires < $now OR l.holder = $holder) "
        "AND (l.last_slot IS NULL OR l.last_slot < $slot) "
        "SET l.holder = $holder, l.expires = $expires RETURN count(l) AS taken",
        name=name, holder=holder, now=now, expires=expires, slot=slot)
    return rows[0]["taken"] == 1


def renew_lease(store: Store, name: str, holder: str, expires: str) -> None:
    """Move the lease's expiry on, while `holder` still holds it."""
    store.execute("MATCH (l:Lease {name: $name}) WHERE l.holder = $holder SET l.expires = $expires",
                  name=name, holder=holder, expires=expires)


def release_lease(store: Store, name: str, holder: str, slot: str) -> None:
    store.execute(
        "MATCH (l:Lease {name: $name}) WHERE l.holder = $holder "
        "SET l.holder = null, l.expires = null, "
        "l.last_slot = CASE WHEN l.last_slot IS NULL OR l.last_slot < $slot THEN $slot ELSE l.last_slot END",
        name=name, holder=holder, slot=slot)


def covered_systems(store: Store, agreement_ids: list[str]) -> dict[str, list[str]]:
    """The systems each agreement covers."""
    rows = store.rows("UNWIND $ids AS id MATCH (:Agreement {id: id})-[:COVERS]->(s:System) "
                      "RETURN id, collect(s.id) AS systems", ids=agreement_ids)
    return {row["id"]: row["systems"] for row in rows}


# --- Attestation --------------------------------------------------------------------------------

_PERSON = "{id: p.id, name: p.name, email: p.email, notify: p.notify, unit: u.id, unit_name: u.name}"


def attestation_state(store: Store, labels: tuple[str, ...], roles: dict[str, list[str]], as_of: date,
                      at_end: str) -> list[dict[str, Any]]:
    """Every attested entry with its last confirmation up to `at_end`, when it came into the
    catalog, and the people (with their unit) who confirm it: owners in the type's roles, or for
    a dataset without them, the systemeier of the system holding it."""
    return store.rows(
        f"MATCH (e:{ENTITY}) WHERE {label_test('e', labels)} "
        "OPTIONAL MATCH (a:Attestation {entity_id: e.id}) WHERE a.at <= $at_end "
        f"WITH e, {type_of('e')} AS type, max(a.at) AS confirmed "
        f"OPTIONAL MATCH (p:Person)-[r:OWNS]->(e) WHERE r.role IN $roles[type] AND {valid_at('r')} "
        "OPTIONAL MATCH (p)-[:WORKS_IN]->(u:OrgUnit) "
        f"WITH e, type, confirmed, [x IN collect(CASE WHEN p IS NULL THEN NULL ELSE {_PERSON} END) WHERE x IS NOT NULL] AS people "
        "OPTIONAL MATCH (e)<-[:HOLDS]-(:System)<-[r:OWNS {role: 'systemeier'}]-(p:Person) "
        f"WHERE size(people) = 0 AND {valid_at('r')} "
        "OPTIONAL MATCH (p)-[:WORKS_IN]->(u:OrgUnit) "
        f"WITH e, type, confirmed, people, [x IN collect(CASE WHEN p IS NULL THEN NULL ELSE {_PERSON} END) WHERE x IS NOT NULL] AS holders "
        "OPTIONAL MATCH (unit:OrgUnit)-[r:OWNS]->(e) WHERE "
        f"{valid_at('r')} "
        "RETURN e.id AS id, e.name AS name, type, e.first_seen AS first_seen, confirmed, "
        "CASE WHEN size(people) > 0 THEN people ELSE holders END AS people, "
        "collect(DISTINCT {id: unit.id, name: unit.name}) AS units ORDER BY type, toLower(e.name), e.id",
        roles=roles, as_of=as_of.isoformat(), at_end=at_end)


def attest(store: Store, entries: list[dict[str, Any]], actor: str, person_id: str | None, at: str) -> None:
    """Record one confirmation per entry, each also in the change history."""
    def work(tx) -> None:
        for entry in entries:
            record = {"id": f"attestation-{uuid.uuid4().hex}", "entity_id": entry["id"], "entity_type": entry["type"],
                      "confirmed_by": actor, "person_id": person_id, "at": at}
            tx.run("CREATE (a:Attestation) SET a = $record",
                   record={k: v for k, v in record.items() if v is not None})
            history.record(tx, "attest", entry["id"], entry["type"], actor, None, {"confirmed_at": at})
    store.write(work)


def attestations(store: Store, entity_id: str) -> list[dict[str, Any]]:
    return [row["a"] for row in store.rows(
        "MATCH (a:Attestation {entity_id: $id}) RETURN a {.*} AS a ORDER BY a.at DESC", id=entity_id)]


# --- Access reviews -----------------------------------------------------------------------------


def resources_in_scope(store: Store, scope: str, scope_id: str | None, as_of: date) -> list[dict[str, Any]]:
    """The resources a campaign covers: one, the systems an org unit (or its sub-units, or people
    working in them) owns, or every dataset holding personal data."""
    if scope == "resource":
        query = f"MATCH (e:{ENTITY} {{id: $scope_id}}) WHERE e:System OR e:Dataset OR e:FintComponent OR e:Role RETURN e"
    elif scope == "org-unit":
        query = (f"MATCH (top:OrgUnit {{id: $scope_id}}) MATCH (u:OrgUnit)-[:PART_OF*0..]->(top) "
                 "OPTIONAL MATCH (p:Person)-[:WORKS_IN]->(u) "
                 "WITH collect(DISTINCT u) + collect(DISTINCT p) AS owners UNWIND owners AS o "
                 f"MATCH (o)-[r:OWNS]->(e:System) WHERE {valid_at('r')} RETURN DISTINCT e")
    else:
        query = "MATCH (e:Dataset) WHERE e.personal_data = true RETURN e"
    return store.rows(f"CALL () {{ {query} }} RETURN e.id AS id, e.name AS name, {type_of('e')} AS type "
                      "ORDER BY toLower(e.name), e.id", scope_id=scope_id, as_of=as_of.isoformat())


def reviewers(store: Store, resource_ids: list[str], as_of: date) -> dict[str, dict[str, Any]]:
    """Who decides on access to each resource: its systemeier (a dataset's dataeier first, then
    the systemeier of the system holding it)."""
    rows = store.rows(
        f"UNWIND $ids AS id MATCH (e:{ENTITY} {{id: id}}) "
        "OPTIONAL MATCH (e)<-[:HOLDS]-(holder) "
        "WITH id, e, holder "
        "CALL (e, holder) { "
        f"  MATCH (p:Person)-[r:OWNS]->(x) WHERE (x = e OR x = holder) AND r.role IN ['dataeier', 'systemeier'] AND {valid_at('r')} "
        "  RETURN p ORDER BY CASE WHEN x = e THEN 0 ELSE 1 END, CASE r.role WHEN 'dataeier' THEN 0 ELSE 1 END, p.id LIMIT 1 } "
        "RETURN id, p {.id, .name} AS reviewer",
        ids=resource_ids, as_of=as_of.isoformat())
    return {row["id"]: row["reviewer"] for row in rows}


def edge_sources(store: Store, edge_ids: list[str]) -> dict[str, str]:
    rows = store.rows("UNWIND $ids AS id MATCH ()-[r:MEMBER_OF|HAS_ROLE|HAS_ACCESS {id: id}]->() "
                      "RETURN id, coalesce(r.source, 'manual') AS source", ids=edge_ids)
    return {row["id"]: row["source"] for row in rows}


def save_review(store: Store, review: dict[str, Any], items: list[dict[str, Any]], actor: str) -> None:
    def work(tx) -> None:
        tx.run("CREATE (c:AccessReview) SET c = $review", review={k: v for k, v in review.items() if v is not None})
        tx.run("UNWIND $items AS item CREATE (i:ReviewItem) SET i = item",
               items=[{k: v for k, v in item.items() if v is not None} for item in items])
        history.record(tx, "create", review["id"], "AccessReview", actor, None, {**review, "items": len(items)})
    store.write(work)


def get_review(store: Store, review_id: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (c:AccessReview {id: $id}) RETURN c {.*} AS review", id=review_id)
    return rows[0]["review"] if rows else None


def list_reviews(store: Store, status: str | None) -> list[dict[str, Any]]:
    return [row["review"] for row in store.rows(
        "MATCH (c:AccessReview) WHERE $status IS NULL OR c.status = $status "
        "RETURN c {.*} AS review ORDER BY c.opened_at DESC", status=status)]


def review_items(store: Store, review_id: str | None = None, reviewer_id: str | None = None,
                 undecided_only: bool = False, open_reviews_only: bool = False) -> list[dict[str, Any]]:
    return [row["item"] for row in store.rows(
        "MATCH (i:ReviewItem) WHERE ($review IS NULL OR i.review_id = $review) "
        "AND ($reviewer IS NULL OR i.reviewer_id = $reviewer) AND (NOT $undecided OR i.decision IS NULL) "
        "OPTIONAL MATCH (c:AccessReview {id: i.review_id}) "
        "WITH i, c WHERE NOT $open_only OR c.status = 'open' "
        "RETURN i {.*, deadline: c.deadline, review_status: c.status} AS item "
        "ORDER BY i.review_id, toLower(i.resource_name), toLower(i.principal_name), i.id",
        review=review_id, reviewer=reviewer_id, undecided=undecided_only, open_only=open_reviews_only)]


def get_item(store: Store, item_id: str) -> dict[str, Any] | None:
    rows = store.rows("MATCH (i:ReviewItem {id: $id}) OPTIONAL MATCH (c:AccessReview {id: i.review_id}) "
                      "RETURN i {.*, review_status: c.status} AS item", id=item_id)
    return rows[0]["item"] if rows else None


def update_item(store: Store, item_id: str, changes: dict[str, Any], actor: str) -> dict[str, Any] | None:
    """Set a decision (or a new reviewer) on an item of an open campaign; None when it is closed."""
    def work(tx) -> dict[str, Any] | None:
        before = tx.run("MATCH (i:ReviewItem {id: $id}) MATCH (c:AccessReview {id: i.review_id}) "
                        "WHERE c.status = 'open' SET i.locked = true REMOVE i.locked RETURN i {.*} AS item",
                        id=item_id).single()
        if before is None:
            return None
        after = tx.run("MATCH (i:ReviewItem {id: $id}) SET i += $changes RETURN i {.*} AS item",
                       id=item_id, changes=changes).single()["item"]
        history.record(tx, "update", item_id, "ReviewItem", actor, before["item"], after)
        return after
    return store.write(work)


def close_review(store: Store, review_id: str, actor: str, at: str) -> dict[str, Any] | None:
    def work(tx) -> dict[str, Any] | None:
        row = tx.run("MATCH (c:AccessReview {id: $id}) WHERE c.status = 'open' "
                     "SET c.status = 'closed', c.closed_by = $actor, c.closed_at = $at RETURN c {.*} AS review",
                     id=review_id, actor=actor, at=at).single()
        if row is not None:
            history.record(tx, "update", review_id, "AccessReview", actor, {"status": "open"},
                           {"status": "closed", "closed_at": at})
        return row["review"] if row else None
    return store.write(work)


# --- What a harvest changed upstream of systems -------------------------------------------------


def source_flows(store: Store, source: str) -> dict[str, dict[str, Any]]:
    """A source's integrations and datasets with their version and the systems they feed: taken
    before a run, so that what the run changes or removes can be traced to whom it affects."""
    rows = store.rows(
        f"MATCH (x:{ENTITY}) WHERE (x:Integration OR x:Dataset) "
        "AND any(s IN coalesce(x.seen, []) WHERE s STARTS WITH $prefix) "
        "OPTIONAL MATCH (x)-[:RECEIVES]->(target:System) "
        "OPTIONAL MATCH (x)<-[:CARRIES]-(:Integration)-[:RECEIVES]->(carried_to:System) "
        f"RETURN x.id AS id, x.name AS name, {type_of('x')} AS type, x.version AS version, "
        "collect(DISTINCT target.id) + collect(DISTINCT carried_to.id) AS feeds",
        prefix=f"{source}|")
    return {row["id"]: row for row in rows}


def people_addresses(store: Store, person_ids: list[str]) -> dict[str, str]:
    rows = store.rows("UNWIND $ids AS id MATCH (p:Person {id: id}) WHERE p.email IS NOT NULL RETURN id, p.email AS email",
                      ids=person_ids)
    return {row["id"]: row["email"] for row in rows}


def notify_modes(store: Store, person_ids: list[str]) -> dict[str, str]:
    rows = store.rows("UNWIND $ids AS id MATCH (p:Person {id: id}) RETURN id, coalesce(p.notify, 'immediate') AS mode",
                      ids=person_ids)
    return {row["id"]: row["mode"] for row in rows}
