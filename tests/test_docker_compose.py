"""docker-compose.yml: valid for docker-compose, and every service wired and health-checked."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKER_COMPOSE = shutil.which("docker-compose")
APP_SERVICES = {"migrate", "web", "worker", "worker-io", "beat"}
WIRING = {
    "DATABASE_URL",
    "REDIS_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "ELASTICSEARCH_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
}


needs_docker_compose = pytest.mark.skipif(
    DOCKER_COMPOSE is None,
    reason="the docker-compose binary is not installed (Debian: apt-get install docker-compose)",
)


def compose_config(**env_changes: str | None) -> subprocess.CompletedProcess:
    """`docker-compose config --quiet` (Debian's v1 validates without a Docker engine), with
    these variables set (or, as None, unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [DOCKER_COMPOSE, "--file", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_docker_compose
def test_docker_compose_config_is_valid():
    result = compose_config(SECRET_KEY="a-key-from-.env")  # the file needs one
    assert result.returncode == 0, result.stderr


def test_every_service_is_there_with_a_health_check():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    expected = {"postgres", "redis", "elasticsearch", "kibana", "minio", "minio-init", "flower"}
    assert expected | APP_SERVICES <= set(services)
    for name, service in services.items():
        if name not in {"migrate", "minio-init"}:  # one-shot jobs
            assert "healthcheck" in service, name


def test_the_app_services_are_wired_by_environment():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    for name in APP_SERVICES:
        assert set(services[name]["environment"]) >= WIRING, name
    assert services["worker"]["environment"]["WORKER_PRELOAD_MODEL"] == "true"
    assert "detect" in services["worker"]["command"]
    assert "webhooks,events,default" in services["worker-io"]["command"]


@needs_docker_compose
def test_the_stack_refuses_to_start_without_a_secret_key():
    result = compose_config(SECRET_KEY=None)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_gunicorn_believes_forwarded_headers_only_from_the_configured_proxy():
    command = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["web"]["command"]
    trusted = command[command.index("--forwarded-allow-ips") + 1]
    assert trusted == "${FORWARDED_ALLOW_IPS:-127.0.0.1,::1}"  # never "*" by default
