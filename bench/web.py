"""Web interface benchmarks: `python -m bench.web` (what `make bench-web` runs).

Against a Neo4j of its own (the local embedded one, port 7689 unless --neo4j-port or NEO4J_URI),
which it wipes: server-side render time of each page type on the demo county (median and p95 over
--repeats requests), then a synthetic dependency picture of about 1,000 nodes, timed in headless
Chromium from navigation until the ELK layout is done and until a node's expansion has been drawn.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from bench.run import percentiles, timed, wipe
from catalog.app import create_app
from catalog.demo.load import edit_and_harvest, load
from catalog.local_neo4j import LocalNeo4j
from catalog.security import create_token
from catalog.store.driver import Store, make_driver
from catalog.store.ingest import load_nodes, load_rels, now_iso
from catalog.store.schema import ensure_schema
from ontology.records import NodeRecord, RelRecord

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("/", "/?q=Elev", "/systems/", "/systems/system-visma-inschool", "/datasets/dataset-elevregister",
         "/datasets/dataset-elevregister/edit", "/systems/system-visma-inschool/lineage",
         "/datasets/dataset-elevregister/access", "/reports/systems-without-owner", "/harvest/")


def serve(store: Store, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def fan_out(store: Store, systems: int) -> str:
    """A root system whose data flows, three levels deep, to `systems` others: one picture."""
    nodes = [NodeRecord("System", f"system-bench-{i}", {"name": f"Bench system {i}"}) for i in range(systems + 1)]
    integrations, edges = [], []
    for child in range(1, systems + 1):
        parent = 0 if child <= 10 else (child - 11) // 10 + 1 if child <= 110 else 11 + (child - 111) % 100
        integration = f"integration-bench-{child}"
        integrations.append(NodeRecord("Integration", integration, {"name": f"Flow {child}", "mechanism": "api"}))
        edges += [RelRecord("SENDS", f"system-bench-{parent}", integration), RelRecord("RECEIVES", integration, f"system-bench-{child}")]
    now = now_iso()
    load_nodes(store, "System", nodes, source="bench", actor="bench", now=now)
    load_nodes(store, "Integration", integrations, source="bench", actor="bench", now=now)
    for rel_type in ("SENDS", "RECEIVES"):
        load_rels(store, rel_type, [e for e in edges if e.type == rel_type], source="bench", actor="bench", now=now)
    return "system-bench-0"


def picture_timings(base: str, token: str, root: str, repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    laid_out, expanded = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CATALOG_CHROMIUM", "/usr/bin/chromium"),
                                             args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        context = browser.new_context(base_url=base, extra_http_headers={"Authorization": f"Bearer {token}"})
        for _ in range(repeats):
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"/systems/{root}/lineage?depth=3&direction=downstream", timeout=120_000)
            page.wait_for_function("() => window.catalogGraph", timeout=120_000)
            size = page.evaluate("() => catalogGraph.ready.then(() => catalogGraph.cy.nodes().length)")
            laid_out.append((time.perf_counter() - start) * 1000)
            leaf = page.evaluate("() => catalogGraph.cy.nodes().filter(n => n.outdegree() === 0)[0].id()")
            expanded.append(timed(lambda: page.evaluate("id => catalogGraph.expand(id)", leaf)))
            page.close()
        browser.close()
    return {"nodes": size, "laid_out_ms": percentiles(laid_out), "expand_ms": percentiles(expanded)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neo4j-port", type=int, default=7689)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    if os.environ.get("NEO4J_URI"):
        store = Store(make_driver(os.environ["NEO4J_URI"], None), "neo4j", timeout=120)
    else:
        local = LocalNeo4j(ROOT / ".data" / "neo4j-bench", args.neo4j_port, heap="2g")
        store = Store(make_driver(local.start().uri, None), "neo4j", timeout=120)
    ensure_schema(store)
    wipe(store)
    load(store)
    edit_and_harvest(store)
    token = create_token(store, f"bench-web-{int(time.time())}", "admin", 1)
    server = serve(store, args.port)
    base = f"http://127.0.0.1:{args.port}"
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for path in PAGES:  # warm up
            client.get(path).raise_for_status()
        print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8}")
        for path in PAGES:
            result = percentiles([timed(lambda: client.get(path).raise_for_status()) for _ in range(args.repeats)])
            print(f"{path:<48} {result['median']:>10.1f} {result['p95']:>8.1f}")
    root = fan_out(store, 1000)
    result = picture_timings(base, token, root, 3)
    print(f"picture of {result['nodes']} nodes: laid out in {result['laid_out_ms']['median']:.0f} ms (median), "
          f"a node expanded in {result['expand_ms']['median']:.0f} ms")
    server.should_exit = True


if __name__ == "__main__":
    main()
