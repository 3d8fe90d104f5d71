"""Microsoft Entra ID through Microsoft Graph v1.0: users, groups with nested membership,
service principals (enterprise applications) and their app-role assignments, which become
access grants on the system each application is mapped to.

Sign-in is the OAuth2 client-credentials flow; the client secret comes from the environment.
Paging follows @odata.nextLink; 429 and 503 are retried after Retry-After (bounded)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest, HarvestFailed
from ontology.records import NodeRecord, RelRecord, slug

DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"  # an assignment without a specific app role
MEMBER_TYPES = {"#microsoft.graph.user": "user", "#microsoft.graph.group": "group",
                "#microsoft.graph.servicePrincipal": "servicePrincipal"}
USER_FIELDS = "id,displayName,userPrincipalName,mail,employeeId,department,jobTitle,accountEnabled"


class EntraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant_id: str = Field(min_length=1)
    client_id: str = Field(min_length=1)
    token_url: str | None = Field(None, description="Defaults to login.microsoftonline.com for the tenant.")
    graph_url: str = "https://graph.microsoft.com/v1.0"
    # Application appId or display name -> id of the catalog's system it gives access to.
    applications: dict[str, str] = Field(default_factory=dict)
    # App-role value -> access level; roles not named give read.
    role_levels: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(30, gt=0, le=300)
    max_retries: int = Field(5, ge=0, le=20)
    max_retry_after: float = Field(60, gt=0, le=600)


class Graph:
    """A small Graph client: bearer token, paging, and patience with throttling."""

    def __init__(self, http: httpx.Client, config: EntraConfig, token: str):
        self.http, self.config = http, config
        self.headers = {"Authorization": f"Bearer {token}", "ConsistencyLevel": "eventual"}

    def all(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        url, query = f"{self.config.graph_url}{path}", params
        while url:
            body = self._get(url, query)
            yield from body.get("value", [])
            url, query = body.get("@odata.nextLink"), None  # the link carries its own query

    def _get(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        for attempt in range(self.config.max_retries + 1):
            response = self.http.get(url, params=params, headers=self.headers)
            if response.status_code in (429, 503, 504) and attempt < self.config.max_retries:
                wait = float(response.headers.get("Retry-After", 2 ** attempt))
                time.sleep(min(wait, self.config.max_retry_after))
                continue
            if response.status_code >= 400:
                raise HarvestFailed(f"Graph answered {response.status_code} for {url}: {response.text[:300]}")
            return response.json()
        raise HarvestFailed(f"Graph kept throttling {url}")


class EntraConnector(Connector):
    name = "entra"
    Config = EntraConfig
    transient_errors = (ConnectionError, TimeoutError, httpx.TransportError)

    def fetch(self, config: EntraConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        if "client_secret" not in secrets:
            raise HarvestFailed("the entra connector needs secrets: {client_secret: ENV_VAR}")
        token_url = config.token_url or f"https://login.microsoftonline.com/{config.tenant_id}/oauth2/v2.0/token"
        with httpx.Client(timeout=config.timeout) as http:
            granted = http.post(token_url, data={
                "grant_type": "client_credentials", "client_id": config.client_id,
                "client_secret": secrets["client_secret"], "scope": "https://graph.microsoft.com/.default"})
            if granted.status_code != 200:
                raise HarvestFailed(f"the token endpoint refused the client credentials ({granted.status_code})")
            graph = Graph(http, config, granted.json()["access_token"])
            groups = list(graph.all("/groups", {"$select": "id,displayName,mail,securityEnabled,groupTypes",
                                                "$top": "999"}))
            principals = list(graph.all("/servicePrincipals", {"$select": "id,appId,displayName,appRoles,accountEnabled",
                                                               "$top": "999"}))
            return {
                "users": list(graph.all("/users", {"$select": USER_FIELDS, "$top": "999"})),
                "groups": groups,
                "members": {g["id"]: list(graph.all(f"/groups/{g['id']}/members", {"$select": "id", "$top": "999"}))
                            for g in groups},
                "service_principals": principals,
                "assignments": {p["id"]: list(graph.all(f"/servicePrincipals/{p['id']}/appRoleAssignedTo",
                                                        {"$top": "999"})) for p in principals},
            }

    def transform(self, raw: dict[str, Any], config: EntraConfig) -> Harvest:
        harvest, ids = Harvest(), {}
        for user in raw["users"]:
            upn = (user.get("userPrincipalName") or "").lower()
            ids[user["id"]] = f"person-{slug(upn or user['id'])}"
            harvest.nodes.append(NodeRecord("Person", ids[user["id"]], {
                "name": user.get("displayName") or upn, "upn": upn or None, "email": (user.get("mail") or "").lower() or None,
                "employee_id": user.get("employeeId"), "job_title": user.get("jobTitle"),
                "enabled": user.get("accountEnabled", True)}))
            if user.get("department"):
                unit = f"unit-{slug(user['department'])}"
                harvest.nodes.append(NodeRecord("OrgUnit", unit, {"name": user["department"]}))
                harvest.rels.append(RelRecord("WORKS_IN", ids[user["id"]], unit))
        for group in raw["groups"]:
            ids[group["id"]] = f"group-entra-{group['id']}"
            harvest.nodes.append(NodeRecord("Group", ids[group["id"]], {
                "name": group.get("displayName") or group["id"], "external_id": group["id"], "mail": group.get("mail"),
                "kind": "microsoft-365" if "Unified" in (group.get("groupTypes") or []) else "security"}))
        systems: dict[str, str] = {}
        for principal in raw["service_principals"]:
            ids[principal["id"]] = f"sa-entra-{principal['appId']}"
            harvest.nodes.append(NodeRecord("ServiceAccount", ids[principal["id"]], {
                "name": principal.get("displayName") or principal["appId"], "kind": "app-registration",
                "client_id": principal["appId"], "enabled": principal.get("accountEnabled", True)}))
            system = config.applications.get(principal["appId"]) or config.applications.get(principal.get("displayName", ""))
            if system:
                systems[principal["id"]] = system
                harvest.rels.append(RelRecord("ACTS_FOR", ids[principal["id"]], system))
        for group_id, members in raw["members"].items():
            for member in members:
                if MEMBER_TYPES.get(member.get("@odata.type")) and member["id"] in ids:
                    harvest.rels.append(RelRecord("MEMBER_OF", ids[member["id"]], ids[group_id]))
        for principal in raw["service_principals"]:
            assignments = raw["assignments"].get(principal["id"], [])
            roles = {r["id"]: r.get("value") or r.get("displayName") for r in principal.get("appRoles") or []}
            if principal["id"] not in systems:
                if assignments:
                    harvest.notes.append(f"unmapped application '{principal.get('displayName')}' ({principal['appId']}) "
                                         f"has {len(assignments)} assignment(s); map it to a system in sources.yaml")
                continue
            for assignment in assignments:
                holder = ids.get(assignment.get("principalId"))
                if holder is None:
                    continue
                role = roles.get(assignment.get("appRoleId"), "default access" if assignment.get("appRoleId") == DEFAULT_ACCESS else None)
                harvest.rels.append(RelRecord("HAS_ACCESS", holder, systems[principal["id"]], {
                    "level": config.role_levels.get(role or "", "read"), "granted_by": "Microsoft Entra ID",
                    "purpose": f"App role '{role or assignment.get('appRoleId')}' in {principal.get('displayName')}"}))
        return harvest
