"""An S3 server on loopback for the tests that need one: moto's standalone server (real HTTP, boto3)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests import support

REGION = "eu-west-1"


@pytest.fixture()
def s3_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The endpoint URL of a fresh S3 server (credentials set for boto3; stopped after the test)."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # part of the test extras
        support.require("moto", False, str(exc))
        raise
    port = support.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def new_bucket(endpoint: str, stem: str = "fleetdesk") -> str:
    """Create a bucket with a name of its own (moto keeps buckets for the whole process) and return the name."""
    import boto3

    name = f"{stem}-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name
