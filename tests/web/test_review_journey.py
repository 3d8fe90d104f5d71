"""A systemeier works through an access review in the browser: keeps one grant, revokes
another; the auditor exports the campaign. The API is the oracle."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl

from tests.web.conftest import screenshot, sign_in


def _system_to_review(api, owner_names: set[str]) -> tuple[dict, dict]:
    """A system with a systemeier who can sign in here, reached by two to eight principals."""
    for system in api.get("/systems", params={"limit": 200}).json()["items"]:
        owners = api.get(f"/systems/{system['id']}").json().get("owners", [])
        systemeier = next((o for o in owners if o["role"] == "systemeier" and o["type"] == "Person"), None)
        if systemeier is None or systemeier["name"] not in owner_names:
            continue
        who = api.get("/access/who", params={"resource": system["id"]}).json()
        if 2 <= who["total"] <= 8:
            return system, systemeier
    raise AssertionError("the demo county has a reviewable system whose systemeier can sign in")


def test_systemeier_keeps_one_grant_revokes_another_and_the_auditor_exports(context, api):
    page = context.new_page()
    page.goto("/signin")
    owner_names = set(page.locator("form[action='/signin/dev'] button").all_inner_texts())
    system, systemeier = _system_to_review(api, {n.strip() for n in owner_names})

    sign_in(page, "auditor")
    page.goto("/access-reviews/")
    page.get_by_label("Omfang").select_option("resource")
    page.get_by_label("Ressurs eller enhet (id)").fill(system["id"])
    page.get_by_label("Frist").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Start gjennomgangen").click()
    page.wait_for_url("**/access-reviews/review-*")
    review_id = page.url.rsplit("/", 1)[-1]
    items = api.get(f"/access-reviews/{review_id}/items").json()
    expected = {p["id"] for p in api.get("/access/who", params={"resource": system["id"]}).json()["principals"]}
    assert {i["principal_id"] for i in items} == expected
    screenshot(page, "access-review")

    reviewer = context.browser.new_context(base_url=context.pages[0].url.split("/access-reviews")[0], locale="nb-NO")
    mine = reviewer.new_page()
    sign_in(mine, "owner", systemeier["name"])
    mine.goto("/tasks")
    mine.get_by_role("link", name=review_id).click()
    kept, revoked = sorted(items, key=lambda i: i["principal_id"])[:2]
    mine.locator(f"#item-{kept['id']} button[value='keep']").click()
    mine.wait_for_url(f"**/access-reviews/{review_id}**")
    mine.locator(f"#item-{revoked['id']} input[name='note']").fill("Sluttet i stillingen")
    mine.locator(f"#item-{revoked['id']} button[value='revoke']").click()
    mine.wait_for_url(f"**/access-reviews/{review_id}**")
    screenshot(mine, "access-review-decided")
    reviewer.close()

    decided = {i["id"]: i for i in api.get(f"/access-reviews/{review_id}/items").json()}
    assert (decided[kept["id"]]["decision"], decided[revoked["id"]]["decision"]) == ("keep", "revoke")
    assert decided[revoked["id"]]["note"] == "Sluttet i stillingen"

    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned som Excel (XLSX)").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook["Punkter"]
    header = [c.value for c in sheet[1]]
    rows = {row[header.index("principal_id")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == expected
    assert rows[kept["principal_id"]][header.index("decision")] == "keep"
    assert rows[revoked["principal_id"]][header.index("decision")] == "revoke"
    assert rows[revoked["principal_id"]][header.index("reviewer_name")] == systemeier["name"]
