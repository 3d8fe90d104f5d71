"""The catalog's ontology: every node and relationship type, declared once.

Read it as a set of tables. A node type lists its own properties and its refs (links edited as
fields of its record); relationship types with a `path` are resources of their own in the API.
Every node also has `id`, `name` and `description`, and every node and edge carries provenance.
"""

from __future__ import annotations

from ontology import checks
from ontology.model import Flow, Hop, NodeType, Ontology, Projection, Prop, Ref, RelType

# Controlled values.
HOSTING = ("saas", "on-premises", "iaas", "paas")
LIFECYCLE = ("planned", "in-use", "phasing-out", "retired")
CRITICALITY = ("low", "medium", "high", "critical")
CONFIDENTIALITY = ("open", "internal", "confidential", "strictly-confidential")
ORG_UNIT_LEVELS = ("etat", "avdeling", "seksjon", "enhet")
# "all-users" stands for every enabled user of one tenant: an application that requires no
# assignment is open to all of them.
GROUP_KINDS = ("security", "microsoft-365", "distribution", "ldap", "dynamic", "all-users")
# How a grant to a group reaches people: its direct members only (Entra ID app roles; Microsoft's
# assignments do not cascade to nested groups), or through nested groups too (AD/LDAP
# permissions, and grants entered by hand). A grant without one is transitive.
GRANT_EXPANSIONS = ("direct", "transitive")
SERVICE_ACCOUNT_KINDS = ("fint-client", "app-registration", "technical-user")
# EU access-right vocabulary, as used by DCAT-AP-NO.
ACCESS_RIGHTS = ("PUBLIC", "RESTRICTED", "NON_PUBLIC")
STORAGE_KINDS = ("datacenter", "cloud-region", "saas-vendor", "file-share", "database", "archive")
MECHANISMS = ("fint", "api", "file-transfer", "message-queue", "svarut-fiks", "manual", "pipeline")
INTEGRATION_STATUS = ("planned", "active", "disabled", "retired")
LINEAGE_KINDS = ("declared", "observed")
OWNERSHIP_ROLES = ("systemeier", "systemansvarlig", "dataeier", "databehandler", "kontaktperson")
# The ownership roles that let their holder edit what they own. A kontaktperson is someone to ask,
# and a databehandler processes data on the owner's behalf; neither keeps the entry.
EDITING_OWNERSHIP_ROLES = ("systemeier", "systemansvarlig", "dataeier")
# An entity owned with the system its ref names: a dataset with the system holding it, an
# integration with the system it leaves from.
OWNED_THROUGH = {"Dataset": "system", "Integration": "source_system"}
# In order: each level includes the ones before it.
ACCESS_LEVELS = ("read", "write", "admin")
# The roles a system must have filled, and the roles told of a change upstream.
ACCOUNTABLE_ROLES = ("systemeier", "systemansvarlig")
NOTIFIED_ROLES = ("systemeier", "systemansvarlig", "dataeier")
# Workflows that keep the catalog true: what an owner attests, how a review decides, how people are told.
ATTESTED = ("System", "Dataset")
# Who is asked to confirm an entry, or to review access to it, by the entry's type.
ATTESTING_ROLES = {"System": ("systemeier",), "Dataset": ("dataeier", "systemeier")}
REVIEW_SCOPES = ("resource", "org-unit", "personal-data")
REVIEW_DECISIONS = ("keep", "revoke")
NOTIFY_MODES = ("immediate", "daily-digest")
NOTICE_EVENTS = ("task-assigned", "review-deadline", "agreement-ending", "harvest-failed", "harvest-held",
                 "upstream-changed")


def access_rank(level: str | None) -> int:
    """A level's place in ACCESS_LEVELS; no level at all (no grant met yet) ranks below read. A
    level the ontology does not know can only come from data older than the rule; it counts as
    the least, read, so that it never widens access."""
    if level is None:
        return -1
    return ACCESS_LEVELS.index(level) if level in ACCESS_LEVELS else 0


# The governance register. Each controlled value maps to the W3C Data Privacy Vocabulary (DPV)
# term it stands for, where DPV has one (ontology/vocabularies/dpv.ttl holds those terms).
# GDPR art. 6(1) (a)–(f), as DPV's GDPR extension names the points.
ART6_BASES = {
    "consent": "eu-gdpr:A6-1-a", "contract": "eu-gdpr:A6-1-b", "legal-obligation": "eu-gdpr:A6-1-c",
    "vital-interests": "eu-gdpr:A6-1-d", "public-task": "eu-gdpr:A6-1-e", "legitimate-interests": "eu-gdpr:A6-1-f",
}
# GDPR art. 9(2) (a)–(j): the condition that lifts the ban on special categories.
ART9_CONDITIONS = {
    "explicit-consent": "eu-gdpr:A9-2-a", "employment-social-security": "eu-gdpr:A9-2-b",
    "vital-interests": "eu-gdpr:A9-2-c", "non-profit-body": "eu-gdpr:A9-2-d", "made-public": "eu-gdpr:A9-2-e",
    "legal-claims": "eu-gdpr:A9-2-f", "substantial-public-interest": "eu-gdpr:A9-2-g",
    "health-social-care": "eu-gdpr:A9-2-h", "public-health": "eu-gdpr:A9-2-i",
    "archiving-research-statistics": "eu-gdpr:A9-2-j",
}
DATA_SUBJECTS = {
    "pupils": "dpv:Student", "apprentices": None, "employees": "dpv:Employee", "job-applicants": "dpv:JobApplicant",
    "patients": "dpv:Patient", "citizens": "dpv:Citizen", "children": "dpv:Child",
    "guardians": "dpv:GuardianOfDataSubject", "customers": "dpv:Customer", "visitors": "dpv:Visitor",
    "users": "dpv:User", "suppliers": None, "elected-representatives": None,
}
PERSONAL_DATA = {
    "identifying": "pd:Identifying", "national-id": "pd:OfficialID", "contact": "pd:Contact",
    "financial": "pd:Financial", "employment": "pd:Professional", "education": None, "location": "pd:Location",
    "communication": None, "images": None, "criminal-offences": "pd:Criminal",
    # The special categories of art. 9(1).
    "racial-ethnic-origin": "pd:Racial", "political-opinions": "pd:PoliticalAffiliation",
    "religious-beliefs": "pd:Religion", "trade-union-membership": "pd:TradeUnionMembership",
    "genetic": "pd:Genetic", "biometric": "pd:Biometric", "health": "pd:Health",
    "sex-life-orientation": "pd:SexualOrientation",
}
SPECIAL_CATEGORIES = ("racial-ethnic-origin", "political-opinions", "religious-beliefs", "trade-union-membership",
                      "genetic", "biometric", "health", "sex-life-orientation")
TRANSFER_SAFEGUARDS = {
    "adequacy-decision": "eu-gdpr:A45-3", "standard-contractual-clauses": "eu-gdpr:A46-2-c",
    "binding-corporate-rules": "eu-gdpr:A46-2-b", "derogation": None,
}
PROCESSING_STATUS = ("draft", "in-effect", "needs-revision", "ended")
AGREEMENT_KINDS = {"databehandleravtale": "dpv:DataProcessingAgreement", "ssa-l": None, "ssa-d": None,
                   "ssa-v": None, "ssa-b": None, "licence": None, "other": None}
# The kind of agreement a processor must have (GDPR art. 28).
DATA_PROCESSING_AGREEMENT = "databehandleravtale"
RISK_ASSESSMENT_KINDS = ("ros", "dpia")
RISK_ASSESSMENT_STATUS = ("planned", "in-progress", "completed")
RESIDUAL_RISK = {"low": "risk:LowRisk", "medium": "risk:ModerateRisk", "high": "risk:HighRisk",
                 "critical": "risk:VeryHighRisk"}


def _controlled(name: str, values: dict[str, str | None], kind: str = "str", **options) -> Prop:
    return Prop(name, kind, choices=tuple(values), choice_rdf={k: v for k, v in values.items() if v}, **options)


# The directories' own stable ids for people and groups: what survives a rename or a move.
ENTRA_ID = Prop("entra_id", indexed=True, description="Object id in Microsoft Entra ID.")
LDAP_UUID = Prop("ldap_uuid", indexed=True,
                 description="The directory's stable id: OpenLDAP entryUUID or Active Directory objectGUID.")
VALID_FROM = Prop("valid_from", "date", "First day the fact holds; open when empty.")
VALID_TO = Prop("valid_to", "date", "Last day the fact holds; open when empty.")

ORGANIZATION = NodeType(
    "Organization", "organizations", "org",
    "A legal entity in Enhetsregisteret: the county, a municipality, a vendor.",
    props=(
        Prop("orgnr", required=True, unique=True, check=checks.organisasjonsnummer,
             description="Organisasjonsnummer (9 digits, modulus-11 checked).", rdf="dct:identifier"),
        Prop("homepage", check=checks.web_address, description="Web address.", rdf="foaf:homepage"),
        Prop("country", check=checks.country_code, indexed=True,
             description="Where the organisation is established (ISO 3166-1 alpha-2); for vendors and subprocessors."),
    ),
    match_on=("orgnr",),
    nb="Organisasjon",
    rdf_class="org:Organization",
)

ORG_UNIT = NodeType(
    "OrgUnit", "org-units", "unit",
    "A unit inside an organisation: etat, avdeling, seksjon.",
    props=(
        Prop("level", choices=ORG_UNIT_LEVELS, description="Level in the hierarchy."),
        Prop("code", indexed=True, description="The unit's code in the HR system."),
    ),
    refs=(
        Ref("parent", "PART_OF", ("OrgUnit", "Organization"), required=True, dependent=True,
            reverse="units", description="The unit or organisation this unit belongs to."),
    ),
    match_on=("code", "name"),
    nb="Organisasjonsenhet",
    rdf_class="org:OrganizationalUnit",
)

PERSON = NodeType(
    "Person", "people", "person",
    "An employee or other person who owns, manages or uses systems and data.",
    props=(
        Prop("email", indexed=True, personal=True, check=checks.lower_case, description="E-mail address.",
             rdf="vcard:hasEmail"),
        Prop("upn", indexed=True, personal=True, check=checks.lower_case,
             description="User principal name (sign-in name)."),
        Prop("employee_id", indexed=True, personal=True, check=checks.lower_case,
             description="Employee number in the HR system."),
        Prop("job_title", description="Position.", rdf="vcard:title"),
        Prop("enabled", "bool", description="False for disabled accounts; they get no effective access."),
        Prop("guest", "bool", description="An external (guest) account in the directory, such as Entra ID's userType Guest."),
        ENTRA_ID,
        LDAP_UUID,
        Prop("notify", choices=NOTIFY_MODES,
             description="How the person gets the catalog's notices: each at once, or one daily digest."),
    ),
    refs=(
        Ref("org_unit", "WORKS_IN", ("OrgUnit",), reverse="people", description="Where the person works."),
    ),
    # Identity resolution: the same person from several sources is one node. The directories'
    # stable ids come first, so that a renamed user (a new UPN) stays the same person.
    match_on=("entra_id", "ldap_uuid", "employee_id", "upn", "email"),
    nb="Person",
    readable_ids=False,
    rdf_class="foaf:Person",
)

GROUP = NodeType(
    "Group", "groups", "group",
    "A group of people, service accounts or other groups (Entra ID, AD, LDAP).",
    props=(
        Prop("kind", choices=GROUP_KINDS, description="What kind of group."),
        Prop("external_id", indexed=True, description="Id in the directory it comes from."),
        Prop("mail", description="Group e-mail address."),
        ENTRA_ID,
        LDAP_UUID,
    ),
    # A renamed or moved group is the same group.
    match_on=("entra_id", "ldap_uuid"),
    nb="Gruppe",
    rdf_class="foaf:Group",
)

ROLE = NodeType(
    "Role", "roles", "role",
    "A role that carries access, such as an application role in a system.",
    props=(
        Prop("fills", choices=OWNERSHIP_ROLES,
             description="The ownership role a title stands for until a person is named, such as "
                         "'Kommunalsjef oppvekst' as systemeier in an inventory."),
    ),
    refs=(
        Ref("system", "DEFINED_IN", ("System",), reverse="roles", description="System defining the role."),
    ),
    nb="Rolle",
    rdf_class="org:Role",
)

SERVICE_ACCOUNT = NodeType(
    "ServiceAccount", "service-accounts", "sa",
    "A non-human principal: a FINT client, an app registration, a technical user.",
    props=(
        Prop("kind", choices=SERVICE_ACCOUNT_KINDS, required=True, description="What kind of account."),
        Prop("client_id", indexed=True, description="Client or application id."),
        Prop("enabled", "bool", description="False for disabled accounts; they get no effective access."),
    ),
    refs=(
        Ref("system", "ACTS_FOR", ("System",), reverse="service_accounts",
            description="The system that uses this account."),
    ),
    nb="Tjenestekonto",
    rdf_class="prov:SoftwareAgent",
)

SYSTEM = NodeType(
    "System", "systems", "system",
    "A line-of-business system (fagsystem) or platform.",
    props=(
        Prop("vendor", indexed=True, searchable=True, description="Supplier of the system."),
        Prop("hosting", choices=HOSTING, description="Hosting model."),
        Prop("lifecycle", choices=LIFECYCLE, indexed=True, description="Lifecycle status."),
        Prop("criticality", choices=CRITICALITY, description="How critical the system is to operations."),
        Prop("confidentiality", choices=CONFIDENTIALITY, description="Highest confidentiality of its data."),
        Prop("domain", indexed=True, description="Service area, such as utdanning or økonomi."),
        Prop("url", check=checks.web_address, description="Where users reach the system.", rdf="dcat:landingPage"),
        Prop("aliases", "list", searchable=True, description="Other names the system goes by."),
        Prop("match_keys", "list", derive=checks.match_keys,
             description="Normalised name and aliases; harvests recognise the system by them."),
        Prop("vendor_country", check=checks.country_code,
             description="Where the vendor is established (ISO 3166-1 alpha-2)."),
        Prop("end_of_life", "date", indexed=True, description="The day the system is to be phased out."),
    ),
    refs=(
        Ref("storage_locations", "STORED_IN", ("StorageLocation",), many=True, reverse="systems",
            description="Where the system keeps its data."),
        Ref("replaced_by", "REPLACED_BY", ("System",), reverse="replaces",
            description="The system that takes over when this one is phased out."),
    ),
    match_on=("match_keys",),
    nb="Fagsystem",
    rdf_class="dcat:DataService",
    expected=("vendor", "vendor_country", "lifecycle", "criticality", "storage_locations", "owner:systemeier",
              "owner:systemansvarlig", "risk_assessments"),
)

FINT_COMPONENT = NodeType(
    "FintComponent", "fint-components", "fint",
    "A FINT integration component, such as utdanning-elev.",
    props=(
        Prop("domain", indexed=True, description="FINT domain: utdanning, administrasjon, arkiv, økonomi…"),
        Prop("package", description="Package within the domain, such as elev."),
        Prop("base_path", pattern=r"^(/[a-z0-9-]+)+$",
             description="Path of the component in the FINT API, such as /utdanning/elev."),
    ),
    nb="FINT-komponent",
    rdf_class="dcat:DataService",
)

DATASET = NodeType(
    "Dataset", "datasets", "dataset",
    "A collection of data held by a system: a register, a table, a FINT resource type.",
    props=(
        Prop("personal_data", "bool", description="Holds personal data (GDPR art. 4)."),
        Prop("special_categories", "bool", description="Holds special categories of personal data (GDPR art. 9)."),
        Prop("legal_basis", description="Legal basis for processing (behandlingsgrunnlag)."),
        Prop("retention", description="How long the data is kept, and why."),
        Prop("access_rights", choices=ACCESS_RIGHTS, description="EU access-right level.",
             rdf="dct:accessRights", vocabulary="access-right"),
        Prop("themes", "list", check=checks.theme, description="EU data-theme codes or LOS theme URIs.",
             rdf="dcat:theme", vocabulary="data-theme"),
        Prop("keywords", "list", searchable=True, description="Free keywords.", rdf="dcat:keyword"),
        Prop("publish", "bool", description="Marked for publication in Felles datakatalog."),
        Prop("licence", check=checks.licence, description="EU licence code, such as NLOD_2_0 or CC_BY_4_0.",
             rdf="dct:license", vocabulary="licence"),
        Prop("frequency", check=checks.frequency, description="EU frequency code, such as DAILY.",
             rdf="dct:accrualPeriodicity", vocabulary="frequency"),
        Prop("landing_page", check=checks.web_address, description="Web page about the dataset.",
             rdf="dcat:landingPage"),
        Prop("columns", "list", description="Columns, as 'name type — comment', where the source has them."),
    ),
    refs=(
        Ref("system", "HOLDS", ("System", "FintComponent"), outgoing=False, dependent=True,
            reverse="datasets", description="The system or FINT component holding the dataset."),
        Ref("formats", "HAS_FORMAT", ("Format",), many=True, reverse="datasets",
            description="File formats the dataset is available in."),
        Ref("storage_locations", "STORED_IN", ("StorageLocation",), many=True, reverse="datasets",
            description="Where the dataset is stored."),
        Ref("derived_from", "DERIVED_FROM", ("Dataset",), many=True, reverse="derivatives",
            description="Datasets this one is derived or copied from (declared lineage)."),
    ),
    nb="Datasett",
    rdf_class="dcat:Dataset",
    expected=("description", "owner:dataeier", "storage_locations"),
)

FORMAT = NodeType(
    "Format", "formats", "format",
    "A file or message format.",
    props=(
        Prop("media_type", indexed=True, description="IANA media type, such as text/csv.", rdf="dcat:mediaType"),
        Prop("file_type", check=checks.file_type, description="EU file-type code, such as CSV or JSON.",
             rdf="dct:format", vocabulary="file-type"),
    ),
    nb="Format",
    rdf_class="dct:MediaTypeOrExtent",
)

STORAGE_LOCATION = NodeType(
    "StorageLocation", "locations", "location",
    "Where data physically lives: a data centre, a cloud region, a vendor's service.",
    props=(
        Prop("kind", choices=STORAGE_KINDS, description="What kind of place."),
        Prop("provider", description="Who runs it."),
        Prop("country", required=True, check=checks.country_code, indexed=True,
             description="ISO 3166-1 alpha-2 country code."),
        Prop("in_eea", "bool", derive=checks.inside_eea, indexed=True,
             description="Inside the EU/EEA (derived from country)."),
    ),
    match_on=("name",),
    nb="Lagringssted",
    rdf_class="dct:Location",
)

INTEGRATION = NodeType(
    "Integration", "integrations", "integration",
    "A flow of data from one system to another.",
    props=(
        Prop("mechanism", choices=MECHANISMS, required=True, description="How the data moves."),
        Prop("schedule", description="When it runs: cron, event-driven, daily…"),
        Prop("protocol", description="Wire protocol: REST, SFTP, SOAP, AMQP…"),
        Prop("status", choices=INTEGRATION_STATUS, description="Whether it is running."),
        Prop("kind", choices=LINEAGE_KINDS, description="Declared as design or observed in run events."),
        Prop("last_run_state", description="State of the last run seen (OpenLineage eventType)."),
        Prop("last_run_at", description="When the last run event happened (UTC, ISO 8601)."),
        VALID_FROM,
        VALID_TO,
    ),
    refs=(
        Ref("source_system", "SENDS", ("System",), outgoing=False, required=True, dependent=True,
            reverse="integrations_out", description="The system the data comes from."),
        Ref("target_system", "RECEIVES", ("System",), required=True, dependent=True,
            reverse="integrations_in", description="The system the data goes to."),
        Ref("datasets", "CARRIES", ("Dataset",), many=True, reverse="carried_by",
            description="Datasets the integration copies."),
        Ref("formats", "HAS_FORMAT", ("Format",), many=True, reverse="integrations",
            description="Formats on the wire."),
        Ref("fint_component", "VIA", ("FintComponent",), reverse="integrations",
            description="FINT component the flow passes through."),
    ),
    nb="Integrasjon",
    rdf_class="prov:Activity",
)

PROCESSING_ACTIVITY = NodeType(
    "ProcessingActivity", "processing-activities", "processing",
    "A processing of personal data (behandling) as the record of processing activities (GDPR art. 30) lists it.",
    props=(
        Prop("purpose", searchable=True, description="Why the personal data are processed.", rdf="dpv:hasPurpose"),
        _controlled("art6_basis", ART6_BASES, description="Legal basis under GDPR art. 6(1).",
                    rdf="dpv:hasLegalBasis"),
        _controlled("art9_condition", ART9_CONDITIONS,
                    description="Condition under GDPR art. 9(2), needed when special categories are processed.",
                    rdf="dpv:hasLegalBasis"),
        Prop("national_law", description="The national law the processing rests on (lov, forskrift, paragraf)."),
        _controlled("data_subject_categories", DATA_SUBJECTS, "list", description="Categories of data subjects.",
                    rdf="dpv:hasDataSubject"),
        _controlled("personal_data_categories", PERSONAL_DATA, "list",
                    description="Categories of personal data; some are special categories (art. 9).",
                    rdf="dpv:hasPersonalData"),
        Prop("recipients", "list", description="Categories of recipients the data are disclosed to.",
             rdf="dpv:hasRecipient"),
        Prop("third_countries", "list", check=checks.country_code,
             description="Countries outside the EEA the data are transferred to (ISO 3166-1 alpha-2).",
             rdf="dpv:hasThirdCountry"),
        _controlled("transfer_safeguard", TRANSFER_SAFEGUARDS, description="What makes those transfers lawful."),
        Prop("retention", description="When the data are erased, per category where they differ."),
        Prop("security_measures", description="The technical and organisational security measures (art. 32)."),
        Prop("automated_decisions", "bool", description="Automated decisions or profiling (art. 22)."),
        Prop("dpia_needed", "bool", description="A data protection impact assessment (art. 35) is needed."),
        Prop("dpia_done", "bool", description="The impact assessment is done."),
        Prop("dpia_date", "date", description="When the impact assessment was done."),
        Prop("dpia_link", check=checks.web_address, description="Where the impact assessment is kept."),
        Prop("status", choices=PROCESSING_STATUS, indexed=True, description="Where the entry stands."),
    ),
    refs=(
        Ref("controller", "HAS_CONTROLLER", ("Organization",), reverse="controller_of",
            description="The controller (behandlingsansvarlig)."),
        Ref("joint_controllers", "HAS_JOINT_CONTROLLER", ("Organization",), many=True, reverse="joint_controller_of",
            description="Joint controllers (felles behandlingsansvarlige), if any."),
        Ref("responsible_unit", "MANAGED_BY", ("OrgUnit",), reverse="processing_activities",
            description="The unit responsible for the processing."),
        Ref("systems", "PROCESSED_IN", ("System",), many=True, reverse="processing_activities",
            description="Systems the processing uses."),
        Ref("datasets", "PROCESSES", ("Dataset",), many=True, reverse="processing_activities",
            description="Datasets the processing uses."),
    ),
    match_on=("name",),
    nb="Behandlingsaktivitet",
    rdf_class="dpv:Process",
    expected=("purpose", "art6_basis", "data_subject_categories", "personal_data_categories", "retention",
              "security_measures", "controller", "responsible_unit", "systems", "risk_assessments"),
)

AGREEMENT = NodeType(
    "Agreement", "agreements", "agreement",
    "An agreement with a vendor: a data processing agreement (databehandleravtale), an SSA, a licence.",
    props=(
        _controlled("kind", AGREEMENT_KINDS, required=True, indexed=True, description="What kind of agreement."),
        Prop("reference", indexed=True, description="The agreement's number or case reference."),
        Prop("start_date", "date", description="First day the agreement is in force."),
        Prop("end_date", "date", indexed=True, description="Last day the agreement is in force; open when empty."),
        Prop("notice_date", "date", indexed=True, description="Last day to give notice or decide on renewal."),
        Prop("document_link", check=checks.web_address, description="Where the signed agreement is kept."),
    ),
    refs=(
        Ref("counterpart", "AGREED_WITH", ("Organization",), reverse="agreements",
            description="The organisation the agreement is made with."),
        Ref("subprocessors", "HAS_SUBPROCESSOR", ("Organization",), many=True, reverse="subprocessor_in",
            description="Subprocessors (underdatabehandlere) the agreement allows; their country counts for GDPR."),
        Ref("systems", "COVERS", ("System",), many=True, reverse="agreements",
            description="The systems the agreement covers."),
    ),
    match_on=("reference",),
    nb="Avtale",
    rdf_class="dpv:LegalAgreement",
    expected=("counterpart", "start_date", "end_date", "document_link", "systems"),
)

RISK_ASSESSMENT = NodeType(
    "RiskAssessment", "risk-assessments", "risk",
    "A risk and vulnerability analysis (ROS) or a data protection impact assessment (DPIA).",
    props=(
        Prop("kind", choices=RISK_ASSESSMENT_KINDS, required=True, description="ROS or DPIA."),
        Prop("assessed_on", "date", indexed=True, description="When the assessment was done."),
        Prop("next_due", "date", indexed=True, description="When it must be done again."),
        Prop("status", choices=RISK_ASSESSMENT_STATUS, description="Where the assessment stands."),
        _controlled("residual_risk", RESIDUAL_RISK, description="The risk left after the measures.",
                    rdf="dpv:hasResidualRisk"),
        Prop("link", check=checks.web_address, description="Where the assessment is kept."),
    ),
    refs=(
        Ref("assesses", "ASSESSES", ("System", "ProcessingActivity"), many=True, reverse="risk_assessments",
            description="The systems and processing activities assessed."),
    ),
    nb="Risikovurdering",
    rdf_class="dpv:RiskAssessment",
)

# Operational records of the catalog itself: not catalog entities, not edited through CRUD.
HARVEST_RUN = NodeType(
    "HarvestRun", "harvest-runs", "run",
    "One run of a harvest source: when, how it ended, what it changed.",
    props=(
        Prop("source", required=True, indexed=True, description="Id of the harvest source."),
        Prop("connector", description="Connector that ran."),
        Prop("status", required=True, indexed=True,
             choices=("running", "succeeded", "failed", "needs-confirmation"), description="How the run ended."),
        Prop("dry_run", "bool", description="Only compared; wrote nothing."),
        Prop("started", indexed=True, description="Start (UTC, ISO 8601)."),
        Prop("finished", description="End (UTC, ISO 8601)."),
        Prop("observed_at", "date", indexed=True,
             description="The day the run saw the source as it stood: today, or an older export's date."),
        Prop("created", "int", description="Facts the run created."),
        Prop("updated", "int", description="Facts the run changed."),
        Prop("unchanged", "int", description="Facts the run confirmed unchanged."),
        Prop("deleted", "int", description="Facts the run removed as no longer in the source, nothing of the past hanging on them."),
        Prop("closed", "int", description="Facts no longer in the source, closed on the run's day and kept as history."),
        Prop("would_delete", "int", description="Facts no longer in the source (closed or deleted unless held)."),
        Prop("rows_skipped", "int", description="Malformed source rows skipped."),
        Prop("conflicts", "int", description="Values where the source disagrees with a manual edit."),
        Prop("errors", "list", description="What went wrong: row numbers and reasons, or the failure."),
        Prop("notes", "list", description="What a person should look at, such as applications mapped to no system."),
        Prop("warnings", "list",
             description="Rows kept with a value left out: row, column, value and the allowed values."),
        Prop("would_hold", "bool", description="A dry run whose real run would be held for confirmation."),
    ),
    nb="Innhøstingskjøring",
    rdf_class="prov:Activity",
)

CONFLICT = NodeType(
    "Conflict", "harvest-conflicts", "conflict",
    "A source disagrees with a value a person set; the person's value stands.",
    props=(
        Prop("source", required=True, indexed=True, description="Harvest source that disagrees."),
        Prop("entity_id", required=True, indexed=True, description="The node or edge concerned."),
        Prop("field", required=True, description="The property."),
        Prop("manual_value", description="The value a person set (kept)."),
        Prop("source_value", description="The value the source has."),
        Prop("run_id", description="The run that last saw the disagreement."),
        Prop("first_seen", description="When it was first seen."),
        Prop("last_seen", description="When it was last seen."),
    ),
    nb="Konflikt",
)

API_TOKEN = NodeType(
    "ApiToken", "tokens", "token",
    "A credential for connectors and automation: created by an admin, shown once, stored hashed.",
    props=(
        Prop("name", required=True, unique=True, description="What the token is for; unique."),
        Prop("role", required=True, description="The catalog role it acts with."),
        Prop("person_id", description="The person it acts for (owners edit what this person owns)."),
        Prop("token_hash", unique=True, description="SHA-256 of the token; the token itself is never stored."),
        Prop("created", description="When it was made."),
        Prop("expires", description="When it stops working."),
        Prop("revoked", "bool", description="Revoked tokens never work again."),
        Prop("dev", "bool", description="Made by development mode; works only while the server runs in it, "
                                        "and is revoked when it stops."),
    ),
    nb="API-nøkkel",
)

CHANGE_RECORD = NodeType(
    "ChangeRecord", "history", "change",
    "One write to the catalog, kept forever: who, when, what, before and after.",
    props=(
        Prop("at", required=True, indexed=True, description="When (UTC, ISO 8601)."),
        Prop("actor", required=True, indexed=True, description="Who: a user, a token, or a harvest source."),
        Prop("action", required=True,
             description="create, update, delete, harvest; for facts a harvest run no longer sees, close, and "
                         "for those a later run sees again, reopen; purge."),
        Prop("entity_id", required=True, indexed=True, description="The node or edge changed."),
        Prop("entity_type", description="Its type."),
        Prop("before", description="Its properties before, as JSON."),
        Prop("after", description="Its properties after, as JSON."),
        Prop("request_id", description="The API request that made the change."),
        Prop("run_id", description="The harvest run that made the change."),
        Prop("seq", "int", indexed=True, description="Its place in the history: 1, 2, 3 … without gaps."),
        Prop("previous_hash", description="The hash of the record before it (64 zeros for the first)."),
        Prop("hash", description="SHA-256 over its fields and the previous hash: the chain that shows tampering."),
    ),
    nb="Endringslogg",
    rdf_class="prov:Activity",
)

HISTORY_HEAD = NodeType(
    "HistoryHead", "history-head", "head",
    "The end of the change history's hash chain: the last record's number and hash. Every append "
    "locks it, so the chain never forks, and removing the last records shows.",
    props=(
        Prop("seq", "int", description="The last record's number."),
        Prop("hash", description="The last record's hash."),
    ),
    nb="Endringsloggens ende",
)

ROLE_ASSIGNMENT = NodeType(
    "CatalogRoleAssignment", "admin/role-assignments", "assignment",
    "A catalog role given to a signed-in user (by immutable subject or UPN), besides token claims.",
    props=(
        Prop("subject", required=True, indexed=True, check=checks.lower_case,
             description="The user's immutable subject (<tid>/<oid>, or sub) or UPN; never an e-mail."),
        Prop("role", required=True, description="reader, owner, architect, auditor or admin."),
    ),
    nb="Katalogrolle",
)

REMOVED_FACT = NodeType(
    "RemovedFact", "removed-facts", "removed",
    "A harvested relationship a person removed: the id is the fact's, so no harvest brings it back; "
    "a source that still states it is listed as a conflict.",
    props=(
        Prop("type", required=True, description="The relationship type."),
        Prop("source_id", required=True, description="Where the relationship started."),
        Prop("target_id", required=True, description="Where it led."),
        Prop("removed_by", required=True, description="Who removed it."),
        Prop("removed_at", description="When (UTC, ISO 8601)."),
    ),
    nb="Fjernet fakta",
)

# Ownership roles a resource has one holder of: a source naming another holder than the one a
# person set is a conflict, not a second owner.
ONE_HOLDER_ROLES = ("systemeier", "systemansvarlig", "dataeier")

LEASE = NodeType(
    "Lease", "leases", "lease",
    "Who may do a piece of work that must happen once across API instances (a scheduled harvest), until when.",
    props=(
        Prop("name", required=True, unique=True, description="The work, such as harvest:systemoversikt."),
        Prop("holder", description="The process holding the lease."),
        Prop("expires", description="When a holder that died stops blocking others (UTC, ISO 8601)."),
        Prop("last_slot", description="The last scheduled time the work was done for (UTC, ISO 8601)."),
    ),
    nb="Lås",
)

ATTESTATION = NodeType(
    "Attestation", "attestations", "attestation",
    "An owner confirmed that an entry is correct (bekreftet korrekt).",
    props=(
        Prop("entity_id", required=True, indexed=True, description="The entry confirmed."),
        Prop("entity_type", description="Its type."),
        Prop("confirmed_by", required=True, description="Who confirmed it."),
        Prop("person_id", description="The catalog person who confirmed it."),
        Prop("at", required=True, indexed=True, description="When (UTC, ISO 8601)."),
    ),
    nb="Bekreftelse",
)

ACCESS_REVIEW = NodeType(
    "AccessReview", "access-reviews", "review",
    "An access review campaign: the effective access in a scope at its start, each item decided by an owner.",
    props=(
        Prop("scope", required=True, choices=REVIEW_SCOPES,
             description="One resource, all systems an org unit owns, or all resources holding personal data."),
        Prop("scope_id", description="The resource or org unit, for those scopes."),
        Prop("deadline", "date", required=True, description="When every item should be decided."),
        Prop("include_lineage", "bool", description="Also review exposure through copies of datasets."),
        Prop("status", required=True, choices=("open", "closed"), indexed=True, description="Open or closed."),
        Prop("opened_by", description="Who opened it."),
        Prop("opened_at", description="When (UTC, ISO 8601)."),
        Prop("as_of", "date", description="The day whose effective access the items are."),
        Prop("closed_by", description="Who closed it."),
        Prop("closed_at", description="When (UTC, ISO 8601)."),
    ),
    nb="Tilgangsgjennomgang",
)

REVIEW_ITEM = NodeType(
    "ReviewItem", "review-items", "item",
    "One principal's effective access to one resource in a review, and the owner's decision.",
    props=(
        Prop("review_id", required=True, indexed=True, description="The campaign."),
        Prop("principal_id", required=True, description="The person or service account."),
        Prop("principal_name", description="Its name."),
        Prop("principal_type", description="Person or ServiceAccount."),
        Prop("resource_id", required=True, description="The resource reached."),
        Prop("resource_name", description="Its name."),
        Prop("level", choices=ACCESS_LEVELS, description="The effective level at the campaign's start."),
        Prop("path", description="The path that explains the access, as one readable line."),
        Prop("via_edge", description="The principal's first edge on that path: what a revoke removes."),
        Prop("via_source", description="Where that edge comes from: a harvest source, or manual."),
        Prop("action", description="What a revoke asks of that source, such as removing a person from a group."),
        Prop("reviewer_id", indexed=True, description="The person who decides (systemeier or a delegate)."),
        Prop("reviewer_name", description="Their name."),
        Prop("decision", choices=REVIEW_DECISIONS, description="Keep or revoke."),
        Prop("note", description="Why."),
        Prop("decided_by", description="Who decided."),
        Prop("decided_at", description="When (UTC, ISO 8601)."),
    ),
    nb="Gjennomgangspunkt",
)

WEBHOOK = NodeType(
    "Webhook", "webhooks", "webhook",
    "An address that receives the catalog's notices as signed JSON (HMAC-SHA256 over the body).",
    props=(
        Prop("url", required=True, check=checks.web_address, description="Where notices are posted."),
        Prop("secret", description="The shared key of the signature; shown once, never read back."),
        Prop("events", "list", description="The notice events it receives; all when empty."),
        Prop("active", "bool", description="Inactive webhooks receive nothing."),
        Prop("created", description="When it was added."),
    ),
    nb="Webhook",
)

NOTICE = NodeType(
    "Notice", "notices", "notice",
    "One notice to one recipient, kept with its deliveries so that nobody is told the same thing twice.",
    props=(
        Prop("key", required=True, unique=True, description="What the notice is about and for whom; one notice per key."),
        Prop("event", required=True, choices=NOTICE_EVENTS, indexed=True, description="What happened."),
        Prop("recipient", required=True, indexed=True, description="A person's id, an e-mail address, or a webhook's id."),
        Prop("address", description="Where it goes: the e-mail address or the webhook's URL."),
        Prop("channel", required=True, choices=("email", "webhook"), description="How it is delivered."),
        Prop("subject", description="One line."),
        Prop("body", description="The text, or for webhooks the JSON payload."),
        Prop("created", indexed=True, description="When it was made (UTC, ISO 8601)."),
        Prop("status", choices=("pending", "sent", "failed"), indexed=True, description="Delivery state."),
        Prop("attempts", "int", description="Delivery attempts so far."),
        Prop("sent_at", description="When it was delivered."),
        Prop("last_error", description="Why the last attempt failed."),
    ),
    nb="Varsel",
)

PRINCIPALS = ("Person", "Group", "Role", "ServiceAccount")
# Who can reach what: only those with the read_access permission see these relationships.
ACCESS_RELATIONSHIPS = ("HAS_ACCESS", "MEMBER_OF", "HAS_ROLE")
OWNERS = ("Person", "OrgUnit", "Organization")
OWNED = ("System", "Dataset", "Integration", "FintComponent")

OWNS = RelType("OWNS", "eier", OWNERS, OWNED,
    "Ownership with a typed role: systemeier, systemansvarlig, dataeier, databehandler, kontaktperson.",
    props=(
        Prop("role", choices=OWNERSHIP_ROLES, required=True, description="The ownership role."),
        Prop("note", description="Remark, such as the data-processing agreement's reference."),
        VALID_FROM,
        VALID_TO,
    ),
    key=("role",),
    temporal=True,
    path="ownerships",
    source_field="owner_id",
    target_field="resource_id",
    rdf="dct:rightsHolder",
)

HAS_ACCESS = RelType("HAS_ACCESS", "har tilgang til", PRINCIPALS, ("System", "Dataset", "Role", "FintComponent"),
    "An access grant: a principal may use a system, dataset, role or FINT component.",
    props=(
        Prop("level", choices=ACCESS_LEVELS, required=True, description="read < write < admin."),
        Prop("expansion", choices=GRANT_EXPANSIONS,
             description="A grant to a group: whether it reaches direct members only, or nested groups' members too "
                         "(transitive, when empty)."),
        VALID_FROM,
        VALID_TO,
        Prop("granted_by", description="Who approved the grant."),
        Prop("purpose", description="Why the access is needed."),
        Prop("legal_basis", description="Legal basis for the access."),
    ),
    temporal=True,
    path="access-grants",
    source_field="principal_id",
    target_field="resource_id",
)

MEMBER_OF = RelType("MEMBER_OF", "er medlem av", ("Person", "Group", "ServiceAccount"), ("Group",),
    "Group membership; groups nest.",
    props=(VALID_FROM, VALID_TO),
    temporal=True,
    path="memberships",
    source_field="member_id",
    target_field="group_id",
    rdf="org:memberOf",
)

HAS_ROLE = RelType("HAS_ROLE", "har rollen", ("Person", "Group", "ServiceAccount"), ("Role",),
    "A principal holds a role.",
    props=(VALID_FROM, VALID_TO),
    temporal=True,
    path="role-assignments",
    source_field="holder_id",
    target_field="role_id",
    rdf="org:role",
)

# Relationships edited as refs of a node.
REF_RELATIONSHIPS = (
    RelType("PART_OF", "er del av", ("OrgUnit",), ("OrgUnit", "Organization"), "Org unit hierarchy.", rdf="org:unitOf"),
    RelType("WORKS_IN", "arbeider i", ("Person",), ("OrgUnit",), "Where a person works.", rdf="org:memberOf"),
    RelType("DEFINED_IN", "er definert i", ("Role",), ("System",), "The system a role belongs to."),
    RelType("ACTS_FOR", "handler for", ("ServiceAccount",), ("System",), "The system a service account serves.",
            rdf="prov:actedOnBehalfOf"),
    RelType("STORED_IN", "er lagret i", ("System", "Dataset"), ("StorageLocation",), "Where data lives.",
            rdf="dct:spatial"),
    RelType("HOLDS", "har datasettet", ("System", "FintComponent"), ("Dataset",), "A system holds a dataset.",
            rdf="dcat:servesDataset"),
    RelType("HAS_FORMAT", "har format", ("Dataset", "Integration"), ("Format",), "A format in use.", rdf="dct:format"),
    RelType("DERIVED_FROM", "er avledet fra", ("Dataset",), ("Dataset",), "A dataset derived or copied from another.",
            props=(Prop("kind", choices=LINEAGE_KINDS, description="Declared or observed."),
                   Prop("via", description="The job or integration that derives it.")),
            rdf="prov:wasDerivedFrom"),
    RelType("SENDS", "sender", ("System",), ("Integration",), "A system is the source of an integration.",
            rdf="prov:used"),
    RelType("RECEIVES", "leverer til", ("Integration",), ("System",), "An integration delivers to a system.",
            rdf="prov:generated"),
    RelType("CARRIES", "overfører", ("Integration",), ("Dataset",), "An integration carries a dataset.",
            rdf="prov:used"),
    RelType("VIA", "går via", ("Integration",), ("FintComponent",), "An integration passes a FINT component."),
    RelType("REPLACED_BY", "erstattes av", ("System",), ("System",), "The system that replaces another.",
            rdf="dct:isReplacedBy"),
    RelType("HAS_CONTROLLER", "har behandlingsansvarlig", ("ProcessingActivity",), ("Organization",),
            "The controller of a processing.", rdf="dpv:hasDataController"),
    RelType("HAS_JOINT_CONTROLLER", "har felles behandlingsansvarlig", ("ProcessingActivity",), ("Organization",),
            "A joint controller of a processing.", rdf="dpv:hasJointDataControllers"),
    RelType("MANAGED_BY", "forvaltes av", ("ProcessingActivity",), ("OrgUnit",), "The unit responsible for a processing."),
    RelType("PROCESSED_IN", "behandles i", ("ProcessingActivity",), ("System",), "A system a processing uses."),
    RelType("PROCESSES", "behandler", ("ProcessingActivity",), ("Dataset",), "A dataset a processing uses."),
    RelType("AGREED_WITH", "er inngått med", ("Agreement",), ("Organization",), "The other party of an agreement."),
    RelType("HAS_SUBPROCESSOR", "tillater underdatabehandler", ("Agreement",), ("Organization",),
            "A subprocessor an agreement allows.", rdf="dpv:hasDataProcessor"),
    RelType("COVERS", "omfatter", ("Agreement",), ("System",), "A system an agreement covers."),
    RelType("ASSESSES", "vurderer", ("RiskAssessment",), ("System", "ProcessingActivity"),
            "What a risk assessment assesses."),
)

# Data flows along four kinds of edge, always in the direction the data moves. Lineage and impact
# walk these FLOWS_TO edges, which the store keeps in step with the facts they come from.
FLOWS_TO = Projection("FLOWS_TO", (
    Flow("integration", "System", (Hop("SENDS"), Hop("RECEIVES")), "System", via="Integration"),
    Flow("holds", "System", (Hop("HOLDS"),), "Dataset"),
    # A dataset reaches the system an integration copies it to.
    Flow("copy", "Dataset", (Hop("CARRIES", forward=False), Hop("RECEIVES")), "System", via="Integration"),
    # From the original to the dataset derived or copied from it.
    Flow("derivation", "Dataset", (Hop("DERIVED_FROM", forward=False),), "Dataset", via_prop="via"),
), "Data moves from the source to the target (lineage and impact walk these).")

ONTOLOGY = Ontology(
    nodes=(ORGANIZATION, ORG_UNIT, PERSON, GROUP, ROLE, SERVICE_ACCOUNT, SYSTEM, FINT_COMPONENT,
           DATASET, FORMAT, STORAGE_LOCATION, INTEGRATION, PROCESSING_ACTIVITY, AGREEMENT, RISK_ASSESSMENT),
    operational=(HARVEST_RUN, CONFLICT, REMOVED_FACT, API_TOKEN, CHANGE_RECORD, HISTORY_HEAD, ROLE_ASSIGNMENT, LEASE,
                 ATTESTATION,
                 ACCESS_REVIEW, REVIEW_ITEM, WEBHOOK, NOTICE),
    relationships=(OWNS, HAS_ACCESS, MEMBER_OF, HAS_ROLE) + REF_RELATIONSHIPS,
    projections=(FLOWS_TO,),
    common_props=(
        Prop("name", required=True, searchable=True, indexed=True, description="Display name.",
             rdf="dct:title"),
        Prop("description", searchable=True, description="What it is, in a sentence or two.",
             rdf="dct:description"),
    ),
    provenance=(
        Prop("source", description="'manual', or the id of the harvest source that brought the fact."),
        Prop("first_seen", description="When the fact was first recorded (UTC, ISO 8601)."),
        Prop("last_seen", description="When a source or an editor last confirmed it."),
        Prop("last_modified_by", description="Who or what made the last change."),
        Prop("version", "int", description="Increases with every change; the ETag of the record."),
        Prop("closed", "date", description="The day a harvest run closed the fact, its source no longer having it; "
                                           "kept as history."),
    ),
)
