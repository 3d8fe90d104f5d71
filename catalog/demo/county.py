"""Eksempel fylkeskommune: a fictional county, realistic in shape, with gaps left on purpose
(systems without systemeier, personal data without legal basis, data outside the EEA).

Everything here is made up; organisation numbers are valid in form only. The generation is
deterministic, so loading twice gives the same graph.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from catalog.demo import governance
from ontology.checks import inside_eea
from ontology.records import NodeRecord, RelRecord

COUNTY = "org-eksempel-fylkeskommune"

ORGANIZATIONS = [
    # id, name, orgnr
    (COUNTY, "Eksempel fylkeskommune", "921000006"),
    ("org-visma", "Visma (demo)", "921000014"),
    ("org-tieto", "Tietoevry (demo)", "921000022"),
    ("org-sikri", "Sikri (demo)", "921000030"),
    ("org-unit4", "Unit4 (demo)", "921000049"),
    ("org-microsoft", "Microsoft Norge (demo)", "921000057"),
    ("org-opus", "Opus Systemer (demo)", "921000065"),
    ("org-itslearning", "itslearning (demo)", "921000073"),
    ("org-acos", "Acos (demo)", "921000081"),
    ("org-ks", "KS Digitale Fellestjenester (demo)", "921000103"),
]

ORG_UNITS = [
    # id, name, level, parent
    ("unit-opplaering", "Opplæring og kompetanse", "etat", COUNTY),
    ("unit-vgs", "Videregående skoler", "avdeling", "unit-opplaering"),
    ("unit-fjordvik-vgs", "Fjordvik videregående skole", "seksjon", "unit-vgs"),
    ("unit-nordby-vgs", "Nordby videregående skole", "seksjon", "unit-vgs"),
    ("unit-fagopplaering", "Fagopplæring", "avdeling", "unit-opplaering"),
    ("unit-ppt", "PPT og oppfølgingstjenesten", "avdeling", "unit-opplaering"),
    ("unit-org-okonomi", "Organisasjon og økonomi", "etat", COUNTY),
    ("unit-hr", "HR og lønn", "avdeling", "unit-org-okonomi"),
    ("unit-okonomi", "Økonomi", "avdeling", "unit-org-okonomi"),
    ("unit-digital", "Digitalisering og IT", "avdeling", "unit-org-okonomi"),
    ("unit-arkiv", "Dokumentsenter og arkiv", "seksjon", "unit-digital"),
    ("unit-samferdsel", "Samferdsel", "etat", COUNTY),
    ("unit-kollektiv", "Kollektivtrafikk", "avdeling", "unit-samferdsel"),
    ("unit-veg", "Vegforvaltning", "avdeling", "unit-samferdsel"),
    ("unit-tannhelse", "Tannhelsetjenesten", "etat", COUNTY),
    ("unit-kultur", "Kultur og næring", "etat", COUNTY),
]

LOCATIONS = [
    # id, name, kind, provider, country
    ("location-eget-datasenter", "Fylkeskommunens datasenter", "datacenter", "Eksempel fylkeskommune", "NO"),
    ("location-azure-norway-east", "Azure Norway East", "cloud-region", "Microsoft", "NO"),
    ("location-azure-west-europe", "Azure West Europe", "cloud-region", "Microsoft", "NL"),
    ("location-aws-eu-north-1", "AWS eu-north-1", "cloud-region", "Amazon Web Services", "SE"),
    ("location-visma-cloud", "Visma Cloud Norge", "saas-vendor", "Visma", "NO"),
    ("location-tieto-dc", "Tietoevry datasenter Oslo", "datacenter", "Tietoevry", "NO"),
    ("location-aws-us-east-1", "AWS us-east-1", "cloud-region", "Amazon Web Services", "US"),
    ("location-gcp-us-central1", "Google Cloud us-central1", "cloud-region", "Google", "US"),
    ("location-ika-depot", "IKA depot", "archive", "Interkommunalt arkiv", "NO"),
]

FORMATS = [
    # id, name, media type, EU file type
    ("format-csv", "CSV", "text/csv", "CSV"),
    ("format-json", "JSON", "application/json", "JSON"),
    ("format-xml", "XML", "application/xml", "XML"),
    ("format-pdf-a", "PDF/A", "application/pdf", "PDF1X"),
    ("format-xlsx", "Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    ("format-noark5", "Noark 5 arkivuttrekk", "application/xml", "XML"),
    ("format-netex", "NeTEx", "application/xml", "XML"),
    ("format-geojson", "GeoJSON", "application/geo+json", "GEOJSON"),
    ("format-hal-json", "FINT HAL+JSON", "application/hal+json", "JSON"),
    ("format-sosi", "SOSI", "text/vnd.sosi", None),  # Norwegian; not in the EU file-type table
]

FINT_COMPONENTS = [
    # component, domain, package
    ("utdanning-elev", "utdanning", "elev"),
    ("utdanning-vurdering", "utdanning", "vurdering"),
    ("utdanning-timeplan", "utdanning", "timeplan"),
    ("utdanning-utdanningsprogram", "utdanning", "utdanningsprogram"),
    ("administrasjon-personal", "administrasjon", "personal"),
    ("administrasjon-organisasjon", "administrasjon", "organisasjon"),
    ("administrasjon-kodeverk", "administrasjon", "kodeverk"),
    ("arkiv-noark", "arkiv", "noark"),
    ("okonomi-faktura", "okonomi", "faktura"),
]

SYSTEMS = [
    # slug, name, vendor, hosting, lifecycle, criticality, confidentiality, domain, location, vendor org
    ("visma-inschool", "Visma InSchool", "Visma", "saas", "in-use", "critical", "confidential", "utdanning", "location-visma-cloud", "org-visma"),
    ("visma-hrm", "Visma Enterprise HRM", "Visma", "saas", "in-use", "critical", "confidential", "administrasjon", "location-visma-cloud", "org-visma"),
    ("public-360", "Public 360", "Tietoevry", "saas", "in-use", "high", "confidential", "arkiv", "location-tieto-dc", "org-tieto"),
    ("elements", "Elements", "Sikri", "saas", "planned", "high", "confidential", "arkiv", "location-azure-norway-east", "org-sikri"),
    ("unit4-erp", "Unit4 ERP", "Unit4", "saas", "in-use", "critical", "internal", "okonomi", "location-azure-west-europe", "org-unit4"),
    ("feide", "Feide", "Sikt", "saas", "in-use", "critical", "internal", "utdanning", "location-aws-eu-north-1", None),
    ("entra-id", "Microsoft Entra ID", "Microsoft", "saas", "in-use", "critical", "confidential", "identitet", "location-azure-west-europe", "org-microsoft"),
    ("vigo", "VIGO", "Vigo IKS", "saas", "in-use", "high", "confidential", "utdanning", "location-eget-datasenter", None),
    ("acos-websak", "Acos WebSak", "Acos", "on-premises", "phasing-out", "medium", "confidential", "arkiv", "location-eget-datasenter", "org-acos"),
    ("microsoft-365", "Microsoft 365", "Microsoft", "saas", "in-use", "critical", "confidential", "samhandling", "location-azure-west-europe", "org-microsoft"),
    ("itslearning", "itslearning", "itslearning", "saas", "in-use", "high", "confidential", "utdanning", "location-aws-eu-north-1", "org-itslearning"),
    ("opus-dental", "Opus Dental", "Opus Systemer", "on-premises", "in-use", "critical", "strictly-confidential", "tannhelse", "location-eget-datasenter", "org-opus"),
    ("compilo", "Compilo", "Compilo", "saas", "in-use", "medium", "confidential", "hms", "location-azure-norway-east", None),
    ("landax", "Landax", "Landax", "saas", "in-use", "medium", "internal", "kvalitet", "location-azure-norway-east", None),
    ("mercell", "Mercell", "Mercell", "saas", "in-use", "medium", "internal", "innkjop", "location-aws-eu-north-1", None),
    ("basware", "Basware P2P", "Basware", "saas", "in-use", "high", "internal", "okonomi", "location-azure-west-europe", None),
    ("folkeregisteret", "Folkeregisteret (Skatteetaten)", "Skatteetaten", "saas", "in-use", "high", "strictly-confidential", "felles", "location-eget-datasenter", None),
    ("ks-fiks", "KS FIKS og SvarUt", "KS Digitale Fellestjenester", "saas", "in-use", "high", "confidential", "felles", "location-azure-norway-east", "org-ks"),
    ("eformidling", "eFormidling", "Digdir", "saas", "in-use", "medium", "confidential", "felles", "location-eget-datasenter", None),
    ("id-porten", "ID-porten", "Digdir", "saas", "in-use", "critical", "internal", "felles", "location-eget-datasenter", None),
    ("altinn", "Altinn", "Digdir", "saas", "in-use", "medium", "confidential", "felles", "location-azure-norway-east", None),
    ("nvdb", "NVDB (Nasjonal vegdatabank)", "Statens vegvesen", "saas", "in-use", "medium", "open", "samferdsel", "location-eget-datasenter", None),
    ("billettsystem", "Billett- og betalingssystem", "Entur", "saas", "in-use", "high", "confidential", "samferdsel", "location-aws-eu-north-1", None),
    ("ruteplan", "Ruteplanlegging (FRIDA)", "Consat", "on-premises", "in-use", "high", "internal", "samferdsel", "location-eget-datasenter", None),
    ("arcgis", "ArcGIS Enterprise", "Esri", "on-premises", "in-use", "medium", "internal", "geodata", "location-eget-datasenter", None),
    ("power-bi", "Power BI", "Microsoft", "saas", "in-use", "medium", "confidential", "analyse", "location-azure-west-europe", "org-microsoft"),
    ("datavarehus", "Datavarehus (Azure Synapse)", "Microsoft", "paas", "in-use", "high", "confidential", "analyse", "location-azure-norway-east", "org-microsoft"),
    ("mailchimp", "Mailchimp nyhetsbrev", "Intuit", "saas", "in-use", "low", "internal", "kommunikasjon", "location-aws-us-east-1", None),
    ("zoom", "Zoom", "Zoom Video Communications", "saas", "phasing-out", "low", "internal", "samhandling", "location-aws-us-east-1", None),
    ("google-workspace", "Google Workspace for Education", "Google", "saas", "in-use", "medium", "confidential", "utdanning", "location-gcp-us-central1", None),
    ("topdesk", "TOPdesk", "TOPdesk", "saas", "in-use", "medium", "internal", "it", "location-azure-west-europe", None),
    ("visma-flyt-ppt", "Visma Flyt PPT", "Visma", "saas", "in-use", "high", "strictly-confidential", "utdanning", "location-visma-cloud", "org-visma"),
    ("inspera", "Inspera Assessment", "Inspera", "saas", "in-use", "high", "confidential", "utdanning", "location-aws-eu-north-1", None),
    ("pas-pgs", "PAS/PGS (Udir)", "Utdanningsdirektoratet", "saas", "in-use", "high", "confidential", "utdanning", "location-eget-datasenter", None),
    ("skoleskyss", "Skoleskyssplanlegger", "Tida", "saas", "in-use", "medium", "confidential", "samferdsel", "location-azure-norway-east", None),
    ("intune", "Microsoft Intune", "Microsoft", "saas", "in-use", "high", "internal", "it", "location-azure-west-europe", "org-microsoft"),
    ("sharepoint-intranett", "SharePoint intranett", "Microsoft", "saas", "in-use", "medium", "internal", "samhandling", "location-azure-west-europe", "org-microsoft"),
    ("framsikt", "Framsikt", "Framsikt", "saas", "in-use", "medium", "internal", "okonomi", "location-azure-norway-east", None),
    ("askeladden", "Askeladden kulturminner", "Riksantikvaren", "saas", "in-use", "low", "open", "kultur", "location-eget-datasenter", None),
    ("ika-depot", "Arkivdepot (IKA)", "Interkommunalt arkiv", "on-premises", "in-use", "high", "confidential", "arkiv", "location-ika-depot", None),
    ("veeam", "Veeam Backup", "Veeam", "on-premises", "in-use", "critical", "confidential", "it", "location-eget-datasenter", None),
    ("kompetanseportal", "Kompetanseportalen", "Simployer", "saas", "retired", "low", "internal", "administrasjon", "location-azure-norway-east", None),
    ("lanekassen", "Lånekassen", "Statens lånekasse", "saas", "in-use", "medium", "confidential", "utdanning", "location-eget-datasenter", None),
]

DATASETS = [
    # slug, name, system, personal, special categories, legal basis, access rights, themes, formats, publish
    ("elevregister", "Elevregister", "visma-inschool", True, False, "Opplæringslova § 13-10 og GDPR art. 6 nr. 1 e", "NON_PUBLIC", ["EDUC"], ["format-json"], False),
    ("karakterer", "Karakterer og vurdering", "visma-inschool", True, False, "Opplæringslova kap. 3 og forskrift til opplæringslova", "NON_PUBLIC", ["EDUC"], ["format-json"], False),
    ("fravaer", "Fravær", "visma-inschool", True, False, "Forskrift til opplæringslova § 3-47", "NON_PUBLIC", ["EDUC"], ["format-json"], False),
    ("tilrettelegging", "Spesialundervisning og tilrettelegging", "visma-inschool", True, True, "Opplæringslova kap. 5 og GDPR art. 9 nr. 2 g", "NON_PUBLIC", ["EDUC", "HEAL"], ["format-json"], False),
    ("timeplan", "Timeplaner", "visma-inschool", False, False, None, "RESTRICTED", ["EDUC"], ["format-json"], False),
    ("ansattregister", "Ansattregister", "visma-hrm", True, False, "Arbeidsmiljøloven og GDPR art. 6 nr. 1 b", "NON_PUBLIC", ["GOVE"], ["format-json", "format-csv"], False),
    ("lonn", "Lønn og trekk", "visma-hrm", True, False, "Skatteforvaltningsloven og a-opplysningsloven", "NON_PUBLIC", ["ECON"], ["format-csv"], False),
    ("sykefravaer", "Sykefravær", "visma-hrm", True, True, None, "NON_PUBLIC", ["HEAL"], ["format-csv"], False),
    ("saksarkiv", "Saksarkiv", "public-360", True, False, "Arkivlova og offentleglova", "RESTRICTED", ["GOVE"], ["format-noark5", "format-pdf-a"], False),
    ("postjournal", "Offentlig postjournal", "public-360", False, False, "Offentleglova § 10", "PUBLIC", ["GOVE"], ["format-json", "format-xml"], True),
    ("websak-arkiv", "Eldre saksarkiv (WebSak)", "acos-websak", True, False, "Arkivlova", "RESTRICTED", ["GOVE"], ["format-noark5"], False),
    ("regnskap", "Regnskap", "unit4-erp", False, False, None, "PUBLIC", ["ECON", "GOVE"], ["format-csv", "format-xlsx"], True),
    ("leverandorreskontro", "Leverandørreskontro", "unit4-erp", False, False, None, "RESTRICTED", ["ECON"], ["format-csv"], False),
    ("fakturaer", "Inngående fakturaer", "basware", False, False, None, "RESTRICTED", ["ECON"], ["format-xml"], False),
    ("brukerkontoer", "Brukerkontoer", "entra-id", True, False, "GDPR art. 6 nr. 1 e", "NON_PUBLIC", ["GOVE"], ["format-json"], False),
    ("inntak-sokere", "Søkere til videregående (inntak)", "vigo", True, False, "Forskrift til opplæringslova kap. 6", "NON_PUBLIC", ["EDUC"], ["format-xml"], False),
    ("laerekontrakter", "Lærekontrakter", "vigo", True, False, None, "NON_PUBLIC", ["EDUC"], ["format-xml"], False),
    ("folkeregister-utdrag", "Folkeregisteropplysninger", "folkeregisteret", True, False, "Folkeregisterloven § 10-2", "NON_PUBLIC", ["GOVE"], ["format-json"], False),
    ("pasientjournal", "Pasientjournal tannhelse", "opus-dental", True, True, "Pasientjournalloven og helsepersonelloven § 39", "NON_PUBLIC", ["HEAL"], ["format-xml"], False),
    ("laeringsressurser", "Emner og innleveringer", "itslearning", True, False, "Opplæringslova", "NON_PUBLIC", ["EDUC"], ["format-json"], False),
    ("vegnett", "Fylkesvegnett", "nvdb", False, False, None, "PUBLIC", ["TRAN"], ["format-geojson", "format-sosi"], True),
    ("rutedata", "Rutedata kollektivtrafikk", "ruteplan", False, False, None, "PUBLIC", ["TRAN"], ["format-netex"], True),
    ("billettsalg", "Billettsalg og reisekort", "billettsystem", True, False, "GDPR art. 6 nr. 1 b", "NON_PUBLIC", ["TRAN"], ["format-json"], False),
    ("skoleskyss-vedtak", "Skoleskyssvedtak", "skoleskyss", True, False, None, "NON_PUBLIC", ["EDUC", "TRAN"], ["format-csv"], False),
    ("elevstatistikk", "Elevstatistikk", "datavarehus", False, False, None, "PUBLIC", ["EDUC"], ["format-csv"], True),
    ("okonomirapporter", "Økonomirapporter", "power-bi", False, False, None, "RESTRICTED", ["ECON"], ["format-xlsx"], False),
    ("nyhetsbrev-abonnenter", "Nyhetsbrevabonnenter", "mailchimp", True, False, None, "NON_PUBLIC", ["GOVE"], ["format-csv"], False),
    ("ppt-saker", "PPT-saker og sakkyndige vurderinger", "visma-flyt-ppt", True, True, "Opplæringslova § 5-3 og GDPR art. 9 nr. 2 g", "NON_PUBLIC", ["EDUC", "HEAL"], ["format-json"], False),
    ("eksamensbesvarelser", "Eksamensbesvarelser", "inspera", True, False, "Forskrift til opplæringslova kap. 3", "NON_PUBLIC", ["EDUC"], ["format-pdf-a"], False),
    ("elevdokumenter-google", "Elevdokumenter i Google Workspace", "google-workspace", True, False, None, "NON_PUBLIC", ["EDUC"], ["format-json"], False),
    ("kulturminner", "Kulturminner", "askeladden", False, False, None, "PUBLIC", ["EDUC", "SOCI"], ["format-geojson"], True),
    ("kartdata", "Kartdata fylkeskommunen", "arcgis", False, False, None, "PUBLIC", ["REGI"], ["format-geojson", "format-sosi"], True),
    ("budsjett", "Budsjett og økonomiplan", "framsikt", False, False, None, "PUBLIC", ["ECON", "GOVE"], ["format-xlsx", "format-pdf-a"], True),
    ("avviksmeldinger", "Avviksmeldinger", "compilo", True, False, "Arbeidsmiljøloven § 3-1", "NON_PUBLIC", ["GOVE"], ["format-json"], False),
    ("arkivuttrekk", "Arkivuttrekk i depot", "ika-depot", True, False, "Arkivlova", "RESTRICTED", ["GOVE"], ["format-noark5"], False),
    ("anbud", "Anbud og kontrakter", "mercell", False, False, None, "RESTRICTED", ["ECON"], ["format-pdf-a"], False),
]

# Datasets that copies are derived from (declared lineage beyond integrations).
DERIVATIONS = [("elevstatistikk", "karakterer"), ("elevstatistikk", "fravaer"), ("okonomirapporter", "regnskap"),
               ("arkivuttrekk", "saksarkiv"), ("arkivuttrekk", "websak-arkiv")]

INTEGRATIONS = [
    # source, target, mechanism, datasets carried, FINT component, schedule, status, valid_from, valid_to
    ("folkeregisteret", "vigo", "api", ["folkeregister-utdrag"], None, "daglig", "active", None, None),
    ("vigo", "visma-inschool", "api", ["inntak-sokere"], None, "hver time", "active", None, None),
    ("folkeregisteret", "visma-inschool", "api", ["folkeregister-utdrag"], None, "daglig", "active", None, None),
    ("visma-inschool", "itslearning", "fint", ["elevregister", "timeplan"], "utdanning-elev", "hvert 15. minutt", "active", None, None),
    ("visma-inschool", "entra-id", "fint", ["elevregister"], "utdanning-elev", "hvert 15. minutt", "active", None, None),
    ("visma-inschool", "google-workspace", "fint", ["elevregister"], "utdanning-elev", "daglig", "active", "2024-08-01", None),
    ("visma-inschool", "inspera", "fint", ["elevregister"], "utdanning-elev", "daglig", "active", None, None),
    ("visma-inschool", "public-360", "fint", ["karakterer", "tilrettelegging"], "arkiv-noark", "ved hendelse", "active", None, None),
    ("visma-inschool", "datavarehus", "file-transfer", ["karakterer", "fravaer"], None, "nattlig", "active", None, None),
    ("visma-inschool", "pas-pgs", "api", ["karakterer"], None, "ved eksamen", "active", None, None),
    ("visma-inschool", "skoleskyss", "fint", ["elevregister"], "utdanning-elev", "daglig", "active", None, None),
    ("visma-inschool", "lanekassen", "api", ["elevregister"], None, "ukentlig", "active", None, None),
    ("visma-inschool", "vigo", "api", ["karakterer"], None, "ved vitnemål", "active", None, None),
    ("visma-inschool", "visma-flyt-ppt", "fint", ["elevregister"], "utdanning-elev", "daglig", "active", None, None),
    ("visma-flyt-ppt", "public-360", "fint", ["ppt-saker"], "arkiv-noark", "ved hendelse", "active", None, None),
    ("visma-hrm", "entra-id", "fint", ["ansattregister"], "administrasjon-personal", "hver time", "active", None, None),
    ("visma-hrm", "unit4-erp", "file-transfer", ["lonn"], None, "månedlig", "active", None, None),
    ("visma-hrm", "compilo", "fint", ["ansattregister"], "administrasjon-personal", "daglig", "active", None, None),
    ("visma-hrm", "visma-inschool", "fint", ["ansattregister"], "administrasjon-personal", "daglig", "active", None, None),
    ("visma-hrm", "kompetanseportal", "file-transfer", ["ansattregister"], None, "ukentlig", "retired", "2019-01-01", "2023-06-30"),
    ("entra-id", "microsoft-365", "api", ["brukerkontoer"], None, "kontinuerlig", "active", None, None),
    ("entra-id", "zoom", "api", ["brukerkontoer"], None, "ved innlogging", "active", None, None),
    ("entra-id", "intune", "api", ["brukerkontoer"], None, "kontinuerlig", "active", None, None),
    ("entra-id", "topdesk", "api", ["brukerkontoer"], None, "daglig", "active", None, None),
    ("feide", "itslearning", "api", [], None, "ved innlogging", "active", None, None),
    ("basware", "unit4-erp", "file-transfer", ["fakturaer"], None, "hver time", "active", None, None),
    ("unit4-erp", "datavarehus", "file-transfer", ["regnskap"], None, "nattlig", "active", None, None),
    ("datavarehus", "power-bi", "api", ["elevstatistikk", "regnskap"], None, "nattlig", "active", None, None),
    ("unit4-erp", "framsikt", "file-transfer", ["regnskap"], None, "månedlig", "active", None, None),
    ("acos-websak", "ks-fiks", "svarut-fiks", ["websak-arkiv"], None, "ved hendelse", "active", None, None),
    ("public-360", "ks-fiks", "svarut-fiks", ["saksarkiv"], None, "ved hendelse", "active", None, None),
    ("public-360", "eformidling", "message-queue", ["saksarkiv"], None, "ved hendelse", "active", None, None),
    ("public-360", "ika-depot", "file-transfer", ["saksarkiv"], None, "årlig", "active", None, None),
    ("acos-websak", "ika-depot", "file-transfer", ["websak-arkiv"], None, "ved avslutning", "active", None, None),
    ("acos-websak", "public-360", "manual", ["websak-arkiv"], None, "engangs", "planned", "2027-01-01", None),
    ("mercell", "public-360", "api", ["anbud"], None, "ved hendelse", "active", None, None),
    ("ruteplan", "billettsystem", "file-transfer", ["rutedata"], None, "daglig", "active", None, None),
    ("nvdb", "arcgis", "api", ["vegnett"], None, "ukentlig", "active", None, None),
    ("sharepoint-intranett", "mailchimp", "file-transfer", [], None, "ukentlig", "active", None, None),
    ("altinn", "public-360", "api", [], None, "ved hendelse", "active", None, None),
    ("id-porten", "altinn", "api", [], None, "ved innlogging", "active", None, None),
    ("microsoft-365", "veeam", "api", [], None, "nattlig", "active", None, None),
    ("opus-dental", "veeam", "file-transfer", ["pasientjournal"], None, "nattlig", "active", None, None),
]

# Systems left without a systemeier on purpose (a governance gap the reports must find).
WITHOUT_SYSTEMEIER = {"landax", "zoom", "topdesk", "mailchimp", "askeladden", "kompetanseportal"}
# Integrations left without an owner on purpose.
WITHOUT_OWNER = {5, 21, 38}

FIRST_NAMES = ("Anne Kari Ola Per Ingrid Lars Marit Nils Hilde Jon Silje Knut Tone Erik Randi Bjørn Eva Arne "
               "Kristin Geir Hege Tor Liv Trond Siri Rune Nina Svein Åse Øyvind Mona Håkon Berit Espen Camilla "
               "Magnus Ida Sindre Thea Jonas").split()
LAST_NAMES = ("Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen Johnsen Pettersen "
              "Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl Jørgensen Halvorsen Henriksen Lund "
              "Sørensen Moen Gundersen Iversen Strand Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken "
              "Kristoffersen Mathisen Lie Amundsen Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke").split()

# Where people work, and how many.
STAFFING = [("unit-fjordvik-vgs", 40), ("unit-nordby-vgs", 36), ("unit-fagopplaering", 10), ("unit-ppt", 12),
            ("unit-hr", 14), ("unit-okonomi", 16), ("unit-digital", 20), ("unit-arkiv", 8), ("unit-kollektiv", 12),
            ("unit-veg", 10), ("unit-tannhelse", 16), ("unit-kultur", 6)]

GROUPS = [
    # id, name, parent group
    ("group-alle-ansatte", "Alle ansatte", None),
    ("group-opplaering", "Ansatte opplæring", "group-alle-ansatte"),
    ("group-laerere", "Lærere", "group-opplaering"),
    ("group-laerere-fjordvik", "Lærere Fjordvik vgs", "group-laerere"),
    ("group-laerere-nordby", "Lærere Nordby vgs", "group-laerere"),
    ("group-radgivere", "Rådgivere og kontaktlærere", "group-opplaering"),
    ("group-ppt", "PPT-rådgivere", "group-opplaering"),
    ("group-administrasjon", "Ansatte administrasjon", "group-alle-ansatte"),
    ("group-lonn", "Lønnsmedarbeidere", "group-administrasjon"),
    ("group-okonomi", "Økonomimedarbeidere", "group-administrasjon"),
    ("group-it-drift", "IT-drift", "group-administrasjon"),
    ("group-it-admins", "IT-administratorer", "group-it-drift"),
    ("group-arkiv", "Arkivtjenesten", "group-administrasjon"),
    ("group-tannhelse", "Tannhelsepersonell", "group-alle-ansatte"),
    ("group-samferdsel", "Ansatte samferdsel", "group-alle-ansatte"),
]

# Which groups people of a unit join, and which role-holders they become.
UNIT_GROUPS = {
    "unit-fjordvik-vgs": ["group-laerere-fjordvik"], "unit-nordby-vgs": ["group-laerere-nordby"],
    "unit-fagopplaering": ["group-opplaering"], "unit-ppt": ["group-ppt"], "unit-hr": ["group-lonn"],
    "unit-okonomi": ["group-okonomi"], "unit-digital": ["group-it-drift"], "unit-arkiv": ["group-arkiv"],
    "unit-kollektiv": ["group-samferdsel"], "unit-veg": ["group-samferdsel"], "unit-tannhelse": ["group-tannhelse"],
    "unit-kultur": ["group-administrasjon"],
}

ROLES = [
    # id, name, system, holders (groups), level on the system
    ("role-inschool-laerer", "InSchool – lærer", "visma-inschool", ["group-laerere"], "write"),
    ("role-inschool-radgiver", "InSchool – rådgiver", "visma-inschool", ["group-radgivere"], "write"),
    ("role-inschool-admin", "InSchool – skoleadministrator", "visma-inschool", [], "admin"),
    ("role-hrm-lonn", "HRM – lønnsmedarbeider", "visma-hrm", ["group-lonn"], "write"),
    ("role-unit4-attestant", "Unit4 – attestant", "unit4-erp", ["group-okonomi"], "write"),
    ("role-p360-saksbehandler", "360 – saksbehandler", "public-360", ["group-alle-ansatte"], "write"),
    ("role-p360-arkivar", "360 – arkivar", "public-360", ["group-arkiv"], "admin"),
    ("role-opus-behandler", "Opus – behandler", "opus-dental", ["group-tannhelse"], "write"),
    ("role-ppt-radgiver", "Flyt PPT – rådgiver", "visma-flyt-ppt", ["group-ppt"], "write"),
    ("role-m365-bruker", "Microsoft 365 – bruker", "microsoft-365", ["group-alle-ansatte"], "write"),
    ("role-entra-admin", "Entra ID – global administrator", "entra-id", ["group-it-admins"], "admin"),
    ("role-itslearning-laerer", "itslearning – lærer", "itslearning", ["group-laerere"], "write"),
    ("role-powerbi-leser", "Power BI – rapportleser", "power-bi", ["group-administrasjon"], "read"),
]

SERVICE_ACCOUNTS = [
    # id, name, kind, system it serves, FINT component it reads
    ("sa-fint-itslearning", "FINT-klient itslearning", "fint-client", "itslearning", "utdanning-elev"),
    ("sa-fint-entra", "FINT-klient Entra-provisjonering", "fint-client", "entra-id", "administrasjon-personal"),
    ("sa-fint-google", "FINT-klient Google Workspace", "fint-client", "google-workspace", "utdanning-elev"),
    ("sa-fint-arkiv", "FINT-klient arkivering", "fint-client", "public-360", "arkiv-noark"),
    ("sa-datavarehus-etl", "ETL-bruker datavarehus", "technical-user", "datavarehus", None),
    ("sa-powerbi-gateway", "Power BI gateway", "app-registration", "power-bi", None),
]


def _system_id(slug: str) -> str:
    return f"system-{slug}"


def _dataset_id(slug: str) -> str:
    return f"dataset-{slug}"


def _people(rng: random.Random) -> list[tuple[str, str, str, str | None]]:
    """(id, name, unit, job title) for every employee; the first in each unit leads it."""
    people, used = [], set()
    for unit, count in STAFFING:
        for index in range(count):
            while True:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                if (first, last) not in used:
                    used.add((first, last))
                    break
            person_id = f"person-{len(people) + 1:04d}"
            people.append((person_id, f"{first} {last}", unit, "Leder" if index == 0 else None))
    return people


def _email(name: str) -> str:
    ascii_name = name.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return ascii_name.replace(" ", ".") + "@eksempel-fylke.no"


def records() -> Iterator[NodeRecord | RelRecord]:
    """Every node and edge of the demo county, nodes first."""
    rng = random.Random(2026)
    for org_id, name, orgnr in ORGANIZATIONS:
        yield NodeRecord("Organization", org_id, {"name": name, "orgnr": orgnr,
                                                  "country": governance.ORGANIZATION_COUNTRY.get(org_id)})
    for unit_id, name, level, _ in ORG_UNITS:
        yield NodeRecord("OrgUnit", unit_id, {"name": name, "level": level})
    for loc_id, name, kind, provider, country in LOCATIONS:
        yield NodeRecord("StorageLocation", loc_id, {"name": name, "kind": kind, "provider": provider,
                                                      "country": country, "in_eea": inside_eea({"country": country})})
    for fmt_id, name, media_type, file_type in FORMATS:
        yield NodeRecord("Format", fmt_id, {"name": name, "media_type": media_type, "file_type": file_type})
    for component, domain, package in FINT_COMPONENTS:
        yield NodeRecord("FintComponent", f"fint-{component}", {
            "name": component, "domain": domain, "package": package, "base_path": f"/{domain}/{package}",
            "description": f"FINT-komponent for {domain}/{package}."})
    for slug, name, vendor, hosting, lifecycle, criticality, confidentiality, domain, _, _ in SYSTEMS:
        yield NodeRecord("System", _system_id(slug), {
            "name": name, "vendor": vendor, "hosting": hosting, "lifecycle": lifecycle, "criticality": criticality,
            "confidentiality": confidentiality, "domain": domain, "description": f"{name} fra {vendor}.",
            **governance.SYSTEM_PLANNING.get(slug, {})})
    for slug, name, _, personal, special, basis, access, themes, _, publish in DATASETS:
        yield NodeRecord("Dataset", _dataset_id(slug), {
            "name": name, "personal_data": personal, "special_categories": special, "legal_basis": basis,
            "access_rights": access, "themes": themes, "publish": publish,
            "licence": "NLOD_2_0" if publish else None, "frequency": "MONTHLY" if publish else None,
            "description": f"{name} i Eksempel fylkeskommune.", "keywords": [name.split()[0].lower()]})
    for index, (source, target, mechanism, _, _, schedule, status, valid_from, valid_to) in enumerate(INTEGRATIONS):
        yield NodeRecord("Integration", f"integration-{index + 1:03d}", {
            "name": f"{_name(SYSTEMS, source)} → {_name(SYSTEMS, target)}", "mechanism": mechanism,
            "schedule": schedule, "status": status, "kind": "declared", "valid_from": valid_from, "valid_to": valid_to,
            "protocol": {"fint": "REST (HAL+JSON)", "api": "REST", "file-transfer": "SFTP",
                         "svarut-fiks": "FIKS IO", "message-queue": "AMQP", "manual": None}.get(mechanism)})
    people = _people(rng)
    for person_id, name, _, title in people:
        email = _email(name)
        yield NodeRecord("Person", person_id, {"name": name, "email": email, "upn": email, "enabled": True,
                                                "employee_id": f"E{person_id[-4:]}", "job_title": title})
    for group_id, name, _ in GROUPS:
        yield NodeRecord("Group", group_id, {"name": name, "kind": "security"})
    for role_id, name, *_ in ROLES:
        yield NodeRecord("Role", role_id, {"name": name})
    for sa_id, name, kind, *_ in SERVICE_ACCOUNTS:
        yield NodeRecord("ServiceAccount", sa_id, {"name": name, "kind": kind, "enabled": True})

    yield from _edges(people)
    yield from governance.records()


def _name(table: list[tuple], slug: str) -> str:
    return next(row[1] for row in table if row[0] == slug)


def _edges(people: list[tuple[str, str, str, str | None]]) -> Iterator[RelRecord]:
    for unit_id, _, _, parent in ORG_UNITS:
        yield RelRecord("PART_OF", unit_id, parent)
    for slug, *_, location, vendor_org in SYSTEMS:
        yield RelRecord("STORED_IN", _system_id(slug), location)
    for slug, _, system, *_, formats, _ in DATASETS:
        yield RelRecord("HOLDS", _system_id(system), _dataset_id(slug))
        location = next(row[8] for row in SYSTEMS if row[0] == system)
        yield RelRecord("STORED_IN", _dataset_id(slug), location)
        for fmt in formats:
            yield RelRecord("HAS_FORMAT", _dataset_id(slug), fmt)
    for derived, original in DERIVATIONS:
        yield RelRecord("DERIVED_FROM", _dataset_id(derived), _dataset_id(original), {"kind": "declared"})
    for index, (source, target, _, carried, component, *_) in enumerate(INTEGRATIONS):
        integration = f"integration-{index + 1:03d}"
        yield RelRecord("SENDS", _system_id(source), integration)
        yield RelRecord("RECEIVES", integration, _system_id(target))
        for dataset in carried:
            yield RelRecord("CARRIES", integration, _dataset_id(dataset))
        if component:
            yield RelRecord("VIA", integration, f"fint-{component}")
            yield RelRecord("HAS_FORMAT", integration, "format-hal-json")

    leaders = {unit: person for person, _, unit, title in people if title == "Leder"}
    by_unit: dict[str, list[str]] = {}
    for person_id, _, unit, _ in people:
        by_unit.setdefault(unit, []).append(person_id)
        yield RelRecord("WORKS_IN", person_id, unit)
        for group in UNIT_GROUPS[unit]:
            yield RelRecord("MEMBER_OF", person_id, group)
    for group_id, _, parent in GROUPS:
        if parent:
            yield RelRecord("MEMBER_OF", group_id, parent)
    # Contact teachers (kontaktlærere) from both schools also act as advisers.
    for person_id in by_unit["unit-fjordvik-vgs"][1:6] + by_unit["unit-nordby-vgs"][1:5]:
        yield RelRecord("MEMBER_OF", person_id, "group-radgivere")
    # A teacher who left: the membership ended, so she had access only until then.
    yield RelRecord("MEMBER_OF", by_unit["unit-nordby-vgs"][-1], "group-radgivere", {"valid_to": "2025-06-30"})

    yield from _ownerships(leaders, by_unit)

    for role_id, _, system, holders, level in ROLES:
        yield RelRecord("DEFINED_IN", role_id, _system_id(system))
        yield RelRecord("HAS_ACCESS", role_id, _system_id(system),
                        {"level": level, "granted_by": "Systemeier", "purpose": "Rollebasert tilgang"})
        for group in holders:
            yield RelRecord("HAS_ROLE", group, role_id)
    # Direct grants: the school administrators, a temporary consultant, an expired project grant.
    yield RelRecord("HAS_ROLE", leaders["unit-fjordvik-vgs"], "role-inschool-admin")
    yield RelRecord("HAS_ROLE", leaders["unit-nordby-vgs"], "role-inschool-admin")
    consultant = by_unit["unit-digital"][-1]
    yield RelRecord("HAS_ACCESS", consultant, _system_id("visma-inschool"), {
        "level": "admin", "valid_from": "2026-09-01", "valid_to": "2026-12-31", "granted_by": "IT-leder",
        "purpose": "Oppgradering av InSchool"})
    yield RelRecord("HAS_ACCESS", by_unit["unit-okonomi"][3], _dataset_id("lonn"), {
        "level": "read", "valid_from": "2024-01-01", "valid_to": "2024-12-31", "granted_by": "HR-sjef",
        "purpose": "Lønnsrevisjon 2024"})
    yield RelRecord("HAS_ACCESS", "group-it-admins", _system_id("veeam"), {"level": "admin", "granted_by": "IT-leder"})
    for sa_id, _, _, system, component in SERVICE_ACCOUNTS:
        yield RelRecord("ACTS_FOR", sa_id, _system_id(system))
        if component:
            yield RelRecord("HAS_ACCESS", sa_id, f"fint-{component}", {"level": "read", "purpose": "FINT-klient"})
    yield RelRecord("HAS_ACCESS", "sa-datavarehus-etl", _system_id("datavarehus"), {"level": "write"})
    yield RelRecord("HAS_ACCESS", "sa-powerbi-gateway", _system_id("datavarehus"), {"level": "read"})


def _ownerships(leaders: dict[str, str], by_unit: dict[str, list[str]]) -> Iterator[RelRecord]:
    unit_of_domain = {"utdanning": "unit-opplaering", "administrasjon": "unit-hr", "okonomi": "unit-okonomi",
                      "arkiv": "unit-arkiv", "tannhelse": "unit-tannhelse", "samferdsel": "unit-kollektiv",
                      "kultur": "unit-kultur", "geodata": "unit-veg"}
    leader_of_domain = {"utdanning": "unit-fjordvik-vgs", "administrasjon": "unit-hr", "okonomi": "unit-okonomi",
                        "arkiv": "unit-arkiv", "tannhelse": "unit-tannhelse", "samferdsel": "unit-kollektiv",
                        "kultur": "unit-kultur", "geodata": "unit-veg"}
    it_staff = by_unit["unit-digital"]
    for index, (slug, _, _, _, _, _, _, domain, _, vendor_org) in enumerate(SYSTEMS):
        system = _system_id(slug)
        if slug not in WITHOUT_SYSTEMEIER:
            yield RelRecord("OWNS", leaders[leader_of_domain.get(domain, "unit-digital")], system, {"role": "systemeier"})
        if slug not in ("zoom", "askeladden"):
            yield RelRecord("OWNS", it_staff[1 + index % (len(it_staff) - 1)], system, {"role": "systemansvarlig"})
        if vendor_org:
            yield RelRecord("OWNS", vendor_org, system, {"role": "databehandler", "note": f"Databehandleravtale {slug.upper()}-DBA"})
        if domain in unit_of_domain:
            yield RelRecord("OWNS", unit_of_domain[domain], system, {"role": "kontaktperson"})
    for slug, _, system, personal, *_ in DATASETS:
        domain = next(row[7] for row in SYSTEMS if row[0] == system)
        owner = leaders[leader_of_domain[domain]] if domain in leader_of_domain else leaders["unit-digital"]
        yield RelRecord("OWNS", owner, _dataset_id(slug), {"role": "dataeier"})
    for index, (source, *_) in enumerate(INTEGRATIONS):
        if index not in WITHOUT_OWNER:
            yield RelRecord("OWNS", it_staff[index % len(it_staff)], f"integration-{index + 1:03d}", {"role": "systemansvarlig"})
