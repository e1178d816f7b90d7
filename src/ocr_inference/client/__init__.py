"""The Python client of the service's HTTP API (``Client``) and, in ``submit``, the
``ocr-inference submit`` command's work. Needs only httpx; it imports nothing else of the
package."""

from ocr_inference.client.events import ServerEvent, StreamFailed
from ocr_inference.client.http import ApiError, Client, TaskFailed

__all__ = ["ApiError", "Client", "ServerEvent", "StreamFailed", "TaskFailed"]
