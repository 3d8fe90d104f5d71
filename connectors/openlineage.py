"""OpenLineage run, dataset and job events (pushed by Airflow, dbt, Spark…) as observed lineage.

A job that reads inputs and writes outputs becomes an observed integration from each input's
system to each output's system, carrying the inputs, and each output is derived from each input.
Namespaces map to systems by configuration; an unmapped namespace gets a placeholder system.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from connectors.contract import Connector, Harvest
from ontology.records import NodeRecord, RelRecord, dataset_id, id_for

class _Open(BaseModel):
    # The spec lets producers add facets of their own; they are accepted and not interpreted.
    model_config = ConfigDict(extra="allow")


class Dataset(_Open):
    namespace: str = Field(min_length=1, max_length=1000)
    name: str = Field(min_length=1, max_length=1000)


class Job(_Open):
    namespace: str = Field(min_length=1, max_length=1000)
    name: str = Field(min_length=1, max_length=1000)


# The spec's schema marks runId as a uuid and producer as a uri, but as formats, which JSON
# Schema validators (and the compatibility suite's own events) do not enforce; neither do we.
class Run(_Open):
    runId: str = Field(min_length=1, max_length=200)


class _Event(_Open):
    eventTime: datetime
    producer: str = Field(min_length=1, max_length=2000)
    schemaURL: str = Field(min_length=1, max_length=2000)


class RunEvent(_Event):
    eventType: Optional[Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]] = None
    run: Run
    job: Job
    inputs: list[Dataset] = Field(default_factory=list, max_length=10_000)
    outputs: list[Dataset] = Field(default_factory=list, max_length=10_000)


class JobEvent(_Event):
    job: Job
    inputs: list[Dataset] = Field(default_factory=list, max_length=10_000)
    outputs: list[Dataset] = Field(default_factory=list, max_length=10_000)


class DatasetEvent(_Event):
    dataset: Dataset


Event = Union[RunEvent, JobEvent, DatasetEvent]


class OpenLineageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # OpenLineage namespace (such as postgres://db.example:5432) -> id of the catalog's system.
    namespaces: dict[str, str] = Field(default_factory=dict)


class OpenLineageConnector(Connector):
    """Events are pushed to POST /api/v1/lineage; `fetch` reads a file of events for replay."""

    name = "openlineage"
    Config = OpenLineageConfig

    def fetch(self, config: OpenLineageConfig, secrets: dict[str, str], base_dir: Path) -> list[Event]:
        raise NotImplementedError("OpenLineage events are pushed to POST /api/v1/lineage, not harvested")

    def transform(self, raw: list[Event], config: OpenLineageConfig) -> Harvest:
        nodes: dict[str, NodeRecord] = {}
        harvest = Harvest()
        for event in raw:
            if isinstance(event, DatasetEvent):
                _dataset(event.dataset, config, nodes, harvest)
                continue
            inputs = [_dataset(d, config, nodes, harvest) for d in event.inputs]
            outputs = [_dataset(d, config, nodes, harvest) for d in event.outputs]
            job = f"{event.job.namespace}/{event.job.name}"
            state = event.eventType if isinstance(event, RunEvent) else None
            for output, output_system in outputs:
                for source, source_system in inputs:
                    harvest.rels.append(RelRecord("DERIVED_FROM", output, source, {"kind": "observed", "via": job}))
            for source_system in dict.fromkeys(s for _, s in inputs):
                for target_system in dict.fromkeys(s for _, s in outputs):
                    if source_system == target_system:
                        continue
                    integration = id_for("Integration", ("openlineage", job, source_system, target_system),
                                         readable=f"ol {job}")
                    nodes[integration] = NodeRecord("Integration", integration, {
                        "name": f"{event.job.name} ({event.job.namespace})", "mechanism": "pipeline", "kind": "observed",
                        "last_run_state": state, "last_run_at": event.eventTime.isoformat()})
                    harvest.rels += [RelRecord("SENDS", source_system, integration),
                                     RelRecord("RECEIVES", integration, target_system)]
                    harvest.rels += [RelRecord("CARRIES", integration, d) for d, s in inputs if s == source_system]
        harvest.nodes = list(nodes.values())
        return harvest


def _dataset(dataset: Dataset, config: OpenLineageConfig, nodes: dict, harvest: Harvest) -> tuple[str, str]:
    system = config.namespaces.get(dataset.namespace)
    if system is None:
        system = id_for("System", ("openlineage", dataset.namespace), readable=f"ol {dataset.namespace}")
        nodes.setdefault(system, NodeRecord("System", system, {
            "name": dataset.namespace, "description": f"Placeholder for the OpenLineage namespace {dataset.namespace}; "
                                                      "map it to a system in sources.yaml."}))
    node_id = dataset_id(system, dataset.name)
    nodes.setdefault(node_id, NodeRecord("Dataset", node_id, {"name": dataset.name}))
    harvest.rels.append(RelRecord("HOLDS", system, node_id))
    return node_id, system
