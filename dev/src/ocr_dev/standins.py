"""Small stand-in ONNX graphs for the models users bring (PP-DocLayout, PP-OCR det/rec),
built with the ``onnx`` helper: the real exports' input and output names, shapes and dtypes,
computing known outputs. They test the decoders and the wiring without the real weights.

* ``doclayout``: ``im_shape``, ``image``, ``scale_factor`` in (the paddle2onnx order);
  ``fetch_name_0`` (N, 6) and ``fetch_name_1`` (N,) int32 out. The rows are given in the
  model input's pixels and divided by ``scale_factor`` as the real graph does, so they come
  out in page pixels only when the decoder feeds the inputs right.
* ``db_detection``: ``x`` (N, 3, H, W) in, a (N, 1, H, W) text probability out: dark
  pixels, smeared along rows so a line's letters join.
* ``ctc_recognition``: ``x`` (N, 3, 48, W) in, (N, W/8, C) probabilities out: character 1
  of the dictionary at each step with ink, blank elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import yaml
from onnx import TensorProto, helper, numpy_helper

Row = tuple[int, float, float, float, float, float]  # class, score, x0, y0, x1, y1
_OPSET = [helper.make_opsetid("", 17)]


def _save(graph: onnx.GraphProto, path: Path, meta: dict[str, str] | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=_OPSET, producer_name="ocr_dev.standins")
    model.ir_version = 8
    for key, value in (meta or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _const(name: str, value: np.ndarray) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))


def doclayout(path: Path, rows: Sequence[Row], side: int = 800) -> Path:
    """A PP-DocLayout stand-in at ``path`` that detects ``rows`` (boxes in input pixels)."""
    table = np.array(rows, dtype=np.float32).reshape(-1, 6)
    nodes = [
        _const("rows", table),
        _const("at0", np.array([0], dtype=np.int64)),
        _const("at2", np.array([2], dtype=np.int64)),
        _const("at6", np.array([6], dtype=np.int64)),
        _const("columns", np.array([1], dtype=np.int64)),
        _const("wh", np.array([1, 0, 1, 0], dtype=np.int64)),
        _const("zero", np.array(0.0, dtype=np.float32)),
        helper.make_node("Slice", ["rows", "at0", "at2", "columns"], ["class_score"]),
        helper.make_node("Slice", ["rows", "at2", "at6", "columns"], ["input_boxes"]),
        helper.make_node("Gather", ["scale_factor", "wh"], ["factors"], axis=1),
        helper.make_node("Div", ["input_boxes", "factors"], ["page_boxes"]),
        # the image and its shape take part, as in the real graph, but change nothing
        helper.make_node("ReduceSum", ["image"], ["ink"], keepdims=0),
        helper.make_node("ReduceSum", ["im_shape"], ["sides"], keepdims=0),
        helper.make_node("Add", ["ink", "sides"], ["both"]),
        helper.make_node("Mul", ["both", "zero"], ["nothing"]),
        helper.make_node("Add", ["page_boxes", "nothing"], ["boxes"]),
        helper.make_node("Concat", ["class_score", "boxes"], ["fetch_name_0"], axis=1),
        helper.make_node("Shape", ["fetch_name_0"], ["shape"], start=0, end=1),
        helper.make_node("Cast", ["shape"], ["fetch_name_1"], to=TensorProto.INT32),
    ]
    graph = helper.make_graph(
        nodes,
        "pp_doclayout_standin",
        [
            helper.make_tensor_value_info("im_shape", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, side, side]),
            helper.make_tensor_value_info("scale_factor", TensorProto.FLOAT, ["batch", 2]),
        ],
        [
            helper.make_tensor_value_info("fetch_name_0", TensorProto.FLOAT, ["boxes", 6]),
            helper.make_tensor_value_info("fetch_name_1", TensorProto.INT32, ["batch"]),
        ],
    )
    return _save(graph, path)


def doclayout_sidecar(path: Path, labels: Sequence[str], side: int = 800) -> Path:
    """An ``inference.yml`` in PaddleX's shape for a PP-DocLayout model of ``side``."""
    data = {
        "mode": "paddle",
        "draw_threshold": 0.5,
        "Preprocess": [
            {"interp": 2, "keep_ratio": False, "target_size": [side, side], "type": "Resize"},
            {"mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0], "type": "NormalizeImage"},
            {"type": "Permute"},
        ],
        "label_list": list(labels),
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def db_detection(path: Path) -> Path:
    """A DB text detection stand-in (``x`` in, ``fetch_name_0`` probability map out)."""
    nodes = [
        _const("gain", np.array(-8.0, dtype=np.float32)),
        _const("bias", np.array(-1.0, dtype=np.float32)),
        # ImageNet-normalized: paper is about +2, ink about -2
        helper.make_node("ReduceMean", ["x"], ["light"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["light", "bias"], ["shifted"]),
        helper.make_node("Mul", ["shifted", "gain"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["ink"]),
        helper.make_node(
            "MaxPool", ["ink"], ["fetch_name_0"], kernel_shape=[21, 61], pads=[10, 30, 10, 30]
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "db_standin",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"])],
        [helper.make_tensor_value_info("fetch_name_0", TensorProto.FLOAT, ["n", 1, "h", "w"])],
    )
    return _save(graph, path)


def ctc_recognition(path: Path, classes: int) -> Path:
    """A CTC recognition stand-in with ``classes`` outputs (blank, dictionary, space)."""
    weights = np.zeros((classes, 1, 1, 1), dtype=np.float32)
    bias = np.zeros(classes, dtype=np.float32)
    weights[0], bias[0] = 4.0, 0.0  # blank on paper (ink lowers the mean)
    weights[1], bias[1] = -4.0, -1.0  # the first character where there is ink
    bias[2:] = -20.0
    nodes = [
        _const("weights", weights),
        _const("bias", bias),
        _const("perm_shape", np.array([0, 0, -1], dtype=np.int64)),
        helper.make_node("ReduceMean", ["x"], ["light"], axes=[1], keepdims=1),
        # a step is 8 columns wide; its darkest pixel decides
        helper.make_node("Neg", ["light"], ["dark"]),
        helper.make_node("MaxPool", ["dark"], ["step_dark"], kernel_shape=[48, 8], strides=[48, 8]),
        helper.make_node("Neg", ["step_dark"], ["step_light"]),
        helper.make_node("Conv", ["step_light", "weights", "bias"], ["logits4"]),
        helper.make_node("Reshape", ["logits4", "perm_shape"], ["logits"]),
        helper.make_node("Transpose", ["logits"], ["steps"], perm=[0, 2, 1]),
        helper.make_node("Softmax", ["steps"], ["softmax_0.tmp_0"], axis=2),
    ]
    graph = helper.make_graph(
        nodes,
        "ctc_standin",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 48, "w"])],
        [helper.make_tensor_value_info("softmax_0.tmp_0", TensorProto.FLOAT, ["n", "t", classes])],
    )
    return _save(graph, path)


def recognition_sidecar(path: Path, characters: Sequence[str]) -> Path:
    """An ``inference.yml`` in PaddleX's shape for a CTC recognizer of ``characters``."""
    data = {
        "Global": {"model_name": path.parent.name},
        "PreProcess": {"transform_ops": [{"DecodeImage": {"channel_first": False}}]},
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": list(characters)},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def slanext(path: Path, tokens: Sequence[int], locs: Sequence[Sequence[float]], vocab: int) -> Path:
    """A SLANeXt stand-in: ``x`` (N, 3, 512, 512) in; per step 8 cell coordinates (0-1 of
    the padded square) and token probabilities out (one-hot ``tokens``), in SLANet's order."""
    probs = np.zeros((1, len(tokens), vocab), dtype=np.float32)
    probs[0, np.arange(len(tokens)), list(tokens)] = 1.0
    boxes = np.array(locs, dtype=np.float32).reshape(1, len(tokens), 8)
    nodes = [
        _const("locs", boxes),
        _const("probs", probs),
        _const("zero", np.array(0.0, dtype=np.float32)),
        helper.make_node("ReduceSum", ["x"], ["ink"], keepdims=0),
        helper.make_node("Mul", ["ink", "zero"], ["nothing"]),
        helper.make_node("Add", ["locs", "nothing"], ["save_infer_model/scale_0.tmp_0"]),
        helper.make_node("Add", ["probs", "nothing"], ["save_infer_model/scale_1.tmp_0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "slanext_standin",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 512, 512])],
        [
            helper.make_tensor_value_info(
                "save_infer_model/scale_0.tmp_0", TensorProto.FLOAT, [1, len(tokens), 8]
            ),
            helper.make_tensor_value_info(
                "save_infer_model/scale_1.tmp_0", TensorProto.FLOAT, [1, len(tokens), vocab]
            ),
        ],
    )
    return _save(graph, path)


def table_sidecar(path: Path, tokens: Sequence[str]) -> Path:
    """An ``inference.yml`` in PaddleX's shape for a SLANeXt model of these ``tokens``."""
    data = {
        "Global": {"model_name": path.parent.name},
        "PreProcess": {"transform_ops": [{"ResizeTableImage": {"max_len": 512}}]},
        "PostProcess": {
            "name": "TableLabelDecode",
            "merge_no_span_structure": True,
            "character_dict": list(tokens),
        },
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def classifier(path: Path, size: tuple[int, int], probabilities: Sequence[float]) -> Path:
    """A PP-LCNet orientation classifier stand-in: ``x`` (N, 3, height, width) of the fixed
    ``size`` in, these class ``probabilities`` out for every image."""
    height, width = size
    probs = np.array([probabilities], dtype=np.float32)
    nodes = [
        _const("probs", probs),
        _const("zero", np.array(0.0, dtype=np.float32)),
        _const("axes", np.array([1, 2, 3], dtype=np.int64)),
        helper.make_node("ReduceSum", ["x", "axes"], ["per_image"], keepdims=1),
        helper.make_node("Flatten", ["per_image"], ["column"], axis=1),
        helper.make_node("Mul", ["column", "zero"], ["nothing"]),
        helper.make_node("Add", ["probs", "nothing"], ["softmax_1.tmp_0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "lcnet_standin",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, height, width])],
        [helper.make_tensor_value_info("softmax_1.tmp_0", TensorProto.FLOAT, ["n", len(probs[0])])],
    )
    return _save(graph, path)
