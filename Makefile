# Kelvin — two commands for a fresh Debian machine: `make demo` and `make test`.
# Both install the system packages they need (apt-get) when missing.

SWIFT        ?= swift
APT_PACKAGES := libopenblas-dev liblapack-dev libsuitesparse-dev ngspice dataset-fashion-mnist zlib1g-dev libturbojpeg0-dev libopenmpi-dev openmpi-bin
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
KELVIN       := .build/release/kelvin

.PHONY: all deps build demo test test-invariants bench clean fuzz fuzz-build

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

# The circuit tests with the simulator's invariant checks compiled in (KELVIN_INVARIANTS: KCL at
# every converged Newton point), in a build folder of their own; about 10 minutes on 2 cores.
test-invariants: deps
	$(SWIFT) build --build-tests --build-path .build-invariants -Xswiftc -DKELVIN_INVARIANTS
	$(SWIFT) test --skip-build --disable-swift-testing --build-path .build-invariants \
	  --filter 'SimulatorTests|NetlistTests|CellsTests|CharacterizationTests|CompilerTests|CLITests'

# libFuzzer targets for every reader (Fuzz/, seeds in fuzz/corpus/<target>/). Each runs
# FUZZ_SECONDS (default 120); new inputs go to .build-fuzz/corpus/<target>/ (the committed seeds
# stay small), crashes, hangs (over FUZZ_TIMEOUT s for one input) and out-of-memory inputs go to
# .build-fuzz/findings/. A summary per target is written to .build-fuzz/summary.txt. Swift's own
# crash handler is off (SWIFT_BACKTRACE) so that libFuzzer and ASan report the failing input.
# FUZZ_OPTIONS are extra libFuzzer flags (e.g. -detect_leaks=0, -jobs=N).
FUZZ_SECONDS ?= 120
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB  ?= 2048
FUZZ_TARGETS ?= netlist lut checkpoint safetensors steps-csv metrics-jsonl analog-profile json idx jpeg rawfile
FUZZ_OPTIONS ?=
FUZZ_FLAGS   := -c release --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

fuzz-build: deps
	$(SWIFT) build --package-path Fuzz $(FUZZ_FLAGS)

fuzz: fuzz-build
	@bin=$$($(SWIFT) build --package-path Fuzz $(FUZZ_FLAGS) --show-bin-path); \
	mkdir -p .build-fuzz/findings; : > .build-fuzz/summary.txt; status=0; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; \
	  echo "== fuzz-$$t ($(FUZZ_SECONDS) s)"; \
	  start=$$(date +%s); \
	  SWIFT_BACKTRACE=enable=no $$bin/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
	    -print_final_stats=1 $(FUZZ_OPTIONS) -artifact_prefix=.build-fuzz/findings/$$t- \
	    .build-fuzz/corpus/$$t fuzz/corpus/$$t > .build-fuzz/$$t.log 2>&1; rc=$$?; \
	  runs=$$(grep -o 'stat::number_of_executed_units: *[0-9]*' .build-fuzz/$$t.log | tail -1 | grep -o '[0-9]*$$'); \
	  cov=$$(grep -o 'cov: [0-9]*' .build-fuzz/$$t.log | tail -1); \
	  line="fuzz-$$t: $$(( $$(date +%s) - start )) s, $${runs:-?} inputs, $$cov, exit $$rc"; \
	  echo "$$line"; echo "$$line" >> .build-fuzz/summary.txt; \
	  if [ $$rc -ne 0 ]; then status=1; grep -A12 'ERROR:\|FUZZ FINDING\|Fatal error' .build-fuzz/$$t.log | head -30; fi; \
	done; \
	exit $$status

clean:
	rm -rf .build .build-fuzz .build-invariants Fuzz/.build
