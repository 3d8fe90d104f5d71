"""Two API processes against one Neo4j, as behind a load balancer: they give the same answers,
and two harvests of one source asked of both at once make exactly one run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.local_http import JsonHandler, serving

CATALOG = str(Path(sys.executable).parent / "catalog")
# Long enough that the two harvest requests certainly meet while the first run is fetching.
SLOW_SECONDS = 4


class SlowCatalogue(JsonHandler):
    """A DCAT catalogue (empty) that takes its time, as a distant source does."""

    def do_GET(self) -> None:
        time.sleep(SLOW_SECONDS)
        body = b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_instances(clean_store, neo4j_server, tokens, tmp_path):
    uri, auth = neo4j_server
    with serving(SlowCatalogue) as catalogue:
        sources = tmp_path / "sources.yaml"
        sources.write_text(f"sources:\n  - id: katalog\n    connector: dcat\n    settings: {{url: '{catalogue}/'}}\n",
                           encoding="utf-8")
        # Each statement is planned once per database; on a loaded machine the first take long.
        env = {**os.environ, "NEO4J_URI": uri, "CATALOG_SOURCES_FILE": str(sources), "CATALOG_QUERY_TIMEOUT_SECONDS": "120"}
        if auth:
            env.update(NEO4J_USER=auth[0], NEO4J_PASSWORD=auth[1])
        ports = [_free_port(), _free_port()]
        servers = [subprocess.Popen([CATALOG, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for port in ports]
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                headers={"Authorization": f"Bearer {tokens['admin']}"}) for port in ports]
        try:
            for client, server in zip(clients, servers):
                _wait_ready(client, server)
            yield clients
        finally:
            for client in clients:
                client.close()
            for server in servers:
                server.terminate()
                server.wait(30)


def _wait_ready(client: httpx.Client, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("the API process did not become ready")


def test_two_instances_give_the_same_answers(two_instances):
    first, second = two_instances
    created = first.post("/api/v1/systems", json={"name": "Visma InSchool"})
    assert created.status_code == 201, created.text
    a = created.json()
    b = second.post("/api/v1/systems", json={"name": "Power BI"}).raise_for_status().json()
    integration = {"name": "Elever til BI", "mechanism": "api", "source_system": a["id"], "target_system": b["id"]}
    first.post("/api/v1/integrations", json=integration).raise_for_status()
    for path in (f"/api/v1/systems/{a['id']}", f"/api/v1/systems/{b['id']}", f"/api/v1/lineage/{a['id']}",
                 "/api/v1/systems", f"/api/v1/impact/{a['id']}"):
        answers = [client.get(path).raise_for_status().json() for client in (first, second)]
        assert answers[0] == answers[1], path
    lineage = second.get(f"/api/v1/lineage/{a['id']}", params={"direction": "downstream"}).json()
    assert [n["id"] for n in lineage["nodes"]] == [a["id"], b["id"]]


def test_a_harvest_asked_of_both_at_once_runs_once(two_instances, clean_store):
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda client: client.post("/api/v1/harvest/katalog"), two_instances))
    assert sorted(r.status_code for r in responses) == [202, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "katalog" in refused.json()["detail"]
    started = next(r for r in responses if r.status_code == 202).json()["run_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = clean_store.rows("MATCH (r:HarvestRun {source: 'katalog'}) RETURN r.id AS id, r.status AS status")
        if runs and runs[0]["status"] != "running":
            break
        time.sleep(0.5)
    assert runs == [{"id": started, "status": "succeeded"}]
    # The lease is given back just after the run's end is written (a moment under load, which a
    # poll every half second can fall into): the next run may then start, from either instance.
    lease = None
    while time.monotonic() < deadline:
        lease = clean_store.rows("MATCH (l:Lease {name: 'harvest:katalog'}) RETURN l.holder AS holder")
        if lease == [{"holder": None}]:
            break
        time.sleep(0.1)
    assert lease == [{"holder": None}]
    assert two_instances[1].post("/api/v1/harvest/katalog").status_code == 202
