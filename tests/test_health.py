"""Liveness, readiness, schema and docs."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database_broker_and_store(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert set(response.json()["checks"]) == {"database", "broker", "object_store"}


def test_readyz_is_503_when_the_store_is_unusable(client, settings, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings.OBJECT_STORE_DIR = blocker / "objects"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["object_store"]["ok"] is False


def test_readyz_is_503_when_the_broker_is_down(client, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "error": "ConnectionError"}
    # Anyone may ask: where the broker lives is for the log, not for the answer.
    assert "127.0.0.1:1" not in response.content.decode()
    assert "127.0.0.1:1" in caplog.text and "broker" in caplog.text


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in (
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/keys",
        "/api/v1/accounts/signup",
    ):
        assert path in text
    assert client.get("/api/v1/docs/").status_code == 200


def test_the_docs_and_admin_pages_get_their_static_files(client):
    # Every script and stylesheet the docs page names is served: without them it is blank.
    page = client.get("/api/v1/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    for asset in [*assets, "/static/admin/css/base.css"]:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()  # a file response holds its file open until closed


def test_openapi_schema_has_no_warnings_and_declares_the_key():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    assert schema["components"]["securitySchemes"]["ApiKey"]["type"] == "apiKey"
    job = schema["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert {"ApiKey": []} in job["security"]
    assert "wait" in [parameter["name"] for parameter in job["parameters"]]


def test_unknown_url_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_host_not_allowed_gets_the_json_error_shape(client):
    response = client.get("/api/v1/jobs", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.django_db
def test_a_json_body_over_the_limit_is_refused_unread(client, settings):
    settings.MAX_JSON_BYTES = 1000
    body = '{"email": "' + "a" * 2000 + '@example.com"}'
    response = client.post("/api/v1/accounts/signup", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
