#!/usr/bin/env python3
"""Times TFLM's reference kernels (tflite-micro's Python interpreter) on a model:
invoke() only, after warm-up, median microseconds per inference. Prints JSON.

    python3 tflm_invoke.py MODEL [--iterations N] [--rounds R]

Needs `pip install tflite-micro numpy`.
"""
import argparse, json, sys, time

try:
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime
except ImportError:
    sys.exit("tflite-micro is not installed: pip install tflite-micro numpy")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1, help="repeat and report each round's median")
    args = ap.parse_args()
    interp = runtime.Interpreter.from_bytes(open(args.model, "rb").read())
    d = interp.get_input_details(0)
    rng = np.random.default_rng(0)
    interp.set_input(rng.integers(-128, 128, size=d["shape"], dtype=np.int8), 0)
    for _ in range(10):
        interp.invoke()
    medians = []
    for _ in range(args.rounds):
        times = []
        for _ in range(args.iterations):
            t = time.perf_counter()
            interp.invoke()
            times.append(time.perf_counter() - t)
        medians.append(float(np.median(times)) * 1e6)
    print(json.dumps({"medianMicroseconds": min(medians), "roundMedians": medians, "iterations": args.iterations}))


if __name__ == "__main__":
    main()
