#!/usr/bin/env python3
"""Golden fixtures for TinyRuntime's operators that the MLPerf Tiny reference
models do not use.

Builds small TensorFlow models, converts each to a fully int8 .tflite (int8 or
float32 inputs/outputs where a case needs QUANTIZE/DEQUANTIZE), runs them with
the TFLM Python interpreter (TFLM's reference kernels) and writes, per case:

    <out>/<case>/model.tflite
    <out>/<case>/NNN.in<k>   raw bytes of input k
    <out>/<case>/NNN.out     raw bytes of output 0

and <out>/manifest.json. Deterministic: fixed seeds, no timestamps.

    python3 Tools/opfixtures/generate.py [--out Tests/TinyRuntimeTests/Fixtures/ops]

Needs tensorflow-cpu, tflite-micro and numpy (see README.md). The Swift tests
read the committed output and never run this script.
"""
import argparse, hashlib, json, os, random, shutil, sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
from tflite_micro.python.tflite_micro import runtime
from tensorflow.lite.python import schema_py_generated as schema

BUILTIN_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    tf.keras.utils.set_random_seed(seed)


def convert(fn, input_specs, *, float_io=False, seed=0):
    """Converts a tf.function to a fully int8 TFLite model."""
    concrete = fn.get_concrete_function(*input_specs)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], fn)
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(64):
            yield [rng.uniform(-4, 4, size=s.shape).astype(np.float32) for s in input_specs]

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def operators_of(model_bytes):
    m = schema.Model.GetRootAsModel(model_bytes, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        codes.append(max(oc.DeprecatedBuiltinCode(), oc.BuiltinCode()))
    g = m.Subgraphs(0)
    return [BUILTIN_NAMES[codes[g.Operators(i).OpcodeIndex()]] for i in range(g.OperatorsLength())]


def input_cases(details, count_random=6):
    """Random inputs plus edge inputs (all min, all max, all zero point)."""
    cases = []
    for seed in range(count_random):
        rng = np.random.default_rng(1000 + seed)
        case = []
        for d in details:
            if d["dtype"] == np.float32:
                case.append(rng.uniform(-6, 6, size=d["shape"]).astype(np.float32))
            else:
                case.append(rng.integers(-128, 128, size=d["shape"], dtype=np.int8))
        cases.append(("random", case))
    for kind in ("min", "max", "zero_point"):
        case = []
        for d in details:
            if d["dtype"] == np.float32:
                value = {"min": -1e3, "max": 1e3, "zero_point": 0.0}[kind]
                case.append(np.full(d["shape"], value, dtype=np.float32))
            else:
                zp = int(d["quantization_parameters"]["zero_points"][0]) if len(d["quantization_parameters"]["zero_points"]) else 0
                value = {"min": -128, "max": 127, "zero_point": zp}[kind]
                case.append(np.full(d["shape"], value, dtype=np.int8))
        cases.append((kind, case))
    return cases


def run_tflm(model_bytes, inputs):
    interp = runtime.Interpreter.from_bytes(model_bytes)
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    return interp.get_output(0)


def describe(d):
    q = d["quantization_parameters"]
    return {"shape": [int(v) for v in d["shape"]], "dtype": np.dtype(d["dtype"]).name,
            "scales": [float(v) for v in q["scales"]], "zero_points": [int(v) for v in q["zero_points"]]}


# ---- the cases -----------------------------------------------------------------

def spec(*shape):
    return tf.TensorSpec(shape, tf.float32)


def keras_fn(body, *shapes):
    """A tf.function of `body` (which may call Keras layers created once, with
    fixed seeds, when the case is built) over inputs of the given shapes."""
    return tf.function(lambda *xs: body(*xs)), [spec(*s) for s in shapes]


def layer(make):
    """Creates the layer once and returns a callable applying it."""
    instance = make()
    return lambda *xs: instance(*xs)


def cases():
    """(name, expected operators, builder) — builder returns (fn, specs, float_io)."""
    L = tf.keras.layers
    return [
        ("mul_same_shape", ["MUL"], lambda: (*keras_fn(lambda a, b: a * b, (1, 4, 4, 8), (1, 4, 4, 8)), False)),
        ("mul_broadcast_relu", ["MUL"], lambda: (*keras_fn(lambda a, b: tf.nn.relu(a * b), (1, 4, 4, 8), (1, 1, 1, 8)), False)),
        ("add_broadcast", ["ADD"], lambda: (*keras_fn(lambda a, b: a + b, (1, 4, 4, 8), (1, 1, 1, 8)), False)),
        ("add_relu6", ["ADD"], lambda: (*keras_fn(lambda a, b: tf.nn.relu6(a + b), (1, 5, 3, 4), (1, 5, 3, 4)), False)),
        ("max_pool_2x2_valid", ["MAX_POOL_2D"], lambda: (*keras_fn(lambda a: tf.nn.max_pool2d(a, 2, 2, "VALID"), (1, 8, 8, 6)), False)),
        ("max_pool_3x3_s2_same", ["MAX_POOL_2D"], lambda: (*keras_fn(lambda a: tf.nn.max_pool2d(a, 3, 2, "SAME"), (1, 7, 9, 5)), False)),
        ("avg_pool_3x3_s2_same", ["AVERAGE_POOL_2D"], lambda: (*keras_fn(lambda a: tf.nn.avg_pool2d(a, 3, 2, "SAME"), (1, 7, 9, 5)), False)),
        ("pad_hw", ["PAD"], lambda: (*keras_fn(lambda a: tf.pad(a, [[0, 0], [1, 2], [2, 1], [0, 0]]), (1, 4, 5, 3)), False)),
        ("concat_channels", ["CONCATENATION"], lambda: (*keras_fn(lambda a, b: tf.concat([a, b * 2.0], axis=-1), (1, 3, 3, 4), (1, 3, 3, 2)), False)),
        ("mean_hw_keepdims", ["MEAN"], lambda: (*keras_fn(lambda a: tf.reduce_mean(a, axis=[1, 2], keepdims=True), (1, 5, 6, 7)), False)),
        ("mean_hw", ["MEAN"], lambda: (*keras_fn(lambda a: tf.reduce_mean(a, axis=[1, 2]), (1, 5, 6, 7)), False)),
        ("mean_last_axis", ["MEAN"], lambda: (*keras_fn(lambda a: tf.reduce_mean(a, axis=[-1]), (1, 4, 30)), False)),
        ("requantize_int8", ["QUANTIZE", "CONCATENATION"],
         lambda: (*keras_fn(lambda a: tf.concat([tf.sigmoid(a), a], axis=-1), (1, 4, 8)), False)),
        ("logistic", ["LOGISTIC"], lambda: (*keras_fn(lambda a: tf.sigmoid(a), (1, 64)), False)),
        ("relu", ["RELU"], lambda: (*keras_fn(lambda a: tf.nn.relu(a), (1, 64)), False)),
        ("relu6", ["RELU6"], lambda: (*keras_fn(lambda a: tf.nn.relu6(a), (1, 64)), False)),
        ("quantize_dequantize_float_io", ["QUANTIZE", "DEQUANTIZE"],
         lambda: (*keras_fn(layer(lambda: L.Dense(8, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=3))), (1, 16)), True)),
        ("depthwise_multiplier_2_stride_2", ["DEPTHWISE_CONV_2D"],
         lambda: (*keras_fn(layer(lambda: L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                                       depthwise_initializer=tf.keras.initializers.GlorotUniform(seed=4),
                                                       bias_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=5))),
                            (1, 9, 9, 3)), False)),
        ("depthwise_multiplier_3_dilation_2", ["DEPTHWISE_CONV_2D"],
         lambda: (*keras_fn(layer(lambda: L.DepthwiseConv2D(3, padding="same", depth_multiplier=3, dilation_rate=2,
                                                       depthwise_initializer=tf.keras.initializers.GlorotUniform(seed=6))),
                            (1, 8, 8, 2)), False)),
        ("conv_valid_stride_2_relu6", ["CONV_2D"],
         lambda: (*keras_fn(layer(lambda: L.Conv2D(6, 3, strides=2, padding="valid", activation="relu6",
                                              kernel_initializer=tf.keras.initializers.GlorotUniform(seed=7),
                                              bias_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=8))),
                            (1, 9, 9, 4)), False)),
        ("conv_dilation_2_same", ["CONV_2D"],
         lambda: (*keras_fn(layer(lambda: L.Conv2D(5, 3, padding="same", dilation_rate=2,
                                              kernel_initializer=tf.keras.initializers.GlorotUniform(seed=9))),
                            (1, 8, 7, 3)), False)),
        ("fully_connected_batch_2", ["FULLY_CONNECTED"],
         lambda: (*keras_fn(layer(lambda: L.Dense(10, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=10),
                                             bias_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=11))),
                            (2, 16)), False)),
        ("softmax_rows", ["SOFTMAX"], lambda: (*keras_fn(lambda a: tf.nn.softmax(a, axis=-1), (3, 10)), False)),
        ("reshape", ["RESHAPE"], lambda: (*keras_fn(lambda a: tf.reshape(a, (1, 6, 4)) * 1.0, (1, 2, 3, 4)), False)),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "Tests", "TinyRuntimeTests", "Fixtures", "ops"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    manifest = {"generator": "Tools/opfixtures/generate.py",
                "tools": {"tensorflow": tf.__version__, "tflite_micro": getattr(runtime, "__version__", "see pip"),
                          "numpy": np.__version__},
                "cases": []}
    for index, (name, expected_ops, build) in enumerate(cases()):
        seed_everything(index)
        fn, specs, float_io = build()
        model = convert(fn, specs, float_io=float_io, seed=index)
        ops = operators_of(model)
        missing = [o for o in expected_ops if o not in ops]
        if missing:
            sys.exit(f"{name}: the converted model has {ops}, missing {missing}")
        interp = runtime.Interpreter.from_bytes(model)
        n_inputs = len(specs)
        in_details = [interp.get_input_details(i) for i in range(n_inputs)]
        out_detail = interp.get_output_details(0)
        case_dir = os.path.join(out, name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.tflite"), "wb") as f:
            f.write(model)
        files = []
        for k, (kind, inputs) in enumerate(input_cases(in_details)):
            result = run_tflm(model, inputs)
            entry = {"id": f"{k:03d}", "kind": kind, "inputs": [], "output": f"{k:03d}.out"}
            for i, x in enumerate(inputs):
                fname = f"{k:03d}.in{i}"
                with open(os.path.join(case_dir, fname), "wb") as f:
                    f.write(np.ascontiguousarray(x).tobytes())
                entry["inputs"].append(fname)
            with open(os.path.join(case_dir, entry["output"]), "wb") as f:
                f.write(np.ascontiguousarray(result).tobytes())
            files.append(entry)
        manifest["cases"].append({
            "name": name, "operators": ops, "exercises": expected_ops,
            "model_md5": hashlib.md5(model).hexdigest(),
            "inputs": [describe(d) for d in in_details], "output": describe(out_detail), "files": files})
        print(f"{name:36s} {len(model):6d} bytes  ops={ops}")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
