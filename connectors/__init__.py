"""Connectors: each reads one kind of source and turns it into ontology records."""

from connectors.dcat import DcatConnector
from connectors.entra import EntraConnector
from connectors.fint import FintEnvironmentConnector, FintModelConnector, FintPortalConnector
from connectors.contract import Connector
from connectors.ldap import LdapConnector
from connectors.inventory import InventoryConnector
from connectors.openlineage import OpenLineageConnector
from connectors.register import RegisterConnector
from connectors.sql import SqlConnector

REGISTRY: dict[str, type[Connector]] = {
    connector.name: connector for connector in (InventoryConnector, SqlConnector, OpenLineageConnector, DcatConnector,
                                     FintModelConnector, FintPortalConnector, EntraConnector,
                                     LdapConnector, FintEnvironmentConnector, RegisterConnector)
}
