"""How the ontology's names read in the pages. Type names in bokmål come from the ontology
(`NodeType.nb`); everything else is an English text here, translated by the message catalogs.
A property added to the ontology without a text here shows its name, made readable."""

from __future__ import annotations

from typing import Callable

from ontology import ONTOLOGY


def N_(text: str) -> str:
    """Marks a text for extraction into the message catalogs; translated where it is shown."""
    return text


TYPE_NAMES = {
    "Organization": N_("Organisation"), "OrgUnit": N_("Org unit"), "Person": N_("Person"), "Group": N_("Group"),
    "Role": N_("Role"), "ServiceAccount": N_("Service account"), "System": N_("System"),
    "FintComponent": N_("FINT component"), "Dataset": N_("Dataset"), "Format": N_("Format"),
    "StorageLocation": N_("Storage location"), "Integration": N_("Integration"),
}

FIELD_NAMES = {
    "id": N_("Id"), "name": N_("Name"), "description": N_("Description"), "orgnr": N_("Organisation number"),
    "homepage": N_("Home page"), "level": N_("Level"), "code": N_("Code"), "email": N_("E-mail"),
    "upn": N_("Sign-in name"), "employee_id": N_("Employee number"), "job_title": N_("Job title"),
    "enabled": N_("Enabled"), "kind": N_("Kind"), "external_id": N_("External id"), "mail": N_("Group e-mail"),
    "client_id": N_("Client id"), "vendor": N_("Vendor"), "hosting": N_("Hosting"), "lifecycle": N_("Lifecycle"),
    "criticality": N_("Criticality"), "confidentiality": N_("Confidentiality"), "domain": N_("Domain"),
    "url": N_("Address"), "aliases": N_("Other names"), "match_keys": N_("Match keys"), "package": N_("Package"),
    "base_path": N_("Base path"), "personal_data": N_("Personal data"),
    "special_categories": N_("Special categories of personal data"), "legal_basis": N_("Legal basis"),
    "retention": N_("Retention"), "access_rights": N_("Access rights"), "themes": N_("Themes"),
    "keywords": N_("Keywords"), "publish": N_("Publish in Felles datakatalog"), "licence": N_("Licence"),
    "frequency": N_("Update frequency"), "landing_page": N_("Landing page"), "columns": N_("Columns"),
    "media_type": N_("Media type"), "file_type": N_("File type"), "provider": N_("Provider"),
    "country": N_("Country"), "in_eea": N_("Inside the EEA"), "mechanism": N_("Mechanism"),
    "schedule": N_("Schedule"), "protocol": N_("Protocol"), "status": N_("Status"),
    "last_run_state": N_("Last run state"), "last_run_at": N_("Last run at"), "valid_from": N_("Valid from"),
    "valid_to": N_("Valid to"), "parent": N_("Part of"), "org_unit": N_("Works in"), "system": N_("System"),
    "storage_locations": N_("Storage locations"), "formats": N_("Formats"), "derived_from": N_("Derived from"),
    "source_system": N_("Source system"), "target_system": N_("Target system"), "datasets": N_("Datasets"),
    "fint_component": N_("FINT component"), "units": N_("Units"), "people": N_("People"), "roles": N_("Roles"),
    "service_accounts": N_("Service accounts"), "derivatives": N_("Derived datasets"),
    "integrations_out": N_("Integrations out"), "integrations_in": N_("Integrations in"),
    "carried_by": N_("Carried by integrations"), "integrations": N_("Integrations"), "systems": N_("Systems"),
    "owners": N_("Owners"), "source": N_("Source"), "first_seen": N_("First seen"), "last_seen": N_("Last seen"),
    "last_modified_by": N_("Last changed by"), "version": N_("Version"),
}


def readable(name: str) -> str:
    return name.replace("_", " ").capitalize()


def type_name(label: str, locale: str, gettext: Callable[[str], str]) -> str:
    node = next((n for n in ONTOLOGY.nodes if n.label == label), None)
    if locale == "nb" and node is not None and node.nb:
        return node.nb
    return gettext(TYPE_NAMES.get(label, label))


def field_name(name: str, gettext: Callable[[str], str]) -> str:
    return gettext(FIELD_NAMES[name]) if name in FIELD_NAMES else readable(name)


# Controlled values and the other codes pages show, marked for translation (the English
# catalog makes the codes readable, the bokmål one translates them).
VALUE_NAMES = (
    N_("NON_PUBLIC"), N_("PUBLIC"), N_("RESTRICTED"), N_("active"), N_("admin"), N_("api"), N_("app-registration"),
    N_("archive"), N_("avdeling"), N_("cloud-region"), N_("confidential"), N_("critical"), N_("database"),
    N_("datacenter"), N_("declared"), N_("disabled"), N_("distribution"), N_("dynamic"), N_("enhet"), N_("etat"),
    N_("failed"), N_("file-share"), N_("file-transfer"), N_("fint"), N_("fint-client"), N_("high"), N_("iaas"),
    N_("in-use"), N_("internal"), N_("ldap"), N_("low"), N_("manual"), N_("medium"), N_("message-queue"),
    N_("microsoft-365"), N_("needs-confirmation"), N_("observed"), N_("on-premises"), N_("open"), N_("paas"),
    N_("phasing-out"), N_("pipeline"), N_("planned"), N_("read"), N_("retired"), N_("running"), N_("saas"),
    N_("saas-vendor"), N_("security"), N_("seksjon"), N_("strictly-confidential"), N_("succeeded"), N_("svarut-fiks"),
    N_("technical-user"), N_("write"), N_("reader"), N_("owner"), N_("architect"), N_("auditor"),
    N_("both"), N_("downstream"), N_("upstream"), N_("integration"), N_("holds"), N_("copy"), N_("derivation"),
    N_("create"), N_("update"), N_("delete"), N_("harvest"),
    N_("Not found"), N_("Forbidden"), N_("Invalid input"), N_("Not signed in"), N_("Bad request"),
    N_("Already exists"), N_("Precondition failed"), N_("Unknown reference"), N_("Others depend on this"),
    N_("Systems without owner"), N_("Systems lacking a systemeier or a systemansvarlig."),
    N_("Personal data without legal basis"), N_("Datasets with personal data and no legal basis recorded."),
    N_("Data outside the EEA"), N_("Datasets stored outside the EU/EEA, directly or as downstream copies."),
    N_("Integrations without owner"), N_("Integrations nobody owns."),
    N_("Stale facts"), N_("Harvested facts no source has confirmed for `days` days."),
    N_("DCAT-AP-NO readiness"), N_("Datasets lacking fields DCAT-AP-NO requires (mandatory) or recommends."),
    N_("Access review"), N_("Everyone with effective access to `resource`: level, path, who granted it, since when."),
)
