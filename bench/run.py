"""The benchmark suite: `python -m bench.run --scale 1` (what `make bench` runs).

Measures, against a Neo4j of its own (the local embedded one on port 7689 unless NEO4J_URI is set):
ingest through the harvest loader next to a raw UNWIND … CREATE of the same rows; lineage at depth
5 and 10 through the API, as the same traversal in raw Cypher, and as a plain variable-length match;
who-has-access (first page and total) for resources reached by about 10, 1,000 and 10,000
principals; throughput and p99 under 16 concurrent connections; the API's resident memory.
Prints a table and writes bench/results/scale-<s>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

import httpx
import neo4j
from rich.console import Console
from rich.table import Table

from bench.generate import LARGE, MEDIUM, SMALL, TEN_THOUSAND, generate
from catalog.local_neo4j import LocalNeo4j
from catalog.security import create_token
from catalog.services.lineage import MAX_NODES
from catalog.store.driver import Store, make_driver
from catalog.store.ingest import BATCH_SIZE, load_nodes, load_rels
from catalog.store.lineage import _step_statement
from catalog.store.schema import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PORT = 8765
VARIABLE_LENGTH_TIMEOUT = 20.0
console = Console(width=None if sys.stdout.isatty() else 150)  # a log file gets the whole table


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"median": statistics.median(ordered), "p95": pick(0.95), "p99": pick(0.99), "n": len(ordered)}


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def wipe(store: Store) -> None:
    # Batched deletes run only in an auto-commit transaction.
    with store.driver.session(database=store.database) as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS").consume()


def bench_ingest(store: Store, county) -> dict:
    """Facts per second, through our loader and as raw UNWIND … CREATE, batch by batch."""
    def run(load_node, load_rel) -> tuple[float, list[float]]:
        wipe(store)
        rates, total = [], 0.0
        for fact_type, records in [*county.nodes.items(), *county.rels.items()]:
            load = load_node if fact_type in county.nodes else load_rel
            for start in range(0, len(records), BATCH_SIZE):
                batch = records[start:start + BATCH_SIZE]
                ms = timed(lambda: load(fact_type, batch))
                rates.append(len(batch) / ms * 1000)
                total += ms
        return county.facts / total * 1000, rates

    def raw_node(label, batch):
        store.execute(f"UNWIND $rows AS row CREATE (n:Entity:{label}) SET n = row.props, n.id = row.id",
                      rows=[{"id": r.id, "props": r.props} for r in batch])

    def raw_rel(rel_type, batch):
        store.execute(f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}}) MATCH (b:Entity {{id: row.t}}) "
                      f"CREATE (a)-[r:{rel_type}]->(b) SET r = row.props",
                      rows=[{"s": r.source_id, "t": r.target_id, "props": r.props} for r in batch])

    def ours_node(label, batch):
        load_nodes(store, label, batch, source="bench", actor="bench")

    def ours_rel(rel_type, batch):
        load_rels(store, rel_type, batch, source="bench", actor="bench")

    # Each loader runs twice into an empty graph. The first run includes Neo4j planning each
    # statement (≈ 0.2 s apiece for ours, whose statements are long); a harvester runs the same
    # statements again and again, so the second run is the steady rate compared.
    ours_first_rate, _ = run(ours_node, ours_rel)
    raw_first_rate, _ = run(raw_node, raw_rel)
    raw_rate, raw_batches = run(raw_node, raw_rel)
    ours_rate, our_batches = run(ours_node, ours_rel)
    return {"facts": county.facts, "ours_facts_per_s": ours_rate, "raw_facts_per_s": raw_rate,
            "ratio_raw_over_ours": raw_rate / ours_rate, "ours_first_run_facts_per_s": ours_first_rate,
            "raw_first_run_facts_per_s": raw_first_rate,
            "ours_batch_rate": percentiles(our_batches), "raw_batch_rate": percentiles(raw_batches)}


def raw_lineage(store: Store, root: str, depth: int) -> int:
    """The same breadth-first traversal as the API's, as bare queries over Bolt."""
    statement, seen, frontier = _step_statement("downstream"), {root}, [root]
    for _ in range(depth):
        records, _, _ = store.driver.execute_query(statement, ids=frontier, as_of=date.today().isoformat())
        frontier = list(dict.fromkeys(e["node"]["id"] for e in records[0]["edges"] if e["node"]["id"] not in seen))
        seen.update(frontier)
        if not frontier or len(seen) >= MAX_NODES:  # where the API stops too
            break
    return len(seen)


def variable_length(store: Store, root: str, depth: int) -> int:
    """The style other catalogs use: one variable-length match, paths enumerated by the database."""
    records, _, _ = store.driver.execute_query(neo4j.Query(
        f"MATCH (r:Entity {{id: $id}})-[:SENDS|RECEIVES|HOLDS|CARRIES*1..{depth}]->(m) RETURN count(DISTINCT m) AS n",
        timeout=VARIABLE_LENGTH_TIMEOUT), id=root)
    return records[0]["n"]


def bench_lineage(store: Store, api: httpx.Client, roots: list[str]) -> dict:
    results = {}
    for depth in (5, 10):
        api_ms, raw_ms = [], []
        for r in roots:
            raw_lineage(store, r, depth)  # untimed: both then meet the same warm page cache
            api_ms.append(timed(lambda: api.get(f"/api/v1/lineage/{r}", params={"direction": "downstream", "depth": depth}).raise_for_status()))
            raw_ms.append(timed(lambda: raw_lineage(store, r, depth)))
        var_ms = []
        for root in roots[:20]:  # it can take long; twenty roots tell the story
            try:
                var_ms.append(timed(lambda r=root: variable_length(store, r, depth)))
            except Exception:  # a timeout on a dense graph is the finding
                var_ms.append(float("inf"))
        # Ratios root by root, then their median: answers range from ten nodes to ten thousand,
        # so a ratio of two medians can compare a small answer with a large one.
        results[f"depth_{depth}"] = {
            "api_ms": percentiles(api_ms), "raw_cypher_ms": percentiles(raw_ms), "variable_length_ms": percentiles(var_ms),
            "ratio_api_over_raw": statistics.median(a / r for a, r in zip(api_ms, raw_ms)),
            "ratio_variable_length_over_raw": statistics.median(v / r for v, r in zip(var_ms, raw_ms))}
    return results


def bench_who(api: httpx.Client, repeats: int = 15) -> dict:
    results = {}
    for label, resource in (("~10", SMALL), ("~1,000", MEDIUM), ("~10,000", TEN_THOUSAND), ("all people", LARGE)):
        total = api.get("/api/v1/access/who", params={"resource": resource, "limit": 100}).json()["total"]
        ms = [timed(lambda: api.get("/api/v1/access/who", params={"resource": resource, "limit": 100}).raise_for_status())
              for _ in range(repeats)]
        results[label] = {"resource": resource, "principals": total, "first_page_ms": percentiles(ms)}
    return results


def bench_concurrent(make_request: Callable[[httpx.Client], None], seconds: float, pid: int) -> dict:
    deadline, latencies, rss = time.perf_counter() + seconds, [], []

    def worker(_: int) -> list[float]:
        mine = []
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=HEADERS, timeout=60) as client:
            while time.perf_counter() < deadline:
                mine.append(timed(lambda: make_request(client)))
        return mine

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(worker, i) for i in range(16)]
        while not all(f.done() for f in futures):
            rss.append(resident_mb(pid))
            time.sleep(0.5)
        for future in futures:
            latencies += future.result()
    return {"requests_per_s": len(latencies) / seconds, "latency_ms": percentiles(latencies),
            "resident_mb_max": max(rss) if rss else resident_mb(pid)}


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


HEADERS: dict[str, str] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--seconds", type=float, default=10, help="length of each concurrent run")
    parser.add_argument("--roots", type=int, default=100, help="lineage roots per depth")
    args = parser.parse_args()

    uri = os.environ.get("NEO4J_URI")
    local = None if uri else LocalNeo4j(ROOT / ".data" / "neo4j-bench", 7689, heap="3g", page_cache_mb=2048)
    started_here = bool(local) and not local.status().running
    if local:
        uri = local.start().uri
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]) if os.environ.get("NEO4J_PASSWORD") else None
    store = Store(make_driver(uri, auth), os.environ.get("NEO4J_DATABASE", "neo4j"), timeout=600)
    ensure_schema(store)
    console.print(f"[bold]scale {args.scale}[/bold]: generating …")
    county = generate(args.scale)
    console.print(f"{county.facts:,} facts; ingest …")
    results: dict = {"scale": args.scale, "facts": county.facts, "lineage_roots": args.roots, "started": datetime.now(timezone.utc).isoformat(),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}
    results["ingest"] = bench_ingest(store, county)
    HEADERS["Authorization"] = f"Bearer {create_token(store, f'bench-{time.time_ns()}', 'admin', 1)}"

    env = {**os.environ, "NEO4J_URI": uri}
    server = subprocess.Popen([sys.executable, "-m", "catalog.cli", "serve", "--port", str(PORT)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=HEADERS, timeout=120) as api:
            for _ in range(120):
                try:
                    if api.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            results["api_resident_mb_at_rest"] = resident_mb(server.pid)
            rng = random.Random(7)
            systems = [r.id for r in county.nodes["System"]]
            roots = rng.sample(systems, min(args.roots, len(systems)))
            console.print("lineage …")
            results["lineage"] = bench_lineage(store, api, roots)
            console.print("who-has-access …")
            results["who_has_access"] = bench_who(api)
            systems = [r.id for r in county.nodes["System"]]
            console.print("concurrent reads …")
            results["concurrent_entity_reads"] = bench_concurrent(
                lambda c: c.get(f"/api/v1/systems/{rng.choice(systems)}").raise_for_status(), args.seconds, server.pid)
            results["concurrent_who_has_access"] = bench_concurrent(
                lambda c: c.get("/api/v1/access/who", params={"resource": MEDIUM, "limit": 100}).raise_for_status(),
                args.seconds, server.pid)
            results["api_resident_mb_after_load"] = resident_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
        store.close()
        if started_here:
            local.stop()  # its memory is the machine's again
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"scale-{args.scale:g}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    console.print(f"written to {out.relative_to(ROOT)}")


def print_table(r: dict) -> None:
    table = Table(title=f"Benchmarks, scale {r['scale']:g} ({r['facts']:,} facts, {r['machine']['cpus']} cores)")
    for column in ("benchmark", "median", "p95", "ratio", "note"):
        table.add_column(column, justify="left" if column in ("benchmark", "note") else "right")
    ingest = r["ingest"]
    table.add_row("ingest, facts/s (ours)", f"{ingest['ours_facts_per_s']:,.0f}", f"{ingest['ours_batch_rate']['p95']:,.0f}",
                  f"{ingest['ratio_raw_over_ours']:.2f}×", "ratio: raw UNWIND … CREATE rate / ours; target ≥ 30,000 and ≤ 1.5×")
    table.add_row("ingest, facts/s (raw)", f"{ingest['raw_facts_per_s']:,.0f}", f"{ingest['raw_batch_rate']['p95']:,.0f}", "", "")
    table.add_row("ingest first run, facts/s (ours)", f"{ingest['ours_first_run_facts_per_s']:,.0f}", "",
                  f"{ingest['raw_first_run_facts_per_s'] / ingest['ours_first_run_facts_per_s']:.2f}×",
                  "includes planning each statement once; ratio: raw first run / ours")
    for depth, values in r["lineage"].items():
        table.add_row(f"lineage {depth.replace('_', ' ')}, API ms", f"{values['api_ms']['median']:.1f}",
                      f"{values['api_ms']['p95']:.1f}", f"{values['ratio_api_over_raw']:.2f}×", "ratio: API / raw Cypher (target ≤ 1.3×)")
        table.add_row(f"lineage {depth.replace('_', ' ')}, raw Cypher ms", f"{values['raw_cypher_ms']['median']:.1f}",
                      f"{values['raw_cypher_ms']['p95']:.1f}", "", "the same breadth-first traversal over Bolt")
        table.add_row(f"lineage {depth.replace('_', ' ')}, variable-length ms", f"{values['variable_length_ms']['median']:.1f}",
                      f"{values['variable_length_ms']['p95']:.1f}", f"{values['ratio_variable_length_over_raw']:.2f}×",
                      "ratio: variable-length match / ours")
    for label, values in r["who_has_access"].items():
        table.add_row(f"who-has-access, {label} ({values['principals']:,}), ms", f"{values['first_page_ms']['median']:.1f}",
                      f"{values['first_page_ms']['p95']:.1f}", "", "first page of 100 with paths, and the total")
    for name in ("concurrent_entity_reads", "concurrent_who_has_access"):
        values = r[name]
        table.add_row(f"{name.replace('_', ' ')}, req/s", f"{values['requests_per_s']:,.0f}",
                      f"p99 {values['latency_ms']['p99']:.1f} ms", "", "16 connections")
    table.add_row("API resident MB at rest / under load", f"{r['api_resident_mb_at_rest']:.0f}",
                  f"{r['concurrent_who_has_access']['resident_mb_max']:.0f}", "", "target ≤ 250 MB")
    console.print(table)


if __name__ == "__main__":
    main()
