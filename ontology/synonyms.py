"""The words Norwegian spreadsheets use for the ontology's controlled values.

Each table gives, per controlled value, the words that mean it; the first word is the one a
message suggests. Cells are matched after `normalised` (case, spaces, line breaks, a trailing
dot), and the value itself is always accepted. A source can add its own words in sources.yaml.
"""

from __future__ import annotations

import re
from functools import cache

from ontology import catalog
from ontology.model import Prop

_WORDS: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {
    catalog.HOSTING: {
        "saas": ("Skyløsning", "Sky", "Skytjeneste", "SaaS", "Nettskytjeneste", "Leverandørdrift"),
        "on-premises": ("Lokal drift", "Lokalt", "Lokal", "Egen drift", "On-prem", "Eget datasenter"),
        "iaas": ("IaaS", "Infrastruktur som tjeneste"),
        "paas": ("PaaS", "Plattform som tjeneste"),
    },
    catalog.LIFECYCLE: {
        "planned": ("Planlagt", "Under anskaffelse", "Under innføring"),
        "in-use": ("I drift", "I bruk", "Aktiv", "Produksjon", "I produksjon"),
        "phasing-out": ("Under utfasing", "Avvikles", "Utfases", "Skal avvikles", "Fases ut"),
        "retired": ("Avviklet", "Utfaset", "Faset ut", "Nedlagt"),
    },
    catalog.CRITICALITY: {
        "low": ("Lav", "Liten"),
        "medium": ("Middels", "Moderat", "Medium"),
        "high": ("Høy", "Stor", "Høg"),
        "critical": ("Kritisk", "Svært høy", "Virksomhetskritisk"),
    },
    catalog.CONFIDENTIALITY: {
        "open": ("Åpen", "Offentlig", "Ugradert"),
        "internal": ("Intern", "Begrenset"),
        "confidential": ("Fortrolig", "Konfidensiell", "Taushetsbelagt", "Unntatt offentlighet"),
        "strictly-confidential": ("Strengt fortrolig", "Strengt konfidensiell"),
    },
    catalog.ORG_UNIT_LEVELS: {"etat": ("Etat", "Sektor"), "avdeling": ("Avdeling",), "seksjon": ("Seksjon",),
                              "enhet": ("Enhet",)},
    catalog.GROUP_KINDS: {
        "security": ("Sikkerhetsgruppe",), "microsoft-365": ("Microsoft 365-gruppe", "Teams-gruppe"),
        "distribution": ("Distribusjonsliste", "E-postliste"), "ldap": ("LDAP-gruppe",),
        "dynamic": ("Dynamisk gruppe", "Dynamisk"), "all-users": ("Alle brukere", "Alle ansatte"),
    },
    catalog.NOTIFY_MODES: {"immediate": ("Straks", "Med en gang"), "daily-digest": ("Daglig oppsummering", "Daglig")},
    catalog.GRANT_EXPANSIONS: {"direct": ("Direkte",), "transitive": ("Arvet", "Gjennom gruppe", "Indirekte")},
    catalog.SERVICE_ACCOUNT_KINDS: {
        "fint-client": ("FINT-klient",), "app-registration": ("Appregistrering", "App-registrering"),
        "technical-user": ("Teknisk bruker", "Tjenestebruker"),
    },
    catalog.ACCESS_RIGHTS: {"PUBLIC": ("Offentlig", "Åpen"), "RESTRICTED": ("Begrenset",),
                            "NON_PUBLIC": ("Ikke offentlig", "Unntatt offentlighet")},
    catalog.STORAGE_KINDS: {
        "datacenter": ("Datasenter", "Serverrom"), "cloud-region": ("Skyregion", "Sky"),
        "saas-vendor": ("Hos leverandør", "Leverandørens sky"), "file-share": ("Filområde", "Fellesområde"),
        "database": ("Database",), "archive": ("Arkiv", "Depot"),
    },
    catalog.MECHANISMS: {
        "fint": ("FINT",), "api": ("API", "REST", "Webtjeneste"),
        "file-transfer": ("Filoverføring", "Fil", "SFTP", "FTP"), "message-queue": ("Meldingskø", "Kø", "MQ"),
        "svarut-fiks": ("SvarUt", "FIKS", "SvarUt/FIKS"), "manual": ("Manuell", "Manuelt"),
        "pipeline": ("Dataflyt", "Pipeline", "ETL"),
    },
    catalog.INTEGRATION_STATUS: {
        "planned": ("Planlagt",), "active": ("Aktiv", "I drift", "I bruk"), "disabled": ("Deaktivert", "Stoppet"),
        "retired": ("Avviklet", "Nedlagt"),
    },
    catalog.LINEAGE_KINDS: {"declared": ("Oppgitt", "Dokumentert"), "observed": ("Observert", "Målt")},
    catalog.OWNERSHIP_ROLES: {
        "systemeier": ("Systemeier",), "systemansvarlig": ("Systemansvarlig", "Systemforvalter"),
        "dataeier": ("Dataeier",), "databehandler": ("Databehandler",),
        "kontaktperson": ("Kontaktperson", "Kontakt"),
    },
    catalog.ACCESS_LEVELS: {"read": ("Lese", "Les", "Lesetilgang"), "write": ("Skrive", "Skriv", "Skrivetilgang"),
                            "admin": ("Administrator", "Admin")},
    tuple(catalog.ART6_BASES): {
        "consent": ("Samtykke",), "contract": ("Avtale",), "legal-obligation": ("Rettslig forpliktelse",),
        "vital-interests": ("Vitale interesser",),
        "public-task": ("Allmennhetens interesse", "Offentlig myndighet", "Offentlig myndighetsutøvelse"),
        "legitimate-interests": ("Berettiget interesse",),
    },
    tuple(catalog.ART9_CONDITIONS): {
        "explicit-consent": ("Uttrykkelig samtykke",),
        "employment-social-security": ("Arbeidsrett og trygd", "Arbeidsrett"),
        "vital-interests": ("Vitale interesser",), "non-profit-body": ("Ideell organisasjon",),
        "made-public": ("Offentliggjort av den registrerte", "Offentliggjort"),
        "legal-claims": ("Rettskrav",), "substantial-public-interest": ("Viktige allmenne interesser",),
        "health-social-care": ("Helse- og sosialtjenester", "Helsetjenester"),
        "public-health": ("Folkehelse",),
        "archiving-research-statistics": ("Arkiv, forskning og statistikk", "Forskning"),
    },
    tuple(catalog.DATA_SUBJECTS): {
        "pupils": ("Elever", "Elev"), "apprentices": ("Lærlinger", "Lærling"), "employees": ("Ansatte", "Ansatt"),
        "job-applicants": ("Jobbsøkere", "Søkere til stillinger"), "patients": ("Pasienter", "Pasient"),
        "citizens": ("Innbyggere", "Innbygger"), "children": ("Barn",), "guardians": ("Foresatte", "Foreldre"),
        "customers": ("Kunder", "Kunde"), "visitors": ("Besøkende",), "users": ("Brukere", "Bruker"),
        "suppliers": ("Leverandører", "Leverandør"), "elected-representatives": ("Folkevalgte", "Politikere"),
    },
    tuple(catalog.PERSONAL_DATA): {
        "identifying": ("Identifikasjon", "Navn"), "national-id": ("Fødselsnummer", "Personnummer"),
        "contact": ("Kontaktinformasjon", "Kontaktopplysninger"),
        "financial": ("Økonomi", "Økonomiske opplysninger"), "employment": ("Arbeidsforhold",),
        "education": ("Utdanning", "Skolegang"), "location": ("Lokasjon", "Posisjon"),
        "communication": ("Kommunikasjon",), "images": ("Bilder", "Bilde"),
        "criminal-offences": ("Straffbare forhold",), "racial-ethnic-origin": ("Etnisitet",),
        "political-opinions": ("Politisk oppfatning",), "religious-beliefs": ("Religion",),
        "trade-union-membership": ("Fagforeningsmedlemskap",), "genetic": ("Genetiske opplysninger",),
        "biometric": ("Biometri",), "health": ("Helse", "Helseopplysninger"),
        "sex-life-orientation": ("Seksuelle forhold", "Seksuell legning"),
    },
    tuple(catalog.TRANSFER_SAFEGUARDS): {
        "adequacy-decision": ("Tilstrekkelighetsbeslutning",),
        "standard-contractual-clauses": ("Standardkontrakt", "Standard personvernbestemmelser", "SCC"),
        "binding-corporate-rules": ("Bindende virksomhetsregler", "BCR"), "derogation": ("Unntak",),
    },
    catalog.PROCESSING_STATUS: {
        "draft": ("Utkast",), "in-effect": ("Gjeldende", "I bruk", "Aktiv"),
        "needs-revision": ("Må revideres", "Til revisjon"), "ended": ("Avsluttet",),
    },
    tuple(catalog.AGREEMENT_KINDS): {
        "databehandleravtale": ("Databehandleravtale", "DBA"), "ssa-l": ("SSA-L",), "ssa-d": ("SSA-D",),
        "ssa-v": ("SSA-V",), "ssa-b": ("SSA-B",), "licence": ("Lisens", "Lisensavtale"), "other": ("Annen", "Annet"),
    },
    catalog.RISK_ASSESSMENT_KINDS: {"ros": ("ROS", "Risiko- og sårbarhetsanalyse"),
                                    "dpia": ("DPIA", "Personvernkonsekvensvurdering", "PVK")},
    catalog.RISK_ASSESSMENT_STATUS: {"planned": ("Planlagt",), "in-progress": ("Pågår", "Under arbeid"),
                                     "completed": ("Fullført", "Ferdig", "Gjennomført")},
    tuple(catalog.RESIDUAL_RISK): {"low": ("Lav",), "medium": ("Middels", "Moderat"), "high": ("Høy",),
                                   "critical": ("Kritisk", "Svært høy")},
}

YES = ("Ja", "J", "X", "Yes", "Y", "Sann", "True", "1")
NO = ("Nei", "N", "No", "Usann", "False", "0", "-")
# "Ja, særlige kategorier": personal data of the special categories of GDPR art. 9.
SPECIAL = ("Ja, særlige kategorier", "Ja, sensitive", "Særlige kategorier", "Sensitive", "Ja (særlige kategorier)")


_WHITESPACE = re.compile(r"\s+")


def normalised(text: str) -> str:
    """'  I bruk. ' -> 'i bruk': case, runs of spaces and line breaks, and a trailing dot or
    colon do not matter."""
    return _WHITESPACE.sub(" ", str(text)).strip().rstrip(".:").strip().casefold()


_YES, _NO, _SPECIAL = ({normalised(w) for w in group} for group in (YES, NO, SPECIAL))


def words(prop: Prop) -> dict[str, tuple[str, ...]]:
    """The words for each of a property's controlled values (the value itself first)."""
    table = _WORDS.get(tuple(prop.choices or ()), {})
    return {value: (*table.get(value, ()), value) for value in prop.choices or ()}


def choice(prop: Prop, text: str, extra: dict[str, str] | None = None) -> str:
    """The controlled value a cell means; a ValueError naming the allowed words otherwise. `extra`
    is a source's own words (word -> value)."""
    key = normalised(text)
    found = {normalised(word): value for word, value in (extra or {}).items()}.get(key) or _lookup(prop).get(key)
    if found is None:
        raise ValueError(f"allowed: {allowed(prop)}")
    return found


@cache
def _lookup(prop: Prop) -> dict[str, str]:
    return {normalised(word): value for value, names in words(prop).items() for word in names}


def allowed(prop: Prop) -> str:
    """The word a message suggests for each value: 'Planlagt, I drift, Under utfasing, Avviklet'."""
    return ", ".join(names[0] for names in words(prop).values())


def yes_no(text: str) -> bool | None:
    """True, False, or None when the cell says neither."""
    value = normalised(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


def special_categories(text: str) -> bool:
    return normalised(text) in _SPECIAL


# Country names as sheets write them -> ISO 3166-1 alpha-2.
COUNTRIES = {"norge": "NO", "norway": "NO", "sverige": "SE", "sweden": "SE", "danmark": "DK", "denmark": "DK",
             "finland": "FI", "island": "IS", "iceland": "IS", "irland": "IE", "ireland": "IE", "nederland": "NL",
             "netherlands": "NL", "tyskland": "DE", "germany": "DE", "frankrike": "FR", "france": "FR",
             "belgia": "BE", "luxembourg": "LU", "østerrike": "AT", "polen": "PL", "spania": "ES", "italia": "IT",
             "usa": "US", "us": "US", "storbritannia": "GB", "england": "GB", "uk": "GB", "india": "IN",
             "canada": "CA", "sveits": "CH"}
# Regions that are no country: a storage place must name the country its data is in.
REGIONS = {"eu", "eøs", "eea", "europa", "europe", "eu/eøs", "nordisk", "norden", "verden", "global"}


def country(text: str) -> str:
    """'Irland' or 'ie' -> 'IE'; a ValueError for a region such as 'EU', or anything else."""
    value = normalised(text)
    if value in REGIONS:
        raise ValueError("a region, not a country; name the country the data is in, such as Irland or IE")
    if value in COUNTRIES:
        return COUNTRIES[value]
    if re.fullmatch(r"[a-z]{2}", value):
        return value.upper()
    raise ValueError("not a country; write its name (Norge, Irland) or its two-letter code (NO, IE)")
