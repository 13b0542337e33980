"""What our manage.py commands share: they say what to run on a database that isn't ready.

A fresh clone, a new ``PIXME_VAR_DIR`` or ``DATABASE_URL`` has no tables until ``manage.py
migrate``; without this, a command's first query ends in an ``OperationalError`` traceback.
Django's own hook is used: a command with ``requires_migrations_checks`` calls
``check_migrations()`` before it handles anything (runserver only prints a notice there).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def migrated_database_check() -> None:
    """Raise a CommandError saying what to run when the database isn't migrated (or can't be
    reached); nothing when it is ready."""
    connection = connections[DEFAULT_DB_ALIAS]
    where = connection.settings_dict.get("NAME") or "the database"
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        applied = executor.loader.applied_migrations
    except ImproperlyConfigured:
        return  # no database configured: the command says so itself if it needs one
    except DatabaseError as exc:
        raise CommandError(f"Can't reach the database at {where}: {exc}") from None
    if not plan:
        return
    if not applied:
        raise CommandError(
            f"The database at {where} has not been set up yet. "
            "Run `python manage.py migrate` first (it makes the tables and the styles)."
        )
    apps = sorted({migration.app_label for migration, _backwards in plan})
    raise CommandError(
        f"The database at {where} is {len(plan)} migration(s) behind this code "
        f"({', '.join(apps)}). Run `python manage.py migrate` first."
    )


class MigratedDatabaseRequired:
    """Mix into a command (before its BaseCommand) whose every run needs the database: it is
    checked before ``handle``. A command that checks its arguments first calls
    :func:`migrated_database_check` itself, where it first needs the database."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:
        migrated_database_check()
