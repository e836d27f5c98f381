"""schemathesis over the OpenAPI schema of a real uvicorn (127.0.0.1 only): no 500, responses
match the schema, status codes are documented. Bounded: a few dozen examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from _server_util import running_server
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accellium.server.app import Settings

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture(scope="module")
def api_schema():
    with running_server(Settings(engine="auto", access_log=False, timeout_s=10)) as url:
        assert url.startswith("http://127.0.0.1:")
        yield schemathesis.openapi.from_url(url + "/openapi.json")


def test_api_no_500(api_schema):
    ops = [r.ok() for r in api_schema.get_all_operations()]
    labels = sorted(op.label for op in ops)
    assert labels == sorted(["POST /v1/suggest", "POST /v1/suggest/batch", "POST /v1/offload",
                             "GET /v1/adapters", "POST /v1/adapters",
                             "DELETE /v1/adapters/{name}", "GET /healthz"]), labels
    for op in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                case.call_and_validate(timeout=30, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # e.g. no invalid input exists for GET /healthz
                assert mode == GenerationMode.NEGATIVE, op.label
