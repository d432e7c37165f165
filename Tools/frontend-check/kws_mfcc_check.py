#!/usr/bin/env python3
"""Checks TinyBench's KWS front end against the MLPerf Tiny TensorFlow pipeline.

    python Tools/frontend-check/kws_mfcc_check.py TINYBENCH MODEL.tflite [--clips N]

Makes a small Speech Commands-shaped folder of spoken words (Debian's
espeak-ng, resampled to 16 kHz, with noise), converts it with
`tinybench dataset prepare kws`, computes the same features with the
reference's TensorFlow code path (get_dataset.py: normalise by the maximum,
tf.signal.stft, linear_to_mel_weight_matrix, log, mfccs_from_log_mel_spectrograms)
quantized as make_bin_files.py does, and reports how many int8 features agree.
Needs tensorflow and numpy; not part of the test suite (the Swift tests hold
values computed here).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402

WORDS = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]
OTHERS = ["bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow"]


def speak(word, voice, speed, pitch, rng):
    wav = subprocess.run(["espeak-ng", "--stdout", "-v", voice, "-s", str(speed), "-p", str(pitch), word],
                         check=True, capture_output=True).stdout
    pcm = np.frombuffer(wav[44:], dtype="<i2").astype(np.float64)
    rate = int.from_bytes(wav[24:28], "little")
    t = np.arange(0, len(pcm) / rate, 1 / 16000)
    audio = np.interp(t, np.arange(len(pcm)) / rate, pcm)[:16000]
    clip = np.zeros(16000)
    start = rng.integers(0, 16000 - len(audio) + 1)
    clip[start:start + len(audio)] = audio
    return clip


def write_wav(path, samples):
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()
    header = b"RIFF" + (36 + len(pcm)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    header += (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (16000).to_bytes(4, "little")
    header += (32000).to_bytes(4, "little") + (2).to_bytes(2, "little") + (16).to_bytes(2, "little")
    with open(path, "wb") as f:
        f.write(header + b"data" + len(pcm).to_bytes(4, "little") + pcm)


def reference_features(path):
    audio = tf.audio.decode_wav(tf.io.read_file(path)).audio[:, 0]
    audio = audio / tf.reduce_max(audio)
    audio = tf.pad(audio, [[0, 16000 - tf.shape(audio)[-1]]])
    audio = tf.slice(tf.pad(audio, [[2, 2]]), [2], [16000])
    stfts = tf.signal.stft(audio, frame_length=480, frame_step=320, fft_length=None, window_fn=tf.signal.hann_window)
    spectrograms = tf.abs(stfts)
    weights = tf.signal.linear_to_mel_weight_matrix(40, stfts.shape[-1], 16000, 20.0, 4000.0)
    mel = tf.tensordot(spectrograms, weights, 1)
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(mel + 1e-6))[..., :10].numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tinybench")
    parser.add_argument("model")
    parser.add_argument("--clips", type=int, default=240)
    args = parser.parse_args()
    interpreter = tf.lite.Interpreter(model_path=args.model)
    scale, zero_point = interpreter.get_input_details()[0]["quantization"]
    rng = np.random.default_rng(7)
    voices = ["en", "en-us", "en-gb", "en+m3", "en+f2", "en-us+m7", "en+f4"]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "speech")
        folders = WORDS + ["_silence_", "_unknown_"]
        for folder in folders:
            os.makedirs(os.path.join(src, folder))
        paths = []
        for i in range(args.clips):
            folder = folders[i % len(folders)]
            if folder == "_silence_":
                clip = rng.normal(0, rng.uniform(50, 2000), 16000)
            else:
                word = OTHERS[i % len(OTHERS)] if folder == "_unknown_" else folder
                clip = speak(word, voices[i % len(voices)], int(rng.integers(110, 220)), int(rng.integers(20, 80)), rng)
                clip = clip * rng.uniform(0.2, 1.5) + rng.normal(0, rng.uniform(10, 600), 16000)
            path = os.path.join(src, folder, f"clip_{i:04d}.wav")
            write_wav(path, clip)
            paths.append(path)
        out = os.path.join(tmp, "out")
        subprocess.run([args.tinybench, "dataset", "prepare", "kws", "--from", src, "--out", out, "--model", args.model],
                       check=True, stdout=subprocess.DEVNULL)
        labels = [line.split(",")[0] for line in open(os.path.join(out, "kws01", "y_labels.csv"))]
        # The converter orders clips by label, then path: the same order as sorted(paths) within each folder.
        ordered = [p for folder in folders for p in sorted(paths) if os.path.basename(os.path.dirname(p)) == folder]
        same = total = 0
        worst = 0
        for name, path in zip(labels, ordered):
            ours = np.fromfile(os.path.join(out, "kws01", name), dtype=np.int8)
            ref = np.array(reference_features(path).flatten() / scale + zero_point, dtype=np.int8)
            same += int(np.sum(ours == ref))
            total += ours.size
            worst = max(worst, int(np.max(np.abs(ours.astype(int) - ref.astype(int)))))
        print(f"{len(labels)} clips, {total} int8 features: {same} identical ({100 * same / total:.3f} %), "
              f"largest difference {worst} step(s); scale {scale}, zero point {zero_point}")
        return 0 if same / total >= 0.99 else 1


if __name__ == "__main__":
    sys.exit(main())
