#!/usr/bin/env python3
"""Golden fixtures for TinyRuntime operators that the MLPerf Tiny reference
models do not use (or use only with other options).

Every case is a tiny tf.function with fixed (numpy-seeded) weights, converted
by the TFLite converter to a fully int8 model (representative data set with a
fixed seed, TFLITE_BUILTINS_INT8 only, int8 model input/output unless a case
needs a float32 input or output to exercise QUANTIZE / DEQUANTIZE).  The
converted flatbuffer is checked to contain exactly the intended operators with
the intended options; a few cases then patch an option the converter never
emits (SOFTMAX beta, RESHAPE without shape tensor).  Each model is run with the
TFLM Python interpreter (TensorFlow Lite Micro's reference kernels) on random
and edge inputs and the results are written as

    <out>/<case>/model.tflite
    <out>/<case>/NNN.in       raw bytes of the input (NNN.in0, NNN.in1, ... if
                              the model has several inputs)
    <out>/<case>/NNN.out      raw bytes of the output (int8, or little-endian
                              float32 for a float output)
    <out>/manifest.json       every case: operators, options, tensors, files

Deterministic: fixed seeds, no timestamps, no conversion metadata; running it
twice gives byte-identical files (check with --check-determinism).

    /tmp/oracle/bin/python Tools/opfixtures/generate.py
    /tmp/oracle/bin/python Tools/opfixtures/generate.py --out /tmp/ops --cases mul_same_shape,relu6

Needs tensorflow-cpu, tflite-micro, numpy and ai-edge-litert (see README.md).
The Swift tests read the committed output and never run this script.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402
from tensorflow.lite.tools import flatbuffer_utils  # noqa: E402
from tflite_micro.python.tflite_micro import runtime as tflm_runtime  # noqa: E402

tf.get_logger().setLevel("ERROR")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "TinyRuntimeTests", "Fixtures", "ops")


def _enum_names(enum_class):
    return {v: k for k, v in vars(enum_class).items() if not k.startswith("_")}


BUILTIN_NAMES = _enum_names(schema.BuiltinOperator)
TENSOR_TYPES = _enum_names(schema.TensorType)
PADDING_NAMES = _enum_names(schema.Padding)
ACTIVATION_NAMES = _enum_names(schema.ActivationFunctionType)
NUMPY_DTYPES = {"INT8": np.int8, "FLOAT32": np.float32}

RANDOM_CASES = 6


def tool_versions():
    from importlib.metadata import version
    from tflite_micro.python.tflite_micro import _version as tflm_version
    return {
        "python": "%d.%d.%d" % sys.version_info[:3],
        "tensorflow": tf.__version__,
        "tflite_micro": tflm_version.__version__,
        "numpy": np.__version__,
        "flatbuffers": version("flatbuffers"),
        "ai_edge_litert": version("ai-edge-litert"),
    }


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    tf.keras.utils.set_random_seed(seed)


def case_seed(name):
    """A seed that depends only on the case name (stable under reordering)."""
    return zlib.crc32(name.encode()) & 0xFFFF


def W(seed, shape, lo=-1.0, hi=1.0):
    """Constant float32 weights from a seeded numpy generator."""
    return tf.constant(np.random.default_rng(seed).uniform(lo, hi, size=shape).astype(np.float32))


# ---- the cases -------------------------------------------------------------------

class Case:
    def __init__(self, name, description, body, shapes, ops, exercises=None, ranges=None,
                 float_input=False, float_output=False, per_tensor=False, options=None,
                 check=None, patch=None, patch_note=None):
        self.name = name
        self.description = description
        self.body = body                  # python function of the float input tensors
        self.shapes = shapes              # input shapes
        self.ops = ops                    # exact operator sequence the final model must have
        self.exercises = exercises or sorted(set(ops))
        self.ranges = ranges or [(-4.0, 4.0)] * len(shapes)   # representative data range per input
        self.float_input = float_input
        self.float_output = float_output
        self.per_tensor = per_tensor      # disable per-channel weights (CONV_2D, DEPTHWISE, FC)
        self.options = options or {}      # {op position: {option: value}} the final model must have
        self.check = check                # extra predicate on the parsed model (ModelView)
        self.patch = patch                # bytes -> bytes, applied after conversion
        self.patch_note = patch_note


def cases():
    nn = tf.nn
    C = []

    # --- MUL --------------------------------------------------------------------
    C.append(Case("mul_same_shape", "a * b, both [1,4,4,8]",
                  lambda a, b: a * b, [(1, 4, 4, 8), (1, 4, 4, 8)], ["MUL"],
                  ranges=[(-4, 4), (-1, 3)], options={0: {"fused_activation_function": "NONE"}}))
    C.append(Case("mul_same_shape_relu", "relu(a * b), both [1,4,4,8]; RELU fused into MUL",
                  lambda a, b: nn.relu(a * b), [(1, 4, 4, 8), (1, 4, 4, 8)], ["MUL"],
                  ranges=[(-4, 4), (-2, 2)], options={0: {"fused_activation_function": "RELU"}}))
    C.append(Case("mul_broadcast", "a * b, [1,4,4,8] * [1,1,1,8]",
                  lambda a, b: a * b, [(1, 4, 4, 8), (1, 1, 1, 8)], ["MUL"],
                  ranges=[(-4, 4), (-3, 1)], options={0: {"fused_activation_function": "NONE"}}))
    C.append(Case("mul_broadcast_relu", "relu(a * b), [1,4,4,8] * [1,1,1,8]; RELU fused into MUL",
                  lambda a, b: nn.relu(a * b), [(1, 4, 4, 8), (1, 1, 1, 8)], ["MUL"],
                  ranges=[(-4, 4), (-2, 2)], options={0: {"fused_activation_function": "RELU"}}))
    C.append(Case("mul_const_rank1", "a * c with a constant int8 c of shape [8] (rank-1 operand broadcast against [1,4,4,8])",
                  lambda a: a * W(201, (8,), -1.5, 0.5), [(1, 4, 4, 8)], ["MUL"],
                  options={0: {"fused_activation_function": "NONE"}},
                  check=lambda m: m.expect(m.op_inputs(0)[1]["constant"] and m.op_inputs(0)[1]["shape"] == [8],
                                           "second MUL operand is a constant [8] tensor")))

    # --- ADD --------------------------------------------------------------------
    C.append(Case("add_broadcast", "a + b, [1,4,4,8] + [1,1,1,8]",
                  lambda a, b: a + b, [(1, 4, 4, 8), (1, 1, 1, 8)], ["ADD"],
                  ranges=[(-4, 4), (-1, 7)], options={0: {"fused_activation_function": "NONE"}}))
    C.append(Case("add_relu6", "relu6(a + b), both [1,5,3,4]; RELU6 fused into ADD",
                  lambda a, b: nn.relu6(a + b), [(1, 5, 3, 4), (1, 5, 3, 4)], ["ADD"],
                  ranges=[(-2, 6), (-3, 5)], options={0: {"fused_activation_function": "RELU6"}}))

    # --- pooling ----------------------------------------------------------------
    C.append(Case("max_pool_2x2_valid", "max_pool 2x2 stride 2 VALID on [1,8,8,6]",
                  lambda a: nn.max_pool2d(a, 2, 2, "VALID"), [(1, 8, 8, 6)], ["MAX_POOL_2D"],
                  options={0: {"padding": "VALID", "filter_height": 2, "filter_width": 2, "stride_h": 2,
                               "stride_w": 2, "fused_activation_function": "NONE"}}))
    C.append(Case("max_pool_3x3_s2_same", "max_pool 3x3 stride 2 SAME on [1,7,9,5]",
                  lambda a: nn.max_pool2d(a, 3, 2, "SAME"), [(1, 7, 9, 5)], ["MAX_POOL_2D"],
                  ranges=[(-1, 7)],
                  options={0: {"padding": "SAME", "filter_height": 3, "filter_width": 3, "stride_h": 2,
                               "stride_w": 2, "fused_activation_function": "NONE"}}))
    C.append(Case("max_pool_2x2_relu", "relu(max_pool 2x2 stride 2 VALID) on [1,6,6,4]; the converter fuses the RELU into MAX_POOL_2D",
                  lambda a: nn.relu(nn.max_pool2d(a, 2, 2, "VALID")), [(1, 6, 6, 4)], ["MAX_POOL_2D"],
                  ranges=[(-3, 5)],
                  options={0: {"padding": "VALID", "fused_activation_function": "RELU"}}))
    C.append(Case("avg_pool_3x3_s2_same", "avg_pool 3x3 stride 2 SAME on [1,7,9,5]: border windows hold 4 or 6 elements",
                  lambda a: nn.avg_pool2d(a, 3, 2, "SAME"), [(1, 7, 9, 5)], ["AVERAGE_POOL_2D"],
                  ranges=[(-1, 7)],
                  options={0: {"padding": "SAME", "filter_height": 3, "filter_width": 3, "stride_h": 2,
                               "stride_w": 2, "fused_activation_function": "NONE"}}))
    C.append(Case("avg_pool_2x3_s1_same_relu6", "relu6(avg_pool 2x3 stride 1 SAME) on [1,5,6,3]; RELU6 fused",
                  lambda a: nn.relu6(nn.avg_pool2d(a, (2, 3), 1, "SAME")), [(1, 5, 6, 3)], ["AVERAGE_POOL_2D"],
                  ranges=[(-8, 8)],
                  options={0: {"padding": "SAME", "filter_height": 2, "filter_width": 3, "stride_h": 1,
                               "stride_w": 1, "fused_activation_function": "RELU6"}}))

    # --- PAD --------------------------------------------------------------------
    C.append(Case("pad_hw", "tf.pad constant 0.0, [[0,0],[1,2],[2,1],[0,0]] on [1,4,5,3]; zero point far from 0 so the pad value (the output zero point) is visible",
                  lambda a: tf.pad(a, [[0, 0], [1, 2], [2, 1], [0, 0]]), [(1, 4, 5, 3)], ["PAD"],
                  ranges=[(-1, 7)]))

    # --- CONCATENATION ------------------------------------------------------------
    C.append(Case("concat_channels", "concat of [1,3,3,4], [1,3,3,2], [1,3,3,3] on axis 3 (inputs share one scale)",
                  lambda a, b, c: tf.concat([a, b, c], axis=3), [(1, 3, 3, 4), (1, 3, 3, 2), (1, 3, 3, 3)],
                  ["CONCATENATION"], ranges=[(-4, 4), (-1, 2), (-6, 2)],
                  check=lambda m: m.expect(m.same_quantization(m.op_inputs(0) + m.op_outputs(0)),
                                           "all CONCATENATION tensors share scale and zero point")))
    C.append(Case("concat_requantize", "concat([sigmoid(a), b], axis=-1): the converter requantizes the LOGISTIC output (1/256, -128) with an int8->int8 QUANTIZE so that CONCATENATION sees equal scales",
                  lambda a, b: tf.concat([tf.sigmoid(a), b], axis=-1), [(1, 3, 3, 4), (1, 3, 3, 2)],
                  ["LOGISTIC", "QUANTIZE", "CONCATENATION"], exercises=["CONCATENATION", "QUANTIZE", "LOGISTIC"],
                  check=lambda m: (m.expect_requantize(1),
                                   m.expect(m.same_quantization(m.op_inputs(2) + m.op_outputs(2)),
                                            "all CONCATENATION tensors share scale and zero point"))))

    # --- MEAN ---------------------------------------------------------------------
    C.append(Case("mean_hw_keepdims", "reduce_mean over axes [1,2] keepdims=True on [1,5,6,7] (30 elements per output)",
                  lambda a: tf.reduce_mean(a, axis=[1, 2], keepdims=True), [(1, 5, 6, 7)], ["MEAN"],
                  ranges=[(-2, 6)], options={0: {"keep_dims": True}}))
    C.append(Case("mean_hw", "reduce_mean over axes [1,2] keepdims=False on [1,5,6,7]",
                  lambda a: tf.reduce_mean(a, axis=[1, 2]), [(1, 5, 6, 7)], ["MEAN"],
                  ranges=[(-5, 3)], options={0: {"keep_dims": False}}))
    C.append(Case("mean_hw_keepdims_8x8", "reduce_mean over axes [1,2] keepdims=True on [1,8,8,4] (64 elements, a power of two)",
                  lambda a: tf.reduce_mean(a, axis=[1, 2], keepdims=True), [(1, 8, 8, 4)], ["MEAN"],
                  options={0: {"keep_dims": True}}))
    C.append(Case("mean_last_axis", "reduce_mean over the last axis of [1,4,30]",
                  lambda a: tf.reduce_mean(a, axis=[-1]), [(1, 4, 30)], ["MEAN"],
                  options={0: {"keep_dims": False}}))

    # --- standalone activations -----------------------------------------------------
    C.append(Case("logistic", "sigmoid on [1,256], input range about +-4",
                  lambda a: tf.sigmoid(a), [(1, 256)], ["LOGISTIC"]))
    C.append(Case("logistic_wide", "sigmoid on [1,256], input range about +-24 (the ends hit TFLM's input-radius saturation)",
                  lambda a: tf.sigmoid(a), [(1, 256)], ["LOGISTIC"], ranges=[(-24, 24)]))
    C.append(Case("relu", "standalone relu on a model input [1,256] (output requantized to its own scale)",
                  lambda a: nn.relu(a), [(1, 256)], ["RELU"], ranges=[(-3, 5)],
                  check=lambda m: m.expect(not m.same_quantization(m.op_inputs(0) + m.op_outputs(0)),
                                           "RELU input and output quantization differ")))
    C.append(Case("relu6", "standalone relu6 on a model input [1,256], input range about +-8 (output quantization differs from the input's)",
                  lambda a: nn.relu6(a), [(1, 256)], ["RELU6"], ranges=[(-8, 8)],
                  check=lambda m: m.expect(not m.same_quantization(m.op_inputs(0) + m.op_outputs(0)),
                                           "RELU6 input and output quantization differ")))
    C.append(Case("relu_after_concat", "relu(concat(a, b)): a standalone RELU after an op it cannot be fused into",
                  lambda a, b: nn.relu(tf.concat([a, b], axis=3)), [(1, 3, 3, 4), (1, 3, 3, 2)],
                  ["CONCATENATION", "RELU"], exercises=["RELU"]))

    # --- QUANTIZE / DEQUANTIZE ----------------------------------------------------------
    C.append(Case("quantize_float_input", "float32 model input [1,4,16] -> QUANTIZE -> RESHAPE [1,64] -> int8 output (the output bytes are the QUANTIZE result)",
                  lambda a: tf.reshape(a, (1, 64)), [(1, 4, 16)], ["QUANTIZE", "RESHAPE"], exercises=["QUANTIZE"],
                  ranges=[(-3, 5)], float_input=True))
    C.append(Case("dequantize_float_output", "int8 model input [1,4,64] -> RESHAPE [1,256] -> DEQUANTIZE -> float32 output",
                  lambda a: tf.reshape(a, (1, 256)), [(1, 4, 64)], ["RESHAPE", "DEQUANTIZE"], exercises=["DEQUANTIZE"],
                  ranges=[(-3, 5)], float_output=True))
    C.append(Case("quantize_dequantize_float_io", "float32 in and out around a dense layer: QUANTIZE -> FULLY_CONNECTED -> DEQUANTIZE",
                  lambda a: tf.matmul(a, W(301, (16, 8))) + W(302, (8,)), [(1, 16)],
                  ["QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE"], exercises=["QUANTIZE", "DEQUANTIZE"],
                  float_input=True, float_output=True))

    # --- DEPTHWISE_CONV_2D -------------------------------------------------------------
    C.append(Case("depthwise_multiplier_2_stride_2", "depthwise 3x3, depth_multiplier 2, stride 2, SAME, bias, on [1,9,9,3]",
                  lambda a: nn.depthwise_conv2d(a, W(401, (3, 3, 3, 2)), [1, 2, 2, 1], "SAME") + W(402, (6,)),
                  [(1, 9, 9, 3)], ["DEPTHWISE_CONV_2D"],
                  options={0: {"depth_multiplier": 2, "stride_h": 2, "stride_w": 2, "padding": "SAME",
                               "dilation_h_factor": 1, "dilation_w_factor": 1}}))
    C.append(Case("depthwise_multiplier_3_dilation_2", "depthwise 3x3, depth_multiplier 3, dilation 2, stride 1, SAME, on [1,8,8,2]",
                  lambda a: nn.depthwise_conv2d(a, W(411, (3, 3, 2, 3)), [1, 1, 1, 1], "SAME", dilations=[2, 2]) + W(412, (6,), -0.5, 0.5),
                  [(1, 8, 8, 2)], ["DEPTHWISE_CONV_2D"],
                  options={0: {"depth_multiplier": 3, "stride_h": 1, "stride_w": 1, "padding": "SAME",
                               "dilation_h_factor": 2, "dilation_w_factor": 2}}))
    C.append(Case("depthwise_valid_relu6", "depthwise 3x3, depth_multiplier 1, stride 1, VALID, RELU6 fused, on [1,6,7,4]",
                  lambda a: nn.relu6(nn.depthwise_conv2d(a, W(421, (3, 3, 4, 1)), [1, 1, 1, 1], "VALID") + W(422, (4,))),
                  [(1, 6, 7, 4)], ["DEPTHWISE_CONV_2D"], ranges=[(-2, 6)],
                  options={0: {"depth_multiplier": 1, "padding": "VALID", "fused_activation_function": "RELU6"}}))

    # --- CONV_2D ------------------------------------------------------------------------
    C.append(Case("conv_valid_stride_2_relu6", "conv 3x3x4 -> 6, stride 2, VALID, bias, RELU6 fused, on [1,9,9,4]",
                  lambda a: nn.relu6(nn.conv2d(a, W(501, (3, 3, 4, 6), -0.5, 0.5), 2, "VALID") + W(502, (6,))),
                  [(1, 9, 9, 4)], ["CONV_2D"],
                  options={0: {"padding": "VALID", "stride_h": 2, "stride_w": 2, "dilation_h_factor": 1,
                               "dilation_w_factor": 1, "fused_activation_function": "RELU6"}},
                  check=lambda m: m.expect(m.op_inputs(0)[1]["quantized_dimension"] == 0 and len(m.op_inputs(0)[1]["scales"]) == 6,
                                           "per-channel weights on axis 0")))
    C.append(Case("conv_dilation_2_same", "conv 3x3x3 -> 5, dilation 2, SAME, on [1,8,7,3]",
                  lambda a: nn.conv2d(a, W(511, (3, 3, 3, 5), -0.5, 0.5), 1, "SAME", dilations=2) + W(512, (5,), -0.5, 0.5),
                  [(1, 8, 7, 3)], ["CONV_2D"],
                  options={0: {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 2,
                               "dilation_w_factor": 2, "fused_activation_function": "NONE"}}))
    C.append(Case("conv_per_tensor_relu", "conv 3x3x2 -> 4, stride 1, VALID, RELU fused, per-tensor weights (one scale), on [1,7,7,2]",
                  lambda a: nn.relu(nn.conv2d(a, W(521, (3, 3, 2, 4)), 1, "VALID") + W(522, (4,), -0.5, 0.5)),
                  [(1, 7, 7, 2)], ["CONV_2D"], per_tensor=True,
                  options={0: {"padding": "VALID", "fused_activation_function": "RELU"}},
                  check=lambda m: m.expect(len(m.op_inputs(0)[1]["scales"]) == 1 and len(m.op_inputs(0)[2]["scales"]) == 1,
                                           "per-tensor weights and bias")))

    # --- FULLY_CONNECTED -----------------------------------------------------------------
    C.append(Case("fully_connected_batch_2", "dense 16 -> 10 on a batch of 2 rows ([2,16]); per-channel weights (the converter's default)",
                  lambda a: tf.matmul(a, W(601, (16, 10))) + W(602, (10,)), [(2, 16)], ["FULLY_CONNECTED"],
                  options={0: {"keep_num_dims": False, "fused_activation_function": "NONE"}},
                  check=lambda m: m.expect(len(m.op_inputs(0)[1]["scales"]) == 10, "per-channel FC weights")))
    C.append(Case("fully_connected_keep_num_dims_no_bias", "dense 16 -> 5 without bias on [1,3,16] giving [1,3,5] (keep_num_dims=True; the bias input is -1, i.e. absent)",
                  lambda a: tf.einsum("bij,jk->bik", a, W(611, (16, 5))), [(1, 3, 16)], ["FULLY_CONNECTED"],
                  options={0: {"keep_num_dims": True}},
                  check=lambda m: (m.expect(m.op_outputs(0)[0]["shape"] == [1, 3, 5], "output [1,3,5]"),
                                   m.expect(m.ops[0]["inputs"][2] == -1, "no bias tensor (input index -1)"))))
    C.append(Case("fully_connected_per_tensor_relu", "dense 16 -> 6 on [2,16], RELU fused, per-tensor weights",
                  lambda a: nn.relu(tf.matmul(a, W(621, (16, 6))) + W(622, (6,))), [(2, 16)], ["FULLY_CONNECTED"],
                  per_tensor=True, options={0: {"fused_activation_function": "RELU"}},
                  check=lambda m: m.expect(len(m.op_inputs(0)[1]["scales"]) == 1, "per-tensor FC weights")))

    # --- SOFTMAX -------------------------------------------------------------------------
    C.append(Case("softmax_rows", "softmax over the last axis of [2,10] (two rows), input range about +-20 so some exponentials underflow",
                  lambda a: nn.softmax(a, axis=-1), [(2, 10)], ["SOFTMAX"], ranges=[(-20, 20)],
                  options={0: {"beta": 1.0}}))
    C.append(Case("softmax_beta_0_5", "softmax over the last axis of [1,3,5] with beta 0.5 (beta patched into the converted model: the converter always writes 1.0)",
                  lambda a: nn.softmax(a, axis=-1), [(1, 3, 5)], ["SOFTMAX"], ranges=[(-8, 8)],
                  patch=lambda b: set_softmax_beta(b, 0.5), options={0: {"beta": 0.5}},
                  patch_note="SOFTMAX beta changed from 1.0 to 0.5 in place (same bytes otherwise)"))

    # --- RESHAPE --------------------------------------------------------------------------
    C.append(Case("reshape_shape_tensor", "reshape [1,2,3,4] -> [1,6,4] as converted: shape given by a constant int32 input tensor, no options",
                  lambda a: tf.reshape(a, (1, 6, 4)), [(1, 2, 3, 4)], ["RESHAPE"],
                  check=lambda m: m.expect(len(m.ops[0]["inputs"]) == 2 and m.ops[0]["options"] is None,
                                           "RESHAPE has a shape tensor and no options")))
    C.append(Case("reshape_new_shape_option", "reshape [1,2,3,4] -> [1,6,4] with one input and ReshapeOptions.new_shape (rewritten from the converted model)",
                  lambda a: tf.reshape(a, (1, 6, 4)), [(1, 2, 3, 4)], ["RESHAPE"],
                  patch=reshape_to_new_shape_option, options={0: {"new_shape": [1, 6, 4]}},
                  patch_note="shape tensor input removed, ReshapeOptions(new_shape=[1,6,4]) added; the model was re-serialized with the flatbuffers object API",
                  check=lambda m: m.expect(len(m.ops[0]["inputs"]) == 1, "RESHAPE has one input")))
    return C


# ---- flatbuffer reading / patching -------------------------------------------------

def _snake(name):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _option_value(key, value):
    if key == "padding":
        return PADDING_NAMES[value]
    if key == "fused_activation_function":
        return ACTIVATION_NAMES[value]
    if isinstance(value, np.ndarray):
        return [v.item() for v in value]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, float):
        return float(np.float32(value))
    return value


class ModelView:
    """A plain-data view of a .tflite model's only subgraph."""

    def __init__(self, model_bytes, case_name):
        self.case_name = case_name
        m = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
        if len(m.subgraphs) != 1:
            self.fail(f"{len(m.subgraphs)} subgraphs")
        g = m.subgraphs[0]
        self.tensors = []
        for i, t in enumerate(g.tensors):
            q = t.quantization
            scales = [] if q is None or q.scale is None else [float(s) for s in q.scale]
            zps = [] if q is None or q.zeroPoint is None else [int(z) for z in q.zeroPoint]
            buf = m.buffers[t.buffer]
            constant = buf.data is not None and len(buf.data) > 0
            values = None
            if constant and t.type == schema.TensorType.INT32 and len(buf.data) <= 64:
                values = np.frombuffer(bytes(bytearray(buf.data)), dtype="<i4").tolist()
            self.tensors.append({"values": values,
                "index": i, "name": t.name.decode(), "shape": [int(d) for d in t.shape],
                "dtype": TENSOR_TYPES[t.type], "scales": scales, "zero_points": zps,
                "quantized_dimension": int(q.quantizedDimension) if q is not None else 0,
                "constant": bool(constant)})
        self.inputs = [int(i) for i in g.inputs]
        self.outputs = [int(i) for i in g.outputs]
        self.ops = []
        for op in g.operators:
            code = m.operatorCodes[op.opcodeIndex]
            name = BUILTIN_NAMES[max(code.builtinCode, code.deprecatedBuiltinCode)]
            options = None
            if op.builtinOptions is not None:
                options = {_snake(k): _option_value(_snake(k), v) for k, v in sorted(vars(op.builtinOptions).items())}
            self.ops.append({"op": name, "version": int(code.version), "options": options,
                             "inputs": [int(i) for i in op.inputs], "outputs": [int(i) for i in op.outputs]})

    def fail(self, why):
        raise SystemExit(f"error: case {self.case_name}: {why}")

    def expect(self, condition, what):
        if not condition:
            self.fail(f"expected {what}; model has {self.summary()}")

    def summary(self):
        return "; ".join(f"{o['op']} {o['options']} in={[self.tensors[i]['dtype'] + str(self.tensors[i]['shape']) for i in o['inputs'] if i >= 0]}"
                         for o in self.ops)

    def op_inputs(self, k):
        return [self.tensors[i] if i >= 0 else None for i in self.ops[k]["inputs"]]

    def op_outputs(self, k):
        return [self.tensors[i] for i in self.ops[k]["outputs"]]

    @staticmethod
    def same_quantization(tensors):
        return len({(tuple(t["scales"]), tuple(t["zero_points"])) for t in tensors}) == 1

    def expect_requantize(self, k):
        t_in, t_out = self.op_inputs(k)[0], self.op_outputs(k)[0]
        self.expect(self.ops[k]["op"] == "QUANTIZE" and t_in["dtype"] == "INT8" and t_out["dtype"] == "INT8"
                    and not self.same_quantization([t_in, t_out]),
                    f"op {k} to be an int8 -> int8 QUANTIZE between different scales")


def set_softmax_beta(model_bytes, beta):
    """Overwrites the beta of every SOFTMAX in place (the field must be present)."""
    buf = bytearray(model_bytes)
    m = schema.Model.GetRootAs(buf, 0)
    g = m.Subgraphs(0)
    patched = 0
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        oc = m.OperatorCodes(op.OpcodeIndex())
        if max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()) != schema.BuiltinOperator.SOFTMAX:
            continue
        table = op.BuiltinOptions()
        opts = schema.SoftmaxOptions()
        opts.Init(table.Bytes, table.Pos)
        field = opts._tab.Offset(4)  # beta
        if field == 0:
            raise SystemExit("error: SOFTMAX beta field absent; cannot patch in place")
        struct.pack_into("<f", buf, opts._tab.Pos + field, beta)
        patched += 1
    if patched != 1:
        raise SystemExit(f"error: expected one SOFTMAX to patch, found {patched}")
    return bytes(buf)


def reshape_to_new_shape_option(model_bytes):
    """Drops the shape tensor input of the only RESHAPE and moves the shape into
    ReshapeOptions.new_shape; removes the then unused tensor and buffer."""
    m = schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    g = m.subgraphs[0]
    (op,) = g.operators
    assert BUILTIN_NAMES[max(m.operatorCodes[op.opcodeIndex].builtinCode,
                             m.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)] == "RESHAPE"
    shape_index = int(op.inputs[1])
    shape_tensor = g.tensors[shape_index]
    new_shape = np.frombuffer(bytes(m.buffers[shape_tensor.buffer].data), dtype="<i4").tolist()
    options = schema.ReshapeOptionsT()
    options.newShape = new_shape
    op.inputs = [int(op.inputs[0])]
    op.builtinOptionsType = schema.BuiltinOptions.ReshapeOptions
    op.builtinOptions = options
    _compact(m)
    return flatbuffer_utils.convert_object_to_bytearray(m)


def _compact(m):
    """Removes tensors no operator or subgraph input/output uses, then buffers
    no tensor or metadata entry uses, renumbering the references."""
    g = m.subgraphs[0]
    used = set(int(i) for i in g.inputs) | set(int(i) for i in g.outputs)
    for op in g.operators:
        used |= {int(i) for i in op.inputs if i >= 0} | {int(i) for i in op.outputs}
    keep = [i for i in range(len(g.tensors)) if i in used]
    remap = {old: new for new, old in enumerate(keep)}
    g.tensors = [g.tensors[i] for i in keep]
    g.inputs = [remap[int(i)] for i in g.inputs]
    g.outputs = [remap[int(i)] for i in g.outputs]
    for op in g.operators:
        op.inputs = [remap[int(i)] if i >= 0 else -1 for i in op.inputs]
        op.outputs = [remap[int(i)] for i in op.outputs]
    for sig in m.signatureDefs or []:
        for tm in (sig.inputs or []) + (sig.outputs or []):
            tm.tensorIndex = remap[int(tm.tensorIndex)]
    used_buffers = {0} | {int(t.buffer) for t in g.tensors} | {int(md.buffer) for md in (m.metadata or [])}
    keep_b = [i for i in range(len(m.buffers)) if i in used_buffers]
    remap_b = {old: new for new, old in enumerate(keep_b)}
    m.buffers = [m.buffers[i] for i in keep_b]
    for t in g.tensors:
        t.buffer = remap_b[int(t.buffer)]
    for md in m.metadata or []:
        md.buffer = remap_b[int(md.buffer)]


# ---- conversion ----------------------------------------------------------------------

def convert(case):
    specs = [tf.TensorSpec(s, tf.float32) for s in case.shapes]
    fn = tf.function(case.body, autograph=False)
    concrete = fn.get_concrete_function(*specs)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], fn)
    rng = np.random.default_rng(case_seed(case.name))

    def representative():
        for _ in range(64):
            yield [rng.uniform(lo, hi, size=s).astype(np.float32) for s, (lo, hi) in zip(case.shapes, case.ranges)]

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.float32 if case.float_input else tf.int8
    converter.inference_output_type = tf.float32 if case.float_output else tf.int8
    converter.exclude_conversion_metadata = True
    if case.per_tensor:
        converter._experimental_disable_per_channel = True
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return bytes(converter.convert())


def verify(case, model_bytes):
    view = ModelView(model_bytes, case.name)
    ops = [o["op"] for o in view.ops]
    if ops != case.ops:
        view.fail(f"the model's operators are {ops}, expected exactly {case.ops}")
    for op in case.exercises:
        if op not in ops:
            view.fail(f"{op} is listed as exercised but the model does not contain it")
    for k, expected in case.options.items():
        got = view.ops[k]["options"] or {}
        for key, value in expected.items():
            if got.get(key) != value:
                view.fail(f"op {k} ({ops[k]}) option {key} is {got.get(key)!r}, expected {value!r}")
    for t in view.tensors:
        if t["dtype"] not in ("INT8", "INT32", "FLOAT32"):
            view.fail(f"unexpected tensor type {t['dtype']} for tensor {t['index']} {t['name']}")
    io_types = ["FLOAT32" if case.float_input else "INT8"] * len(view.inputs)
    if [view.tensors[i]["dtype"] for i in view.inputs] != io_types:
        view.fail(f"input types {[view.tensors[i]['dtype'] for i in view.inputs]}, expected {io_types}")
    want_out = ["FLOAT32" if case.float_output else "INT8"] * len(view.outputs)
    if [view.tensors[i]["dtype"] for i in view.outputs] != want_out:
        view.fail(f"output types {[view.tensors[i]['dtype'] for i in view.outputs]}, expected {want_out}")
    # Every non-constant tensor between the model's float edges is int8 per-tensor.
    for o in view.ops:
        for i in o["inputs"] + o["outputs"]:
            if i < 0:
                continue
            t = view.tensors[i]
            if t["dtype"] == "INT8" and not t["constant"] and len(t["scales"]) != 1:
                view.fail(f"activation tensor {i} has {len(t['scales'])} scales")
    if [list(view.tensors[i]["shape"]) for i in view.inputs] != [list(s) for s in case.shapes]:
        view.fail(f"input shapes {[view.tensors[i]['shape'] for i in view.inputs]} differ from {case.shapes}")
    if case.check is not None:
        case.check(view)
    return view


# ---- inputs and running ----------------------------------------------------------------

def feeding_quantize_scale(view, tensor_index):
    for o in view.ops:
        if o["op"] == "QUANTIZE" and o["inputs"][0] == tensor_index:
            return view.tensors[o["outputs"][0]]["scales"][0]
    raise SystemExit(f"error: case {view.case_name}: no QUANTIZE reads float input {tensor_index}")


INPUT_KINDS = {
    "random": "np.random.default_rng(seed): int8 inputs uniform over [-128, 127], float inputs uniform over "
              "1.25 times the calibration range around its centre; several inputs are drawn in order from one generator",
    "all_min": "every input all -128 (float inputs: all -1000.0)",
    "all_max": "every input all 127 (float inputs: all 1000.0)",
    "all_zero_point": "every input all equal to its own zero point (float inputs: all 0.0)",
    "in0_min_others_max": "input 0 all minimum, the other inputs all maximum",
    "in0_max_others_min": "input 0 all maximum, the other inputs all minimum",
    "ramp": "flat element i of int8 input j is ((i + 85*j) mod 256) - 128, so an input of >= 256 elements holds every int8 value",
    "ties": "float input: flat element k holds (1.25*(k - n/2) + 0.5) * s in float32, s the scale of the QUANTIZE "
            "reading it, so many elements quantize exactly half-way between two integers",
}


def input_sets(case, view):
    """[(kind, seed or None, [array per input])]."""
    ins = [view.tensors[i] for i in view.inputs]
    sets = []
    base = case_seed(case.name) * 16
    for k in range(RANDOM_CASES):
        seed = base + k
        rng = np.random.default_rng(seed)
        arrays = []
        for t, (lo, hi) in zip(ins, case.ranges):
            if t["dtype"] == "FLOAT32":
                mid, half = (lo + hi) / 2, (hi - lo) / 2 * 1.25
                arrays.append(rng.uniform(mid - half, mid + half, size=t["shape"]).astype(np.float32))
            else:
                arrays.append(rng.integers(-128, 128, size=t["shape"], dtype=np.int8))
        sets.append(("random", seed, arrays))

    def fill(values):
        return [np.full(t["shape"], v, dtype=NUMPY_DTYPES[t["dtype"]]) for t, v in zip(ins, values)]

    def edge(t, which):
        if t["dtype"] == "FLOAT32":
            return {"min": -1000.0, "max": 1000.0, "zero_point": 0.0}[which]
        return {"min": -128, "max": 127, "zero_point": t["zero_points"][0]}[which]

    sets.append(("all_min", None, fill([edge(t, "min") for t in ins])))
    sets.append(("all_max", None, fill([edge(t, "max") for t in ins])))
    sets.append(("all_zero_point", None, fill([edge(t, "zero_point") for t in ins])))
    if len(ins) > 1:
        sets.append(("in0_min_others_max", None, fill([edge(t, "min" if j == 0 else "max") for j, t in enumerate(ins)])))
        sets.append(("in0_max_others_min", None, fill([edge(t, "max" if j == 0 else "min") for j, t in enumerate(ins)])))
    ramp = []
    for j, t in enumerate(ins):
        n = int(np.prod(t["shape"]))
        if t["dtype"] == "FLOAT32":
            scale = np.float32(feeding_quantize_scale(view, view.inputs[j]))
            ks = (np.arange(n, dtype=np.float32) - np.float32(n // 2)) * np.float32(1.25) + np.float32(0.5)
            ramp.append((ks * scale).astype(np.float32).reshape(t["shape"]))
        else:
            ramp.append(((np.arange(n) + 85 * j) % 256 - 128).astype(np.int8).reshape(t["shape"]))
    sets.append(("ties" if any(t["dtype"] == "FLOAT32" for t in ins) else "ramp", None, ramp))
    return sets


def run_tflm(model_bytes, arrays, interpreter=None):
    interp = interpreter or tflm_runtime.Interpreter.from_bytes(model_bytes)
    for i, x in enumerate(arrays):
        interp.set_input(x, i)
    interp.invoke()
    return [np.array(interp.get_output(i)) for i in range(n_outputs(model_bytes))]


def n_outputs(model_bytes):
    return schema.Model.GetRootAs(model_bytes, 0).Subgraphs(0).OutputsLength()


def run_litert(model_bytes, view, arrays):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    interp = Interpreter(model_content=model_bytes, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    for idx, x in zip(view.inputs, arrays):
        interp.set_tensor(idx, x)
    interp.invoke()
    return [np.array(interp.get_tensor(idx)) for idx in view.outputs]


def raw_bytes(array, dtype):
    return np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()


def tensor_entry(t):
    return {
        "index": t["index"], "name": t["name"], "shape": t["shape"], "dtype": t["dtype"].lower(),
        "scale": t["scales"][0] if len(t["scales"]) == 1 else None,
        "zero_point": t["zero_points"][0] if len(t["zero_points"]) == 1 else None,
        "bytes": int(np.prod(t["shape"])) * np.dtype(NUMPY_DTYPES[t["dtype"]]).itemsize,
    }


def all_tensors_entry(view):
    out = []
    for t in view.tensors:
        e = {"index": t["index"], "name": t["name"], "shape": t["shape"], "dtype": t["dtype"].lower(),
             "constant": t["constant"]}
        if t["values"] is not None:
            e["values"] = t["values"]
        if t["scales"]:
            if len(t["scales"]) == 1:
                e["scale"], e["zero_point"] = t["scales"][0], t["zero_points"][0]
            else:
                e["scales"], e["zero_points"] = t["scales"], t["zero_points"]
                e["quantized_dimension"] = t["quantized_dimension"]
        out.append(e)
    return out


def build_case(case, out_dir):
    seed_everything(case_seed(case.name))
    model = convert(case)
    if case.patch is not None:
        model = case.patch(model)
    view = verify(case, model)
    if len(view.outputs) != 1:
        view.fail(f"{len(view.outputs)} outputs; the fixture layout has one output per model")
    case_dir = os.path.join(out_dir, case.name)
    os.makedirs(case_dir)
    with open(os.path.join(case_dir, "model.tflite"), "wb") as f:
        f.write(model)

    ins = [view.tensors[i] for i in view.inputs]
    out = view.tensors[view.outputs[0]]
    out_dtype = NUMPY_DTYPES[out["dtype"]]
    shared = tflm_runtime.Interpreter.from_bytes(model)
    files = []
    for k, (kind, seed, arrays) in enumerate(input_sets(case, view)):
        fid = f"{k:03d}"
        (result,) = run_tflm(model, arrays)
        (again,) = run_tflm(model, arrays, interpreter=shared)
        if result.tobytes() != again.tobytes():
            view.fail(f"{fid}: TFLM gave different bytes on a reused interpreter")
        if list(result.shape) != out["shape"] or result.dtype != out_dtype:
            view.fail(f"TFLM output {result.dtype}{list(result.shape)} vs output tensor {out}")
        in_names = [f"{fid}.in"] if len(ins) == 1 else [f"{fid}.in{j}" for j in range(len(ins))]
        entry = {"id": fid, "kind": kind, "inputs": in_names, "output": f"{fid}.out"}
        if seed is not None:
            entry["seed"] = seed
        for name, x, t in zip(in_names, arrays, ins):
            with open(os.path.join(case_dir, name), "wb") as f:
                f.write(raw_bytes(x, NUMPY_DTYPES[t["dtype"]]))
        data = raw_bytes(result, out_dtype)
        with open(os.path.join(case_dir, entry["output"]), "wb") as f:
            f.write(data)
        entry["output_md5"] = hashlib.md5(data).hexdigest()
        (lite,) = run_litert(model, view, arrays)
        entry["litert_ref_equal"] = lite.tobytes() == result.tobytes()
        files.append(entry)

    return {
        "name": case.name,
        "description": case.description,
        "exercises": case.exercises,
        "operators": [o["op"] for o in view.ops],
        "operator_details": view.ops,
        "model_file": "model.tflite",
        "model_bytes": len(model),
        "model_md5": hashlib.md5(model).hexdigest(),
        "converter": {
            "representative_ranges": [[float(lo), float(hi)] for lo, hi in case.ranges],
            "representative_seed": case_seed(case.name),
            "representative_samples": 64,
            "inference_input_type": "float32" if case.float_input else "int8",
            "inference_output_type": "float32" if case.float_output else "int8",
            "per_channel_weights": not case.per_tensor,
        },
        "post_processing": case.patch_note,
        "inputs": [tensor_entry(t) for t in ins],
        "outputs": [tensor_entry(out)],
        "tensors": all_tensors_entry(view),
        "files": files,
    }


def generate(out, only=None):
    all_cases = cases()
    names = [c.name for c in all_cases]
    if len(set(names)) != len(names):
        raise SystemExit("error: duplicate case names")
    selected = [c for c in all_cases if only is None or c.name in only]
    if only is not None and len(selected) != len(only):
        raise SystemExit(f"error: unknown cases {sorted(set(only) - set(names))}")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    manifest = {
        "generator": "Tools/opfixtures/generate.py",
        "regenerate": "/tmp/oracle/bin/python Tools/opfixtures/generate.py",
        "tools": tool_versions(),
        "layout": "<case>/model.tflite; <case>/NNN.in (NNN.in0, NNN.in1, ... for models with several inputs) raw "
                  "input bytes; <case>/NNN.out raw bytes of the model's only output; int8 row-major (NHWC for 4-D), "
                  "float32 little-endian",
        "expected_outputs": "TFLM Python interpreter (reference kernels), a fresh interpreter per file; a reused "
                            "interpreter gave the same bytes",
        "litert_ref_equal": "informational: whether ai-edge-litert with the BUILTIN_REF op resolver gave the same bytes",
        "input_kinds": INPUT_KINDS,
        "cases": [],
    }
    for case in selected:
        entry = build_case(case, out)
        manifest["cases"].append(entry)
        lr = [f["id"] for f in entry["files"] if not f["litert_ref_equal"]]
        print(f"{case.name:36s} {entry['model_bytes']:5d} B  {len(entry['files']):2d} input sets  "
              f"ops={entry['operators']}" + (f"  litert differs on {len(lr)}" if lr else ""))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        f.write(to_json(manifest) + "\n")


def to_json(value, indent=0):
    """JSON with sorted keys; lists of scalars, and small flat objects, on one line."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        flat = all(not isinstance(v, (dict, list, tuple)) or
                   (isinstance(v, (list, tuple)) and all(not isinstance(x, (dict, list, tuple)) for x in v))
                   for v in value.values())
        if flat:
            line = "{" + ", ".join(f"{json.dumps(k)}: {to_json(value[k])}" for k in sorted(value)) + "}"
            if len(line) <= 240:
                return line
        items = [f"{inner}{json.dumps(k)}: {to_json(value[k], indent + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return "[" + ", ".join(json.dumps(v) for v in value) + "]"
        return "[\n" + ",\n".join(inner + to_json(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value)


def tree_digest(root):
    digests = {}
    for dirpath, _, filenames in os.walk(root):
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            with open(p, "rb") as f:
                digests[os.path.relpath(p, root)] = hashlib.md5(f.read()).hexdigest()
    return digests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (replaced); default %(default)s")
    ap.add_argument("--cases", help="comma-separated subset of case names")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--check-determinism", action="store_true",
                    help="generate twice in fresh processes into temporary directories and compare every file's md5")
    args = ap.parse_args()
    if args.list:
        for c in cases():
            print(f"{c.name:36s} {c.ops}  {c.description}")
        return
    if args.check_determinism:
        runs = []
        for k in range(2):
            d = tempfile.mkdtemp(prefix=f"opfixtures{k}-")
            cmd = [sys.executable, os.path.abspath(__file__), "--out", d] + (["--cases", args.cases] if args.cases else [])
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            runs.append(tree_digest(d))
            shutil.rmtree(d)
        if runs[0] != runs[1]:
            diff = sorted(k for k in set(runs[0]) | set(runs[1]) if runs[0].get(k) != runs[1].get(k))
            raise SystemExit(f"error: not deterministic; {len(diff)} files differ, e.g. {diff[:10]}")
        print(f"deterministic: {len(runs[0])} files identical across two runs")
        return
    only = args.cases.split(",") if args.cases else None
    generate(os.path.abspath(args.out), only)


if __name__ == "__main__":
    main()
