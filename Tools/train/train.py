#!/usr/bin/env python3
"""Trains TinyBench's demo models on the synthetic demo data (see README.md).

    python Tools/train/train.py BENCHMARK --train DIR --test DIR --out MODEL.tflite

DIR is a dataset root in the EEMBC layout (DIR/<benchmark>/y_labels.csv),
written by `demodata --split train` / `--split test`; for sww01, DIR/sww01/
holds frame windows (windows.bin, labels.bin) from `demodata --benchmarks
sww01` (the test split's with `--windows`, next to the demo stream's truth file). The architectures are
the MLPerf Tiny reference ones (same layers and shapes, hence the same MACs);
the result is fully int8 (int8 input and output) like the reference models.
Never needed at run time: the .tflite files are committed.
"""
import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
from tensorflow.keras import layers, regularizers  # noqa: E402

FILE_BYTES = {"kws01": 490, "vww01": 27648, "ic01": 3072, "ic02": 3072, "ad01": 102400}
# ic02 (MLPerf Tiny v1.4's large ResNet) trains and tests on the ic01 images, as the runner runs it.
DATASET_FOLDER = {"ic02": "ic01"}
# kws01 features are stored as int8 with these input parameters (the MLPerf
# Tiny reference model's) until a demo model exists; see Tools/demodata/README.md.
KWS_DEFAULT_QUANT = (0.5847029089927673, 83)


# sww01: one 30 x 40 int8 model input per frame, as the DUT's front end computes it
# with the demo model's input scale 1/255 (f * 255 - 128, truncated); label 255 =
# a wakeword partly in the window (not trained on). Classes as the reference:
# 0 the wakeword ("marvin"), 1 silence, 2 unknown (other words).
SWW_FRAME = 30 * 40
SWW_THRESHOLD = 115  # the DUT's detection threshold on the int8 out[0]


def read_sww(root):
    folder = os.path.join(root, "sww01")
    raw = np.fromfile(os.path.join(folder, "windows.bin"), dtype=np.int8).reshape(-1, 30, 1, 40)
    labels = np.fromfile(os.path.join(folder, "labels.bin"), dtype=np.uint8)
    assert len(raw) == len(labels), "sww01: windows.bin and labels.bin disagree"
    return raw, labels


def sww_inputs(raw):
    """Features in [0, 1] from the int8 bytes (scale 1/255, zero point -128)."""
    return (raw.astype(np.float32) + 128) / 255


def sww_score(detections_ms, windows, delay=1.0, debounce_ms=1000):
    """TP/FN/FP as the MLCommons runner scores a stream (Docs/sww.md): the first
    detection is the sync marker; a window [start, stop] takes every remaining
    detection in [start, stop + 2 delay]; the rest, debounced over 1 s, are
    false positives."""
    marker, rest = detections_ms[0], [d - detections_ms[0] for d in detections_ms[1:]]
    tp = fn = 0
    for start, stop in windows:
        inside = [d for d in rest if start <= d / 1000 <= (stop + delay) + delay]
        if inside:
            tp += 1
            rest = [d for d in rest if d not in inside]
        else:
            fn += 1
    kept, i = list(rest), 0
    while i < len(kept):
        kept = [d for d in kept if not (kept[i] < d <= kept[i] + debounce_ms)]
        i += 1
    return tp, fn, len(kept)


def sww_stream_quality(tflite, test_root):
    """Plays the demo stream's frames through the int8 model as the DUT does
    (the int8 bytes as they are; a pulse on frame 0 and when out[0] > 115, at
    (k + 1) x 32 ms) and scores the pulses against the truth file."""
    import json
    raw, _ = read_sww(test_root)
    interpreter = tf.lite.Interpreter(model_content=tflite)
    interpreter.allocate_tensors()
    i, o = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    detections, peak = [], -128
    for k, window in enumerate(raw):
        interpreter.set_tensor(i["index"], window[np.newaxis])
        interpreter.invoke()
        score = int(interpreter.get_tensor(o["index"])[0][0])
        if k > 0:
            peak = max(peak, score)
        if k == 0 or score > SWW_THRESHOLD:
            detections.append((k + 1) * 512 * 1000 // 16000)
    with open(os.path.join(test_root, "sww01", "sww_demo_test.json")) as f:
        windows = json.load(f)[0]["detection_windows"]
    tp, fn, fp = sww_score(detections, windows)
    return f"demo stream: TP {tp}, FN {fn}, FP {fp} ({len(detections) - 1} pulses, input quantization {i['quantization']})"


def sww_ds_cnn():
    """MLPerf Tiny sww01: 1-D DS-CNN on 30 frames x 40 log-mel features (as
    [30, 1, 40]): four blocks of a valid depthwise (3, 5, 10, 15) x 1 kernel
    without bias, a 1 x 1 convolution (128, 128, 128, 32 filters), batch norm,
    ReLU and dropout; flatten; dense 3 with softmax."""
    inputs = layers.Input((30, 1, 40))
    x = inputs
    for kernel, filters in [(3, 128), (5, 128), (10, 128), (15, 32)]:
        x = layers.DepthwiseConv2D((kernel, 1), padding="valid", use_bias=False, depthwise_regularizer=regularizers.l2(1e-4))(x)
        x = layers.Conv2D(filters, 1, use_bias=False, kernel_regularizer=regularizers.l2(1e-4))(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Dropout(0.1)(x)
    x = layers.Flatten()(x)
    return tf.keras.Model(inputs, layers.Dense(3, activation="softmax")(x))


def read_dataset(root, benchmark):
    folder = os.path.join(root, DATASET_FOLDER.get(benchmark, benchmark))
    names, labels = [], []
    with open(os.path.join(folder, "y_labels.csv")) as f:
        for line in f:
            if line.strip():
                cols = line.strip().split(",")
                names.append(cols[0])
                labels.append(int(cols[2]))
    raw = np.stack([np.fromfile(os.path.join(folder, n), dtype=np.uint8) for n in names])
    assert raw.shape[1] == FILE_BYTES[benchmark], f"{benchmark}: files of {raw.shape[1]} bytes"
    return raw, np.array(labels)


def model_inputs(benchmark, raw, kws_quant=KWS_DEFAULT_QUANT):
    """The float tensors the float model is trained on, from the files' bytes."""
    if benchmark == "vww01":
        return raw.reshape(-1, 96, 96, 3).astype(np.float32) / 255.0      # int8 input: scale 1/255, zero point -128
    if benchmark in ("ic01", "ic02"):
        return raw.reshape(-1, 32, 32, 3).astype(np.float32)               # int8 input: scale 1, zero point -128
    if benchmark == "kws01":
        scale, zp = kws_quant
        return ((raw.view(np.int8).astype(np.float32) - zp) * scale).reshape(-1, 49, 10, 1)
    if benchmark == "ad01":
        spectrograms = raw.view("<f4").reshape(-1, 200, 128)
        return spectrograms
    raise ValueError(benchmark)


def ad_windows(spectrograms):
    """Every 5-frame window (640 values) of each file, as the harness sends them (stride 1 frame)."""
    frames = spectrograms.shape[1]
    return np.stack([spectrograms[:, i:i + 5, :].reshape(-1, 640) for i in range(frames - 4)], axis=1)


def conv_bn_relu(x, filters, kernel, strides):
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", kernel_initializer="he_normal",
                      kernel_regularizer=regularizers.l2(1e-4))(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def depthwise_separable(x, filters, strides):
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", depthwise_initializer="he_normal",
                               depthwise_regularizer=regularizers.l2(1e-4))(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return conv_bn_relu(x, filters, 1, 1)


def mobilenet_v1_025():
    """MLPerf Tiny vww01: MobileNetV1, width 0.25, 96x96x3, 2 classes."""
    inputs = layers.Input((96, 96, 3))
    x = conv_bn_relu(inputs, 8, 3, 2)
    for filters, strides in [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]:
        x = depthwise_separable(x, filters, strides)
    x = layers.AveragePooling2D(pool_size=x.shape[1:3])(x)
    x = layers.Flatten()(x)
    return tf.keras.Model(inputs, layers.Dense(2, activation="softmax")(x))


def resnet8(base=16):
    """MLPerf Tiny ic01: ResNet-8 with 16/32/64 filters, 32x32x3, 10 classes; with
    base=40, ic02's large ResNet (40/80/160 filters, the same layers)."""
    inputs = layers.Input((32, 32, 3))
    x = conv_bn_relu(inputs, base, 3, 1)
    for filters, strides in [(base, 1), (2 * base, 2), (4 * base, 2)]:
        y = conv_bn_relu(x, filters, 3, strides)
        y = layers.Conv2D(filters, 3, padding="same", kernel_initializer="he_normal", kernel_regularizer=regularizers.l2(1e-4))(y)
        y = layers.BatchNormalization()(y)
        if strides != 1:
            x = layers.Conv2D(filters, 1, strides=strides, padding="same", kernel_initializer="he_normal",
                              kernel_regularizer=regularizers.l2(1e-4))(x)
        x = layers.Activation("relu")(layers.add([x, y]))
    x = layers.AveragePooling2D(pool_size=8)(x)
    x = layers.Flatten()(x)
    return tf.keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


def ds_cnn():
    """MLPerf Tiny kws01: DS-CNN, 49x10 MFCC, conv 64 10x4 s2, four depthwise-separable blocks, 12 classes."""
    inputs = layers.Input((49, 10, 1))
    x = layers.Conv2D(64, (10, 4), strides=(2, 2), padding="same", kernel_regularizer=regularizers.l2(1e-4))(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.2)(x)
    for _ in range(4):
        x = layers.DepthwiseConv2D(3, padding="same", depthwise_regularizer=regularizers.l2(1e-4))(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(64, 1, padding="same", kernel_regularizer=regularizers.l2(1e-4))(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    x = layers.Dropout(0.4)(x)
    x = layers.AveragePooling2D(pool_size=x.shape[1:3])(x)
    x = layers.Flatten()(x)
    return tf.keras.Model(inputs, layers.Dense(12, activation="softmax")(x))


def autoencoder():
    """MLPerf Tiny ad01: fully connected autoencoder 640-128x4-8-128x4-640 with batch norm and ReLU."""
    inputs = layers.Input((640,))
    x = inputs
    for units in [128, 128, 128, 128, 8, 128, 128, 128, 128]:
        x = layers.Dense(units)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    return tf.keras.Model(inputs, layers.Dense(640)(x))


def convert(model, representative):
    # Rebuilt for a batch of exactly 1, the converter folds Flatten's shape
    # arithmetic into a constant RESHAPE, as in the reference models (TFLM has
    # no SHAPE kernel).
    fixed = tf.keras.models.clone_model(model, input_tensors=layers.Input(batch_shape=(1,) + tuple(model.input_shape[1:])))
    fixed.set_weights(model.get_weights())
    converter = tf.lite.TFLiteConverter.from_keras_model(fixed)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([r[np.newaxis].astype(np.float32)] for r in representative)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def representative_set(benchmark, x):
    """Calibration samples; for images, one more with a 0 and a full-scale
    pixel pins the input range so the int8 input is exactly uint8 - 128."""
    chosen = x[np.random.default_rng(0).choice(len(x), 500 if benchmark == "ad01" else 300, replace=False)]
    if benchmark in ("vww01", "ic01", "ic02"):
        edge = np.zeros_like(chosen[0])
        edge[0, 0, :] = 1.0 if benchmark == "vww01" else 255.0
        chosen = np.concatenate([chosen, edge[np.newaxis]])
    if benchmark == "sww01":
        # Features span [0, 1]: pin the input to scale 1/255, zero point -128.
        edge = np.zeros_like(chosen[0])
        edge[0, 0, :] = 1.0
        chosen = np.concatenate([chosen, edge[np.newaxis]])
    return chosen


def tflite_predict(tflite, x):
    interpreter = tf.lite.Interpreter(model_content=tflite)
    interpreter.allocate_tensors()
    i, o = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    (si, zi), (so, zo) = i["quantization"], o["quantization"]
    out = []
    for sample in x:
        q = np.clip(np.round(sample / si) + zi, -128, 127).astype(np.int8)
        interpreter.set_tensor(i["index"], q[np.newaxis])
        interpreter.invoke()
        out.append((interpreter.get_tensor(o["index"])[0].astype(np.float32) - zo) * so)
    return np.array(out), (si, zi)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=sorted(FILE_BYTES) + ["sww01"])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keras", help="also save the trained float model here (.keras), to convert again later")
    parser.add_argument("--convert-only", action="store_true", help="load --keras instead of training")
    parser.add_argument("--init", help="start from this saved model (.keras) instead of random weights")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0: its default)")
    args = parser.parse_args()
    tf.keras.utils.set_random_seed(args.seed)
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    b = args.benchmark
    started = time.time()
    if b == "sww01":
        return train_sww(args, started)
    raw_train, y_train = read_dataset(args.train, b)
    raw_test, y_test = read_dataset(args.test, b)
    x_train, x_test = model_inputs(b, raw_train), model_inputs(b, raw_test)
    if args.convert_only:
        model = tf.keras.models.load_model(args.keras)
        if b == "ad01":
            x_train = ad_windows(x_train[y_train == 0]).reshape(-1, 640)
        representative = representative_set(b, x_train)
    elif b == "ad01":
        normal = ad_windows(x_train[y_train == 0]).reshape(-1, 640)
        model = autoencoder()
        model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="mse")
        model.fit(normal, normal, batch_size=512, epochs=args.epochs or 30, shuffle=True, verbose=2)
        representative = representative_set(b, normal)
    else:
        model = tf.keras.models.load_model(args.init) if args.init else {"vww01": mobilenet_v1_025, "ic01": resnet8, "ic02": lambda: resnet8(40), "kws01": ds_cnn}[b]()
        model.compile(optimizer=tf.keras.optimizers.Adam(args.learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        epochs = args.epochs or {"vww01": 36, "ic01": 30, "ic02": 12, "kws01": 30}[b]
        schedule = tf.keras.callbacks.LearningRateScheduler(lambda e: args.learning_rate * (0.5 ** (e // max(epochs // 4, 1))))
        data = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(x_train), seed=args.seed)
        if b in ("vww01", "ic01", "ic02"):
            # Mirror images at random: a person (or a car) facing the other way is the same class.
            data = data.map(lambda x, y: (tf.image.random_flip_left_right(x, seed=args.seed), y))
        model.fit(data.batch(64), epochs=epochs, validation_data=(x_test, y_test), callbacks=[schedule], verbose=2)
        representative = representative_set(b, x_train)
    if args.keras and not args.convert_only:
        model.save(args.keras)
    tflite = convert(model, representative)
    with open(args.out, "wb") as f:
        f.write(tflite)
    if b == "ad01":
        windows = ad_windows(x_test)
        scores = []
        for file_windows in windows:
            recon, _ = tflite_predict(tflite, file_windows)
            scores.append(np.mean((recon - file_windows) ** 2))
        from sklearn.metrics import roc_auc_score
        quality = f"AUC {roc_auc_score(y_test, scores):.4f}"
    else:
        probabilities, quant = tflite_predict(tflite, x_test)
        quality = f"int8 top-1 {np.mean(np.argmax(probabilities, axis=1) == y_test) * 100:.2f} % (input quantization {quant})"
    print(f"{b}: wrote {args.out} ({len(tflite)} bytes) in {time.time() - started:.0f} s; test set: {quality}", file=sys.stderr)


def train_sww(args, started):
    raw, labels = read_sww(args.train)
    keep = labels != 255
    x_train, y_train = sww_inputs(raw[keep]), labels[keep].astype(np.int64)
    raw_test, labels_test = read_sww(args.test)
    x_test, y_test = sww_inputs(raw_test[labels_test != 255]), labels_test[labels_test != 255].astype(np.int64)
    print(f"sww01: {len(x_train)} training frames (classes {np.bincount(y_train, minlength=3)}), "
          f"{len(x_test)} demo-stream frames", file=sys.stderr)
    if args.convert_only:
        model = tf.keras.models.load_model(args.keras)
    else:
        model = tf.keras.models.load_model(args.init) if args.init else sww_ds_cnn()
        model.compile(optimizer=tf.keras.optimizers.Adam(args.learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        epochs = args.epochs or 12
        schedule = tf.keras.callbacks.LearningRateScheduler(lambda e: args.learning_rate * (0.5 ** (e // max(epochs // 4, 1))))
        data = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(len(x_train), seed=args.seed)
        model.fit(data.batch(128), epochs=epochs, validation_data=(x_test, y_test), callbacks=[schedule], verbose=2)
        if args.keras:
            model.save(args.keras)
    tflite = convert(model, representative_set("sww01", x_train))
    with open(args.out, "wb") as f:
        f.write(tflite)
    probabilities, quant = tflite_predict(tflite, x_test)
    top1 = np.mean(np.argmax(probabilities, axis=1) == y_test) * 100
    print(f"sww01: wrote {args.out} ({len(tflite)} bytes) in {time.time() - started:.0f} s; demo-stream frames: "
          f"int8 top-1 {top1:.2f} %; {sww_stream_quality(tflite, args.test)}", file=sys.stderr)


if __name__ == "__main__":
    main()
