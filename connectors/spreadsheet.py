"""The one reading of spreadsheets, as municipalities keep them: XLSX (openpyxl) or CSV as Excel
writes it in Norway (semicolons, Windows-1252, line breaks inside quoted cells).

The header need not be on row 1: it is the row among the first ones whose cells best match the
headers a connector knows (case, spaces, line breaks and bracketed remarks do not matter), on the
first sheet that has one. Rows that are only a heading ("OPPVEKST") or a total ("Totalt antall
systemer: 18") are skipped and reported. What cannot be read is a HarvestFailed that says what
was found (sheets, headers), never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import load_workbook
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.contract import HarvestFailed, RowError

# How far down a sheet the header may be.
HEADER_SEARCH_ROWS = 30
_TOTAL = re.compile(r"^(sum|totalt?|i alt|antall)\b", re.IGNORECASE)


class SpreadsheetConfig(BaseModel):
    """The settings every spreadsheet source has; a connector names the fields it knows."""

    model_config = ConfigDict(extra="forbid")
    # Field -> the headers that mean it; set by each connector.
    headers: ClassVar[dict[str, tuple[str, ...]]] = {}
    path: str = Field(description="The XLSX or CSV file, relative to sources.yaml.")
    sheet: str | None = Field(None, description="The sheet to read (any case); the first with a header otherwise.")
    header_row: int | None = Field(None, ge=1, description="The header's row number, where detection should not guess.")
    encoding: str | None = Field(None, description="A CSV file's encoding; UTF-8 (with or without BOM) or "
                                                   "Windows-1252 is detected otherwise.")
    # Field -> header, where the sheet names a column otherwise.
    columns: dict[str, str] = Field(default_factory=dict)
    # Field -> {the sheet's word: the ontology's value}, beyond the synonyms the ontology knows.
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    # Name in the sheet -> the name the catalog knows the system by.
    aliases: dict[str, str] = Field(default_factory=dict)

    def known_headers(self) -> dict[str, tuple[str, ...]]:
        return self.headers

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"'{value}' is not an encoding Python knows (try utf-8 or windows-1252)") from None
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> "SpreadsheetConfig":
        known = self.known_headers()
        for setting in ("columns", "values"):
            unknown = sorted(set(getattr(self, setting)) - set(known))
            if unknown:
                raise ValueError(f"{setting}: unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return self


@dataclass
class Table:
    """A sheet read: each data row as field -> cell text, and what was skipped or not used."""

    sheet: str
    header_row: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    # Field -> the header it was read from, to name the column in messages.
    headers: dict[str, str] = field(default_factory=dict)
    # Headers of the sheet that mean no field the connector knows.
    ignored: list[str] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)

    def report(self) -> list[str]:
        """What a person should know about the reading itself."""
        notes = [f"read sheet '{self.sheet}' with the header on row {self.header_row}"] if self.header_row > 1 else []
        if self.ignored:
            notes.append(f"{len(self.ignored)} column(s) ignored: {', '.join(self.ignored)}")
        if self.skipped:
            notes.append(f"{len(self.skipped)} row(s) skipped as headings or totals")
        return notes


def header_key(text: Any) -> str:
    """'Personopplysninger\\n(J/N) ' -> 'personopplysninger': case, spaces, line breaks, bracketed
    remarks and a trailing dot, colon or asterisk do not matter."""
    text = re.sub(r"\([^)]*\)", " ", str(text or ""))
    return re.sub(r"\s+", " ", text).strip().rstrip(".:*").strip().casefold()


def read(base_dir: Path, config: SpreadsheetConfig, required: str) -> Table:
    """Read the configured file into a Table; `required` is the field a header must have."""
    path = (base_dir / config.path).resolve()
    if not path.is_file():
        raise HarvestFailed(f"no file {config.path} (looked in {base_dir})")
    if path.suffix.lower() == ".csv":
        sheets = {path.name: (_csv_rows(path, config.encoding), set())}
    else:
        sheets = _workbook_sheets(path, config.sheet)
    wanted = _wanted(config)
    # The sheet whose header matches most known headers: a guide sheet that names a column or two
    # in its text loses to the sheet with the table.
    found: list[str] = []
    best: tuple[int, str, int, dict[int, str]] | None = None
    for name, (rows, _) in sheets.items():
        header_row = config.header_row or _header_row(rows, wanted, required)
        if header_row is None or header_row > len(rows):
            found.append(f"'{name}': {_best_guess(rows)}")
            continue
        columns = _columns([_text(cell) for cell in rows[header_row - 1]], wanted)
        if required not in columns.values():
            found.append(f"'{name}' row {header_row}: "
                         f"{', '.join(_text(c) for c in rows[header_row - 1] if _text(c)) or 'nothing'}")
        elif best is None or len(columns) > best[0]:
            best = (len(columns), name, header_row, columns)
    if best:
        _, name, header_row, columns = best
        rows, headings = sheets[name]
        return _table(name, header_row, rows, [_text(cell) for cell in rows[header_row - 1]], columns, headings)
    names = ", ".join(f"'{h}'" for h in config.known_headers()[required])
    raise HarvestFailed(f"found no header row with a column for {required} ({names}) in {config.path}; "
                        f"what the sheets have: {'; '.join(found)}. Set header_row: or columns: in sources.yaml.")


def _wanted(config: SpreadsheetConfig) -> dict[str, str]:
    """Normalised header -> field: the connector's own headers, and the source's columns: (which win)."""
    wanted = {header_key(h): f for f, names in config.known_headers().items() for h in names}
    wanted.update({header_key(h): f for f, h in config.columns.items()})
    return wanted


def _columns(header: list[str], wanted: dict[str, str]) -> dict[int, str]:
    """Column index -> field; the first column that means a field has it."""
    columns: dict[int, str] = {}
    for index, text in enumerate(header):
        f = wanted.get(header_key(text))
        if f and f not in columns.values():
            columns[index] = f
    return columns


def _header_row(rows: list[list[Any]], wanted: dict[str, str], required: str) -> int | None:
    best, best_score = None, 0
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        fields = {wanted.get(header_key(cell)) for cell in row if _text(cell)} - {None}
        if required in fields and len(fields) > best_score:
            best, best_score = number, len(fields)
    return best


def _best_guess(rows: list[list[Any]]) -> str:
    """The fullest of the first rows, to show what the sheet has where a header was expected."""
    if not rows:
        return "empty"
    number, row = max(enumerate(rows[:HEADER_SEARCH_ROWS], start=1),
                      key=lambda item: (sum(1 for c in item[1] if _text(c)), -item[0]))
    return f"row {number} has {', '.join(_text(c) for c in row if _text(c)) or 'nothing'}"


def _table(name: str, header_row: int, rows: list[list[Any]], header: list[str], columns: dict[int, str],
           headings: set[int]) -> Table:
    table = Table(name, header_row, headers={f: header[i] for i, f in columns.items()},
                  ignored=[h for i, h in enumerate(header) if h and i not in columns])
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        texts = [_text(cell) for cell in row]
        filled = [t for t in texts if t]
        if not filled:
            continue
        if _TOTAL.match(filled[0]) and len(filled) <= 3:
            table.skipped.append(RowError(number, f"a total ('{filled[0]}'), skipped"))
        elif len(filled) == 1 and (number in headings or _is_heading(filled[0])):
            table.skipped.append(RowError(number, f"a heading ('{filled[0]}'), skipped"))
        else:
            table.rows.append((number, {f: texts[i] if i < len(texts) else "" for i, f in columns.items()}))
    return table


def _is_heading(text: str) -> bool:
    """'OPPVEKST', 'Helse og omsorg:' — a section title, not a system."""
    return (text.isupper() and len(text) > 3) or text.endswith(":")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _workbook_sheets(path: Path, wanted: str | None) -> dict[str, tuple[list[list[Any]], set[int]]]:
    """Sheet name -> (rows, numbers of rows whose only text spans merged cells), in workbook order;
    only the named sheet (any case) where one is set."""
    try:
        book = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise HarvestFailed(f"{path.name} cannot be read as an XLSX workbook ({type(error).__name__})") from error
    sheets = book.worksheets
    if wanted:
        sheets = [s for s in sheets if s.title.casefold() == wanted.strip().casefold()]
        if not sheets:
            raise HarvestFailed(f"no sheet '{wanted}' in {path.name}; it has: "
                                f"{', '.join(repr(s.title) for s in book.worksheets)}")
    result = {}
    for sheet in sheets:
        merged = {r.min_row for r in sheet.merged_cells.ranges if r.max_col > r.min_col}
        result[sheet.title] = ([list(row) for row in sheet.iter_rows(values_only=True)], merged)
    return result


def _csv_rows(path: Path, encoding: str | None) -> list[list[str]]:
    data = path.read_bytes()
    text = _decode(data, encoding, path.name)
    if not text.strip():
        raise HarvestFailed(f"{path.name} is empty; it should have a header row and a row per entry")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sample = "\n".join(text.split("\n")[:HEADER_SEARCH_ROWS])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        delimiter = max(";,\t", key=sample.count)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _decode(data: bytes, encoding: str | None, name: str) -> str:
    """The encoding set, or UTF-8 (with or without BOM), or else Windows-1252 as Excel writes it."""
    if encoding:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            raise HarvestFailed(f"{name} is not {encoding}: byte {error.start} cannot be read; "
                                "remove encoding: to have it detected") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
