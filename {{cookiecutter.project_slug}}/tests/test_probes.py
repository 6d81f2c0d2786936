"""The probes for what stands in front of the site (deploy/healthcheck.py, a
balancer): answered by a replica's address over plain HTTP, as they are sent,
while every page stays behind ALLOWED_HOSTS and the HTTPS redirect."""

import pytest

BY_ADDRESS = {"HTTP_HOST": "10.0.0.7:8000"}


def test_live_answers_a_probe_by_address(client):
    answer = client.get("/livez", **BY_ADDRESS)

    assert (answer.status_code, answer.content) == (200, b"live\n")


@pytest.mark.django_db
def test_ready_answers_a_probe_by_address(client):
    answer = client.get("/readyz", **BY_ADDRESS)

    assert (answer.status_code, answer.content) == (200, b"ready\n")
    assert "no-store" in answer["Cache-Control"]


def test_a_page_by_address_is_refused(client):
    assert client.get("/", **BY_ADDRESS).status_code == 400
