"""One engine for every status: a machine is a declared table, and its only way to change is `Machine.move()`.

Each status field (a design's status, its print file's and its listing copy's, a product's state and its listing
update, a repricing job's state) is declared once as a `Machine`: its choices, the table of allowed moves, the
moves only a worker makes, the states a row may be born in, the history it writes and what its moves cascade to.
The declarations live beside the statuses they govern (workflow.py, products.py, print_status.py, task_states.py);
this module is the engine they share. Adding a machine is a table and a `Machine(...)`.

A move is race-safe in bulk: per chunk of rows, in one transaction, the rows are read under lock (PostgreSQL: FOR
UPDATE; SQLite: the IMMEDIATE transaction the settings ask for), grouped by their current value, and each group
moved by one conditional UPDATE (`… WHERE pk IN (…) AND field = <what we read>`); one history row per moved row, all
inserted at once. Rows in a state the move does not start from are reported as skipped, never overwritten.

Why not django-fsm-2 or viewflow.fsm: both move one instance at a time (load, check, save). Our edges move
thousands of rows at once (select-all in the admin, a batch), and a per-instance loop is both slow and racy
without a lock per row; a grouped conditional UPDATE gives the same guarantee in a few statements.

Past 400 lines as one module on purpose: the declaration (Machine), the bulk move, its result type and its
history rows are one mechanism; split, each part would import the others' internals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone


class Source(models.TextChoices):
    """Where a change came from; recorded in every history row."""

    ADMIN = "admin", "Admin"
    REVIEW = "review", "Review page"
    COMMAND = "command", "Management command"
    WORKER = "worker", "Worker"
    WEBHOOK = "webhook", "Webhook"


class HistoryRow(models.Model):
    """What every machine's history row records beside its owner and states: who, from where, why, when."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=10, choices=Source.choices)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


# One UPDATE per state group covers at most this many rows, and each chunk is its own transaction when the caller
# has none: a select-all of 100,000 never holds SQLite's write lock for more than a fraction of a second.
CHUNK = 2000
SQLITE_CHUNK_PAUSE = 0.11


@dataclass(frozen=True)
class History:
    """Where a machine writes one row per move: the event model and how a move fills it.

    `from_field`/`to_field` hold the states when the event table has columns for them; a machine whose states have
    no columns there (a print file's status in the design's history) is described in words: "Print file: ready →
    queued." (`describe` names the thing).
    """

    model: str  # "app_label.Model"
    owner: str  # the event's foreign key column to the moved row, e.g. "design_id"
    from_field: str = ""
    to_field: str = ""
    describe: str = ""
    # A history shared by several machines tells their rows apart by a kind column: {"move"/"created"/"note": value}.
    kind_field: str = ""
    kinds: Mapping[str, str] = field(default_factory=dict)
    group_field: str = ""  # events of one decision taken together share a token (undo takes them back together)


@dataclass(frozen=True)
class Cascade:
    """A move of these rows changes their parents: the parents are locked before the rows (so two moves of one
    parent's children cannot both read the other as unfinished) and `run(parent_ids, actor=, source=, message=)`
    is called in the same transaction with the parents of the rows that moved; it returns the parents' MoveResult."""

    parent: str  # the column on the moved model naming its parent row, e.g. "design_id"
    parent_model: str
    run: Callable[..., MoveResult]


@dataclass
class MoveResult:
    """What one move did: the rows moved, skipped (in a state the move does not start from) and refused (a rule
    kept them although their state allowed it); `cascaded` is what the move did to the parent rows."""

    target: str
    machine: Machine | None = None
    moved: list[int] = field(default_factory=list)
    skipped: dict[int, str | None] = field(default_factory=dict)  # id -> its state when we looked (None: missing)
    refused: dict[int, str] = field(default_factory=dict)  # id -> why, in words
    cascaded: MoveResult | None = None

    def summary(self, verb: str) -> str:
        """'12 approved, 3 skipped (not in review), 1 refused (design 4: …)' for admin messages and commands."""
        text = f"{len(self.moved)} {verb}"
        if self.skipped:
            reasons = sorted(
                {self._label(state) if state is not None else "missing" for state in self.skipped.values()}
            )
            text += f", {len(self.skipped)} skipped ({', '.join(reasons)})"
        if self.refused:
            subject = self.machine.subject if self.machine else "design"
            shown = [f"{subject} {row_id}: {reason}" for row_id, reason in list(self.refused.items())[:3]]
            more = f"; {len(self.refused) - 3} more" if len(self.refused) > 3 else ""
            text += f", {len(self.refused)} refused ({'; '.join(shown)}{more})"
        if self.cascaded and self.cascaded.refused:
            text += f"; {self.cascaded.summary('followed').split(', ', 1)[-1]}"
        return text

    def _label(self, state: str | None) -> str:
        if state is None:
            return "missing"
        if self.machine is None:
            return str(state)
        return self.machine.label(state).lower()

    def merge(self, other: MoveResult) -> MoveResult:
        self.moved += other.moved
        self.skipped.update(other.skipped)
        self.refused.update(other.refused)
        if other.cascaded is not None:
            if self.cascaded is None:
                self.cascaded = MoveResult(other.cascaded.target, other.cascaded.machine)
            self.cascaded.merge(other.cascaded)
        return self


class MoveConflict(Exception):
    """The row was not in a state the move starts from (someone else moved it first)."""

    def __init__(self, machine: Machine, row_id: int, target: str, current: str | None):
        self.machine, self.row_id, self.target, self.current = machine, row_id, target, current
        now = machine.label(current).lower() if current is not None else "deleted"
        wanted = machine.label(target).lower()
        super().__init__(f"{machine.subject.capitalize()} {row_id} could not move to {wanted}: it is {now} now.")


def row_ids(rows) -> list[int]:
    """The one way a model instance, a pk, a queryset or an iterable of either becomes a list of ids (order kept)."""
    if hasattr(rows, "values_list") and not isinstance(rows, list):
        return list(rows.order_by("pk").values_list("pk", flat=True))
    if isinstance(rows, (int, str)) or hasattr(rows, "pk"):
        rows = [rows]
    return list(dict.fromkeys(int(getattr(item, "pk", item)) for item in rows))


MACHINES: list[Machine] = []  # every declared machine, in the order their modules were imported


@dataclass(frozen=True)
class Machine:
    """One status field and its table. See the module docstring."""

    name: str
    model: str  # "app_label.Model"
    field: str
    states: type[models.TextChoices]
    table: Mapping[str, frozenset[str]]  # from state -> the states it may move to
    history: History
    subject: str  # the word for one row in messages: "design", "product"
    worker_only: frozenset[tuple[str, str]] = frozenset()
    born_in: frozenset[str] = frozenset()
    changed_at: str = ""  # a column stamped with the time of each move
    touch: str = "updated_at"  # a column every move stamps too ("" for none)
    cascade: Cascade | None = None

    def __post_init__(self):
        unknown = {state for start, targets in self.table.items() for state in {start, *targets}} - set(self.states)
        if unknown:
            raise ValueError(f"The {self.name} table names states its choices do not have: {sorted(unknown)}")
        MACHINES.append(self)

    # --- the table
    def label(self, state: str) -> str:
        try:
            return str(self.states(state).label)
        except ValueError:
            return str(state)

    def allowed_sources(self, target: str, *, worker: bool = False) -> frozenset[str]:
        """States the table allows into `target` (worker-only moves only for a worker)."""
        return frozenset(
            start
            for start, targets in self.table.items()
            if target in targets and (worker or (start, target) not in self.worker_only)
        )

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    # --- moving
    def move(
        self,
        rows,
        *,
        to: str,
        sources: Iterable[str] | str | None = None,
        actor=None,
        source: str,
        message: str = "",
        updates: dict | None = None,
        per_row: Mapping[int, dict] | None = None,
        group: str = "",
        where: models.Q | None = None,
    ) -> MoveResult:
        """Move rows to `to`, each only if its current state is one of `sources` (default: every state the table
        allows into `to` for this `source`; a narrower set is how a caller says "only from review").

        `rows` is anything row_ids() takes. `updates` are extra values written in the same UPDATE (clearing an
        error, a timestamp); `per_row` adds values for single rows. `group` marks history rows of one decision.
        """
        target = self.states(to)
        permitted = self.allowed_sources(target, worker=source == Source.WORKER)
        wanted = permitted if sources is None else frozenset({sources} if isinstance(sources, str) else sources)
        if wanted - permitted:
            raise ValueError(
                f"The {self.name} table does not allow {sorted(wanted - permitted)} -> {target} ({source})."
            )
        ids = row_ids(rows)
        result = MoveResult(target, self)
        move = _Move(self, target, wanted, getattr(actor, "pk", actor), source, message, updates, per_row, group, where)
        for start in range(0, len(ids), CHUNK):
            if start and connection.vendor == "sqlite" and not connection.in_atomic_block:
                # SQLite has one write lock, and a writer waiting for it polls only every 100 ms or so: step aside
                # between chunks, or a large move would win the lock back every time and starve the others.
                time.sleep(SQLITE_CHUNK_PAUSE)
            with transaction.atomic():
                result.merge(move.chunk(ids[start : start + CHUNK]))
        return result

    def move_one(self, row, *, to: str, sources=None, actor=None, source: str, message: str = "", updates=None):
        """Single-row form of move(): raises MoveConflict instead of reporting a skip. When `row` is an instance,
        its in-memory state and updated fields follow the database."""
        result = self.move(row, to=to, sources=sources, actor=actor, source=source, message=message, updates=updates)
        row_id = row_ids(row)[0]
        if not result.moved:
            raise MoveConflict(self, row_id, to, result.skipped.get(row_id))
        if isinstance(row, models.Model):
            setattr(row, self.field, self.states(to))
            for name, value in (updates or {}).items():
                if not hasattr(value, "resolve_expression"):  # F() etc. stay in the database until refresh
                    setattr(row, name, value)
        return result

    # --- creating and noting
    def create(self, *, state: str, source: str, actor=None, message: str = "", **fields):
        """One row born in `state` with its creation event."""
        return self.create_many(
            [self.model_class()(**fields)], state=state, source=source, actor=actor, message=message
        )[0]

    def create_many(self, objs: list, *, state: str, source: str, actor=None, message: str = "") -> list:
        """Rows born in `state` (bulk_create), each with its creation event in one insert."""
        if state not in self.born_in:
            raise ValueError(f"A {self.subject} cannot be born {state}; it must move there through the table.")
        for obj in objs:
            setattr(obj, self.field, state)
        with transaction.atomic():
            created = self.model_class().objects.bulk_create(objs)
            if any(obj.pk is None for obj in created):  # backends without RETURNING: read the ids back
                raise RuntimeError("create_many needs a database that returns the new rows' ids")
            now = timezone.now()
            self._record(
                [(obj.pk, "", state) for obj in created],
                at=now,
                actor_id=getattr(actor, "pk", actor),
                source=source,
                message=message,
                created=True,
            )
        return created

    def note(self, rows, message: str, *, source: str, actor=None) -> None:
        """History rows that change no state (a retry in a moment, an adopted product), marked as notes."""
        self._record(
            [(row_id, None, None) for row_id in row_ids(rows)],
            at=timezone.now(),
            actor_id=getattr(actor, "pk", actor),
            source=source,
            message=message,
        )

    def _record(self, moves, *, at, actor_id, source, message, group="", created=False) -> None:
        """One history row per (row id, from, to): from/to None is a note. One executemany for all of them.

        Why not bulk_create: it builds a model per row and asks for the new ids back (RETURNING) in batches of
        about a hundred; a select-all of 100,000 spent most of its time there, holding SQLite's only write lock.
        """
        if not moves:
            return
        history = self.history
        event_model = apps.get_model(history.model)
        stamp = event_model._meta.get_field("created_at").get_db_prep_value(at, connection)
        # Every column of the event table: ours, or the field's default (a raw INSERT applies none).
        fields = [f for f in event_model._meta.concrete_fields if not f.primary_key]
        defaults = {f.attname: f.get_default() for f in fields}
        columns = [f.column for f in fields]
        rows = []
        for row_id, start, end in moves:
            kind = "note" if start is None else "created" if created else "move"
            text = message
            if history.describe and kind != "note":
                before = "new" if kind == "created" else self.label(start).lower()
                text = f"{history.describe}: {before} → {self.label(end).lower()}." + (f" {message}" if message else "")
            values = {
                history.owner: row_id,
                "actor_id": actor_id,
                "source": source,
                "message": text,
                "created_at": stamp,
            }
            if history.from_field and kind != "note" and not history.describe:
                values.update({history.from_field: start, history.to_field: end})
            if history.kind_field:
                values[history.kind_field] = history.kinds[kind]
            if history.group_field:
                values[history.group_field] = group
            rows.append([values.get(f.attname, defaults[f.attname]) for f in fields])
        quote = connection.ops.quote_name
        table = event_model._meta.db_table
        # Only the model's own table and column names are spliced in (quoted); every value is a parameter.
        names, slots = ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({slots})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


@dataclass
class _Move:
    """One move's settings, applied chunk by chunk."""

    machine: Machine
    target: str
    wanted: frozenset[str]
    actor_id: int | None
    source: str
    message: str
    updates: dict | None
    per_row: Mapping[int, dict] | None
    group: str
    where: models.Q | None

    def chunk(self, ids: list[int]) -> MoveResult:
        machine, model = self.machine, self.machine.model_class()
        result = MoveResult(self.target, machine)
        parents: dict[int, int] = {}
        if machine.cascade:
            parents = dict(model.objects.filter(pk__in=ids).values_list("pk", machine.cascade.parent))
            lock_rows(apps.get_model(machine.cascade.parent_model), set(parents.values()))
        guarded = model.objects.filter(self.where) if self.where is not None else model.objects.all()
        groups, result.skipped = locked_groups(guarded, ids, machine.field, self.wanted)
        now = timezone.now()
        values = {**(self.updates or {}), machine.field: self.target}
        for column in (machine.changed_at, machine.touch):
            if column:
                values[column] = now
        moves = []
        for state, group in groups.items():
            single = [row_id for row_id in group if self.per_row and row_id in self.per_row]
            plain = [row_id for row_id in group if row_id not in set(single)]
            # The WHERE on the state we read is the guard (one UPDATE per state group).
            updated = guarded.filter(pk__in=plain, **{machine.field: state}).update(**values) if plain else 0
            for row_id in single:
                updated += guarded.filter(pk=row_id, **{machine.field: state}).update(
                    **{**values, **self.per_row[row_id]}
                )
            if updated != len(group):  # only possible without the lock above; never report a move that did not happen
                raise RuntimeError(f"{len(group) - updated} rows of {machine.name} changed during a locked move")
            result.moved += group
            moves += [(row_id, state, self.target) for row_id in group]
        machine._record(
            moves, at=now, actor_id=self.actor_id, source=self.source, message=self.message, group=self.group
        )
        if len(groups) > 1:  # report in the order asked for
            moved = set(result.moved)
            result.moved = [row_id for row_id in ids if row_id in moved]
        if machine.cascade and result.moved:
            touched = {parents[row_id] for row_id in result.moved}
            result.cascaded = machine.cascade.run(
                touched, actor=self.actor_id, source=self.source, message=self.message
            )
        return result


def lock_rows(model, ids: Iterable[int]) -> None:
    """Lock these rows until the transaction ends (PostgreSQL; SQLite's IMMEDIATE transaction holds the lock)."""
    ids = sorted(set(ids))
    if ids and connection.features.has_select_for_update:
        list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def locked_groups(rows, ids: list[int], column: str, wanted) -> tuple[dict[str, list[int]], dict[int, str | None]]:
    """Read `column` of these rows (of the queryset `rows`) so it cannot change before the caller's UPDATE, and
    group them. Returns ({value in `wanted`: ids, in the order asked for}, {id: its value — None when missing or
    outside `rows` — for the others}).
    """
    rows = rows.filter(pk__in=ids)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    current = dict(rows.values_list("pk", column))
    groups: dict[str, list[int]] = {}
    others: dict[int, str | None] = {}
    for row_id in ids:
        value = current.get(row_id)
        if row_id in current and value in wanted:
            groups.setdefault(value, []).append(row_id)
        else:
            others[row_id] = value
    return groups, others
