#!/usr/bin/env python3
"""Times LiteRT (ai-edge-litert, TensorFlow Lite's optimized kernels) on a model:
invoke() only, one thread, after warm-up, median microseconds per inference.
Prints JSON like tflm_invoke.py.

    python3 litert_invoke.py MODEL --path ruy|xnnpack [--iterations N]

`ruy` uses the builtin kernels without default delegates (int8 GEMMs through
ruy); `xnnpack` uses the default resolver, which applies the XNNPACK delegate.
A bench-only tool: `pip install ai-edge-litert numpy`.
"""
import argparse, json, sys, time

try:
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
except ImportError:
    sys.exit("ai-edge-litert is not installed: pip install ai-edge-litert numpy")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--path", choices=["ruy", "xnnpack"], required=True)
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args()
    resolver = (OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES if args.path == "ruy"
                else OpResolverType.AUTO)
    interp = Interpreter(model_path=args.model, num_threads=1, experimental_op_resolver_type=resolver)
    interp.allocate_tensors()
    d = interp.get_input_details()[0]
    rng = np.random.default_rng(0)
    interp.set_tensor(d["index"], rng.integers(-128, 128, size=d["shape"], dtype=np.int8))
    for _ in range(10):
        interp.invoke()
    times = []
    for _ in range(args.iterations):
        t = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - t)
    print(json.dumps({"medianMicroseconds": float(np.median(times)) * 1e6, "iterations": args.iterations}))


if __name__ == "__main__":
    main()
