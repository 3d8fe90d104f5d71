"""LDAP and Active Directory with ldap3: users, groups with nested `member`/`memberOf`, and
accounts disabled by userAccountControl (AD's ACCOUNTDISABLE bit). Paged search; LDAPS or
StartTLS; the bind password comes from the environment.

People and groups are known by the directory's stable id (OpenLDAP entryUUID, AD objectGUID),
so a renamed or moved entry keeps its node. Only the attributes used are fetched. Large groups
in AD answer `member;range=0-1499`; the rest is fetched range by range. Members the connector
cannot match (outside the base DN, filtered out, contacts, foreign security principals, deleted
entries) are counted and listed in the run's notes. A grant to an LDAP group reaches the members
of its nested groups too, as AD and LDAP permissions do (the ontology's transitive expansion)."""

from __future__ import annotations

import re
import ssl
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPNoSuchObjectResult, LDAPSocketOpenError
from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest, HarvestFailed
from ontology.records import NodeRecord, RelRecord, id_for

ACCOUNTDISABLE = 0x2
STABLE_IDS = ["entryUUID", "objectGUID"]
USER_ATTRIBUTES = ["cn", "displayName", "uid", "sAMAccountName", "userPrincipalName", "mail", "employeeNumber",
                   "employeeID", "title", "userAccountControl", "memberOf", *STABLE_IDS]
GROUP_ATTRIBUTES = ["cn", "description", "member", "memberOf", *STABLE_IDS]
_RANGE = re.compile(r"^member;range=(\d+)-(\d+|\*)$", re.IGNORECASE)
# How many unmatched members the notes list by DN; all are counted.
LISTED_UNMATCHED = 50


class LdapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="ldap://host:389 or ldaps://host:636.")
    start_tls: bool = Field(False, description="Upgrade an ldap:// connection with StartTLS.")
    ca_file: str | None = Field(None, description="CA bundle to verify the server, relative to sources.yaml.")
    bind_dn: str
    base_dn: str
    # OpenLDAP people, or AD users that are people: AD's computer accounts are objectClass=user too.
    user_filter: str = "(|(objectClass=inetOrgPerson)(&(objectClass=user)(objectCategory=person)))"
    group_filter: str = "(|(objectClass=groupOfNames)(objectClass=group))"
    page_size: int = Field(500, ge=1, le=5000)
    timeout: float = Field(15, gt=0, le=300)


class LdapConnector(Connector):
    name = "ldap"
    Config = LdapConfig
    transient_errors = (ConnectionError, TimeoutError, LDAPSocketOpenError)

    def fetch(self, config: LdapConfig, secrets: dict[str, str], base_dir: Path) -> dict[str, Any]:
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
            raw = {"users": self._search(connection, config, config.user_filter, USER_ATTRIBUTES),
                   "groups": self._search(connection, config, config.group_filter, GROUP_ATTRIBUTES)}
            raw["unmatched"] = self._unmatched(connection, config, raw)
            return raw
        except LDAPSocketOpenError:
            raise
        except LDAPException as error:
            raise HarvestFailed(f"LDAP said: {error}") from error

    @staticmethod
    def _search(connection: Connection, config: LdapConfig, search_filter: str,
                attributes: list[str]) -> list[dict[str, Any]]:
        entries = connection.extend.standard.paged_search(config.base_dn, search_filter, search_scope=SUBTREE,
                                                           attributes=attributes, paged_size=config.page_size,
                                                           generator=True)
        found = [{"dn": e["dn"], **e["raw_attributes"]} for e in entries if e.get("type") == "searchResEntry"]
        for entry in found:
            _complete_ranges(connection, entry)
        return found

    @staticmethod
    def _unmatched(connection: Connection, config: LdapConfig, raw: dict[str, Any]) -> dict[str, list[str]]:
        """Each member the searches did not return, by what it is: the object classes of one inside
        the base DN (a contact, an entry the filters left out), or why it cannot be read."""
        known = {entry["dn"].lower() for entry in raw["users"] + raw["groups"]}
        wanted = sorted({m for group in raw["groups"] for m in _all(group, "member") if m.lower() not in known})
        classes: dict[str, list[str]] = {}
        for dn in wanted:
            if not _inside(dn, config.base_dn) or _reason(dn, []):
                classes[dn] = []
                continue
            try:
                connection.search(dn, "(objectClass=*)", search_scope=BASE, attributes=["objectClass", "isDeleted"])
                entry = connection.response[0]["raw_attributes"] if connection.response else {}
                classes[dn] = [*_all(entry, "objectClass"), *(["deleted"] if _one(entry, "isDeleted") == "TRUE" else [])]
            except LDAPNoSuchObjectResult:
                classes[dn] = ["deleted"]
        return classes

    def transform(self, raw: dict[str, Any], config: LdapConfig) -> Harvest:
        harvest, ids = Harvest(), {}
        for user in raw["users"]:
            upn = _one(user, "userPrincipalName")
            mail = _one(user, "mail")
            uid = _one(user, "sAMAccountName") or _one(user, "uid") or user["dn"]
            stable = _stable_id(user)
            ids[user["dn"].lower()] = node_id = id_for("Person", ("ldap", stable or user["dn"].lower()))
            control = int(_one(user, "userAccountControl") or 0)
            harvest.nodes.append(NodeRecord("Person", node_id, {
                "name": _one(user, "displayName") or _one(user, "cn") or uid,
                "upn": upn.lower() if upn else None, "email": mail.lower() if mail else None,
                "employee_id": _one(user, "employeeNumber") or _one(user, "employeeID"),
                "job_title": _one(user, "title"), "enabled": not control & ACCOUNTDISABLE, "ldap_uuid": stable}))
        for group in raw["groups"]:
            stable = _stable_id(group)
            ids[group["dn"].lower()] = id_for("Group", ("ldap", stable or group["dn"].lower()), readable="ldap")
            harvest.nodes.append(NodeRecord("Group", ids[group["dn"].lower()], {
                "name": _one(group, "cn") or group["dn"], "external_id": group["dn"], "kind": "ldap",
                "description": _one(group, "description"), "ldap_uuid": stable}))
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
        _note_unmatched(raw.get("unmatched", {}), config, harvest)
        return harvest


def _complete_ranges(connection: Connection, entry: dict[str, Any]) -> None:
    """AD gives a large group's members a range at a time (`member;range=0-1499`); ask for the
    next range until the server says it was the last (`…-*`), and keep them all as `member`."""
    members = list(entry.get("member", []))
    ranged = next(((key, _RANGE.match(key)) for key in entry if _RANGE.match(key)), None)
    while ranged:
        key, match = ranged
        members += entry.pop(key)
        if match[2] == "*":
            break
        connection.search(entry["dn"], "(objectClass=*)", search_scope=BASE,
                          attributes=[f"member;range={int(match[2]) + 1}-*"])
        more = connection.response[0]["raw_attributes"] if connection.response else {}
        entry.update(more)
        ranged = next(((k, _RANGE.match(k)) for k in more if _RANGE.match(k)), None)
    if members:
        entry["member"] = members


def _note_unmatched(unmatched: dict[str, list[str]], config: LdapConfig, harvest: Harvest) -> None:
    if not unmatched:
        return
    reasons = {dn: _reason(dn, classes) if _inside(dn, config.base_dn) else "outside the base DN"
               for dn, classes in unmatched.items()}
    counts = Counter(reasons.values())
    harvest.notes.append(f"{len(unmatched)} group member(s) not matched to a user or group: "
                         + ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items())))
    harvest.notes += [f"unmatched member {dn}: {reason}" for dn, reason in sorted(reasons.items())[:LISTED_UNMATCHED]]


def _reason(dn: str, classes: list[str]) -> str | None:
    lowered = [c.lower() for c in classes]
    if "cn=foreignsecurityprincipals" in dn.lower() or "foreignsecurityprincipal" in lowered:
        return "foreign security principal"
    if "\\0adel:" in dn.lower() or "cn=deleted objects" in dn.lower() or "deleted" in lowered:
        return "deleted"
    if "contact" in lowered:
        return "contact"
    return "filtered out" if classes else None


def _inside(dn: str, base_dn: str) -> bool:
    normal = lambda text: ",".join(part.strip() for part in text.lower().split(","))  # noqa: E731
    return normal(dn).endswith(normal(base_dn))


def _stable_id(entry: dict[str, Any]) -> str | None:
    """entryUUID as it is; AD's objectGUID (16 bytes, little-endian first fields) as a UUID."""
    value = next((v for k, v in entry.items() if k.lower() == "entryuuid" and v), None)
    if value:
        return _text(value[0]).lower()
    guid = next((v for k, v in entry.items() if k.lower() == "objectguid" and v), None)
    if guid:
        raw = guid[0]
        return str(uuid.UUID(bytes_le=raw)) if isinstance(raw, bytes) and len(raw) == 16 else _text(raw).strip("{}").lower()
    return None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _all(entry: dict[str, Any], name: str) -> list[str]:
    value = next((v for k, v in entry.items() if k.lower() == name.lower()), None)
    if value is None:
        return []
    return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]


def _one(entry: dict[str, Any], name: str) -> str | None:
    values = _all(entry, name)
    return values[0] if values else None
