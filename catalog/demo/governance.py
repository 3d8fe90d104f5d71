"""Eksempel fylkeskommune's governance register: its record of processing activities (art. 30),
its agreements with vendors, its ROS analyses and DPIAs, and its plans to phase systems out.

Gaps are left on purpose, so that every governance report has something to say: processing
without a legal basis, special categories without an art. 9 condition, a data processing
agreement that has run out, assessments past their due date, a system to be phased out with no
replacement named, an EEA exposure seen only through a subprocessor (itslearning) and one seen
only through an integration (InSchool's pupil register copied to Google Workspace).
"""

from __future__ import annotations

from collections.abc import Iterator

from ontology.records import NodeRecord, RelRecord

COUNTY = "org-eksempel-fylkeskommune"

# Countries of the demo's organisations, and the vendors and subprocessors the agreements name.
ORGANIZATION_COUNTRY = {
    COUNTY: "NO", "org-visma": "NO", "org-tieto": "NO", "org-sikri": "NO", "org-unit4": "NO",
    "org-microsoft": "NO", "org-opus": "NO", "org-itslearning": "NO", "org-acos": "NO", "org-ks": "NO",
}
ORGANIZATIONS = [
    # id, name, orgnr, country
    ("org-microsoft-ireland", "Microsoft Ireland Operations (demo)", "921000111", "IE"),
    ("org-microsoft-corporation", "Microsoft Corporation (demo)", "921000138", "US"),
    ("org-aws-emea", "Amazon Web Services EMEA (demo)", "921000146", "LU"),
    ("org-zendesk", "Zendesk Inc. (demo)", "921000154", "US"),
    ("org-google-ireland", "Google Ireland (demo)", "921000162", "IE"),
    ("org-zoom", "Zoom Video Communications (demo)", "921000170", "US"),
    ("org-intuit", "Intuit Mailchimp (demo)", "921000189", "US"),
    ("org-inspera", "Inspera (demo)", "921000197", "NO"),
    ("org-entur", "Entur (demo)", "921000200", "NO"),
    ("org-mercell", "Mercell (demo)", "921000219", "NO"),
    ("org-compilo", "Compilo (demo)", "921000227", "NO"),
    ("org-tida", "Tida (demo)", "921000235", "NO"),
    ("org-topdesk", "TOPdesk Norge (demo)", "921000243", "NO"),
    ("org-vigo", "Vigo IKS (demo)", "921000251", "NO"),
]

# Lifecycle planning and vendor countries of the demo's systems, by slug.
SYSTEM_PLANNING = {
    "acos-websak": {"end_of_life": "2027-06-30", "vendor_country": "NO"},
    "zoom": {"end_of_life": "2027-03-14", "vendor_country": "US"},
    "ruteplan": {"end_of_life": "2027-09-30", "vendor_country": "SE"},
    "public-360": {"end_of_life": "2028-12-31", "vendor_country": "NO"},
    "mailchimp": {"vendor_country": "US"},
    "google-workspace": {"vendor_country": "IE"},
    "visma-inschool": {"vendor_country": "NO"}, "visma-hrm": {"vendor_country": "NO"},
    "visma-flyt-ppt": {"vendor_country": "NO"}, "itslearning": {"vendor_country": "NO"},
    "unit4-erp": {"vendor_country": "NL"}, "basware": {"vendor_country": "FI"}, "topdesk": {"vendor_country": "NL"},
    "entra-id": {"vendor_country": "IE"}, "microsoft-365": {"vendor_country": "IE"}, "intune": {"vendor_country": "IE"},
    "opus-dental": {"vendor_country": "NO"}, "inspera": {"vendor_country": "NO"}, "elements": {"vendor_country": "NO"},
}
REPLACEMENTS = [("acos-websak", "elements"), ("zoom", "microsoft-365"), ("public-360", "elements")]

RETENTION = "Slettes eller avleveres etter fylkeskommunens arkivplan og bevarings- og kassasjonsregler."
SECURITY = "Rollebasert tilgangsstyring, tofaktorinnlogging, logging av oppslag, kryptering under overføring og lagring."

PROCESSING = [
    # slug, name, unit, purpose, art. 6, art. 9, national law, data subjects, personal data, systems, datasets, status
    ("inntak", "Inntak til videregående opplæring", "unit-opplaering",
     "Behandle søknader om skoleplass og fatte vedtak om inntak.", "public-task", "substantial-public-interest",
     "Opplæringslova § 3-1 og forskrift til opplæringslova kap. 6", ["pupils", "guardians"],
     ["identifying", "national-id", "contact", "education", "health"], ["vigo", "visma-inschool"], ["inntak-sokere"],
     "in-effect"),
    ("elevadministrasjon", "Elevadministrasjon", "unit-vgs",
     "Føre elevregister, klasser, timeplaner og fravær.", "public-task", None, "Opplæringslova § 13-10",
     ["pupils", "guardians"], ["identifying", "national-id", "contact", "education"], ["visma-inschool"],
     ["elevregister", "fravaer", "timeplan"], "in-effect"),
    ("vurdering", "Vurdering, karakterer og vitnemål", "unit-vgs",
     "Sette standpunkt- og eksamenskarakterer og utstede vitnemål.", "public-task", None,
     "Forskrift til opplæringslova kap. 3", ["pupils"], ["identifying", "education"],
     ["visma-inschool", "pas-pgs", "vigo"], ["karakterer"], "in-effect"),
    ("spesialundervisning", "Spesialundervisning og tilrettelegging", "unit-vgs",
     "Gi spesialundervisning og tilrettelagt opplæring.", "public-task", "substantial-public-interest",
     "Opplæringslova kap. 5", ["pupils", "guardians"], ["identifying", "education", "health"], ["visma-inschool"],
     ["tilrettelegging"], "in-effect"),
    ("ppt", "PP-tjenestens sakkyndige vurderinger", "unit-ppt",
     "Utrede elevers behov og skrive sakkyndige vurderinger.", "public-task", "substantial-public-interest",
     "Opplæringslova § 5-3", ["pupils", "guardians"], ["identifying", "national-id", "education", "health"],
     ["visma-flyt-ppt", "public-360"], ["ppt-saker"], "in-effect"),
    ("laeringsplattform", "Digital læringsplattform", "unit-vgs",
     "Gi elevene undervisningsopplegg, innleveringer og tilbakemeldinger.", "public-task", None,
     "Opplæringslova § 1-1", ["pupils", "employees"], ["identifying", "contact", "education"],
     ["itslearning", "feide"], ["laeringsressurser"], "in-effect"),
    ("eksamen", "Digital eksamen", "unit-vgs", "Gjennomføre og sensurere eksamen.", "public-task", None,
     "Forskrift til opplæringslova kap. 3", ["pupils"], ["identifying", "education"], ["inspera"],
     ["eksamensbesvarelser"], "in-effect"),
    ("google-skrivearbeid", "Elevenes skrivearbeid i Google Workspace", "unit-vgs",
     "La elevene skrive og dele dokumenter.", None, None, None, ["pupils"],
     ["identifying", "contact", "education"], ["google-workspace"], ["elevdokumenter-google"], "needs-revision"),
    ("fagopplaering", "Lærekontrakter og fagprøver", "unit-fagopplaering",
     "Godkjenne lærekontrakter og gjennomføre fag- og svenneprøver.", "public-task", None,
     "Opplæringslova kap. 4", ["apprentices"], ["identifying", "national-id", "contact", "education", "employment"],
     ["vigo"], ["laerekontrakter"], "in-effect"),
    ("skoleskyss", "Skoleskyss", "unit-kollektiv",
     "Vurdere rett til skoleskyss og planlegge skyss, også ved sykdom eller skade.", "public-task", None,
     "Opplæringslova § 7-1", ["pupils", "guardians"], ["identifying", "contact", "location", "health"],
     ["skoleskyss", "visma-inschool"], ["skoleskyss-vedtak"], "in-effect"),
    ("lanekassen", "Utveksling med Lånekassen", "unit-vgs",
     "Melde elevers skolegang til Lånekassen for utdanningsstøtte.", "legal-obligation", None,
     "Utdanningsstøtteloven § 22", ["pupils"], ["identifying", "national-id", "education"],
     ["visma-inschool", "lanekassen"], ["elevregister"], "in-effect"),
    ("personaladministrasjon", "Personaladministrasjon", "unit-hr",
     "Ansette, følge opp og avslutte arbeidsforhold.", "contract", None, "Arbeidsmiljøloven",
     ["employees"], ["identifying", "national-id", "contact", "employment"], ["visma-hrm"], ["ansattregister"],
     "in-effect"),
    ("lonn", "Lønn og trekk", "unit-hr", "Utbetale lønn, trekke skatt og fagforeningskontingent.",
     "legal-obligation", "employment-social-security", "A-opplysningsloven og skattebetalingsloven",
     ["employees"], ["identifying", "national-id", "financial", "trade-union-membership"],
     ["visma-hrm", "unit4-erp"], ["lonn"], "in-effect"),
    ("sykefravaer", "Sykefraværsoppfølging", "unit-hr", "Følge opp sykmeldte arbeidstakere.",
     "legal-obligation", None, "Arbeidsmiljøloven § 4-6 og folketrygdloven kap. 8", ["employees"],
     ["identifying", "health"], ["visma-hrm"], ["sykefravaer"], "in-effect"),
    ("rekruttering", "Rekruttering", "unit-hr", "Lyse ut stillinger og vurdere søkere.", "contract", None, None,
     ["job-applicants"], ["identifying", "contact", "employment", "education"], [], [], "draft"),
    ("hms-avvik", "HMS-avvik og varsling", "unit-hr", "Registrere og følge opp avvik og varsler.",
     "legal-obligation", None, "Arbeidsmiljøloven § 3-1 og kap. 2 A", ["employees"],
     ["identifying", "contact", "employment"], ["compilo"], ["avviksmeldinger"], "in-effect"),
    ("tilgangsstyring", "Brukerkontoer og tilgangsstyring", "unit-digital",
     "Gi ansatte og elever brukerkontoer og riktige tilganger.", "public-task", None,
     "Forvaltningsloven § 13 og eForvaltningsforskriften § 15", ["employees", "pupils"], ["identifying", "contact"],
     ["entra-id", "intune"], ["brukerkontoer"], "in-effect"),
    ("samhandling", "E-post, dokumenter og samhandling", "unit-digital",
     "Kommunisere og samarbeide internt og med innbyggere.", "public-task", None, None,
     ["employees", "pupils", "citizens"], ["identifying", "contact", "communication"],
     ["microsoft-365", "sharepoint-intranett"], [], "in-effect"),
    ("videomoter", "Videomøter", "unit-digital", "Holde møter og undervisning på video.", "public-task", None, None,
     ["employees", "citizens"], ["identifying", "contact", "images", "communication"], ["zoom"], [], "needs-revision"),
    ("brukerstotte", "Brukerstøtte", "unit-digital", "Ta imot og løse henvendelser om IT.", "public-task", None, None,
     ["employees", "pupils"], ["identifying", "contact"], ["topdesk"], [], "in-effect"),
    ("saksbehandling", "Saksbehandling og arkiv", "unit-arkiv",
     "Behandle saker, journalføre og arkivere dokumenter.", "legal-obligation", None,
     "Arkivlova, forvaltningsloven og offentleglova", ["citizens", "employees", "pupils", "suppliers"],
     ["identifying", "national-id", "contact"], ["public-360", "acos-websak", "ks-fiks", "eformidling"],
     ["saksarkiv", "websak-arkiv"], "in-effect"),
    ("arkivdepot", "Avlevering til arkivdepot", "unit-arkiv", "Bevare arkiver for ettertiden.",
     "legal-obligation", "archiving-research-statistics", "Arkivlova § 10", ["citizens", "employees", "pupils"],
     ["identifying", "national-id", "health"], ["ika-depot"], ["arkivuttrekk"], "in-effect"),
    ("tannhelse", "Pasientbehandling i tannhelsetjenesten", "unit-tannhelse",
     "Undersøke og behandle pasienter og føre journal.", "public-task", "health-social-care",
     "Tannhelsetjenesteloven og pasientjournalloven", ["patients", "children", "guardians"],
     ["identifying", "national-id", "contact", "health"], ["opus-dental", "veeam"], ["pasientjournal"], "in-effect"),
    ("billettsalg", "Billettsalg og reisekort", "unit-kollektiv", "Selge billetter og håndtere reisekort.",
     "contract", None, "Yrkestransportlova", ["customers"], ["identifying", "contact", "financial", "location"],
     ["billettsystem"], ["billettsalg"], "in-effect"),
    ("nyhetsbrev", "Nyhetsbrev om kultur og næring", "unit-kultur", "Sende nyhetsbrev til dem som melder seg på.",
     None, None, None, ["citizens"], ["contact"], ["mailchimp"], ["nyhetsbrev-abonnenter"], "in-effect"),
    ("innkjop", "Innkjøp og kontraktsoppfølging", "unit-okonomi", "Gjennomføre anskaffelser og betale leverandører.",
     "legal-obligation", None, "Anskaffelsesloven og bokføringsloven", ["suppliers"], ["identifying", "contact"],
     ["mercell", "basware", "unit4-erp"], ["anbud", "fakturaer"], "in-effect"),
    ("kompetanseregister", "Kompetanseregistrering", "unit-hr", "Registrere ansattes kurs og kompetanse.",
     None, None, None, ["employees"], ["identifying", "employment", "education"], ["kompetanseportal"], [], "ended"),
]
# Transfers to third countries the record states, with their safeguard.
TRANSFERS = {"google-skrivearbeid": (["US"], None), "samhandling": (["US"], "standard-contractual-clauses"),
             "videomoter": (["US"], "adequacy-decision"), "nyhetsbrev": (["US"], None)}
RECIPIENTS = {"inntak": ["Utdanningsdirektoratet", "Lånekassen"], "vurdering": ["Utdanningsdirektoratet"],
              "lanekassen": ["Lånekassen"], "lonn": ["Skatteetaten", "NAV", "Fagforeninger"],
              "sykefravaer": ["NAV", "Bedriftshelsetjenesten"], "saksbehandling": ["Allmennheten (offentlig journal)"],
              "arkivdepot": ["Interkommunalt arkiv"], "tannhelse": ["Helfo"]}
# Entries whose retention and security measures nobody has written down yet.
UNFINISHED = {"rekruttering", "brukerstotte", "google-skrivearbeid", "videomoter", "nyhetsbrev"}
DPIA = {"spesialundervisning": "2024-05-10", "ppt": "2023-09-01", "tannhelse": "2026-02-01",
        "google-skrivearbeid": None, "skoleskyss": None}
AUTOMATED = {"inntak"}

AGREEMENTS = [
    # slug, name, kind, counterpart, reference, start, end, notice, systems, subprocessors
    ("dba-visma-skole", "Databehandleravtale Visma skole", "databehandleravtale", "org-visma", "2021/1043",
     "2021-08-01", None, None, ["visma-inschool", "visma-flyt-ppt"], []),
    ("ssa-v-inschool", "Vedlikeholdsavtale Visma InSchool", "ssa-v", "org-visma", "2021/1044",
     "2021-08-01", "2027-07-31", "2027-01-31", ["visma-inschool"], []),
    ("dba-visma-hrm", "Databehandleravtale Visma HRM", "databehandleravtale", "org-visma", "2019/0311",
     "2019-01-01", None, None, ["visma-hrm"], []),
    ("dba-tieto-360", "Databehandleravtale Public 360", "databehandleravtale", "org-tieto", "2018/0920",
     "2018-06-01", "2026-12-31", None, ["public-360"], []),
    ("ssa-l-360", "Lisensavtale Public 360", "ssa-l", "org-tieto", "2018/0921",
     "2018-06-01", "2028-12-31", "2028-06-30", ["public-360"], []),
    ("dba-unit4", "Databehandleravtale Unit4 ERP", "databehandleravtale", "org-unit4", "2020/0102",
     "2020-01-01", None, None, ["unit4-erp"], ["org-microsoft-ireland"]),
    ("dba-itslearning", "Databehandleravtale itslearning", "databehandleravtale", "org-itslearning", "2019/0777",
     "2019-08-01", None, None, ["itslearning"], ["org-aws-emea", "org-zendesk"]),
    ("dba-microsoft", "Microsoft Products and Services Data Protection Addendum", "databehandleravtale",
     "org-microsoft-ireland", "2020/0555", "2020-05-01", None, None,
     ["entra-id", "microsoft-365", "intune", "sharepoint-intranett", "power-bi", "datavarehus"],
     ["org-microsoft-corporation"]),
    ("dba-opus", "Databehandleravtale Opus Dental", "databehandleravtale", "org-opus", "2017/0201",
     "2017-01-01", "2025-12-31", None, ["opus-dental"], []),
    ("dba-acos", "Databehandleravtale Acos WebSak", "databehandleravtale", "org-acos", "2012/0450",
     "2012-03-01", "2027-06-30", None, ["acos-websak"], []),
    ("ssa-d-elements", "Leveranseavtale Elements", "ssa-d", "org-sikri", "2026/0130",
     "2026-03-01", "2027-12-31", None, ["elements"], []),
    ("dba-elements", "Databehandleravtale Elements", "databehandleravtale", "org-sikri", "2026/0131",
     "2027-01-01", None, None, ["elements"], []),
    ("lisens-google", "Google Workspace for Education-lisens", "licence", "org-google-ireland", "2024/0801",
     "2024-08-01", "2027-07-31", None, ["google-workspace"], []),
    ("dba-ks-fiks", "Databehandleravtale KS FIKS", "databehandleravtale", "org-ks", "2020/0640",
     "2020-02-01", None, None, ["ks-fiks"], []),
    ("ssa-b-mercell", "Bistandsavtale Mercell", "ssa-b", "org-mercell", "2025/0011",
     "2025-01-01", "2027-02-28", "2026-12-15", ["mercell"], []),
    ("dba-compilo", "Databehandleravtale Compilo", "databehandleravtale", "org-compilo", "2021/0302",
     "2021-04-01", None, None, ["compilo"], []),
    ("dba-inspera", "Databehandleravtale Inspera", "databehandleravtale", "org-inspera", "2020/0999",
     "2020-09-01", None, None, ["inspera"], ["org-aws-emea"]),
    ("lisens-zoom", "Zoom-lisens", "licence", "org-zoom", "2020/0315",
     "2020-03-15", "2027-03-14", "2026-12-14", ["zoom"], []),
    ("dba-entur", "Databehandleravtale billettsystem", "databehandleravtale", "org-entur", "2019/0500",
     "2019-05-01", None, None, ["billettsystem"], []),
    ("samarbeid-tida", "Samarbeidsavtale skoleskyss", "other", "org-tida", "2022/0101",
     "2022-01-01", "2026-12-20", None, ["skoleskyss"], []),
    ("dba-vigo", "Databehandleravtale VIGO", "databehandleravtale", "org-vigo", "2016/0042",
     "2016-01-01", None, None, ["vigo"], []),
]

RISK_ASSESSMENTS = [
    # slug, name, kind, assessed on, next due, status, residual risk, assesses (system slugs or processing-slug)
    ("ros-inschool", "ROS Visma InSchool", "ros", "2026-03-15", "2027-03-15", "completed", "medium",
     ["system-visma-inschool"]),
    ("ros-hrm", "ROS Visma HRM", "ros", "2025-06-01", "2026-06-01", "completed", "medium", ["system-visma-hrm"]),
    ("ros-360", "ROS sak og arkiv", "ros", "2024-10-01", None, "completed", "medium",
     ["system-public-360", "system-acos-websak"]),
    ("ros-opus", "ROS Opus Dental", "ros", "2026-05-02", "2027-05-02", "completed", "high", ["system-opus-dental"]),
    ("ros-microsoft", "ROS Microsoft 365 og Entra ID", "ros", "2026-01-20", "2027-01-20", "completed", "medium",
     ["system-microsoft-365", "system-entra-id", "system-intune", "system-sharepoint-intranett"]),
    ("ros-itslearning", "ROS itslearning", "ros", "2025-11-01", "2026-11-01", "completed", "low",
     ["system-itslearning"]),
    ("ros-google", "ROS Google Workspace", "ros", "2024-02-01", "2025-02-01", "completed", "high",
     ["system-google-workspace"]),
    ("ros-ks-fiks", "ROS KS FIKS", "ros", "2026-06-10", "2027-06-10", "completed", "low", ["system-ks-fiks"]),
    ("ros-unit4", "ROS økonomisystemer", "ros", "2026-04-01", "2027-04-01", "completed", "low",
     ["system-unit4-erp", "system-basware"]),
    ("ros-vigo", "ROS VIGO", "ros", "2026-09-01", "2027-09-01", "completed", "medium", ["system-vigo"]),
    ("dpia-spesialundervisning", "DPIA spesialundervisning", "dpia", "2024-05-10", "2027-05-10", "completed", "high",
     ["processing-spesialundervisning"]),
    ("dpia-ppt", "DPIA PP-tjenesten", "dpia", "2023-09-01", "2026-09-01", "completed", "high", ["processing-ppt"]),
    ("dpia-tannhelse", "DPIA tannhelse", "dpia", "2026-02-01", "2029-02-01", "completed", "medium",
     ["processing-tannhelse"]),
    ("dpia-skoleskyss", "DPIA skoleskyss", "dpia", None, None, "planned", None, ["processing-skoleskyss"]),
    ("dpia-inntak", "DPIA inntak", "dpia", "2026-08-15", "2028-08-15", "completed", "medium", ["processing-inntak"]),
]


def records() -> Iterator[NodeRecord | RelRecord]:
    for org_id, name, orgnr, country in ORGANIZATIONS:
        yield NodeRecord("Organization", org_id, {"name": name, "orgnr": orgnr, "country": country})
    for slug, name, unit, purpose, art6, art9, law, subjects, categories, systems, datasets, status in PROCESSING:
        countries, safeguard = TRANSFERS.get(slug, (None, None))
        yield NodeRecord("ProcessingActivity", f"processing-{slug}", {
            "name": name, "purpose": purpose, "art6_basis": art6, "art9_condition": art9, "national_law": law,
            "data_subject_categories": subjects, "personal_data_categories": categories,
            "recipients": RECIPIENTS.get(slug), "third_countries": countries, "transfer_safeguard": safeguard,
            "retention": None if slug in UNFINISHED else RETENTION,
            "security_measures": None if slug in UNFINISHED else SECURITY,
            "automated_decisions": slug in AUTOMATED, "dpia_needed": slug in DPIA,
            "dpia_done": DPIA.get(slug) is not None, "dpia_date": DPIA.get(slug), "status": status})
    for slug, name, kind, _, reference, start, end, notice, *_ in AGREEMENTS:
        yield NodeRecord("Agreement", f"agreement-{slug}", {
            "name": name, "kind": kind, "reference": reference, "start_date": start, "end_date": end,
            "notice_date": notice, "document_link": f"https://sak.eksempel-fylke.no/avtaler/{reference.replace('/', '-')}"})
    for slug, name, kind, assessed, due, status, risk, _ in RISK_ASSESSMENTS:
        yield NodeRecord("RiskAssessment", f"risk-{slug}", {
            "name": name, "kind": kind, "assessed_on": assessed, "next_due": due, "status": status,
            "residual_risk": risk})
    yield from _edges()


def _edges() -> Iterator[RelRecord]:
    for old, new in REPLACEMENTS:
        yield RelRecord("REPLACED_BY", f"system-{old}", f"system-{new}")
    for slug, _, unit, *_, systems, datasets, _ in PROCESSING:
        activity = f"processing-{slug}"
        yield RelRecord("HAS_CONTROLLER", activity, COUNTY)
        yield RelRecord("MANAGED_BY", activity, unit)
        for system in systems:
            yield RelRecord("PROCESSED_IN", activity, f"system-{system}")
        for dataset in datasets:
            yield RelRecord("PROCESSES", activity, f"dataset-{dataset}")
    # Skoleskyss is planned jointly with the bus company's owner, a joint controller.
    yield RelRecord("HAS_JOINT_CONTROLLER", "processing-skoleskyss", "org-tida")
    for slug, _, _, counterpart, *_, systems, subprocessors in AGREEMENTS:
        agreement = f"agreement-{slug}"
        yield RelRecord("AGREED_WITH", agreement, counterpart)
        for system in systems:
            yield RelRecord("COVERS", agreement, f"system-{system}")
        for subprocessor in subprocessors:
            yield RelRecord("HAS_SUBPROCESSOR", agreement, subprocessor)
    for slug, *_, assessed in RISK_ASSESSMENTS:
        for target in assessed:
            yield RelRecord("ASSESSES", f"risk-{slug}", target)
