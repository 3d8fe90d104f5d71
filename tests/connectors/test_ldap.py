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

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
BASE = "dc=fylke,dc=no"
ADMIN = f"cn=admin,{BASE}"
# Active Directory's own attribute OIDs, so the entries look like AD's.
AD_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'adAccount' AUXILIARY MAY ( userAccountControl $ userPrincipalName ) )
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
        pytest.skip("slapd is not installed (apt-get install slapd; .ci/run does it)")
    folder = Path(tempfile.mkdtemp(prefix="catalog-slapd-"))
    (folder / "db").mkdir()
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
