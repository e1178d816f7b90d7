"""Document OCR on ONNX Runtime; knows nothing of HTTP or queues."""

from ocr_inference.pipeline.config import PipelineConfig
from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.pipeline import Pipeline

__all__ = ["EngineConfig", "Pipeline", "PipelineConfig"]
