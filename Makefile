# TinyBench: `make test` runs every test, `make demo` runs the main job on bundled data.
SWIFT ?= swift
# Debian packages the build and the tests need.
DEB_PACKAGES := libserialport-dev libusb-1.0-0-dev libturbojpeg0-dev zlib1g-dev espeak-ng pkg-config gcc ser2net curl \
	gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# TinyRuntime's kernels use AVX2/FMA when the build machine has them (see
# Docs/PERFORMANCE.md); `make PORTABLE=1` builds for baseline x86-64 instead.
ifeq ($(PORTABLE),)
CPU_FLAGS := $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo \
	&& echo "-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DTINYRUNTIME_AVX2")
endif
SWIFT_FLAGS := $(CPU_FLAGS)

.PHONY: all deps build release test demo bench clean print-swift-flags

all: build

## deps: install the Debian packages the build needs (only those missing)
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_FLAGS)

## test: build everything and run every test target (optimized: the fuzz and
## end-to-end tests run whole models thousands of times)
test: deps
	@mkdir -p .build && { ls -A sessions 2>/dev/null || true; } > .build/sessions-before-test
	$(SWIFT) build -c release --build-tests $(SWIFT_FLAGS)
	@# The tests' temporary files go to a folder of this run, removed afterwards (pass or fail).
	tmp="$$(mktemp -d)"; TMPDIR="$$tmp" $(SWIFT) test -c release --skip-build $(SWIFT_FLAGS); status=$$?; rm -rf "$$tmp"; exit $$status
	@echo "== Scripts/energy-runner --emulated: all five benchmarks, energy through the emulated lab, checked submission tree"
	out="$$(mktemp -d)"; XDG_DATA_HOME="$$out/data" TINYBENCH="$$($(SWIFT) build -c release --show-bin-path $(SWIFT_FLAGS))/tinybench" \
	  Scripts/energy-runner --emulated --out "$$out/run"; status=$$?; rm -rf "$$out"; exit $$status
ifneq ($(CPU_FLAGS),)
	@echo "== TinyRuntime tests again, built for baseline x86-64 (the kernels' other code path)"
	$(SWIFT) build -c release --build-tests --scratch-path .build-portable
	$(SWIFT) test -c release --skip-build --scratch-path .build-portable --filter TinyRuntimeTests
endif
	@echo "== no test left a session folder in the clone"
	@left="$$(ls -A sessions 2>/dev/null | grep -vxF -f .build/sessions-before-test)"; \
	if [ -n "$$left" ]; then echo "make test left these in sessions/: $$left" >&2; exit 1; fi

## demo: the bundled demo run (see README)
demo: release
	@Scripts/demo

## bench: runtime speed against TFLM's reference kernels and LiteRT (ruy, XNNPACK) (see Docs/PERFORMANCE.md)
bench: release
	@Benchmarks/runtime/run

print-swift-flags:
	@echo $(SWIFT_FLAGS)

clean:
	rm -rf .build
