"""Contract testing: schemathesis reads /api/schema/ from the live ASGI app and sends every
operation generated requests — valid and invalid — with a real token, as a user who owns a
finished avatar. Every answer must be a non-5xx that the schema documents (status, headers,
content type, body). What it found is kept in tests/avatars/api/test_api_regressions.py.

Rate limits are lifted here (hundreds of requests in a minute, many of them creates and edits):
throttling has its own tests and would otherwise turn most of the run into 429s.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from accounts.services import api_token_create

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Enough to find what the schema and the views disagree on; a few minutes on two cores.
POSITIVE_EXAMPLES = 25
NEGATIVE_EXAMPLES = 12
# Asking a render that would make these ids' objects go away ends the run's useful part: they
# run last, against the user's own ids only at the very end.
LAST = ("DELETE", "POST /api/account/delete/")


def _checks():
    from schemathesis.checks import load_all_checks, not_a_server_error
    from schemathesis.specs.openapi import checks

    load_all_checks()
    return [
        not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_headers_conformance,
        checks.response_schema_conformance,
        checks.negative_data_rejection,
        checks.ignored_auth,
    ]


@pytest.fixture
def contract(alice, alice_avatar, settings):
    from pixme.asgi import application

    settings.PIXME_MAX_UNFINISHED_PER_USER = 0
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"burst": None, "sustained": None, "create": None},
    }
    _row, secret = api_token_create(user=alice, name="contract")
    schema = schemathesis.openapi.from_asgi("/api/schema/?format=json", application)
    ids = {
        "avatar_id": alice_avatar.pk,
        "turn_id": alice_avatar.current_turn_id,
    }
    return schema, {"Authorization": f"Token {secret}"}, ids


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: op.method.upper() == "DELETE" or op.label in LAST)


def _run(operation, strategy, examples: int, headers: dict, failures: list) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def test(case):
        case.call_and_validate(headers=headers, checks=_checks())

    try:
        test()
    except Unsatisfiable:
        pass  # nothing to make invalid (no parameters, no body): the negative run has no cases
    except Exception as exc:  # noqa: BLE001 — every operation is tried; all failures reported
        failures.append(f"== {operation.label}\n{exc}")


def test_every_answer_keeps_the_contract(contract):
    schema, headers, ids = contract
    failures: list[str] = []
    started = time.monotonic()
    for operation in _operations(schema):
        own = {k: v for k, v in ids.items() if k in operation.path_parameters}
        positive = operation.as_strategy(GenerationMode.POSITIVE)
        if own:
            # Half on the user's real objects, so the views get past their 404s.
            positive = st.one_of(
                positive, operation.as_strategy(GenerationMode.POSITIVE, path_parameters=own)
            )
        _run(operation, positive, POSITIVE_EXAMPLES, headers, failures)
        negative = operation.as_strategy(GenerationMode.NEGATIVE)
        _run(operation, negative, NEGATIVE_EXAMPLES, headers, failures)
    print(f"contract run: {time.monotonic() - started:.1f} s, {len(failures)} failing operations")
    assert not failures, "\n\n".join(failures)
