"""HTTP API: ``uvicorn --factory ocr_inference.api:create_app``."""

from ocr_inference.api.app import create_app

__all__ = ["create_app"]
