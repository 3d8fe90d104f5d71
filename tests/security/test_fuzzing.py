"""Schemathesis over every operation of the OpenAPI document, signed in as each role in turn: no
server error and no response that breaks its own schema, whatever a reader, an owner or an admin
sends. A few examples per operation and role, so it runs with `make test`."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalog.api.app import create_app

# Admin reaches every operation's handler, so it gets the most examples; the other roles mostly
# meet the permission check, and a few examples show that it holds for any input.
EXAMPLES_PER_OPERATION = {"admin": 5, "architect": 2, "owner": 2, "auditor": 2, "reader": 3}
# Generous: on a loaded CI machine one write can take seconds, and a timeout is no finding.
CALL_TIMEOUT_SECONDS = 60


@pytest.mark.parametrize("role", list(EXAMPLES_PER_OPERATION))
def test_no_server_error_and_responses_match_their_schema(store, tokens, role):
    app = create_app(store)
    app.state.store = store
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION[role], deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers, timeout=CALL_TIMEOUT_SECONDS)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations >= 60
    assert not failures, "\n\n".join(failures)
