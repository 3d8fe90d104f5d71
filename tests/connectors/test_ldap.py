"""The LDAP connector against a real OpenLDAP slapd (Debian's package) that the test starts,
seeds and talks to over StartTLS with a certificate it makes; .ci/run installs slapd."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ldap3 import Connection, Server

from catalog.harvest.service import run_source
from catalog.harvest.sources import SourceSettings
from tests.conftest import missing_server

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
BASE = "dc=fylke,dc=no"
ADMIN = f"cn=admin,{BASE}"
# A second directory, shaped like Active Directory: users, computers, contacts and groups of AD's
# own classes, for the cases of the identity rules.
AD_BASE = "dc=ad,dc=no"
# Active Directory's own attribute and class OIDs, so the entries look like AD's. objectCategory is
# a DN in AD, which accepts the class's short name in a filter; here it holds the short name.
AD_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.102 NAME 'memberOf' EQUALITY distinguishedNameMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'adAccount' AUXILIARY MAY ( userAccountControl $ userPrincipalName ) )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP top STRUCTURAL MUST cn
  MAY ( sAMAccountName $ userPrincipalName $ userAccountControl $ displayName $ mail $ memberOf $ objectCategory ) )
objectclass ( 1.2.840.113556.1.3.30 NAME 'computer' SUP user STRUCTURAL )
objectclass ( 1.2.840.113556.1.5.15 NAME 'contact' SUP top STRUCTURAL MUST cn MAY ( mail $ displayName $ objectCategory ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP top STRUCTURAL MUST cn
  MAY ( member $ memberOf $ description $ sAMAccountName $ objectCategory ) )
"""


def _certificate(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def slapd():
    if not Path(SLAPD).exists():
        missing_server("slapd is not installed (apt-get install slapd; .ci/run does it)")
    folder = Path(tempfile.mkdtemp(prefix="catalog-slapd-"))
    (folder / "db").mkdir()
    (folder / "ad").mkdir()
    (folder / "ad.schema").write_text(AD_SCHEMA)
    _certificate(folder)
    (folder / "slapd.conf").write_text(f"""
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {folder}/ad.schema
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {folder}/cert.pem
TLSCertificateKeyFile {folder}/key.pem
database mdb
maxsize 10485760
suffix "{BASE}"
rootdn "{ADMIN}"
rootpw hemmelig
directory {folder}/db

database mdb
maxsize 10485760
suffix "{AD_BASE}"
rootdn "cn=admin,{AD_BASE}"
rootpw hemmelig
directory {folder}/ad
""")
    port = _free_port()
    started = subprocess.run([SLAPD, "-f", str(folder / "slapd.conf"), "-h", f"ldap://127.0.0.1:{port}/"],
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    for _ in range(100):  # slapd forks; wait until it listens
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    connection = Connection(Server(f"ldap://127.0.0.1:{port}"), ADMIN, "hemmelig", auto_bind=True)
    _seed(connection)
    connection.unbind()
    ad = Connection(Server(f"ldap://127.0.0.1:{port}"), f"cn=admin,{AD_BASE}", "hemmelig", auto_bind=True)
    _seed_ad(ad)
    ad.unbind()
    yield port, folder
    os.kill(int((folder / "slapd.pid").read_text()), signal.SIGTERM)
    time.sleep(0.5)
    shutil.rmtree(folder, ignore_errors=True)


def _seed(ldap: Connection) -> None:
    ldap.add(BASE, ["dcObject", "organization"], {"o": "Eksempel fylkeskommune", "dc": "fylke"})
    for ou in ("people", "groups"):
        ldap.add(f"ou={ou},{BASE}", ["organizationalUnit"], {"ou": ou})
    people = [("kari", "Kari Berg", "E100", 512), ("ola", "Ola Slutta", "E200", 514), ("per", "Per Lie", "E300", 512),
              ("siri", "Siri Moe", "E400", 512), ("nils", "Nils Dahl", "E500", 512)]
    for uid, name, number, control in people:
        ldap.add(f"uid={uid},ou=people,{BASE}", ["inetOrgPerson", "adAccount"], {
            "cn": name, "sn": name.split()[-1], "displayName": name, "mail": f"{uid}@FYLKE.no",
            "employeeNumber": number, "userPrincipalName": f"{uid}@fylke.no", "userAccountControl": control})
    member = lambda *uids: [f"uid={u},ou=people,{BASE}" for u in uids]  # noqa: E731
    ldap.add(f"cn=laerere-fjordvik,ou=groups,{BASE}", ["groupOfNames"], {"member": member("kari", "ola")})
    ldap.add(f"cn=laerere,ou=groups,{BASE}", ["groupOfNames"], {"member": [f"cn=laerere-fjordvik,ou=groups,{BASE}"]})
    ldap.add(f"cn=alle,ou=groups,{BASE}", ["groupOfNames"], {
        "member": [f"cn=laerere,ou=groups,{BASE}", *member("per", "siri", "nils")]})
    assert ldap.result["description"] == "success", ldap.result


def test_ldap_users_groups_nesting_and_disabled_accounts_over_starttls(clean_store, session_client, slapd, monkeypatch):
    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    known = session_client.post("/api/v1/people", json={"name": "Kari B.", "employee_id": "e100"}).json()
    system = session_client.post("/api/v1/systems", json={"name": "Fagsystem"}).json()
    source = SourceSettings(id="ad", connector="ldap", secrets={"password": "LDAP_PASSWORD"}, settings={
        "url": f"ldap://127.0.0.1:{port}", "start_tls": True, "ca_file": "cert.pem", "bind_dn": ADMIN,
        "base_dn": BASE, "page_size": 2})
    run = run_source(clean_store, source, folder)
    assert run.status == "succeeded", run.errors
    assert clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 5  # Kari resolved, not doubled
    assert session_client.get(f"/api/v1/people/{known['id']}").json()["upn"] == "kari@fylke.no"
    people = people_by_upn(session_client)
    assert people["ola@fylke.no"]["enabled"] is False
    groups = {g["name"]: g for g in session_client.get("/api/v1/groups").json()["items"]}
    assert set(groups) == {"laerere-fjordvik", "laerere", "alle"}
    session_client.post("/api/v1/access-grants", json={"principal_id": groups["alle"]["id"],
                                                       "resource_id": system["id"], "level": "read"})
    who = session_client.get("/api/v1/access/who", params={"resource": system["id"]}).json()
    reach = {p["id"]: p for p in who["principals"]}
    assert set(reach) == {known["id"], *(people[f"{uid}@fylke.no"]["id"] for uid in ("per", "siri", "nils"))}
    assert [s.get("name") for s in reach[known["id"]]["paths"][0][::2]] == [
        "Kari B.", "laerere-fjordvik", "laerere", "alle", "Fagsystem"]
    again = run_source(clean_store, source, folder)
    assert again.created == 0 and again.updated == 0


def people_by_upn(client) -> dict[str, dict]:
    return {p["upn"]: p for p in client.get("/api/v1/people", params={"limit": 100}).json()["items"]}


def test_wrong_password_fails_the_run(clean_store, slapd, monkeypatch):
    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "feil")
    source = SourceSettings(id="ad", connector="ldap", secrets={"password": "LDAP_PASSWORD"}, settings={
        "url": f"ldap://127.0.0.1:{port}", "bind_dn": ADMIN, "base_dn": BASE})
    run = run_source(clean_store, source, folder)
    assert run.status == "failed" and "LDAP" in run.errors[0]


# --- Active Directory's shapes: the identity rules ------------------------------------------------

AD_ADMIN = f"cn=admin,{AD_BASE}"
PEOPLE = f"ou=people,{AD_BASE}"
GROUPS = f"ou=groups,{AD_BASE}"
LONG_NAME = "Fagsystemforvaltere for videregående opplæring og tannhelse i hele fylkeskommunen – lesetilgang"
# Members of 'blandet' that are no user or group the harvest has, and why (the test's own table).
UNMATCHED = {
    f"cn=PC-001,{PEOPLE}": "filtered out",
    f"cn=Ekstern Kontakt,ou=contacts,{AD_BASE}": "contact",
    f"cn=S-1-5-21-1000,cn=ForeignSecurityPrincipals,{AD_BASE}": "foreign security principal",
    "cn=ekstern,dc=other,dc=no": "outside the base DN",
    f"cn=Sluttet,{PEOPLE}": "deleted",
}


def _seed_ad(ldap: Connection) -> None:
    ldap.add(AD_BASE, ["dcObject", "organization"], {"o": "AD", "dc": "ad"})
    for ou in (PEOPLE, GROUPS, f"ou=a,{GROUPS}", f"ou=b,{GROUPS}", f"ou=contacts,{AD_BASE}"):
        ldap.add(ou, ["organizationalUnit"], {"ou": ou.split(",")[0].split("=")[1]})
    users = [("Ola Nordmann", "ola.nordmann"), ("Ola Nordmann (2)", "ola-nordmann"), ("Kari Lærer", "kari"),
             ("Rune Flytt", "rune")]
    for cn, account in users:
        ldap.add(f"cn={cn},{PEOPLE}", ["user"], {
            "sAMAccountName": account, "userPrincipalName": f"{account}@ad.no", "mail": f"{account}@ad.no",
            "displayName": cn.replace(" (2)", ""), "objectCategory": "person", "userAccountControl": 512,
            **({"memberOf": f"cn=laerere,{GROUPS}"} if account == "kari" else {})})
    ldap.add(f"cn=PC-001,{PEOPLE}", ["computer"], {"sAMAccountName": "PC-001$", "objectCategory": "computer",
                                                    "userAccountControl": 4096})
    ldap.add(f"cn=Ekstern Kontakt,ou=contacts,{AD_BASE}", ["contact"], {"mail": "ekstern@firma.no",
                                                                         "objectCategory": "person"})
    ola, ola2, kari, rune = (f"cn={cn},{PEOPLE}" for cn, _ in users)
    groups = {f"cn=it.drift,{GROUPS}": [ola], f"cn=it-drift,{GROUPS}": [ola2], f"cn=IT drift,{GROUPS}": [kari],
              f"cn=lærere,{GROUPS}": [ola], f"cn=laerere,{GROUPS}": [ola2],
              f"cn={LONG_NAME},ou=a,{GROUPS}": [ola], f"cn={LONG_NAME},ou=b,{GROUPS}": [ola2],
              f"cn=store,{GROUPS}": [ola, ola2, kari, rune], f"cn=blandet,{GROUPS}": [ola, *UNMATCHED],
              f"cn=flyttes,{GROUPS}": [rune]}
    for dn, members in groups.items():
        ldap.add(dn, ["group"], {"member": members, "objectCategory": "group"})
        assert ldap.result["description"] == "success", (dn, ldap.result)
    # 'flyttes' is nested in 'IT drift' by its own memberOf alone, as Kari is in 'laerere'.
    assert ldap.modify(f"cn=flyttes,{GROUPS}", {"memberOf": [("MODIFY_ADD", [f"cn=IT drift,{GROUPS}"])]}), ldap.result


def ad_source(port: int) -> SourceSettings:
    return SourceSettings(id="ad", connector="ldap", secrets={"password": "LDAP_PASSWORD"}, settings={
        "url": f"ldap://127.0.0.1:{port}", "bind_dn": AD_ADMIN, "base_dn": AD_BASE, "page_size": 3})


def who_names(client, resource: str) -> set[str]:
    """The UPNs of everyone who can reach the resource."""
    answer = client.get("/api/v1/access/who", params={"resource": resource}).json()
    return {client.get(f"/api/v1/people/{p['id']}").json()["upn"] for p in answer["principals"]}


def grant(client, group_id: str, name: str) -> str:
    system = client.post("/api/v1/systems", json={"name": name}).json()
    client.post("/api/v1/access-grants", json={"principal_id": group_id, "resource_id": system["id"], "level": "read"})
    return system["id"]


def groups_by_dn(client) -> dict[str, dict]:
    return {g["external_id"].lower(): g for g in client.get("/api/v1/groups", params={"limit": 100}).json()["items"]}


def test_ad_people_and_groups_never_merge_and_grants_reach_their_own_members(clean_store, session_client, slapd,
                                                                            monkeypatch):
    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    run = run_source(clean_store, ad_source(port), folder)
    assert run.status == "succeeded", run.errors
    people = people_by_upn(session_client)
    # The computer account is objectClass=user too; the default filter leaves it out.
    assert set(people) == {"ola.nordmann@ad.no", "ola-nordmann@ad.no", "kari@ad.no", "rune@ad.no"}
    assert len({p["id"] for p in people.values()}) == 4 and all(p["ldap_uuid"] for p in people.values())
    groups = groups_by_dn(session_client)
    assert len(groups) == 10 and run.diff["Group"]["created"] == 10
    # Each look-alike group, with a grant by hand, reaches exactly its own members (the table above).
    expected = {f"cn=it.drift,{GROUPS}": {"ola.nordmann@ad.no"}, f"cn=it-drift,{GROUPS}": {"ola-nordmann@ad.no"},
                # Rune through 'flyttes', which a memberOf of its own nests in 'IT drift'.
                f"cn=IT drift,{GROUPS}": {"kari@ad.no", "rune@ad.no"}, f"cn=lærere,{GROUPS}": {"ola.nordmann@ad.no"},
                # Kari is in laerere by her own memberOf, not by the group's member list.
                f"cn=laerere,{GROUPS}": {"ola-nordmann@ad.no", "kari@ad.no"},
                f"cn={LONG_NAME},ou=a,{GROUPS}": {"ola.nordmann@ad.no"},
                f"cn={LONG_NAME},ou=b,{GROUPS}": {"ola-nordmann@ad.no"}}
    for number, (dn, upns) in enumerate(expected.items()):
        system = grant(session_client, groups[dn.lower()]["id"], f"System {number}")
        assert who_names(session_client, system) == upns, dn
    again = run_source(clean_store, ad_source(port), folder)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_unmatched_members_are_counted_and_listed(clean_store, slapd, monkeypatch):
    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    run = run_source(clean_store, ad_source(port), folder)
    assert run.status == "succeeded", run.errors
    assert any(note.startswith(f"{len(UNMATCHED)} group member(s) not matched") for note in run.notes), run.notes
    for dn, reason in UNMATCHED.items():
        assert f"unmatched member {dn}: {reason}" in run.notes


def test_only_the_attributes_used_are_fetched(slapd):
    from connectors.ldap import GROUP_ATTRIBUTES, USER_ATTRIBUTES, LdapConfig, LdapConnector

    port, folder = slapd
    config = LdapConfig(url=f"ldap://127.0.0.1:{port}", bind_dn=AD_ADMIN, base_dn=AD_BASE)
    raw = LdapConnector().fetch(config, {"password": "hemmelig"}, folder)
    allowed = {name.lower() for name in USER_ATTRIBUTES + GROUP_ATTRIBUTES} | {"dn"}
    fetched = {key.lower() for entry in raw["users"] + raw["groups"] for key in entry}
    assert fetched <= allowed and "entryuuid" in fetched
    assert "objectclass" not in fetched and "userpassword" not in fetched


def test_ranged_member_retrieval_as_active_directory_pages_large_groups(clean_store, session_client, slapd,
                                                                       monkeypatch):
    """AD pages a large group's members (`member;range=0-1499`); here the real slapd's answers pass a
    relay that pages them two at a time, as AD does past 1,500 (tests/ldap_ranges.py)."""
    from tests.ldap_ranges import ranged_directory

    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    with ranged_directory(port, page=2) as (ranged_port, served):
        run = run_source(clean_store, ad_source(ranged_port), folder)
    assert run.status == "succeeded", run.errors
    store_dn = f"cn=store,{GROUPS}"
    assert [s for s in served if s.startswith(store_dn)] == [f"{store_dn} member;range=0-1", f"{store_dn} member;range=2-*"]
    assert f"cn=blandet,{GROUPS} member;range=4-*" in served
    members = clean_store.rows("MATCH (p:Person)-[:MEMBER_OF]->(g:Group {external_id: $dn}) RETURN p.upn AS upn",
                               dn=store_dn)
    assert {row["upn"] for row in members} == {"ola.nordmann@ad.no", "ola-nordmann@ad.no", "kari@ad.no", "rune@ad.no"}
    # Every unmatched member of 'blandet' was in a later range, and still counted.
    assert all(f"unmatched member {dn}: {reason}" in run.notes for dn, reason in UNMATCHED.items())


def test_a_renamed_and_moved_user_and_group_keep_their_id_and_grants(clean_store, session_client, slapd, monkeypatch):
    port, folder = slapd
    monkeypatch.setenv("LDAP_PASSWORD", "hemmelig")
    assert run_source(clean_store, ad_source(port), folder).status == "succeeded"
    rune = people_by_upn(session_client)["rune@ad.no"]
    group = groups_by_dn(session_client)[f"cn=flyttes,{GROUPS}"]
    system = grant(session_client, group["id"], "Flyttesystem")
    session_client.post("/api/v1/ownerships", json={"owner_id": rune["id"], "resource_id": system,
                                                   "role": "systemansvarlig"})
    ad = Connection(Server(f"ldap://127.0.0.1:{port}"), AD_ADMIN, "hemmelig", auto_bind=True)
    assert ad.modify_dn(f"cn=flyttes,{GROUPS}", "cn=flyttet", new_superior=f"ou=a,{GROUPS}")
    assert ad.modify_dn(f"cn=Rune Flytt,{PEOPLE}", "cn=Rune Flyttet")
    assert ad.modify(f"cn=Rune Flyttet,{PEOPLE}", {"userPrincipalName": [("MODIFY_REPLACE", ["rune.flyttet@ad.no"])],
                                                    "mail": [("MODIFY_REPLACE", ["rune.flyttet@ad.no"])]})
    # The group's member value follows the rename, as AD keeps it.
    assert ad.modify(f"cn=flyttet,ou=a,{GROUPS}", {"member": [("MODIFY_REPLACE", [f"cn=Rune Flyttet,{PEOPLE}"])]})
    ad.unbind()
    run = run_source(clean_store, ad_source(port), folder)
    assert run.status == "succeeded", run.errors
    moved = groups_by_dn(session_client)[f"cn=flyttet,ou=a,{GROUPS}"]
    assert moved["id"] == group["id"] and moved["name"] == "flyttet"
    person = session_client.get(f"/api/v1/people/{rune['id']}").json()
    assert person["upn"] == "rune.flyttet@ad.no" and person["ldap_uuid"] == rune["ldap_uuid"]
    assert who_names(session_client, system) == {"rune.flyttet@ad.no"}
    owners = session_client.get(f"/api/v1/systems/{system}").json()["owners"]
    assert [(o["id"], o["role"]) for o in owners] == [(rune["id"], "systemansvarlig")]
    assert clean_store.rows("MATCH (p:Person) RETURN count(p) AS n")[0]["n"] == 4
