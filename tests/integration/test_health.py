"""Operational endpoints: health, docs, OpenAPI, metrics."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from helpline import __version__
from helpline.config import Settings
from helpline.web.app import create_app


def test_healthz_reports_ok_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__, "database": "ok"}
    assert response.headers["x-request-id"]


def test_healthz_is_503_when_the_database_cannot_be_opened(tmp_path: Path) -> None:
    # A directory where the SQLite file should be: the engine starts, every connect fails.
    settings = Settings(database_url=f"sqlite:///{tmp_path}", data_dir=str(tmp_path), secret_key="x" * 40)
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_docs_and_openapi_are_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Helpline"
    for path in ("/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/users", "/api/v1/tenants"):
        assert path in spec["paths"]


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/users/some-id")  # 401, counted under its template, not the raw path
    text = client.get("/metrics").text
    assert 'helpline_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/api/v1/users/{user_id}",status="401"' in text
    assert "some-id" not in text
    assert "helpline_http_request_duration_seconds_bucket" in text


def test_each_app_has_its_own_metrics(settings: Settings) -> None:
    for _ in range(2):  # a shared registry would refuse the second app's series
        with TestClient(create_app(settings)) as client:
            client.get("/healthz")
            text = client.get("/metrics").text
        assert 'route="/healthz",status="200"} 1.0' in text


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
