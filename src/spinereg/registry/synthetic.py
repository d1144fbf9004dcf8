"""Bulk loader of the synthetic cohort (`spinereg.synth`) into the registry database.

Rows bypass the ORM and services on purpose: a million patients through `save()` would take
hours. What keeps it safe instead:
- every frame's columns are checked against its model's concrete fields (and non-null fields
  against nulls) before anything is written, so a model change fails loudly;
- table names come from `Model._meta.db_table`;
- primary keys are explicit and continue after the highest id in use (and, on PostgreSQL,
  after the sequence), and each chunk reserves its id range by advancing the sequence first;
- each chunk of patients is written in one transaction: a failure leaves whole chunks only;
- PostgreSQL gets COPY (CSV, written by Arrow in large buffers), SQLite batched executemany;
- one audit entry records the load (seed, size, reference date, id ranges).
"""

import io
import zoneinfo
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper

from spinereg.core.errors import RuleViolation
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.audit.models import AuditAction, AuditEntry
from spinereg.registry.consent.models import ConsentDocument
from spinereg.synth import COHORT_TABLES, ClinicRef, ConsentDocumentRef, SynthConfig
from spinereg.synth.cohort import CONSENT_BODIES, CONSENT_TITLES, CONSENT_VERSION, generate_chunks
from spinereg.synth.people import LANGUAGES

DEMO_CLINICS = (("north", "North Spine Clinic (demo)"), ("south", "South Spine Clinic (demo)"))
COPY_BATCH_ROWS = 200_000
SQLITE_BATCH_ROWS = 20_000


def synth_models() -> dict[str, type[models.Model]]:
    """Model of each cohort table, in load order (parents first)."""
    return {label: apps.get_model(label) for label in COHORT_TABLES}


def synth_check_columns(label: str, table: pa.Table) -> None:
    """The frame must carry exactly the model's database columns, and no nulls where the
    model forbids them."""
    model = apps.get_model(label)
    fields = {field.column: field for field in model._meta.concrete_fields}
    names = set(table.schema.names)
    if names != set(fields):
        raise RuleViolation(
            field=model._meta.db_table,
            rule="columns_match_model",
            message=f"synthetic columns differ from the model: missing "
            f"{sorted(set(fields) - names)}, unknown {sorted(names - set(fields))}",
        )
    for column, field in fields.items():
        if not field.null and table.column(column).null_count:
            raise RuleViolation(
                field=f"{model._meta.db_table}.{column}",
                rule="not_null",
                message=f"{table.column(column).null_count} nulls in a NOT NULL column",
            )


def synth_reference(
    *, clinic_codes: Sequence[str] | None, today: date
) -> tuple[tuple[ClinicRef, ...], tuple[ConsentDocumentRef, ...]]:
    """Clinics to spread patients across (the named ones; else all; else two demo clinics,
    created here) and a synthetic consent document per clinic and language."""
    with transaction.atomic():
        if clinic_codes:
            clinics = list(Clinic.objects.filter(code__in=clinic_codes))
            missing = sorted(set(clinic_codes) - {clinic.code for clinic in clinics})
            if missing:
                raise RuleViolation(
                    field="clinics", rule="exists", message=f"no clinic with code {missing}"
                )
            clinics.sort(key=lambda clinic: list(clinic_codes).index(clinic.code))
        else:
            clinics = list(Clinic.objects.order_by("pk"))
            if not clinics:
                clinics = [
                    Clinic.objects.create(code=code, name=name) for code, name in DEMO_CLINICS
                ]
        documents: list[ConsentDocumentRef] = []
        for clinic in clinics:
            for language in LANGUAGES:
                body = CONSENT_BODIES[language]
                document, _ = ConsentDocument.objects.get_or_create(
                    clinic=clinic,
                    version=CONSENT_VERSION,
                    language=language,
                    defaults={
                        "title": CONSENT_TITLES[language],
                        "body": body,
                        "sha256": ConsentDocument.hash_body(body),
                        "effective_date": date(today.year - 7, 1, 1),
                    },
                )
                documents.append(
                    ConsentDocumentRef(document.pk, clinic.pk, language, document.sha256)
                )
    refs = tuple(
        ClinicRef(clinic.pk, clinic.code, _utc_offset_minutes(clinic.timezone, today))
        for clinic in clinics
    )
    return refs, tuple(documents)


def _utc_offset_minutes(timezone: str, today: date) -> int:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0
    offset = datetime.combine(date(today.year, 1, 15), time(12), tzinfo=zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def synth_next_ids() -> dict[str, int]:
    """First free id per table: after the highest row and after the id sequence."""
    result: dict[str, int] = {}
    with connection.cursor() as cursor:
        for label, model in synth_models().items():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            highest = int(cursor.fetchone()[0])
            result[label] = max(highest, _sequence_value(cursor, model)) + 1
    return result


def _sequence_value(cursor: CursorWrapper, model: type[models.Model]) -> int:
    """Last id handed out by the table's id generator (0 if none yet)."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        sequence = _sequence_name(cursor, table)
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
        return int(last_value) if is_called else int(last_value) - 1
    if connection.vendor == "sqlite":
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        return int(row[0]) if row else 0
    return 0


def _sequence_name(cursor: Any, table: str) -> str:
    """Schema-qualified, quoted name of the table's id sequence, from the catalogue."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return str(cursor.fetchone()[0])


def synth_load(
    *,
    config: SynthConfig,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> dict[str, int]:
    """Generate and write the cohort chunk by chunk; returns rows written per table.

    With `workers` > 1 on PostgreSQL, chunks are written by that many threads, each on its own
    connection and in its own transaction, while the next chunk is generated: the server's
    work (parsing, index updates, foreign-key checks at commit) then runs on several cores.
    Chunks never reference each other's rows, so their order of commit does not matter.
    Inside an open transaction (a test, a caller's atomic block) writing stays on the
    caller's connection."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuleViolation(
            field="database", rule="supported", message=f"{connection.vendor} is not supported"
        )
    model_of = synth_models()
    first_ids = synth_next_ids()
    counts = dict.fromkeys(COHORT_TABLES, 0)
    parallel = workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
    checked = False
    with ThreadPoolExecutor(max_workers=workers if parallel else 1) as pool:
        pending: deque[tuple[int, Future[None]]] = deque()
        for chunk in generate_chunks(config, first_ids):
            if not checked:
                for label, table in chunk.tables.items():
                    synth_check_columns(label, table)
                checked = True
            for label, table in chunk.tables.items():
                counts[label] += table.num_rows
            if parallel:
                pending.append((chunk.patients, pool.submit(_write_chunk_alone, chunk.tables)))
            else:
                _write_chunk(chunk.tables)
                pending.append((chunk.patients, _done()))
            while len(pending) >= (workers if parallel else 1):
                patients, future = pending.popleft()
                future.result()
                if progress is not None:
                    progress(patients)
        while pending:
            patients, future = pending.popleft()
            future.result()
            if progress is not None:
                progress(patients)
    with transaction.atomic():
        _reset_sequences(list(model_of.values()))
        AuditEntry.objects.create(
            action=AuditAction.EVENT,
            model="synth.cohort",
            object_id=f"seed-{config.seed}",
            after={
                "patients": config.patients,
                "seed": config.seed,
                "today": config.today.isoformat(),
                "chunk_size": config.chunk_size,
                "clinics": [clinic.code for clinic in config.clinics],
                "first_ids": first_ids,
                "rows": counts,
            },
            reason="Synthetic cohort loaded by `spinereg synth`.",
        )
    return counts


def _done() -> Future[None]:
    future: Future[None] = Future()
    future.set_result(None)
    return future


def _write_chunk(tables: dict[str, pa.Table]) -> None:
    """One chunk, one transaction: parents first (the tables come in load order)."""
    model_of = synth_models()
    with transaction.atomic():
        for label, table in tables.items():
            _write(model_of[label], table)


def _write_chunk_alone(tables: dict[str, pa.Table]) -> None:
    """In a worker thread: Django gives the thread its own connection; close it after."""
    try:
        _write_chunk(tables)
    finally:
        connection.close()


def synth_config(
    *,
    patients: int,
    seed: int,
    today: date,
    clinic_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
) -> SynthConfig:
    """A config bound to this database's clinics and consent documents."""
    clinics, documents = synth_reference(clinic_codes=clinic_codes, today=today)
    config = SynthConfig(
        clinics=clinics, patients=patients, seed=seed, today=today, consent_documents=documents
    )
    return replace(config, chunk_size=chunk_size) if chunk_size else config


def _write(model: type[models.Model], table: pa.Table) -> None:
    if not table.num_rows:
        return
    if connection.vendor == "postgresql":
        _copy_postgresql(model, table)
    else:
        _insert_sqlite(model, table)


def _copy_postgresql(model: type[models.Model], table: pa.Table) -> None:
    """COPY … FROM STDIN (CSV) fed with Arrow's CSV writer: C speed, and CSV tells NULL
    (unquoted empty) from the empty string (quoted), which blank CharFields need."""
    quote = connection.ops.quote_name
    name = quote(model._meta.db_table)
    columns = ", ".join(quote(column) for column in table.schema.names)
    connection.ensure_connection()
    raw = connection.connection
    options = pa_csv.WriteOptions(include_header=False, batch_size=COPY_BATCH_ROWS)
    with raw.cursor() as cursor:
        # Reserve the chunk's ids first (setval is not rolled back): the application's own
        # inserts meanwhile get ids after ours. Never move the sequence backwards.
        sequence = _sequence_name(cursor, model._meta.db_table)
        highest = int(pc.max(table.column("id")).as_py())
        cursor.execute(
            f"SELECT setval(%s::regclass, GREATEST(%s, (SELECT last_value FROM {sequence})))",
            [sequence, highest],
        )
        with cursor.copy(f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            text = _utc_text(table)
            for start in range(0, table.num_rows, COPY_BATCH_ROWS):
                buffer = io.BytesIO()
                pa_csv.write_csv(text.slice(start, COPY_BATCH_ROWS), buffer, options)
                copy.write(buffer.getbuffer())


def _utc_text(table: pa.Table) -> pa.Table:
    """Instants as 'YYYY-MM-DD HH:MM:SS+00' text: Arrow's CSV writer formats zoned
    timestamps about 20 times slower than this cast (measured: 1.0 s vs 0.05 s per 470,000)."""
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            naive = pc.cast(column, pa.timestamp("s"))
            column = pc.binary_join_element_wise(pc.cast(naive, pa.string()), "+00", "")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.schema.names)


def _insert_sqlite(model: type[models.Model], table: pa.Table) -> None:
    """Batched executemany with values in the text forms Django's SQLite backend stores
    (dates 'YYYY-MM-DD', instants naive UTC 'YYYY-MM-DD HH:MM:SS')."""
    quote = connection.ops.quote_name
    names = table.schema.names
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, table.num_rows, SQLITE_BATCH_ROWS):
            batch = table.slice(start, SQLITE_BATCH_ROWS)
            columns = [_sqlite_values(batch.column(name)) for name in names]
            cursor.executemany(sql, list(zip(*columns, strict=True)))


def _sqlite_values(column: pa.ChunkedArray) -> list[object]:
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = pc.cast(pc.cast(column, pa.timestamp("s")), pa.string())
    elif pa.types.is_date(kind):
        column = pc.cast(column, pa.string())
    values: list[object] = column.to_pylist()
    return values


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    """Point each id sequence past the highest id (PostgreSQL; SQLite's AUTOINCREMENT
    follows explicit ids by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        # Fresh planner statistics: without them PostgreSQL plans the first queries on a bulk-
        # loaded registry as if its tables were nearly empty (seen: 100x slower list pages).
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            for model in model_list:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
