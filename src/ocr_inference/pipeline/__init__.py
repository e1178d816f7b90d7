"""Document OCR on ONNX Runtime; knows nothing of HTTP or queues."""

from ocr_inference.pipeline.engine import EngineConfig
from ocr_inference.pipeline.pipeline import PIPELINE_NAME, Pipeline, PipelineConfig

__all__ = ["PIPELINE_NAME", "EngineConfig", "Pipeline", "PipelineConfig"]
