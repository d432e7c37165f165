#!/usr/bin/env python3
"""Oracle for TinyBench's sww01 streaming front end (StreamingFrontEnd.swift).

An independent numpy implementation of the arithmetic the MLPerf Tiny sww01
reference DUT (sww_ref_l4r5zi, th_compute_lfbe_f32 and the streaming loop)
performs per 512-sample hop, in float32 where the DUT uses float32:

  x/32768 -> pre-emphasis 0.96875 (carried across frames) -> periodic Hamming
  -> 1024-point real FFT -> |X| (sqrt) squared -> * 1/1024 -> 40 mel bins
  (tf.signal.linear_to_mel_weight_matrix(40, 513, 16000, 0, 8000), computed
  here in float32 as tf does and rounded to 6 decimals like the DUT's table)
  -> clip below at 1e-30 -> 10*log10 (double) -> +52, /64 -> clip [0, 1]
  -> (int8)(int32)(f / scale - 128)  (truncation; the DUT's int8 store wraps)

The FFT is numpy's (computed in float64, rounded to float32): the "ideal"
float32 spectrum. Our own code; no reference-firmware source is copied.

Usage: oracle.py OUTDIR            write the synthetic fixtures
       oracle.py --wav FILE SECONDS  print features of a WAV's first seconds
"""
import json, os, sys, struct
import numpy as np

f32 = np.float32
WIN, HOP, NMEL = 1024, 512, 40
PREEMPH = f32(0.96875)
# The reference model's input scale, exactly (printed as 0.003701043).
INPUT_SCALE = np.frombuffer(bytes.fromhex('%08x' % 0x3B728D31)[::-1], f32)[0]


def hamming_periodic():
    """float32 periodic Hamming (as tf.signal.hamming_window(1024, periodic=True)),
    rounded to 8 decimals like the DUT's fixed_data.c table."""
    n = np.arange(WIN).astype(f32)
    arg = (f32(2 * np.pi) * n / f32(WIN)).astype(f32)
    cos = np.cos(arg.astype(np.float64)).astype(f32)   # a correctly rounded cosf
    w = (f32(0.54) - f32(0.46) * cos).astype(f32)
    return np.array([f32(float('%.8f' % v)) for v in w], dtype=f32)


def tf_mel_matrix_f32():
    """tf.signal.linear_to_mel_weight_matrix(40, 513, 16000, 0, 8000) in float32
    (HTK mel: 1127 ln(1 + f/700)); shape (513, 40), row 0 zero."""
    def h2m(x):
        y = (f32(1.0) + x / f32(700.0)).astype(f32)
        return (f32(1127.0) * np.log(y.astype(np.float64)).astype(f32)).astype(f32)  # a correctly rounded logf
    def linspace(a, b, num):
        a, b = f32(a), f32(b)
        d = (b - a) / f32(num - 1)
        r = (np.arange(num).astype(f32) * d + a).astype(f32)
        r[-1] = b
        return r
    lin = linspace(0, 8000, 513)[1:]
    edges = linspace(h2m(f32(0)), h2m(f32(8000)), NMEL + 2)
    sm = h2m(lin)[:, None]
    lo, ce, up = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    w = np.maximum(f32(0), np.minimum((sm - lo) / (ce - lo), (up - sm) / (up - ce))).astype(f32)
    return np.vstack([np.zeros((1, NMEL), f32), w])


def dut_mel_matrix():
    """The tf matrix rounded to 6 decimals (the DUT's table is printed with %f)."""
    m = tf_mel_matrix_f32()
    return np.vectorize(lambda v: f32(float('%f' % v)))(m).astype(f32)


WINDOW = hamming_periodic()
MEL = dut_mel_matrix()


def features(samples):
    """int8 features (frames x 40) of a mono int16 stream, from `start`."""
    block = np.zeros(WIN, np.int16)
    last = f32(0)
    out = []
    for k in range(len(samples) // HOP):
        block = np.concatenate([block[HOP:], samples[k * HOP:(k + 1) * HOP]])
        x = (block.astype(f32) / f32(32768)).astype(f32)
        pre = np.empty(WIN, f32)
        pre[0] = x[0] - last * PREEMPH
        pre[1:] = x[1:] - PREEMPH * x[:-1]
        last = x[HOP - 1]
        wx = (pre * WINDOW).astype(f32)
        spec = np.fft.rfft(wx.astype(np.float64))
        re, im = spec.real.astype(f32), spec.imag.astype(f32)
        im[0] = f32(0); im[-1] = f32(0)
        mag = np.sqrt((re * re + im * im).astype(f32)).astype(f32)
        mag[-1] = re[-1]                     # the DUT keeps the Nyquist term signed
        power = ((mag * mag).astype(f32) * f32(1.0 / 1024)).astype(f32)
        mel = np.empty(NMEL, f32)
        for j in range(NMEL):               # sequential float32 dot product
            nz = np.nonzero(MEL[:, j])[0]
            acc = f32(0)
            for i in range(nz[0], nz[-1] + 1):
                acc = f32(acc + f32(power[i] * MEL[i, j]))
            mel[j] = acc
        mel = np.where(mel.astype(np.float64) > 1e-30, mel, f32(1e-30)).astype(f32)
        db = (10.0 * np.log10(mel.astype(np.float64))).astype(f32)
        v = ((db + f32(52.0)).astype(f32) * f32(1.0 / 64)).astype(f32)
        v = np.clip(v, f32(0), f32(1)).astype(f32)
        q = (v / INPUT_SCALE - f32(128)).astype(f32)
        out.append(np.trunc(q).astype(np.int32).astype(np.int8))
    return np.array(out, np.int8).reshape(-1, NMEL)


def synthetic():
    fs, n = 16000, 24 * HOP
    t = np.arange(n) / fs
    rng = np.random.default_rng(20261130)
    sig = {
        'silence': np.zeros(n),
        'sine1k': 0.25 * np.sin(2 * np.pi * 1000 * t),
        'sines': 0.1 * np.sin(2 * np.pi * 300 * t) + 0.05 * np.sin(2 * np.pi * 2500 * t + 0.3)
                 + 0.02 * np.sin(2 * np.pi * 6100 * t),
        'chirp': 0.3 * np.sin(2 * np.pi * (50 * t + 0.5 * (7900 - 50) / t[-1] * t * t)),
        'noise': 0.05 * rng.standard_normal(n),
        'clip': np.clip(3.0 * np.sin(2 * np.pi * 440 * t), -1, 1),
    }
    return {k: np.clip(np.round(v * 32767), -32768, 32767).astype('<i2') for k, v in sig.items()}


def main():
    if sys.argv[1] == '--wav':
        import wave
        with wave.open(sys.argv[2]) as w:
            ch = w.getnchannels(); rate = w.getframerate()
            raw = np.frombuffer(w.readframes(int(float(sys.argv[3]) * rate)), '<i2')
        feats = features(raw[::ch])
        sys.stdout.write(json.dumps(feats.tolist()))
        return
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {'signals': [], 'window': {}, 'mel': {}, 'tfMel': {}}
    for name, s in synthetic().items():
        s.tofile(os.path.join(out, name + '.pcm'))
        features(s).tofile(os.path.join(out, name + '.features'))
        manifest['signals'].append(name)
    for i in (0, 1, 255, 256, 512, 700, 1023):
        manifest['window'][str(i)] = float(WINDOW[i])
    tfm = tf_mel_matrix_f32()
    for (i, j) in ((1, 0), (2, 0), (5, 1), (30, 5), (100, 19), (250, 30), (460, 39), (512, 39), (480, 38)):
        manifest['mel']['%d,%d' % (i, j)] = float(MEL[i, j])
        manifest['tfMel']['%d,%d' % (i, j)] = float(tfm[i, j])
    # Sequential float64 sums in the Swift table order (window; mel spans
    # filter after filter): equal only if every entry is equal.
    def seqsum(values):
        total = 0.0
        for v in values:
            total += float(v)
        return total
    spans = []
    for j in range(NMEL):
        nz = np.nonzero(MEL[:, j])[0]
        spans += list(MEL[nz[0]:nz[-1] + 1, j])
    manifest['melChecksum'] = seqsum(spans)
    manifest['melCount'] = len(spans)
    manifest['windowChecksum'] = seqsum(WINDOW)
    with open(os.path.join(out, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
