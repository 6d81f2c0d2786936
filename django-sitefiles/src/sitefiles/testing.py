"""Stand-ins for the tests of a site that uses django-sitefiles."""

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage

from sitefiles.cloud.direct_uploads import ReceivedUpload, incoming_name


class DirectUploadBucket(InMemoryStorage):
    """A media bucket in memory, with the direct-upload methods of the bucket
    storages (sitefiles.cloud.direct_uploads): what the browser would send to
    the bucket "arrives" when a test calls arrive()."""

    def arrive(self, name: str, content: bytes) -> None:
        """What a browser uploads with the grant for ``name``."""
        self.save(incoming_name(name), ContentFile(content))

    def upload_grant(
        self, incoming_name: str, max_size: int, expires: int
    ) -> dict[str, Any]:
        return {"method": "PUT", "url": f"https://bucket.test/{incoming_name}"}

    def received_upload(self, incoming_name: str, length: int) -> ReceivedUpload | None:
        if not self.exists(incoming_name):
            return None
        with self.open(incoming_name) as file:
            start = file.read(length)
        return ReceivedUpload(incoming_name, self.size(incoming_name), start, "v1")

    def keep_upload(self, received: ReceivedUpload, name: str) -> None:
        with self.open(received.incoming_name) as file:
            kept = self.save(name, file)
        if kept != name:  # as a bucket's copy does: to the name, or not at all
            self.delete(kept)
            raise FileExistsError(name)

    def discard_upload(self, incoming_name: str) -> None:
        self.delete(incoming_name)
