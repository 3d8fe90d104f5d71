// Draws one access path (principal → groups → role → grant → resource) when its button is pressed.
(function () {
  "use strict";
  const box = document.getElementById("path-picture");
  if (!box || typeof cytoscape === "undefined") return;
  let cy = null;
  document.querySelectorAll("button.draw-path").forEach((button) => {
    button.addEventListener("click", () => {
      const steps = JSON.parse(button.dataset.path);
      const nodes = steps.filter((s) => !("relationship" in s));
      const links = steps.filter((s) => "relationship" in s);
      const elements = nodes.map((n, i) => ({ data: { id: `${i}:${n.id}`, label: n.name || n.id }, position: { x: i * 190, y: 60 } }));
      links.forEach((l, i) => {
        if (i + 1 < nodes.length) elements.push({ data: { id: `e${i}`, source: `${i}:${nodes[i].id}`,
          target: `${i + 1}:${nodes[i + 1].id}`, label: l.level || l.via || l.relationship } });
      });
      box.hidden = false;
      if (cy) cy.destroy();
      cy = cytoscape({ container: box, elements, layout: { name: "preset", fit: true, padding: 30 },
        style: [
          { selector: "node", style: { label: "data(label)", shape: "round-rectangle", width: 160, height: 36, "font-size": 11,
            "text-valign": "center", "text-wrap": "wrap", "text-max-width": 150, "background-color": "#e8f0f8",
            "border-width": 1, "border-color": "#0b4f8a" } },
          { selector: "edge", style: { label: "data(label)", "font-size": 10, "target-arrow-shape": "triangle",
            "curve-style": "bezier", width: 2, "line-color": "#0b4f8a", "target-arrow-color": "#0b4f8a", "text-margin-y": -10 } },
        ] });
      box.scrollIntoView({ block: "nearest" });
    });
  });
})();
