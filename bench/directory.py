"""The Entra ID harvest of a county-sized tenant: 3,000 users and 300 groups from a local server
answering in Microsoft Graph's documented shapes, into a Neo4j of its own.

    .venv/bin/python -m bench.directory [--users 3000] [--groups 300] [--port 7689]

The tenant has guests, disabled and mail-less accounts, groups of every kind nested five deep
with a cycle, devices among members, 20 enterprise applications with app roles (one open to all
users) and a throttled answer now and then (429, Retry-After 0). It measures the whole harvest
(fetch over HTTP, transform, validate, resolve, load, cleanup) on an empty graph and again on
identical data, and, as the yardstick, the same facts written by raw `UNWIND … CREATE`; and
who-has-access for a group-assigned application and for the open one. Target: a harvest < 1 minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from catalog.harvest.service import deduplicate, resolve_identities, run_source, validate, HarvestRun
from catalog.harvest.sources import SourceSettings
from catalog.local_neo4j import LocalNeo4j
from catalog.services import access
from catalog.store.driver import Store, make_driver
from catalog.store.ingest import BATCH_SIZE
from catalog.store.schema import ENTITY, ensure_schema
from connectors.entra import EntraConnector

ROOT = Path(__file__).resolve().parents[1]
PAGE = 999
USER = "#microsoft.graph.user"
GROUP = "#microsoft.graph.group"
DEVICE = "#microsoft.graph.device"


def tenant(users: int, groups: int, seed: int = 18) -> dict[str, Any]:
    """A tenant in Graph's shapes, the same for the same arguments."""
    rng = random.Random(seed)
    departments = [f"Avdeling {n}" for n in range(40)]
    people = []
    for n in range(users):
        guest = n % 20 == 19
        upn = f"gjest{n}_firma.no#EXT#@fylke.onmicrosoft.com" if guest else f"bruker.{n}@fylke.no"
        people.append({"id": f"user-{n:05d}", "displayName": f"Bruker {n}", "userPrincipalName": upn,
                       "mail": None if n % 50 == 7 else upn.replace("#EXT#", ""), "employeeId": None if guest else f"E{n}",
                       "department": None if guest else departments[n % len(departments)], "jobTitle": "Rådgiver",
                       "accountEnabled": n % 33 != 5, "userType": "Guest" if guest else "Member"})
    kinds = [([], True, None), (["Unified"], False, "m365"), (["DynamicMembership"], True, None),
             ([], False, "liste")]
    all_groups, members = [], {}
    for n in range(groups):
        types, security, mail = kinds[n % len(kinds)]
        group_id = f"group-{n:04d}"
        all_groups.append({"id": group_id, "displayName": f"Gruppe {n}", "mail": f"{mail}{n}@fylke.no" if mail else None,
                           "mailEnabled": bool(mail), "securityEnabled": security, "groupTypes": types})
        chosen = rng.sample(people, 25)
        entries = [{"@odata.type": USER, "id": u["id"]} for u in chosen]
        # Five levels deep: group n holds group n + 1 within each chain of five, and one chain loops.
        if n % 5 != 4 and n + 1 < groups:
            entries.append({"@odata.type": GROUP, "id": f"group-{n + 1:04d}"})
        if n == 4:
            entries.append({"@odata.type": GROUP, "id": "group-0000"})
        if n % 10 == 3:
            entries.append({"@odata.type": DEVICE, "id": f"device-{n}"})
        members[group_id] = entries
    applications, assignments = [], {}
    for n in range(20):
        roles = [{"id": f"role-{n}-{r}", "value": value, "displayName": value} for r, value in enumerate(("Reader", "Admin"))]
        applications.append({"id": f"sp-{n}", "appId": f"app-{n}", "displayName": f"Applikasjon {n}", "accountEnabled": True,
                             "appRoleAssignmentRequired": n != 0, "appRoles": roles})
        holders = [{"principalId": f"group-{(n * 15 + k) % groups:04d}", "principalType": "Group",
                    "appRoleId": roles[k % 2]["id"]} for k in range(3)]
        holders += [{"principalId": people[(n * 97 + k) % users]["id"], "principalType": "User",
                     "appRoleId": roles[k % 2]["id"]} for k in range(10)]
        holders.append({**holders[-1], "appRoleId": roles[0]["id"] if holders[-1]["appRoleId"] == roles[1]["id"] else roles[1]["id"]})
        assignments[f"sp-{n}"] = holders
    return {"users": people, "groups": all_groups, "members": members, "applications": applications,
            "assignments": assignments}


def serve(data: dict[str, Any]) -> tuple[ThreadingHTTPServer, str, dict[str, int]]:
    counts = {"requests": 0, "throttled": 0}

    def page(items: list, base: str, path: str, skip: int) -> dict:
        body: dict[str, Any] = {"value": items[skip:skip + PAGE]}
        if skip + PAGE < len(items):
            body["@odata.nextLink"] = f"{base}{path}?$skiptoken={skip + PAGE}"
        return body

    class Graph(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self._send(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "bench"})

        def do_GET(self):
            counts["requests"] += 1
            if counts["requests"] % 97 == 0:
                counts["throttled"] += 1
                return self._send(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "0"})
            url = urlparse(self.path)
            skip = int(parse_qs(url.query).get("$skiptoken", ["0"])[0])
            base, parts = f"http://127.0.0.1:{self.server.server_port}", url.path.removeprefix("/v1.0/").split("/")
            if parts == ["users"]:
                return self._send(200, page(data["users"], base, url.path, skip))
            if parts == ["groups"]:
                return self._send(200, page(data["groups"], base, url.path, skip))
            if parts == ["servicePrincipals"]:
                return self._send(200, page(data["applications"], base, url.path, skip))
            if len(parts) == 3 and parts[0] == "groups":
                return self._send(200, page(data["members"][parts[1]], base, url.path, skip))
            if len(parts) == 3 and parts[0] == "servicePrincipals":
                return self._send(200, page(data["assignments"][parts[1]], base, url.path, skip))
            self._send(404, {"error": {"code": "Request_ResourceNotFound"}})

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Graph)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", counts


def raw_create(store: Store, source: SourceSettings) -> tuple[float, int]:
    """The same facts (after the harvest's own checks) written by plain UNWIND … CREATE: the yardstick."""
    connector = EntraConnector()
    config = connector.Config.model_validate(source.settings)
    harvest = connector.transform(connector.fetch(config, {"client_secret": "x"}, ROOT), config)
    validate(HarvestRun(source=source.id, connector="entra"), harvest)
    deduplicate(harvest)
    resolve_identities(store, harvest)
    started = time.perf_counter()
    by_label: dict[str, list] = {}
    for record in harvest.nodes:
        by_label.setdefault(record.label, []).append({"id": record.id, "props": record.props})
    for label, rows in by_label.items():
        for i in range(0, len(rows), BATCH_SIZE):
            store.execute(f"UNWIND $rows AS row CREATE (x:{label}:{ENTITY} {{id: row.id}}) SET x += row.props",
                          rows=rows[i:i + BATCH_SIZE])
    by_type: dict[str, list] = {}
    for rel in harvest.rels:
        by_type.setdefault(rel.type, []).append({"s": rel.source_id, "t": rel.target_id, "props": rel.props})
    for rel_type, rows in by_type.items():
        for i in range(0, len(rows), BATCH_SIZE):
            store.execute(f"UNWIND $rows AS row MATCH (a:{ENTITY} {{id: row.s}}) MATCH (b:{ENTITY} {{id: row.t}}) "
                          f"CREATE (a)-[x:{rel_type}]->(b) SET x += row.props", rows=rows[i:i + BATCH_SIZE])
    return time.perf_counter() - started, len(harvest.nodes) + len(harvest.rels)


def wipe(store: Store, keep: str) -> None:
    while store.execute(f"MATCH (n) WHERE NOT n:ApiToken {keep} WITH n LIMIT 5000 DETACH DELETE n "
                        "RETURN count(*) AS n")[0]["n"]:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--port", type=int, default=7689, help="port of the bench's own embedded Neo4j")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    uri = os.environ.get("NEO4J_URI")
    local = None if uri else LocalNeo4j(ROOT / ".data" / "neo4j-bench", args.port, heap="1g")
    started_here = bool(local) and not local.status().running
    if local:
        uri = local.start().uri
    store = Store(make_driver(uri, None), os.environ.get("NEO4J_DATABASE", "neo4j"), timeout=600)
    ensure_schema(store)
    data = tenant(args.users, args.groups)
    server, base, counts = serve(data)
    os.environ["BENCH_ENTRA_SECRET"] = "bench"
    systems = {f"app-{n}": f"system-bench-{n}" for n in range(20)}
    source = SourceSettings(id="entra-bench", connector="entra", secrets={"client_secret": "BENCH_ENTRA_SECRET"},
                            max_delete_share=1.0, settings={
                                "tenant_id": "bench", "client_id": "bench", "token_url": f"{base}/token",
                                "graph_url": f"{base}/v1.0", "applications": systems,
                                "role_levels": {"Reader": "read", "Admin": "admin"}})
    results: dict[str, Any] = {"users": args.users, "groups": args.groups, "first": [], "identical": [], "raw": []}
    try:
        for _ in range(args.repeats):
            wipe(store, "")
            store.execute(f"UNWIND $ids AS id CREATE (s:System:{ENTITY} {{id: id, name: id, version: 0, source: 'manual'}})",
                          ids=sorted(systems.values()))
            raw_seconds, facts = raw_create(store, source)
            results["raw"].append(raw_seconds)
            wipe(store, "AND NOT n:System")
            for key in ("first", "identical"):
                began = time.perf_counter()
                run = run_source(store, source, ROOT)
                results[key].append(time.perf_counter() - began)
                assert run.status == "succeeded", run.errors
                results[f"{key}_counts"] = {"created": run.created, "updated": run.updated, "unchanged": run.unchanged}
            results["facts"] = facts
            results["notes"] = run.notes[:5]
        from datetime import date

        for label, system in (("group-assigned application", "system-bench-3"), ("open application", "system-bench-0")):
            samples = []
            for _ in range(5):
                began = time.perf_counter()
                answer = access.who_has_access(store, system, date.today(), limit=100)
                samples.append(time.perf_counter() - began)
            results[f"who: {label}"] = {"seconds": statistics.median(samples), "principals": answer.total}
    finally:
        server.shutdown()
        store.close()
        if started_here:
            local.stop()
    results["requests"], results["throttled"] = counts["requests"], counts["throttled"]
    for key in ("first", "identical", "raw"):
        results[key] = {"median_s": round(statistics.median(results[key]), 2), "max_s": round(max(results[key]), 2)}
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
