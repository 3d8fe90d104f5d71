"""Microsoft Entra ID through Microsoft Graph v1.0: users (guests marked), groups of every kind
with their direct members, service principals (enterprise applications) and their app-role
assignments, which become access grants on the system each application is mapped to.

Access as Entra ID defines it: an app role assigned to a group reaches that group's direct
members only (assignments do not cascade to nested groups), so the grants say `expansion:
direct`; an application with appRoleAssignmentRequired false is open to every enabled user of the
tenant, a grant to the tenant's all-users group; several app roles of one principal on one
application are one grant at the highest level, the roles named.

Sign-in is the OAuth2 client-credentials flow; the client secret comes from the environment.
Paging follows @odata.nextLink; 429 and 503 are retried after Retry-After (bounded), and the run's
notes say how often and how long."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connectors.contract import Connector, Harvest, HarvestFailed
from connectors.oauth import access_token
from ontology.catalog import access_rank
from ontology.records import NodeRecord, RelRecord, id_for

DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"  # an assignment without a specific app role
# Group members that are principals of the catalog; devices and organisational contacts are not.
MEMBER_TYPES = ("#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.servicePrincipal")
SKIPPED_MEMBERS = {"#microsoft.graph.device": "device", "#microsoft.graph.orgContact": "contact"}
USER_FIELDS = "id,displayName,userPrincipalName,mail,employeeId,department,jobTitle,accountEnabled,userType"
GROUP_FIELDS = "id,displayName,mail,mailEnabled,securityEnabled,groupTypes"
PRINCIPAL_FIELDS = "id,appId,displayName,appRoles,accountEnabled,appRoleAssignmentRequired"
THROTTLED = (429, 503, 504)


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
        # Throttled answers and the seconds waited for them, for the run's notes.
        self.throttled, self.waited = 0, 0.0

    def all(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        url, query = f"{self.config.graph_url}{path}", params
        while url:
            body = self._get(url, query)
            yield from body.get("value", [])
            url, query = body.get("@odata.nextLink"), None  # the link carries its own query

    def _get(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        try:
            for attempt in Retrying(retry=retry_if_exception_type(Throttled), wait=self._retry_after,
                                    stop=stop_after_attempt(self.config.max_retries + 1), reraise=True):
                with attempt:
                    response = self.http.get(url, params=params, headers=self.headers)
                    if response.status_code in THROTTLED:
                        self.throttled += 1
                        raise Throttled(response.headers.get("Retry-After"))
        except Throttled:
            raise HarvestFailed(f"Graph kept throttling {url}") from None
        if response.status_code >= 400:
            raise HarvestFailed(f"Graph answered {response.status_code} for {url}: {response.text[:300]}")
        return response.json()

    def _retry_after(self, state: RetryCallState) -> float:
        """As long as Graph asks (Retry-After), else 1, 2, 4 … seconds; never past the configured bound."""
        asked = state.outcome.exception().retry_after if state.outcome else None
        wait = min(float(asked or 2 ** (state.attempt_number - 1)), self.config.max_retry_after)
        self.waited += wait
        return wait


class Throttled(Exception):
    def __init__(self, retry_after: str | None):
        super().__init__(retry_after)
        self.retry_after = retry_after


class EntraConnector(Connector):
    name = "entra"
    Config = EntraConfig
    transient_errors = (ConnectionError, TimeoutError, httpx.TransportError)

    def fetch(self, config: EntraConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
        if "client_secret" not in secrets:
            raise HarvestFailed("the entra connector needs secrets: {client_secret: ENV_VAR}")
        token_url = config.token_url or f"https://login.microsoftonline.com/{config.tenant_id}/oauth2/v2.0/token"
        token = access_token(token_url, config.client_id, secrets["client_secret"],
                             "https://graph.microsoft.com/.default", config.timeout, grant_type="client_credentials")
        with httpx.Client(timeout=config.timeout) as http:
            graph = Graph(http, config, token)
            groups = list(graph.all("/groups", {"$select": GROUP_FIELDS, "$top": "999"}))
            principals = list(graph.all("/servicePrincipals", {"$select": PRINCIPAL_FIELDS, "$top": "999"}))
            raw = {
                "users": list(graph.all("/users", {"$select": USER_FIELDS, "$top": "999"})),
                "groups": groups,
                "members": {g["id"]: list(graph.all(f"/groups/{g['id']}/members", {"$select": "id", "$top": "999"}))
                            for g in groups},
                "service_principals": principals,
                "assignments": {p["id"]: list(graph.all(f"/servicePrincipals/{p['id']}/appRoleAssignedTo",
                                                        {"$top": "999"})) for p in principals},
            }
            return {**raw, "throttling": {"responses": graph.throttled, "waited": graph.waited}}

    def transform(self, raw: dict[str, Any], config: EntraConfig) -> Harvest:
        harvest, ids = Harvest(), {}
        tenant = config.tenant_id
        units: dict[str, NodeRecord] = {}
        for user in raw["users"]:
            upn = (user.get("userPrincipalName") or "").lower()
            ids[user["id"]] = id_for("Person", ("entra", tenant, user["id"]))
            harvest.nodes.append(NodeRecord("Person", ids[user["id"]], {
                "name": user.get("displayName") or upn or user["id"], "upn": upn or None,
                "email": (user.get("mail") or "").lower() or None, "employee_id": user.get("employeeId"),
                "job_title": user.get("jobTitle"), "enabled": user.get("accountEnabled", True),
                "guest": user.get("userType") == "Guest", "entra_id": user["id"]}))
            if user.get("department"):
                unit = id_for("OrgUnit", user["department"])
                units.setdefault(unit, NodeRecord("OrgUnit", unit, {"name": user["department"]}))
                harvest.rels.append(RelRecord("WORKS_IN", ids[user["id"]], unit))
        harvest.nodes += units.values()
        for group in raw["groups"]:
            ids[group["id"]] = id_for("Group", ("entra", tenant, group["id"]), readable="entra")
            harvest.nodes.append(NodeRecord("Group", ids[group["id"]], {
                "name": group.get("displayName") or group["id"], "external_id": group["id"], "mail": group.get("mail"),
                "kind": group_kind(group), "entra_id": group["id"]}))
        systems: dict[str, str] = {}
        for principal in raw["service_principals"]:
            ids[principal["id"]] = id_for("ServiceAccount", ("entra", tenant, principal["appId"]), readable="entra")
            harvest.nodes.append(NodeRecord("ServiceAccount", ids[principal["id"]], {
                "name": principal.get("displayName") or principal["appId"], "kind": "app-registration",
                "client_id": principal["appId"], "enabled": principal.get("accountEnabled", True)}))
            system = config.applications.get(principal["appId"]) or config.applications.get(principal.get("displayName", ""))
            if system:
                systems[principal["id"]] = system
                harvest.rels.append(RelRecord("ACTS_FOR", ids[principal["id"]], system))
        self._members(raw, ids, harvest)
        for principal in raw["service_principals"]:
            assignments = raw["assignments"].get(principal["id"], [])
            if principal["id"] not in systems:
                if assignments:
                    harvest.notes.append(f"unmapped application '{principal.get('displayName')}' ({principal['appId']}) "
                                         f"has {len(assignments)} assignment(s); map it to a system in sources.yaml")
                continue
            harvest.rels += self._grants(principal, assignments, ids, systems[principal["id"]], config)
            # Graph's default: without the flag, every user of the tenant may sign in.
            if not principal.get("appRoleAssignmentRequired", False):
                everyone = self._all_users(raw, ids, harvest, tenant)
                harvest.rels.append(RelRecord("HAS_ACCESS", everyone, systems[principal["id"]], {
                    "level": "read", "expansion": "direct", "granted_by": "Microsoft Entra ID",
                    "purpose": f"{principal.get('displayName')} requires no assignment (appRoleAssignmentRequired is "
                               "false): every enabled user of the tenant can sign in"}))
                harvest.notes.append(f"application '{principal.get('displayName')}' requires no assignment: "
                                     "open to every enabled user of the tenant")
        throttling = raw.get("throttling") or {}
        if throttling.get("responses"):
            harvest.notes.append(f"Graph throttled {throttling['responses']} request(s) (429/503); the harvest waited "
                                 f"{throttling['waited']:.0f} s in all")
        # One order run to run, so that identical runs write identical facts.
        harvest.rels.sort(key=lambda r: (r.type, r.source_id, r.target_id))
        return harvest

    @staticmethod
    def _members(raw: dict[str, Any], ids: dict[str, str], harvest: Harvest) -> None:
        """Direct memberships; devices and contacts are skipped and counted, as are members Graph
        named but did not list (outside what the client may read)."""
        skipped: Counter[str] = Counter()
        for group_id, members in raw["members"].items():
            for member in members:
                kind = member.get("@odata.type")
                if kind in SKIPPED_MEMBERS:
                    skipped[SKIPPED_MEMBERS[kind]] += 1
                elif kind in MEMBER_TYPES and member["id"] in ids:
                    harvest.rels.append(RelRecord("MEMBER_OF", ids[member["id"]], ids[group_id]))
                else:
                    skipped["unknown member"] += 1
        if skipped:
            harvest.notes.append("group members skipped (not people, groups or applications the catalog has): "
                                 + ", ".join(f"{n} {kind}(s)" for kind, n in sorted(skipped.items())))

    @staticmethod
    def _grants(principal: dict[str, Any], assignments: list[dict[str, Any]], ids: dict[str, str], system: str,
                config: EntraConfig) -> list[RelRecord]:
        """One grant per holder: several app roles give the highest level of them, all named."""
        roles = {r["id"]: r.get("value") or r.get("displayName") for r in principal.get("appRoles") or []}
        held: dict[str, set[str]] = defaultdict(set)
        for assignment in assignments:
            holder = ids.get(assignment.get("principalId"))
            if holder is not None:
                role_id = assignment.get("appRoleId")
                held[holder].add(roles.get(role_id) or ("default access" if role_id == DEFAULT_ACCESS else str(role_id)))
        grants = []
        for holder, names in held.items():
            ordered = sorted(names)
            level = max((config.role_levels.get(name, "read") for name in ordered), key=access_rank)
            listed = ", ".join(f"'{name}'" for name in ordered)
            purpose = f"App role {listed} in {principal.get('displayName')}" if len(ordered) == 1 else \
                f"App roles {listed} in {principal.get('displayName')}; the highest level, {level}, is kept"
            grants.append(RelRecord("HAS_ACCESS", holder, system, {
                "level": level, "expansion": "direct", "granted_by": "Microsoft Entra ID", "purpose": purpose}))
        return grants

    @staticmethod
    def _all_users(raw: dict[str, Any], ids: dict[str, str], harvest: Harvest, tenant: str) -> str:
        """The tenant's one all-users group, whose members are every enabled user; made once."""
        group = id_for("Group", ("entra", tenant, "all-users"), readable="entra all users")
        if not any(record.id == group for record in harvest.nodes):
            harvest.nodes.append(NodeRecord("Group", group, {
                "name": "Alle brukere i Entra ID", "kind": "all-users", "external_id": f"{tenant}/all-users",
                "description": f"Every enabled user of the Entra ID tenant {tenant}, as Entra ID lets them sign in "
                               "to applications that require no assignment."}))
            harvest.rels += [RelRecord("MEMBER_OF", ids[user["id"]], group) for user in raw["users"]
                             if user.get("accountEnabled", True)]
        return group


def group_kind(group: dict[str, Any]) -> str:
    """The kind Graph states: dynamic membership, Microsoft 365 (Unified), distribution (mail-enabled,
    not security-enabled), else security."""
    types = group.get("groupTypes") or []
    if "DynamicMembership" in types:
        return "dynamic"
    if "Unified" in types:
        return "microsoft-365"
    if group.get("mailEnabled") and not group.get("securityEnabled"):
        return "distribution"
    return "security"
