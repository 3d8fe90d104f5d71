// The dependency picture: Cytoscape.js laid out by ELK, left to right. Systems are boxes that
// hold their datasets (collapsed until opened); clicking a node (or its row's button in the
// table twin) fetches its neighbours and adds them to the picture and to the tables.
(function () {
  "use strict";
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  cytoscape.use(cytoscapeElk);
  const PAGE = 25;
  const PATHS = { System: "systems", Dataset: "datasets", FintComponent: "fint-components" };
  const COLOURS = { fint: "#1f77b4", api: "#2ca02c", "file-transfer": "#d62728", "message-queue": "#9467bd",
                    "svarut-fiks": "#8c564b", manual: "#7f7f7f", pipeline: "#bcbd22" };
  const status = document.getElementById("graph-status");
  const nodeRows = document.querySelector("#graph-nodes tbody");
  const edgeRows = document.querySelector("#graph-edges tbody");
  const asOf = box.dataset.asOf;
  const known = new Map();       // node id -> node summary with distance
  const expanded = new Set();
  let pending = [];              // neighbours past the first PAGE, waiting for "show more"

  const cy = cytoscape({
    container: box, wheelSensitivity: 0.3, minZoom: 0.05,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 140,
        "text-valign": "center", "text-halign": "center", shape: "round-rectangle", width: 150, height: 40,
        "background-color": "#e8f0f8", "border-width": 1, "border-color": "#0b4f8a", color: "#1b1b1b" } },
      { selector: "node[type = 'Dataset']", style: { shape: "ellipse", "background-color": "#fff4d6", "border-color": "#8a4b00", width: 130 } },
      { selector: "node[type = 'FintComponent']", style: { shape: "hexagon", "background-color": "#dff3f1", "border-color": "#00695c" } },
      { selector: "node.root", style: { "border-width": 3 } },
      { selector: ":parent", style: { "text-valign": "top", "background-opacity": 0.35, padding: 12 } },
      { selector: "node.folded", style: { display: "none" } },
      { selector: "edge", style: { width: 2, "curve-style": "bezier", "target-arrow-shape": "triangle",
        "line-color": "data(colour)", "target-arrow-color": "data(colour)" } },
      { selector: "edge[kind = 'observed']", style: { "line-style": "dashed" } },
      { selector: ":selected", style: { "border-color": "#f2a900", "border-width": 4 } },
    ],
  });

  function link(node) {
    const a = document.createElement("a");
    a.href = PATHS[node.type] ? `/${PATHS[node.type]}/${encodeURIComponent(node.id)}` : "#";
    a.textContent = node.name || node.id;
    return a;
  }

  function cell(row, content) {
    const td = row.insertCell();
    if (content instanceof Node) td.appendChild(content); else td.textContent = content == null ? "–" : content;
    return td;
  }

  function expandButton(node) {
    const button = document.createElement("button");
    button.type = "button"; button.className = "expand"; button.dataset.id = node.id;
    button.textContent = box.dataset.expand + " ";
    const hidden = document.createElement("span"); hidden.className = "visually-hidden"; hidden.textContent = node.name || node.id;
    button.appendChild(hidden);
    button.addEventListener("click", () => expand(node.id));
    return button;
  }

  function addNodeRow(node) {
    const row = nodeRows.insertRow(); row.dataset.id = node.id;
    cell(row, link(node)); cell(row, node.typeName || node.type); cell(row, node.distance); cell(row, expandButton(node));
  }

  function addEdgeRow(edge) {
    const row = edgeRows.insertRow(); row.dataset.key = key(edge);
    cell(row, edge.source_name || edge.source); cell(row, edge.target_name || edge.target); cell(row, edge.type);
    cell(row, edge.mechanism); cell(row, edge.kind); cell(row, edge.via_name || edge.via);
  }

  function key(edge) { return `${edge.source}|${edge.target}|${edge.type}|${edge.via || ""}`; }

  function holder(graphEdges, id) {
    const holds = graphEdges.find((e) => e.type === "holds" && e.target === id);
    return holds ? holds.source : null;
  }

  // Adds nodes (and the edges between known nodes); returns how many nodes were new.
  function add(graph, nodes, fromTable) {
    const fresh = [];
    for (const node of nodes) {
      if (known.has(node.id)) continue;
      known.set(node.id, node);
      const parent = node.type === "Dataset" ? holder(graph.edges, node.id) : null;
      fresh.push({ group: "nodes", classes: (parent ? "folded" : "") + (node.id === box.dataset.root ? " root" : ""),
                   data: { id: node.id, label: node.name || node.id, type: node.type,
                           parent: parent && (known.has(parent) || nodes.some((n) => n.id === parent)) ? parent : undefined } });
      if (!fromTable) addNodeRow(node);
    }
    cy.add(fresh.filter((n) => !n.data.parent));
    cy.add(fresh.filter((n) => n.data.parent));
    const edges = [];
    for (const edge of graph.edges) {
      if (!known.has(edge.source) || !known.has(edge.target) || cy.getElementById(key(edge)).length) continue;
      if (edge.type === "holds" && cy.getElementById(edge.target).data("parent") === edge.source) {
        if (!fromTable && !edgeRows.querySelector(`tr[data-key="${CSS.escape(key(edge))}"]`)) addEdgeRow(edge);
        continue;
      }
      edges.push({ group: "edges", data: { id: key(edge), source: edge.source, target: edge.target, kind: edge.kind,
                                           colour: COLOURS[edge.mechanism] || "#555" } });
      if (!fromTable && !edgeRows.querySelector(`tr[data-key="${CSS.escape(key(edge))}"]`)) addEdgeRow(edge);
    }
    cy.add(edges);
    cy.nodes(":parent").forEach((system) => {
      const folded = system.children(".folded").length;
      const name = known.get(system.id()).name || system.id();
      system.data("label", folded ? `${name} (+${folded})` : name);
    });
    return fresh.length;
  }

  function layout() {
    return new Promise((resolve) => {
      const run = cy.layout({ name: "elk", elk: { algorithm: "layered", "elk.direction": "RIGHT",
        "elk.layered.spacing.nodeNodeBetweenLayers": 60, "elk.spacing.nodeNode": 25,
        "elk.hierarchyHandling": "INCLUDE_CHILDREN" }, fit: true, padding: 20 });
      run.one("layoutstop", resolve);
      run.run();
    });
  }

  async function fetchGraph(id, type) {
    const params = new URLSearchParams({ format: "json", direction: "both", depth: "1" });
    if (asOf) params.set("as_of", asOf);
    const response = await fetch(`/${PATHS[type]}/${encodeURIComponent(id)}/lineage?${params}`, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${response.status}`);
    return response.json();
  }

  async function expand(id) {
    const node = known.get(id);
    const element = cy.getElementById(id);
    element.children().toggleClass("folded");
    if (!node || expanded.has(id) || !PATHS[node.type]) { await layout(); return; }
    expanded.add(id);
    status.textContent = "…";
    const graph = await fetchGraph(id, node.type);
    const distance = (node.distance || 0) + 1;
    const neighbours = graph.nodes.filter((n) => !known.has(n.id)).map((n) => ({ ...n, distance }));
    const first = neighbours.slice(0, PAGE);
    pending = pending.concat(neighbours.slice(PAGE).map((n) => ({ node: n, graph })));
    add(graph, first, false);
    element.children().removeClass("folded");
    await layout();
    showMore();
    status.textContent = `${known.size} / ${cy.edges().length}`;
  }

  function showMore() {
    const old = document.getElementById("show-more");
    if (old) old.remove();
    if (!pending.length) return;
    const button = document.createElement("button");
    button.type = "button"; button.id = "show-more";
    button.textContent = `${box.dataset.showMore} (${pending.length})`;
    button.addEventListener("click", async () => {
      const batch = pending.splice(0, PAGE);
      for (const item of batch) add(item.graph, [item.node], false);
      await layout();
      showMore();
    });
    status.after(button);
  }

  async function start() {
    const params = new URLSearchParams(window.location.search);
    params.set("format", "json");
    const response = await fetch(`${box.dataset.source}?${params}`, { headers: { Accept: "application/json" } });
    const graph = await response.json();
    add(graph, graph.nodes, true);
    for (const node of graph.nodes) if (node.distance < Number(params.get("depth") || 1)) expanded.add(node.id);
    expanded.add(graph.root.id);
    cy.getElementById(graph.root.id).children().removeClass("folded");
    await layout();
    document.querySelectorAll("#graph-nodes button.expand").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => expand(button.dataset.id));
    });
    cy.on("tap", "node", (event) => expand(event.target.id()));
    status.textContent = `${known.size} / ${cy.edges().length}`;
  }

  window.catalogGraph = { cy, expand, ready: start() };
})();
