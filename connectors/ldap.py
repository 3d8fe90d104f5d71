"""LDAP and Active Directory with ldap3: users, groups with nested `member`/`memberOf`, and
accounts disabled by userAccountControl (AD's ACCOUNTDISABLE bit). Paged search; LDAPS or
StartTLS; the bind password comes from the environment."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from ldap3 import ALL_ATTRIBUTES, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError
from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest, HarvestFailed
from ontology.records import NodeRecord, RelRecord, slug

ACCOUNTDISABLE = 0x2


class LdapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="ldap://host:389 or ldaps://host:636.")
    start_tls: bool = Field(False, description="Upgrade an ldap:// connection with StartTLS.")
    ca_file: str | None = Field(None, description="CA bundle to verify the server, relative to sources.yaml.")
    bind_dn: str
    base_dn: str
    user_filter: str = "(|(objectClass=inetOrgPerson)(objectClass=user))"
    group_filter: str = "(|(objectClass=groupOfNames)(objectClass=group))"
    page_size: int = Field(500, ge=1, le=5000)
    timeout: float = Field(15, gt=0, le=300)


class LdapConnector(Connector):
    name = "ldap"
    Config = LdapConfig
    transient_errors = (ConnectionError, TimeoutError, LDAPSocketOpenError)

    def fetch(self, config: LdapConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, list[dict[str, Any]]]:
        secure = config.url.startswith("ldaps://") or config.start_tls
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(base_dir / config.ca_file) if config.ca_file else None) \
            if secure else None
        server = Server(config.url, get_info=NONE, connect_timeout=config.timeout, tls=tls)
        try:
            connection = Connection(server, user=config.bind_dn, password=secrets.get("password"),
                                    receive_timeout=config.timeout, raise_exceptions=True)
            connection.open()
            if config.start_tls:
                connection.start_tls()
            connection.bind()
            return {kind: self._search(connection, config, search)
                    for kind, search in (("users", config.user_filter), ("groups", config.group_filter))}
        except LDAPSocketOpenError:
            raise
        except LDAPException as error:
            raise HarvestFailed(f"LDAP said: {error}") from error

    @staticmethod
    def _search(connection: Connection, config: LdapConfig, search_filter: str) -> list[dict[str, Any]]:
        entries = connection.extend.standard.paged_search(config.base_dn, search_filter, search_scope=SUBTREE,
                                                           attributes=ALL_ATTRIBUTES, paged_size=config.page_size,
                                                           generator=True)
        return [{"dn": e["dn"], **{k: v for k, v in e["attributes"].items()}} for e in entries if e.get("type") == "searchResEntry"]

    def transform(self, raw: dict[str, list[dict[str, Any]]], config: LdapConfig) -> Harvest:
        harvest, ids = Harvest(), {}
        for user in raw["users"]:
            upn = _one(user, "userPrincipalName")
            mail = _one(user, "mail")
            uid = _one(user, "sAMAccountName") or _one(user, "uid") or user["dn"]
            ids[user["dn"].lower()] = node_id = f"person-{slug((upn or mail or uid).lower())}"
            control = int(_one(user, "userAccountControl") or 0)
            harvest.nodes.append(NodeRecord("Person", node_id, {
                "name": _one(user, "displayName") or _one(user, "cn") or uid,
                "upn": upn.lower() if upn else None, "email": mail.lower() if mail else None,
                "employee_id": _one(user, "employeeNumber") or _one(user, "employeeID"),
                "job_title": _one(user, "title"), "enabled": not control & ACCOUNTDISABLE}))
        for group in raw["groups"]:
            ids[group["dn"].lower()] = f"group-ldap-{slug(group['dn'])}"[:200]
            harvest.nodes.append(NodeRecord("Group", ids[group["dn"].lower()], {
                "name": _one(group, "cn") or group["dn"], "external_id": group["dn"], "kind": "ldap",
                "description": _one(group, "description")}))
        edges = set()
        for group in raw["groups"]:
            for member in _all(group, "member"):
                if member.lower() in ids:
                    edges.add((ids[member.lower()], ids[group["dn"].lower()]))
        for entry in raw["users"] + raw["groups"]:
            for parent in _all(entry, "memberOf"):
                if parent.lower() in ids:
                    edges.add((ids[entry["dn"].lower()], ids[parent.lower()]))
        harvest.rels = [RelRecord("MEMBER_OF", member, group) for member, group in sorted(edges)]
        return harvest


def _all(entry: dict[str, Any], name: str) -> list[str]:
    value = next((v for k, v in entry.items() if k.lower() == name.lower()), None)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _one(entry: dict[str, Any], name: str) -> str | None:
    values = _all(entry, name)
    return values[0] if values else None
