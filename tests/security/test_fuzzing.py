"""Schemathesis over every operation of the OpenAPI document, signed in as admin: no server
error and no response that breaks its own schema. Bounded, so it runs with `make test`."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalog.api.app import create_app

EXAMPLES_PER_OPERATION = 8


def test_no_server_error_and_responses_match_their_schema(store, tokens):
    app = create_app(store)
    app.state.store = store
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert operations >= 60
    assert not failures, "\n\n".join(failures)
