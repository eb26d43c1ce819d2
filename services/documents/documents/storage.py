"""Object storage through the ``minio`` client (MinIO in docker-compose, moto_server in the dev
stack). File bytes go between clients and storage directly (presigned URLs) or through the
gateway's stream; never through RabbitMQ."""
import datetime as dt
import logging
from urllib.parse import urlparse

from minio import Minio
from minio.datatypes import PostPolicy
from minio.error import S3Error
from nameko.extensions import DependencyProvider

from documents import settings
from pedatt_common.s3 import is_missing_object

log = logging.getLogger(__name__)


def make_client(endpoint: str | None = None) -> Minio:
    url = urlparse(endpoint or settings.s3_endpoint())
    return Minio(url.netloc, access_key=settings.S3_ACCESS_KEY, secret_key=settings.S3_SECRET_KEY,
                 secure=url.scheme == "https", region=settings.S3_REGION)


class Storage:
    def __init__(self, bucket: str | None = None):
        self.bucket = bucket or settings.bucket()
        self.client = make_client()
        public = settings.s3_public_endpoint()
        self.public = self.client if public == settings.s3_endpoint() else make_client(public)
        self._public_base = public.rstrip("/")

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def presigned_put(self, key: str, ttl: int) -> str:
        return self.public.presigned_put_object(self.bucket, key, expires=dt.timedelta(seconds=ttl))

    def presigned_post(self, key: str, content_type: str, max_size: int, ttl: int) -> dict:
        policy = PostPolicy(self.bucket, dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=ttl))
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type)
        policy.add_content_length_range_condition(1, max_size)
        fields = self.public.presigned_post_policy(policy)
        fields = {**fields, "key": key, "Content-Type": content_type}
        return {"url": f"{self._public_base}/{self.bucket}", "fields": fields}

    def presigned_get(self, key: str, ttl: int, filename: str | None = None,
                      content_type: str | None = None) -> str:
        headers = {}
        if filename:
            from urllib.parse import quote
            headers["response-content-disposition"] = (
                f"attachment; filename*=UTF-8''{quote(filename)}")
        if content_type:
            headers["response-content-type"] = content_type
        return self.public.presigned_get_object(self.bucket, key, expires=dt.timedelta(seconds=ttl),
                                                response_headers=headers or None)

    def stat(self, key: str):
        """The object's stat, or None when it does not exist."""
        try:
            return self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if is_missing_object(exc):
                return None
            raise

    def open(self, key: str, offset: int = 0, length: int = 0):
        """A streaming response (``read``/``stream``; call ``close`` + ``release_conn``)."""
        return self.client.get_object(self.bucket, key, offset=offset, length=length)

    def remove(self, key: str) -> None:
        try:
            self.client.remove_object(self.bucket, key)
        except S3Error as exc:
            log.warning("could not remove %s: %s", key, exc)


class StorageProvider(DependencyProvider):
    """One ``Storage`` per container; the bucket is created at start if missing."""

    def setup(self):
        self.storage = Storage()
        try:
            self.storage.ensure_bucket()
        except Exception as exc:  # noqa: BLE001 - storage may come up later; calls will retry
            log.warning("object storage not reachable at start: %s", exc)

    def get_dependency(self, worker_ctx):
        return self.storage
