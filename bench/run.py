"""The benchmark suite: `python -m bench.run --scale 1` (what `make bench` runs).

Measures, against a Neo4j of its own (the local embedded one on port 7689 unless NEO4J_URI is set,
started on a freshly created database): ingest through the harvest loader next to a raw UNWIND …
CREATE of the same rows, and of the same rows with the change record the audit trail keeps of
each, on the fresh database and warm; lineage at depth 5 and 10 through the API
next to one variable-length query returning the same nodes and distances; the web interface's
shapes (one-hop expand, depth 3 capped at 500 nodes); who-has-access (first page and total) for
resources reached by about 10, 1,000 and 10,000 principals; throughput and latency under 16
concurrent connections from wrk (a compiled load generator, one thread); the API's resident memory.
Prints a table and writes bench/results/scale-<s>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
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
from catalog.store import history
from catalog.store.driver import Store, make_driver
from catalog.store.ingest import BATCH_SIZE, load_nodes, load_rels
from catalog.store.schema import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PORT = 8765  # the API's; --api-port for a second run beside this one
WRK = shutil.which("wrk") or "/usr/bin/wrk"
# The web interface's dependency picture: a node's neighbours, and three levels at most 500 nodes.
PICTURE_NODES = 500
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
    # Batched deletes run only in an auto-commit transaction. Relationships go first: 20,000 nodes
    # detached at once took their every relationship into one transaction, past Neo4j's memory
    # pool at scale 50 (a group's members, a hub's integrations).
    # The statement as a whole is bounded by the store's timeout, not the server's default of five
    # minutes, which scale 50's wipe outlasted on a busy machine.
    with store.driver.session(database=store.database) as session:
        for statement in ("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF 20000 ROWS",
                          "MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS OF 20000 ROWS"):
            session.run(neo4j.Query(statement, timeout=store.timeout)).consume()


def _ingest_run(store: Store, county, load_node, load_rel, size: int = BATCH_SIZE) -> tuple[float, list[float]]:
    """Every fact into an empty graph, `size` a transaction: facts/s overall and per batch."""
    wipe(store)
    rates, total = [], 0.0
    for fact_type, records in [*county.nodes.items(), *county.rels.items()]:
        load = load_node if fact_type in county.nodes else load_rel
        for start in range(0, len(records), size):
            batch = records[start:start + size]
            ms = timed(lambda: load(fact_type, batch))
            rates.append(len(batch) / ms * 1000)
            total += ms
    return county.facts / total * 1000, rates


def _raw_node(label: str, batch) -> tuple[str, list[dict]]:
    """A raw UNWIND … CREATE of nodes, and its rows."""
    return (f"UNWIND $rows AS row CREATE (n:Entity:{label}) SET n = row.props, n.id = row.id",
            [{"id": r.id, "props": r.props} for r in batch])


def _raw_rel(rel_type: str, batch) -> tuple[str, list[dict]]:
    """A raw UNWIND … CREATE of relationships between nodes found by id, and its rows."""
    return (f"UNWIND $rows AS row MATCH (a:Entity {{id: row.s}}) MATCH (b:Entity {{id: row.t}}) "
            f"CREATE (a)-[r:{rel_type}]->(b) SET r = row.props",
            [{"s": r.source_id, "t": r.target_id, "props": r.props} for r in batch])


def _loaders(store: Store) -> dict[str, tuple[Callable, Callable]]:
    def raw(make: Callable) -> Callable:
        def load(fact_type, batch):
            statement, rows = make(fact_type, batch)
            store.execute(statement, rows=rows)
        return load

    def ours_node(label, batch):
        load_nodes(store, label, batch, source="bench", actor="bench")

    def ours_rel(rel_type, batch):
        load_rels(store, rel_type, batch, source="bench", actor="bench")

    # The same facts and, in the same transaction, the change record the audit trail keeps of each
    # (made and chained as catalog.store.history makes them), as raw CREATEs: the store's cost of
    # the work our loader does, without its existence look-ups, comparisons and flow edges.
    head = {"seq": 0, "hash": history.GENESIS}

    def recorded(make: Callable) -> Callable:
        def load(fact_type, batch):
            statement, rows = make(fact_type, batch)
            changes = history.chained([history.change("create", r.id, fact_type, "bench", None, r.props, run_id="bench")
                                       for r in batch], head["seq"], head["hash"])
            head.update(seq=changes[-1]["seq"], hash=changes[-1]["hash"])
            store.write(lambda tx: (tx.run(statement, rows=rows).consume(),
                                    tx.run("UNWIND $changes AS c CREATE (x:ChangeRecord) SET x = c", changes=changes).consume()))
        return load

    return {"raw": (raw(_raw_node), raw(_raw_rel)), "raw_recorded": (recorded(_raw_node), recorded(_raw_rel)),
            "ours": (ours_node, ours_rel)}


def bench_ingest(store: Store, county) -> dict:
    """Facts per second, through our loader and as raw UNWIND … CREATE, batch by batch."""
    loaders = _loaders(store)
    # Ours runs twice into an empty graph: first on the freshly created database (a cold JVM,
    # every statement planned, on an empty graph), then warm, the steady rate a harvester sees;
    # raw runs between them, its short statements planned in a moment.
    ours_first_rate, _ = _ingest_run(store, county, *loaders["ours"])
    raw_rate, raw_batches = _ingest_run(store, county, *loaders["raw"])
    raw_recorded_rate, _ = _ingest_run(store, county, *loaders["raw_recorded"])
    ours_rate, our_batches = _ingest_run(store, county, *loaders["ours"])
    return {"facts": county.facts, "ours_facts_per_s": ours_rate, "raw_facts_per_s": raw_rate,
            "raw_recorded_facts_per_s": raw_recorded_rate, "ratio_raw_recorded_over_ours": raw_recorded_rate / ours_rate,
            "ratio_raw_over_ours": raw_rate / ours_rate, "ours_first_run_facts_per_s": ours_first_rate,
            "ours_batch_rate": percentiles(our_batches), "raw_batch_rate": percentiles(raw_batches)}


def bench_batch_sizes(store: Store, county, sizes: list[int]) -> dict[int, dict[str, float]]:
    """`--batch-sizes`: the warm ingest rate, ours and raw, at each transaction size (what
    catalog.store.ingest.BATCH_SIZE was chosen by)."""
    from catalog.store import ingest
    loaders, rates = _loaders(store), {}
    _ingest_run(store, county, *loaders["ours"])  # warm: every statement planned once
    for size in sizes:
        ingest.BATCH_SIZE = size
        ours, _ = _ingest_run(store, county, *loaders["ours"], size)
        raw, _ = _ingest_run(store, county, *loaders["raw"], size)
        rates[size] = {"ours_facts_per_s": ours, "raw_facts_per_s": raw, "ratio_raw_over_ours": raw / ours}
        console.print(f"batch {size:,}: ours {ours:,.0f} facts/s, raw {raw:,.0f} ({raw / ours:.2f}×)")
    return rates


def raw_lineage(store: Store, root: str, depth: int, max_nodes: int = MAX_NODES) -> int:
    """The reachable nodes and their distances, nearest first, as one variable-length query
    over the flow edges valid today: what the API answers, without the edges explaining it."""
    records, _, _ = store.driver.execute_query(
        f"MATCH (r:Entity {{id: $id}}) MATCH p = (r)-[:FLOWS_TO*1..{depth}]->(m) "
        "WHERE all(f IN relationships(p) WHERE (f.valid_from IS NULL OR f.valid_from <= $as_of) "
        "AND (f.valid_to IS NULL OR f.valid_to >= $as_of)) "
        "WITH r, m, min(length(p)) AS d WHERE m <> r ORDER BY d, m.id LIMIT $cap "
        "RETURN collect({id: m.id, distance: d}) AS nodes",
        id=root, as_of=date.today().isoformat(), cap=max_nodes - 1)
    return len(records[0]["nodes"])


def bench_lineage(store: Store, api: httpx.Client, roots: list[str]) -> dict:
    results = {}
    for depth in (5, 10):
        api_ms, parsed_ms, raw_ms, sizes = [], [], [], []
        for r in roots:
            raw_lineage(store, r, depth)  # untimed: both then meet the same warm page cache
            # Until the whole answer is received; parsing its JSON is this client's work (20–30 ms
            # for a depth-10 answer), as decoding the records is the driver's. Both are kept:
            # runs before 2026-12-07 timed the answer parsed.
            start = time.perf_counter()
            answer = api.get(f"/api/v1/lineage/{r}", params={"direction": "downstream", "depth": depth}).raise_for_status()
            api_ms.append((time.perf_counter() - start) * 1000)
            sizes.append(len(answer.json()["nodes"]))
            parsed_ms.append((time.perf_counter() - start) * 1000)
            raw_ms.append(timed(lambda: raw_lineage(store, r, depth)))
        # Ratios root by root, then their median: answers range from ten nodes to ten thousand,
        # so a ratio of two medians can compare a small answer with a large one.
        results[f"depth_{depth}"] = {
            "api_ms": percentiles(api_ms), "api_parsed_ms": percentiles(parsed_ms), "raw_cypher_ms": percentiles(raw_ms),
            "nodes": percentiles(sizes),
            "ratio_api_over_raw": statistics.median(a / r for a, r in zip(api_ms, raw_ms))}
    return results


def bench_picture(api: httpx.Client, roots: list[str]) -> dict:
    """The shapes the dependency picture asks for: expanding one node (both ways, one hop), and
    the first picture of three levels capped at 500 nodes."""
    results = {}
    for name, params in (("one_hop", {"direction": "both", "depth": 1}),
                         ("depth_3_capped", {"direction": "both", "depth": 3, "max_nodes": PICTURE_NODES})):
        for r in roots[:10]:
            api.get(f"/api/v1/lineage/{r}", params=params).raise_for_status()  # warm
        ms = [timed(lambda r=r: api.get(f"/api/v1/lineage/{r}", params=params).raise_for_status()) for r in roots]
        results[name] = {"api_ms": percentiles(ms)}
    return results


def bench_who(api: httpx.Client, repeats: int = 15) -> dict:
    results = {}
    for label, resource in (("~10", SMALL), ("~1,000", MEDIUM), ("~10,000", TEN_THOUSAND), ("all people", LARGE)):
        total = api.get("/api/v1/access/who", params={"resource": resource, "limit": 100}).json()["total"]
        ms = [timed(lambda: api.get("/api/v1/access/who", params={"resource": resource, "limit": 100}).raise_for_status())
              for _ in range(repeats)]
        results[label] = {"resource": resource, "principals": total, "first_page_ms": percentiles(ms)}
    return results


def bench_concurrent(path_script: str, seconds: float, pid: int) -> dict:
    """16 connections from wrk, one thread (so the load generator takes little of the machine),
    the paths from a Lua script; the API's resident memory sampled meanwhile."""
    script = RESULTS / "wrk-paths.lua"
    script.write_text(path_script)
    rss: list[float] = []
    command = [WRK, "-t1", "-c16", f"-d{seconds:g}s", "--latency", "-s", str(script),
               "-H", f"Authorization: {HEADERS['Authorization']}", f"http://127.0.0.1:{PORT}"]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    while run.poll() is None:
        rss.append(resident_mb(pid))
        time.sleep(0.5)
    out = run.stdout.read()
    latency = {q: _ms(value, unit) for q, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    if "50" not in latency:
        raise RuntimeError(f"wrk gave no latencies:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "latency_ms": {"median": latency["50"], "p90": latency["90"], "p99": latency["99"]},
            "errors": int(errors.group(1)) if errors else 0,
            "resident_mb_max": max(rss) if rss else resident_mb(pid), "wrk": out}


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def _paths_script(paths: list[str]) -> str:
    """A wrk script asking for the paths in turn, at random."""
    listed = ", ".join(json.dumps(p) for p in paths)
    return (f"local paths = {{{listed}}}\nmath.randomseed(7)\n"
            "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")


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
    parser.add_argument("--neo4j-port", type=int, default=7689, help="the local Neo4j's (another data directory when not 7689)")
    parser.add_argument("--api-port", type=int, default=8765)
    parser.add_argument("--batch-sizes", help="only the warm ingest at each of these transaction sizes, e.g. 1000,5000,20000")
    args = parser.parse_args()
    global PORT
    PORT = args.api_port

    uri = os.environ.get("NEO4J_URI")
    home = ROOT / ".data" / ("neo4j-bench" if args.neo4j_port == 7689 else f"neo4j-bench-{args.neo4j_port}")
    local = None if uri else LocalNeo4j(home, args.neo4j_port, heap="3g", page_cache_mb=2048)
    started_here = bool(local) and not local.status().running
    if started_here:
        shutil.rmtree(local.home / "db", ignore_errors=True)  # a freshly created database
    if local:
        uri = local.start().uri
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"]) if os.environ.get("NEO4J_PASSWORD") else None
    # An hour: wiping scale 50 between ingest runs outlasted ten minutes on a busy machine.
    store = Store(make_driver(uri, auth), os.environ.get("NEO4J_DATABASE", "neo4j"), timeout=3600)
    results: dict = {"scale": args.scale, "lineage_roots": args.roots, "started": datetime.now(timezone.utc).isoformat(),
                     "load_average": os.getloadavg(),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}}
    try:
        measure(args, store, uri, results)
    except BaseException:
        # What was measured before a failure (scale 50's first ingest takes half an hour) is kept.
        _write(results, f"scale-{args.scale:g}-incomplete")
        raise
    finally:
        store.close()
        if started_here:
            local.stop()  # its memory is the machine's again
    if not args.batch_sizes:
        print_table(results)
        _write(results, f"scale-{args.scale:g}")


def measure(args: argparse.Namespace, store: Store, uri: str, results: dict) -> None:
    """Every benchmark, each result put in `results` as soon as it is known."""
    ensure_schema(store)
    console.print(f"[bold]scale {args.scale}[/bold]: generating …")
    county = generate(args.scale)
    results["facts"] = county.facts
    console.print(f"{county.facts:,} facts; ingest …")
    if args.batch_sizes:
        results["ingest_by_batch_size"] = bench_batch_sizes(store, county, [int(n) for n in args.batch_sizes.split(",")])
        _write(results, f"batch-sizes-{args.scale:g}")
        return
    results["ingest"] = bench_ingest(store, county)
    HEADERS["Authorization"] = f"Bearer {create_token(store, f'bench-{time.time_ns()}', 'admin', 1)}"

    env = {**os.environ, "NEO4J_URI": uri}
    server = subprocess.Popen([sys.executable, "-m", "catalog.cli", "serve", "--port", str(PORT), "--no-access-log"], env=env,
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
            results["picture"] = bench_picture(api, roots)
            console.print("who-has-access …")
            results["who_has_access"] = bench_who(api)
            console.print("concurrent reads …")
            entity_paths = [f"/api/v1/systems/{s}" for s in rng.sample(systems, min(500, len(systems)))]
            for path in entity_paths[:50]:  # warm: the route's first answers plan its statement
                api.get(path).raise_for_status()
            results["concurrent_entity_reads"] = bench_concurrent(_paths_script(entity_paths), args.seconds, server.pid)
            results["concurrent_who_has_access"] = bench_concurrent(
                _paths_script([f"/api/v1/access/who?resource={MEDIUM}&limit=100"]), args.seconds, server.pid)
            results["api_resident_mb_after_load"] = resident_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)


def _write(results: dict, name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    console.print(f"written to {out.relative_to(ROOT)}")


def print_table(r: dict) -> None:
    load = ", ".join(f"{x:.1f}" for x in r["load_average"])
    table = Table(title=f"Benchmarks, scale {r['scale']:g} ({r['facts']:,} facts, {r['machine']['cpus']} cores, load {load})")
    for column in ("benchmark", "median", "p95", "ratio", "note"):
        table.add_column(column, justify="left" if column in ("benchmark", "note") else "right")
    ingest = r["ingest"]
    table.add_row("ingest, facts/s (ours)", f"{ingest['ours_facts_per_s']:,.0f}", f"{ingest['ours_batch_rate']['p95']:,.0f}",
                  f"{ingest['ratio_raw_over_ours']:.2f}×", "ratio: raw UNWIND … CREATE rate / ours; target ≥ 20,000 and ≤ 1.5×")
    table.add_row("ingest, facts/s (raw)", f"{ingest['raw_facts_per_s']:,.0f}", f"{ingest['raw_batch_rate']['p95']:,.0f}", "", "")
    table.add_row("ingest, facts/s (raw, with a change record each)", f"{ingest['raw_recorded_facts_per_s']:,.0f}", "",
                  f"{ingest['ratio_raw_recorded_over_ours']:.2f}×", "the same facts and audit records as raw CREATEs; ratio: its rate / ours")
    table.add_row("ingest first run, fresh database, facts/s (ours)", f"{ingest['ours_first_run_facts_per_s']:,.0f}", "",
                  f"{ingest['raw_facts_per_s'] / ingest['ours_first_run_facts_per_s']:.2f}×",
                  "a newly created database; includes planning each statement once; ratio: raw / ours")
    for depth, values in r["lineage"].items():
        table.add_row(f"lineage {depth.replace('_', ' ')}, API ms", f"{values['api_ms']['median']:.1f}",
                      f"{values['api_ms']['p95']:.1f}", f"{values['ratio_api_over_raw']:.2f}×",
                      f"ratio: API / one variable-length query (target ≤ 1.5×); median {values['nodes']['median']:,.0f} nodes")
        table.add_row(f"lineage {depth.replace('_', ' ')}, API ms with the JSON parsed", f"{values['api_parsed_ms']['median']:.1f}",
                      f"{values['api_parsed_ms']['p95']:.1f}", "", "as timed before 2026-12-07")
        table.add_row(f"lineage {depth.replace('_', ' ')}, variable-length query ms", f"{values['raw_cypher_ms']['median']:.1f}",
                      f"{values['raw_cypher_ms']['p95']:.1f}", "", "the same nodes and distances, over Bolt")
    for name, values in r["picture"].items():
        table.add_row(f"picture, {name.replace('_', ' ')}, API ms", f"{values['api_ms']['median']:.1f}",
                      f"{values['api_ms']['p95']:.1f}", "", "both ways; target p95 ≤ 15 ms (one hop), ≤ 40 ms (depth 3, 500 nodes)")
    for label, values in r["who_has_access"].items():
        table.add_row(f"who-has-access, {label} ({values['principals']:,}), ms", f"{values['first_page_ms']['median']:.1f}",
                      f"{values['first_page_ms']['p95']:.1f}", "", "first page of 100 with paths, and the total")
    for name in ("concurrent_entity_reads", "concurrent_who_has_access"):
        values = r[name]
        table.add_row(f"{name.replace('_', ' ')}, req/s", f"{values['requests_per_s']:,.0f}",
                      f"p99 {values['latency_ms']['p99']:.1f} ms", "", f"wrk, 16 connections; {values['errors']} errors")
    table.add_row("API resident MB at rest / under load", f"{r['api_resident_mb_at_rest']:.0f}",
                  f"{max(r[n]['resident_mb_max'] for n in ('concurrent_entity_reads', 'concurrent_who_has_access')):.0f}",
                  "", "target ≤ 250 MB (scale 10), ≤ 300 MB (scale 50)")
    console.print(table)


if __name__ == "__main__":
    main()
