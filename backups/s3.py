"""The S3-compatible storage target (boto3): an off-site copy of a tier's backups.

A verified local backup is uploaded part by part, then every object is downloaded again and its
sha256 compared with the manifest's (the bucket's own ETags are not trusted: multipart uploads
make them something else). Restores fetch a backup back into the local directory first.
"""
from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path
from typing import Any

from backups.manifest import Manifest

CHUNK = 1024 * 1024


class S3Target:
    """One bucket (and key prefix) holding ``<prefix>/<tier>/<id>/<part>`` objects."""

    def __init__(self, bucket: str, prefix: str = "fleetdesk", client: Any = None, **client_args: Any) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", **{k: v for k, v in client_args.items() if v})
        self.client, self.bucket, self.prefix = client, bucket, prefix.strip("/")

    def _key(self, manifest_or_tier: Any, ident: str, name: str) -> str:
        tier = getattr(manifest_or_tier, "tier", manifest_or_tier)
        return f"{self.prefix}/{getattr(tier, 'value', tier)}/{ident}/{name}"

    def upload(self, manifest: Manifest, directory: Path) -> None:
        """Upload the parts, then the manifest (last, so a listed backup is always whole)."""
        for part in manifest.parts:
            self.client.upload_file(str(directory / part.name), self.bucket,
                                    self._key(manifest, manifest.id, part.name),
                                    ExtraArgs={"Metadata": {"sha256": part.sha256}})
        self.client.upload_file(str(directory / "manifest.json"), self.bucket,
                                self._key(manifest, manifest.id, "manifest.json"))

    def verify(self, manifest: Manifest) -> list[str]:
        """Download every part again and compare size and sha256 with the manifest; [] when all good."""
        problems = []
        for part in manifest.parts:
            key = self._key(manifest, manifest.id, part.name)
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except Exception as exc:  # botocore raises ClientError subclasses for missing objects
                problems.append(f"{part.name}: not in the bucket ({exc})")
                continue
            digest, size = hashlib.sha256(), 0
            for chunk in iter(partial(body.read, CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
            if size != part.size:
                problems.append(f"{part.name}: {size} bytes in the bucket, {part.size} in the manifest")
            elif digest.hexdigest() != part.sha256:
                problems.append(f"{part.name}: sha256 in the bucket differs from the manifest")
        return problems

    def fetch(self, manifest: Manifest, into: Path) -> None:
        """Download a backup (parts and manifest) into ``into``."""
        into.mkdir(parents=True, exist_ok=True)
        for name in [p.name for p in manifest.parts] + ["manifest.json"]:
            self.client.download_file(self.bucket, self._key(manifest, manifest.id, name), str(into / name))

    def manifests(self, tier: Any) -> list[Manifest]:
        """Every backup of a tier in the bucket."""
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/{getattr(tier, 'value', tier)}/"):
            for item in page.get("Contents", []):
                if item["Key"].endswith("/manifest.json"):
                    text = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read().decode()
                    found.append(Manifest.from_json(text))
        return found

    def delete(self, manifest: Manifest) -> None:
        """Remove a backup's objects (retention)."""
        names = [p.name for p in manifest.parts] + ["manifest.json"]
        self.client.delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": self._key(manifest, manifest.id, n)} for n in names]})
