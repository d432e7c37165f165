#!/usr/bin/env python3
"""Recomputes every operator fixture with an independent integer model of the
TFLM reference arithmetic (numpy and Python integers, written from the rules
listed in README.md) and compares it with the committed .out files byte for
byte.  It is a check on the README's arithmetic notes, not a second oracle:
the .out files come from TFLM itself.

    /tmp/oracle/bin/python Tools/opfixtures/crosscheck.py [--dir Tests/TinyRuntimeTests/Fixtures/ops]

Needs numpy and the flatbuffer schema bindings shipped with tflite-micro (or
tensorflow).  Exits non-zero on any mismatch.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

try:
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
except ImportError:  # pragma: no cover
    from tensorflow.lite.python import schema_py_generated as schema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "..", "Tests", "TinyRuntimeTests", "Fixtures", "ops")
BUILTIN = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


# ---- fixed-point primitives (Python integers, exact) ---------------------------------

def c_round(x):
    """C round(): halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def f32(x):
    return float(np.float32(x))


def quantize_multiplier(d):
    if d == 0.0:
        return 0, 0
    q, shift = math.frexp(d)
    m = c_round(q * (1 << 31))
    if m == 1 << 31:
        m //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return m, shift


def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul on int32."""
    if a == INT32_MIN and b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    v = ab + nudge
    return v // (1 << 31) if v >= 0 else -((-v) // (1 << 31))   # C division truncates


def rdbypot(x, e):
    """RoundingDivideByPOT: arithmetic shift right rounding halves away from zero."""
    if e == 0:
        return x
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def mbqm(x, m, shift):
    """MultiplyByQuantizedMultiplier, TFLM's default (double rounding) variant."""
    left, right = max(shift, 0), max(-shift, 0)
    return rdbypot(srdhm(x * (1 << left), m), right)


def sat_pot(x, exponent):
    """SaturatingRoundingMultiplyByPOT for int32."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbypot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << exponent


def wrap32(x):
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def exp_on_interval(a):
    """exp(a) for a in [-1/4, 0), Q0.31 in and out."""
    const_term, one_third = 1895147668, 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = sat_pot(x4, -2)
    poly = sat_pot(wrap32(srdhm(wrap32(x4_over_4 + x3), one_third) + x2), -1)
    return wrap32(const_term + srdhm(const_term, wrap32(x + poly)))


def exp_on_negative_values(a, integer_bits):
    """exp(a) for a <= 0 given in Q(integer_bits).(31-integer_bits); result Q0.31."""
    frac = 31 - integer_bits
    quarter = 1 << (frac - 2)
    a_mod = wrap32((a & (quarter - 1)) - quarter)
    result = exp_on_interval(sat_pot(a_mod, integer_bits))   # Rescale<0>
    remainder = wrap32(a_mod - a)
    for exponent, multiplier in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                                 (2, 39332535), (3, 720401), (4, 242)):
        if integer_bits > exponent:
            if remainder & (1 << (frac + exponent)):
                result = srdhm(result, multiplier)
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    if a == 0:
        result = INT32_MAX
    return result


def one_over_one_plus_x(a):
    """1/(1+a) for a in [0,1) in Q0.31; result Q0.31 (Newton-Raphson in Q2.29)."""
    half_denominator = (a + INT32_MAX + 1) >> 1   # RoundingHalfSum(a, One) for a >= 0
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))
    for _ in range(3):
        hdx = srdhm(half_denominator, x)
        one_minus = wrap32((1 << 29) - hdx)
        x = wrap32(x + sat_pot(srdhm(x, one_minus), 2))
    return sat_pot(x, 1)   # ExactMulByPot<-1> then Rescale<0> from Q2 -> Q0: net x * 2


def logistic_q(a, integer_bits):
    """gemmlowp::logistic for a in Q(integer_bits); result Q0.31."""
    if a == 0:
        return 1 << 30
    pos = one_over_one_plus_x(exp_on_negative_values(-abs(a), integer_bits))
    return pos if a > 0 else wrap32(INT32_MAX - pos)


def input_radius(integer_bits, left_shift, total_bits=31):
    return math.floor(((1 << integer_bits) - 1) * (1 << (total_bits - integer_bits)) / (1 << left_shift))


# ---- the model -------------------------------------------------------------------

class Model:
    def __init__(self, data):
        m = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
        self.m, self.g = m, m.subgraphs[0]

    def tensor(self, i):
        t = self.g.tensors[i]
        q = t.quantization
        scales = [float(s) for s in q.scale] if q is not None and q.scale is not None else []
        zps = [int(z) for z in q.zeroPoint] if q is not None and q.zeroPoint is not None else []
        buf = self.m.buffers[t.buffer].data
        dtype = {schema.TensorType.INT8: "<i1", schema.TensorType.INT32: "<i4",
                 schema.TensorType.FLOAT32: "<f4"}[t.type]
        data = None
        if buf is not None and len(buf):
            data = np.frombuffer(bytes(bytearray(buf)), dtype=dtype).reshape([int(d) for d in t.shape])
        return {"shape": [int(d) for d in t.shape], "scales": scales, "zps": zps, "data": data,
                "scale": scales[0] if scales else None, "zp": zps[0] if zps else None, "type": t.type}

    def ops(self):
        for op in self.g.operators:
            code = self.m.operatorCodes[op.opcodeIndex]
            yield BUILTIN[max(code.builtinCode, code.deprecatedBuiltinCode)], op


def act_range(activation, scale, zp):
    lo, hi = -128, 127
    q = lambda f: zp + int(c_round(f32(np.float32(f) / np.float32(scale))))
    if activation == schema.ActivationFunctionType.RELU:
        lo = max(lo, q(0.0))
    elif activation == schema.ActivationFunctionType.RELU6:
        lo, hi = max(lo, q(0.0)), min(hi, q(6.0))
    elif activation != schema.ActivationFunctionType.NONE:
        raise NotImplementedError(activation)
    return lo, hi


def vec(f):
    return np.vectorize(f, otypes=[np.int64])


def same_padding(in_size, k, stride, dilation, padding):
    if padding == schema.Padding.VALID:
        out = (in_size - ((k - 1) * dilation + 1)) // stride + 1
        return out, 0
    out = (in_size + stride - 1) // stride
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - in_size, 0)
    return out, total // 2


def run_op(model, name, op, values):
    ins = [model.tensor(i) if i >= 0 else None for i in op.inputs]
    out = model.tensor(op.outputs[0])
    x = [values.get(int(i)) if i >= 0 else None for i in op.inputs]
    x = [v if v is not None or t is None else t["data"] for v, t in zip(x, ins)]
    o = op.builtinOptions
    clamp8 = lambda v: np.clip(v, -128, 127).astype(np.int8)

    if name == "MUL":
        m, s = quantize_multiplier(ins[0]["scale"] * ins[1]["scale"] / out["scale"])
        lo, hi = act_range(o.fusedActivationFunction, out["scale"], out["zp"])
        prod = (x[0].astype(np.int64) - ins[0]["zp"]) * (x[1].astype(np.int64) - ins[1]["zp"])
        r = vec(lambda p: mbqm(int(p), m, s))(prod) + out["zp"]
        return np.clip(r, lo, hi).astype(np.int8).reshape(out["shape"])
    if name == "ADD":
        s1, s2 = ins[0]["scale"], ins[1]["scale"]
        twice = 2 * max(s1, s2)
        m1, e1 = quantize_multiplier(s1 / twice)
        m2, e2 = quantize_multiplier(s2 / twice)
        mo, eo = quantize_multiplier(twice / ((1 << 20) * out["scale"]))
        lo, hi = act_range(o.fusedActivationFunction, out["scale"], out["zp"])
        a = vec(lambda v: mbqm((int(v) - ins[0]["zp"]) << 20, m1, e1))(x[0])
        b = vec(lambda v: mbqm((int(v) - ins[1]["zp"]) << 20, m2, e2))(x[1])
        r = vec(lambda v: mbqm(int(v), mo, eo))(a + b) + out["zp"]
        return np.clip(r, lo, hi).astype(np.int8).reshape(out["shape"])
    if name in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        n, h, w, c = ins[0]["shape"]
        oh, pt = same_padding(h, o.filterHeight, o.strideH, 1, o.padding)
        ow, pl = same_padding(w, o.filterWidth, o.strideW, 1, o.padding)
        lo, hi = act_range(o.fusedActivationFunction, out["scale"], out["zp"])
        r = np.zeros((n, oh, ow, c), np.int64)
        for y in range(oh):
            for xx in range(ow):
                y0, x0 = y * o.strideH - pt, xx * o.strideW - pl
                win = x[0][:, max(y0, 0):min(y0 + o.filterHeight, h), max(x0, 0):min(x0 + o.filterWidth, w), :].astype(np.int64)
                if name == "MAX_POOL_2D":
                    r[:, y, xx, :] = win.max(axis=(1, 2))
                else:
                    count = win.shape[1] * win.shape[2]
                    acc = win.sum(axis=(1, 2))
                    half = count // 2
                    r[:, y, xx, :] = np.where(acc > 0, (acc + half) // count, -((-acc + half) // count))
        return np.clip(r, lo, hi).astype(np.int8)
    if name == "PAD":
        pads = x[1].reshape(-1, 2).tolist()
        return np.pad(x[0], pads, constant_values=out["zp"]).astype(np.int8)
    if name == "CONCATENATION":
        return np.concatenate(x, axis=o.axis).astype(np.int8)
    if name == "RESHAPE":
        return x[0].reshape(out["shape"])
    if name == "MEAN":
        axes = tuple(int(a) % len(ins[0]["shape"]) for a in np.atleast_1d(x[1]))
        count = int(np.prod([ins[0]["shape"][a] for a in axes]))
        m, s = quantize_multiplier(ins[0]["scale"] / out["scale"])
        shift = min(count.bit_length() - 1, 32, 31 + s)
        m2, s2 = (m << shift) // count, s - shift
        sums = x[0].astype(np.int64).sum(axis=axes) - ins[0]["zp"] * count
        r = vec(lambda v: mbqm(int(v), m2, s2))(sums) + out["zp"]
        return clamp8(r).reshape(out["shape"])
    if name == "RELU":
        m, s = quantize_multiplier(f32(np.float32(ins[0]["scale"]) / np.float32(out["scale"])))
        r = vec(lambda v: mbqm(int(v) - ins[0]["zp"], m, s))(x[0]) + out["zp"]
        return np.clip(r, max(-128, out["zp"]), 127).astype(np.int8)
    if name == "RELU6":
        six = min(127, max(-128, c_round(f32(np.float32(6.0) / np.float32(ins[0]["scale"]))) + ins[0]["zp"]))
        return np.clip(x[0], ins[0]["zp"], six).astype(np.int8)   # raw input values: output quantization unused
    if name == "LOGISTIC":
        q, left = math.frexp(ins[0]["scale"] * (1 << 27))
        m = c_round(q * (1 << 31))
        radius = input_radius(4, left)

        def one(v):
            d = int(v) - ins[0]["zp"]
            if d <= -radius:
                return -128
            if d >= radius:
                return 127
            q0 = logistic_q(mbqm(d, m, left), 4)
            return min(127, max(-128, rdbypot(q0, 23) - 128))
        return vec(one)(x[0]).astype(np.int8)
    if name == "SOFTMAX":
        beta = float(o.beta)
        real = min(beta * ins[0]["scale"] * (1 << 26), float((1 << 31) - 1))
        m, left = quantize_multiplier(real)
        diff_min = -input_radius(5, left)
        flat = x[0].reshape(-1, ins[0]["shape"][-1]).astype(np.int64)
        r = np.zeros_like(flat)
        for row in range(flat.shape[0]):
            mx = int(flat[row].max())
            exps = {}
            total = 0
            for c, v in enumerate(flat[row]):
                d = int(v) - mx
                if d >= diff_min:
                    e = exp_on_negative_values(srdhm(d * (1 << left), m), 5)
                    exps[c] = e
                    total = wrap32(total + sat_pot(e, -12))   # Rescale<12> from Q0
            headroom = 32 - total.bit_length() if total > 0 else 32
            bits_over_unit = 12 - headroom
            shifted = wrap32(((total << headroom) & 0xFFFFFFFF) - (1 << 31))
            recip = one_over_one_plus_x(shifted)
            exponent = bits_over_unit + 31 - 8
            for c in range(flat.shape[1]):
                if c in exps:
                    r[row, c] = min(127, max(-128, rdbypot(srdhm(recip, exps[c]), exponent) - 128))
                else:
                    r[row, c] = -128
        return r.astype(np.int8).reshape(out["shape"])
    if name == "QUANTIZE":
        if ins[0]["type"] == schema.TensorType.FLOAT32:
            sc = np.float32(out["scale"])
            q = np.vectorize(lambda v: c_round(f32(np.float32(v) / sc)), otypes=[np.int64])(x[0]) + out["zp"]
            return clamp8(q)
        m, s = quantize_multiplier(ins[0]["scale"] / out["scale"])
        return clamp8(vec(lambda v: mbqm(int(v) - ins[0]["zp"], m, s))(x[0]) + out["zp"])
    if name == "DEQUANTIZE":
        return (float(ins[0]["scale"]) * (x[0].astype(np.float64) - ins[0]["zp"])).astype(np.float32)
    if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
        w, b = ins[1], ins[2]
        lo, hi = act_range(o.fusedActivationFunction, out["scale"], out["zp"])
        wscales = w["scales"]
        n_out = out["shape"][-1]
        mults = [quantize_multiplier(ins[0]["scale"] * wscales[c if len(wscales) > 1 else 0] / out["scale"]) for c in range(n_out)]
        xin = x[0].astype(np.int64) - ins[0]["zp"]
        wd = w["data"].astype(np.int64)
        bias = b["data"].astype(np.int64) if b is not None else np.zeros(n_out, np.int64)
        if name == "FULLY_CONNECTED":
            acc = xin.reshape(-1, wd.shape[1]) @ wd.T + bias
        else:
            n, h, wi, cin = ins[0]["shape"]
            kh, kw = wd.shape[1], wd.shape[2]
            oh, pt = same_padding(h, kh, o.strideH, o.dilationHFactor, o.padding)
            ow, pl = same_padding(wi, kw, o.strideW, o.dilationWFactor, o.padding)
            acc = np.zeros((n, oh, ow, n_out), np.int64)
            for y in range(oh):
                for xx in range(ow):
                    for ky in range(kh):
                        for kx in range(kw):
                            iy = y * o.strideH - pt + ky * o.dilationHFactor
                            ix = xx * o.strideW - pl + kx * o.dilationWFactor
                            if not (0 <= iy < h and 0 <= ix < wi):
                                continue   # padding contributes (zp - zp) * w = 0
                            pix = xin[:, iy, ix, :]
                            if name == "CONV_2D":
                                acc[:, y, xx, :] += pix @ wd[:, ky, kx, :].T
                            else:   # output channel oc = ic * depth_multiplier + m
                                acc[:, y, xx, :] += np.repeat(pix, o.depthMultiplier, axis=1) * wd[0, ky, kx, :]
            acc += bias
        flat = acc.reshape(-1, n_out)
        r = np.array([[mbqm(int(flat[i, c]), *mults[c]) for c in range(n_out)] for i in range(flat.shape[0])])
        return np.clip(r + out["zp"], lo, hi).astype(np.int8).reshape(out["shape"])
    raise NotImplementedError(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=DEFAULT_DIR)
    args = ap.parse_args()
    root = os.path.abspath(args.dir)
    manifest = json.load(open(os.path.join(root, "manifest.json")))
    failures = 0
    for case in manifest["cases"]:
        d = os.path.join(root, case["name"])
        model = Model(open(os.path.join(d, case["model_file"]), "rb").read())
        bad = []
        for f in case["files"]:
            values = {}
            for t, name in zip(case["inputs"], f["inputs"]):
                dtype = "<f4" if t["dtype"] == "float32" else "<i1"
                values[t["index"]] = np.frombuffer(open(os.path.join(d, name), "rb").read(), dtype=dtype).reshape(t["shape"])
            for op_name, op in model.ops():
                values[int(op.outputs[0])] = run_op(model, op_name, op, values)
            out_t = case["outputs"][0]
            got = np.ascontiguousarray(values[out_t["index"]]).astype("<f4" if out_t["dtype"] == "float32" else "<i1").tobytes()
            expected = open(os.path.join(d, f["output"]), "rb").read()
            if got != expected:
                a = np.frombuffer(got, dtype="<f4" if out_t["dtype"] == "float32" else "<i1")
                e = np.frombuffer(expected, dtype=a.dtype)
                bad.append(f"{f['id']}({int((a != e).sum())}/{e.size})")
        status = "ok" if not bad else "MISMATCH " + " ".join(bad)
        failures += bool(bad)
        print(f"{case['name']:36s} {len(case['files']):2d} files  {status}")
    if failures:
        sys.exit(f"{failures} case(s) differ from TFLM")
    print("all cases match TFLM byte for byte")


if __name__ == "__main__":
    main()
