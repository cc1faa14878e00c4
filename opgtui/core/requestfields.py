"""The catalogue of a production request's fields: key, label, type, help. The request workflow, its screens and
the config's check of ``experiments[].request_required`` all read it here."""

from __future__ import annotations

from typing import Literal

import msgspec

Kind = Literal["text", "longtext", "int", "float", "list", "choice", "date"]


class FieldSpec(msgspec.Struct, frozen=True):  # a Struct: made at every start-up that checks a config, ~10x faster
    """One ingredient of a request: its key, label on screen, type and a one-line help."""

    name: str
    label: str
    kind: Kind
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for kind "choice"
    unit: str = ""


WORKFLOWS: tuple[tuple[str, str], ...] = (
    ("keepup", "keep-up of detector data"),
    ("mc", "Monte Carlo (configuration to reconstruction)"),
    ("reprocessing", "reprocessing"),
    ("merge", "merge"),
)
PRIORITIES: dict[int, str] = {1: "low", 2: "normal", 3: "high", 4: "urgent"}

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("contact", "Contact", "text", "e-mail or chat handle for questions about this request"),
    FieldSpec("workflow", "Workflow type", "choice", "what kind of production", WORKFLOWS),
    FieldSpec("input_dataset", "Input dataset", "text", "SAM dataset or definition name (none for MC generation)"),
    FieldSpec("fhicl", "FHiCL files", "list", "configuration files, comma-separated"),
    FieldSpec("release", "Software release", "text", "e.g. development / v09_78_03"),
    FieldSpec("events", "Events", "int", "number of events to produce or process"),
    FieldSpec("files", "Files", "int", "number of input files (or output files for MC)"),
    FieldSpec("cpu_hours", "CPU per job", "float", "expected CPU hours per job", unit="h"),
    FieldSpec("memory_mb", "Memory per job", "int", "expected memory per job", unit="MB"),
    FieldSpec("disk_gb", "Disk per job", "float", "expected scratch disk per job", unit="GB"),
    FieldSpec("wall_hours", "Wall time per job", "float", "expected wall time per job", unit="h"),
    FieldSpec("output", "Output locations", "list", "where the output goes, comma-separated"),
    FieldSpec("services", "Depends on", "list", "services the jobs need (samweb, dcache, ...), comma-separated"),
    FieldSpec("deadline", "Deadline", "date", "YYYY-MM-DD"),
    FieldSpec(
        "requested_priority",
        "Requested priority",
        "choice",
        "the approvers set the priority",
        tuple((str(k), f"{k} {v}") for k, v in PRIORITIES.items()),
    ),
    FieldSpec("batches", "Linked batches", "list", "batch names (JobBatchName) that run it, comma-separated"),
    FieldSpec("notes", "Notes", "longtext", "anything else the production group should know"),
)
FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(FIELD_BY_NAME)
# Attributes of the record itself (not in ``fields``) that a form or a YAML file sets.
BASE_REQUIRED = ("title", "experiment")
