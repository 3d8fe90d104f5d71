"""The journeys of the people the catalog is for, in a real browser against the real server:
an architect following dependencies, a data owner editing, an auditor checking access, a reader
who must see no personal details. Expected values come from the API, never from the pages."""

from __future__ import annotations

import re

import openpyxl

from tests.web.conftest import screenshot, sign_in


def _node_ids(page) -> set[str]:
    return set(page.eval_on_selector_all("#graph-nodes tbody tr", "rows => rows.map(r => r.dataset.id)"))


def _picture_ids(page) -> set[str]:
    return set(page.evaluate("() => catalogGraph.cy.nodes().map(n => n.id())"))


def test_architect_follows_the_dependencies_of_visma_inschool(context, api):
    page = context.new_page()
    sign_in(page, "architect")
    page.get_by_label("Søk i hele katalogen").fill("InSchool")
    page.get_by_role("button", name="Søk", exact=True).click()
    page.get_by_role("link", name="Visma InSchool", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Visma InSchool"
    page.get_by_role("link", name="Avhengigheter").click()
    page.wait_for_function("() => window.catalogGraph && catalogGraph.cy.nodes().length > 0")
    page.evaluate("() => catalogGraph.ready")

    first = api.get("/lineage/system-visma-inschool", params={"depth": 1}).json()
    shown = {n["id"] for n in first["nodes"]}
    assert _node_ids(page) == shown and _picture_ids(page) == shown

    # A system one hop downstream that itself sends data further, to a system not yet shown.
    downstream = [e["target"] for e in first["edges"] if e["source"] == "system-visma-inschool" and e["type"] == "integration"]
    chosen, further = None, None
    for candidate in sorted(set(downstream)):
        answer = api.get(f"/lineage/{candidate}", params={"depth": 1}).json()
        beyond = {e["target"] for e in answer["edges"] if e["source"] == candidate and e["type"] == "integration"} - shown
        if beyond:
            chosen, further, expanded = candidate, beyond, answer
            break
    assert chosen, "the demo county has a system two integration hops downstream of Visma InSchool"
    page.locator(f"#graph-nodes tr[data-id='{chosen}'] button.expand").click()
    new_system = sorted(further)[0]
    page.wait_for_selector(f"#graph-nodes tr[data-id='{new_system}']")
    expected = shown | {n["id"] for n in expanded["nodes"]}
    assert _node_ids(page) == expected
    assert new_system in _picture_ids(page)
    edge_rows = page.eval_on_selector_all("#graph-edges tbody tr", "rows => rows.map(r => r.dataset.key)")
    assert any(key.startswith(f"{chosen}|{new_system}|integration") for key in edge_rows)
    screenshot(page, "lineage")


def _owner_of(api, dataset_id: str) -> dict:
    dataset = api.get(f"/datasets/{dataset_id}").json()
    return next(o for o in dataset["owners"] if o["role"] == "dataeier" and o["type"] == "Person")


def test_data_owner_edits_a_legal_basis_and_meets_a_stale_edit(context, api, store):
    owner = _owner_of(api, "dataset-elevregister")
    page = context.new_page()
    sign_in(page, "owner", owner["name"])
    mine = page.locator("section", has=page.get_by_role("heading", name="Mine oppføringer"))
    assert mine.get_by_role("link", name="Elevregister", exact=True).count() >= 1
    page.goto("/datasets/dataset-elevregister")
    page.get_by_role("link", name="Rediger").click()
    page.get_by_label("Behandlingsgrunnlag").fill("Opplæringslova § 13-10, GDPR art. 6 nr. 1 e (revidert)")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url("**/datasets/dataset-elevregister")
    assert api.get("/datasets/dataset-elevregister").json()["legal_basis"].endswith("(revidert)")
    # An owner's role does not see the history; the API's record of the change is the oracle.
    latest = api.get("/history/dataset-elevregister").json()["items"][0]
    assert "(revidert)" in latest["after"] and latest["actor"].startswith("token:dev-web-owner")

    # A stale edit: someone else changes the retention while the form is open.
    page.get_by_role("link", name="Rediger").click()
    page.get_by_label("Behandlingsgrunnlag").fill("Opplæringslova § 13-10")
    version = api.get("/datasets/dataset-elevregister").headers["etag"]
    assert api.patch("/datasets/dataset-elevregister", json={"retention": "Til 5 år etter avsluttet skolegang"},
                     headers={"If-Match": version}).status_code == 200
    page.get_by_role("button", name="Lagre").click()
    conflict = page.locator("section.conflict")
    assert "Noen andre endret oppføringen" in conflict.inner_text()
    assert "Til 5 år etter avsluttet skolegang" in conflict.inner_text()
    screenshot(page, "edit-conflict")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url("**/datasets/dataset-elevregister")
    now = api.get("/datasets/dataset-elevregister").json()
    assert now["legal_basis"] == "Opplæringslova § 13-10" and now["retention"] == "Til 5 år etter avsluttet skolegang"

    # No edit button on a dataset they do not own: the API refuses this person that one too.
    others = [d for d in api.get("/datasets", params={"limit": 500}).json()["items"]
              if owner["id"] not in {o["id"] for o in d["owners"]}]
    from catalog.security import create_token

    owner_token = create_token(store, f"owner-check-{owner['id']}", "owner", 1, owner["id"])
    not_mine = next(d for d in others if api.patch(f"/datasets/{d['id']}", json={}, headers={
        "Authorization": f"Bearer {owner_token}", "If-Match": '"0"'}).status_code == 403)
    page.goto(f"/datasets/{not_mine['id']}")
    assert page.get_by_role("heading", level=1).inner_text() == not_mine["name"]
    assert page.get_by_role("link", name="Rediger").count() == 0
    assert context.request.get(f"/datasets/{not_mine['id']}/edit").status == 403


def test_auditor_checks_who_reaches_the_pupil_register(context, api, tmp_path):
    page = context.new_page()
    sign_in(page, "auditor")
    page.goto("/datasets/dataset-elevregister")
    page.get_by_role("link", name="Hvem har tilgang").first.click()
    answer = api.get("/access/who", params={"resource": "dataset-elevregister", "limit": 1000}).json()
    nested = next(p for p in answer["principals"]
                  if sum(1 for step in p["paths"][0] if step.get("relationship") == "MEMBER_OF") >= 2)
    row = page.locator(f"tr[data-id='{nested['id']}']")
    chain = row.locator("ol.paths li").first.inner_text()
    names = [step.get("name") or step["id"] for step in nested["paths"][0] if "relationship" not in step]
    positions = [chain.find(name) for name in names]
    assert -1 not in positions and positions == sorted(positions), (chain, names)
    screenshot(page, "access")

    page.get_by_label("Ta med eksponering gjennom kopier").check()
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(re.compile(r"include_lineage=true"))
    with_copies = api.get("/access/who", params={"resource": "dataset-elevregister", "include_lineage": "true",
                                                 "limit": 1000}).json()
    assert with_copies["total"] > answer["total"]
    assert f"{with_copies['total']} med tilgang" in page.content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    download.value.save_as(tmp_path / "access.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "access.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[2])
    listed = {(r[header.index("principal_id")], r[header.index("level")]) for r in rows[3:]}
    assert listed == {(p["id"], p["level"]) for p in with_copies["principals"]}

    # A FINT client reads the register through the component an integration passes: the chain
    # says so and names the integration, on the page of the list (by name, as the API's) it is on.
    ranked = [p["id"] for p in with_copies["principals"]]
    client = with_copies["principals"][ranked.index("sa-fint-itslearning")]
    page.goto(f"/datasets/dataset-elevregister/access?include_lineage=true&offset={ranked.index(client['id']) // 50 * 50}")
    chain = page.locator("tr[data-id='sa-fint-itslearning'] ol.paths li").first.inner_text()
    component, hop, system, dataset = (client["paths"][0][i] for i in (2, 3, 4, 6))
    expected = (f"{client['name']} → lese på {component['name']} → mottar gjennom «{hop['via_name']}» fra "
                f"{system['name']} → {dataset['name']}")
    assert chain.startswith(expected), chain


def test_a_reader_sees_no_email_address_anywhere(context, api):
    people = api.get("/people", params={"limit": 500}).json()["items"]
    addresses = {p["email"] for p in people if p.get("email")}
    assert addresses
    person = next(p for p in people if p.get("email") and p.get("org_unit"))
    page = context.new_page()
    sign_in(page, "reader")
    for path in ("/", "/?q=Kari", "/people/", f"/people/{person['id']}", "/systems/system-visma-inschool",
                 "/systems/system-visma-inschool/lineage", "/datasets/dataset-elevregister", "/people/?format=csv",
                 "/reports/systems-without-owner", "/harvest/", "/org-units/" + person["org_unit"]):
        text = context.request.get(path).text()
        leaked = {a for a in addresses if a in text}
        assert not leaked, (path, sorted(leaked)[:3])
    page.goto(f"/people/{person['id']}")
    assert "E-post" not in page.locator("table.facts").inner_text()
    # Grants are not the reader's to see.
    assert context.request.get("/datasets/dataset-elevregister/access").status == 403
