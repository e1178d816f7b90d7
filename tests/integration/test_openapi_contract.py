"""The live API against its own OpenAPI schema, with schemathesis: generated requests to
every operation (schema examples, boundary and invalid cases, unexpected methods, then
random ones) must never get a 5xx, and every answer must be one the schema declares
(status, content type, headers, body, ``Allow`` on a 405).

The schema is the application's own, built at collection time so that schemathesis' pytest
integration makes one test per operation; the first test checks that the live service
serves exactly it at /openapi.json. (``schemathesis.pytest.from_fixture`` would load it
from the live service at run time, but schemathesis 4.32 fails on pytest 9's node ids.)

`make test` runs ``OCR_CONTRACT_EXAMPLES`` (25) random examples an operation. Uploads that
happen to be accepted are deleted at once, so the shared test worker is not kept busy.
"""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, Config
from schemathesis.checks import ignored_auth, positive_data_acceptance

from ocr_dev.service import Service
from ocr_inference.api import create_app
from ocr_inference.config import Settings

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("OCR_CONTRACT_EXAMPLES", "25"))
OPENAPI = create_app(Settings()).openapi()
# The test service runs without API keys: the X-API-Key header the schema documents is
# neither generated nor expected to be asked for (ignored_auth).
schema = schemathesis.openapi.from_dict(
    OPENAPI, config=Config.from_dict({"generation": {"with-security-parameters": False}})
)
EXCLUDED_CHECKS = [
    # Whether an upload is accepted depends on its bytes, which a schema cannot say: most
    # generated files are rightly refused (400 empty_file, 415 unsupported_type).
    positive_data_acceptance,
    ignored_auth,
]


def test_the_live_service_serves_this_schema(service: Service) -> None:
    assert httpx.get(f"{service.base_url}/openapi.json", timeout=30).json() == OPENAPI


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_contract(case: Case, service: Service) -> None:
    response = case.call_and_validate(
        base_url=service.base_url, excluded_checks=EXCLUDED_CHECKS, timeout=30
    )
    if case.path.endswith("/process") and response.status_code == 202:
        task_id = response.json()["task_id"]
        httpx.delete(f"{service.base_url}/api/v1/ocr/results/{task_id}", timeout=30)
