# ts-daq: every command a developer or CI needs. `make test` installs everything from nothing.
# Toolchain: Node.js >= 20.19 and npm (npm ci installs the pinned packages of package-lock.json).

SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_STAMP := node_modules/.install-stamp
DAQ := node dist/src/cli/main.js
# buf (proto lint and codegen) comes from npm as its Linux x64 binary package; the wrapper
# package @bufbuild/buf cannot be locked here (its other platforms' packages are not on the registry).
BUF := node_modules/@bufbuild/buf-linux-x64/bin/buf
# The project's tools (tsc, protoc-gen-es, ...) come first.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# Debian packages the tests use: socat (serial PTY pairs for the drivers' wire simulators),
# chromium (the dashboard's browser tests, driven by playwright-core), hdf5-tools (h5dump reads
# the run files), openssl (certificates for the TLS tests), bsdutils (`script`: a pseudo-terminal
# for the CLI's terminal tests), nats-server (the cluster tests start real NATS servers with
# JetStream; Debian's 2.9). Installed with apt-get when one is missing (CI runs as root).
SYSTEM_PACKAGES := socat chromium hdf5-tools openssl bsdutils nats-server
SYSTEM_COMMANDS := socat chromium h5dump openssl script nats-server

.PHONY: help system deps install uninstall generate native build bench-cli bench-fly typecheck lint unit python pytest test test-under-load fuzz demo demo-serial bench bench-long bench-cluster bench-venv clean web

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

system: ## install the Debian packages the tests need (apt-get; skipped when present)
	@missing=0; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
	fi

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NODE_STAMP) ## install the npm packages (npm ci; again only when package-lock.json changes)

# Every build step below is a file target: a second `make build` (or `make demo`) with nothing
# changed does nothing, and a change rebuilds only what depends on it.
PROTOS := $(wildcard proto/daq/v1/*.proto)
GEN_FILES := $(patsubst proto/%.proto,src/api/gen/%_pb.ts,$(PROTOS))

$(GEN_FILES) &: $(PROTOS) buf.gen.yaml $(NODE_STAMP)
	$(BUF) generate
	@touch $(GEN_FILES)

generate: $(GEN_FILES) ## generate TypeScript from the API contract (proto/ -> src/api/gen/)

# The ring buffer's N-API addon (native/), built by node-gyp against the headers of the Node
# that runs it: the nodejs package installs them under <prefix>/include/node (prefix = two levels
# above the node binary, /usr here). Nothing is downloaded.
NATIVE_ADDON := native/build/Release/ts_daq_mmap.node
NODE_PREFIX = $(shell node -p "require('path').resolve(process.execPath, '..', '..')")

$(NATIVE_ADDON): native/mmap.c native/binding.gyp $(NODE_STAMP)
	@test -f $(NODE_PREFIX)/include/node/node_api.h || { echo "no Node.js headers at $(NODE_PREFIX)/include/node/node_api.h: install the headers of Node $$(node --version) (Debian/NodeSource: the nodejs package has them)" >&2; exit 1; }
	npx --no-install node-gyp rebuild --directory=native --nodedir=$(NODE_PREFIX) --loglevel=warn

native: $(NATIVE_ADDON) ## build the ring buffer's native addon (node-gyp, C compiler)

# tsc to dist/, incremental (its build info is dist/tsconfig.build.tsbuildinfo, so removing dist/
# rebuilds everything); the stamp is newer than every source it was built from. Then the `daq`
# entry dist/src/cli/main.js becomes an esbuild bundle of commander, protobuf, gRPC and the
# commands that only talk to a daemon, for a fast start (scripts/bundle-cli.ts says what and why).
TS_SOURCES := $(shell find src bench scripts -name '*.ts' -not -name '*.test.ts' -not -path 'src/api/gen/*')
TS_STAMP := dist/.tsc-stamp

$(TS_STAMP): $(TS_SOURCES) $(GEN_FILES) tsconfig.json tsconfig.build.json $(NODE_STAMP)
	npx tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/tsconfig.build.tsbuildinfo
	node dist/scripts/bundle-cli.js
	chmod +x dist/src/cli/main.js
	@touch $@

# The web dashboard (web/): one bundle with its CSS, by esbuild, into dist/web; no CDN, works offline.
WEB_SOURCES := $(shell find web/src -type f) web/index.html
WEB_BUNDLE := dist/web/index.html

$(WEB_BUNDLE): $(WEB_SOURCES) $(TS_SOURCES) $(GEN_FILES) $(NODE_STAMP)
	rm -rf dist/web
	npx esbuild web/src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap --outdir=dist/web --log-level=warning
	cp web/index.html $@

web: $(WEB_BUNDLE) ## bundle the web dashboard into dist/web (served by the daemon at / of --http-listen)

build: $(TS_STAMP) $(NATIVE_ADDON) $(WEB_BUNDLE) ## compile TypeScript to dist/, the native addon and the dashboard (only what changed)

# The docs' screenshots of the dashboard: the browser test of its screens (src/api/dashboard-screens.browser.test.ts)
# photographs every screen at 1400x900 into docs/dashboard/ after checking it at two window sizes.
.PHONY: screenshots
screenshots: system build ## refresh docs/dashboard/*.png: every dashboard screen at 1400x900, in chromium against a simulated lab
	DAQ_SCREENSHOTS=docs/dashboard npx vitest run src/api/dashboard-screens.browser.test.ts

# `daq` on the PATH: a link in $(BINDIR) to this checkout's dist/src/cli/main.js, so a later
# `make build` takes effect at once (as `npm link` does). PREFIX=/usr/local for every user.
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin

install: build ## put `daq` on the PATH: a link in $(PREFIX)/bin (PREFIX=~/.local by default)
	mkdir -p $(BINDIR)
	ln -sfn $(CURDIR)/dist/src/cli/main.js $(BINDIR)/daq
	@echo "installed $(BINDIR)/daq -> $(CURDIR)/dist/src/cli/main.js ($$($(BINDIR)/daq --version))"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "note: $(BINDIR) is not on your PATH; add it (e.g. in ~/.profile: export PATH=\"$(BINDIR):\$$PATH\")";; esac

uninstall: ## remove the `daq` link that `make install` made (same PREFIX)
	@if [ -L $(BINDIR)/daq ]; then rm $(BINDIR)/daq && echo "removed $(BINDIR)/daq"; else echo "no link $(BINDIR)/daq"; fi

typecheck: generate ## type-check everything, tests and type-level tests included
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p web/tsconfig.json --noEmit

lint: generate ## ESLint, buf lint of the API contract, and the layer rules (dependency-cruiser)
	$(BUF) lint
	npx eslint .
	npx depcruise src web/src --config .dependency-cruiser.cjs --output-type err

unit: system build python ## run the test suites (vitest; test/docs runs the docs, with the Python of .venv)
	npx vitest run

# The Python client (clients/python) in .venv: pinned dev requirements, then the package itself
# (editable, without build isolation: setuptools and grpcio-tools are pinned in the requirements).
# Its build (clients/python/setup.py) generates the gRPC stubs from proto/ into clients/python/daq/v1/.
VENV := .venv
PY_STAMP := $(VENV)/.install-stamp

$(PY_STAMP): clients/python/requirements-dev.txt clients/python/pyproject.toml clients/python/setup.py $(wildcard proto/daq/v1/*.proto)
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --no-input --disable-pip-version-check -r clients/python/requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-input --disable-pip-version-check --no-build-isolation --no-deps -e clients/python
	@touch $@

python: $(PY_STAMP) ## the Python venv (.venv) with daq_client and its test tools

# The Python client's tests: the ring reader (driving the built TypeScript writer) and the gRPC
# client (against a real daemon from dist/).
pytest: system build python ## the Python client's tests
	cd clients/python && ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests

test: system build typecheck lint unit pytest ## install everything, then type-check, lint and run every test

# The fuzz tests of test/fuzz (record names and values, lab configs, ring damage, request bodies)
# run a few hundred seeded cases in `make test`; here many more (FUZZ_SEED=N for other cases).
FUZZ_RUNS ?= 20000
fuzz: system build ## the fuzz tests at length (FUZZ_RUNS cases each, default 20000)
	FUZZ_RUNS=$(FUZZ_RUNS) npx vitest run test/fuzz

# Tests must not depend on the machine's speed: the whole of `make test` with a busy loop on every
# core (HOGS=N for more), started before and always stopped after, also when a test fails.
# --keep-going: a failure in one suite (vitest) does not hide the others (pytest).
test-under-load: system build python ## `make test` while CPU hogs keep every core busy (HOGS=N; default one per core)
	scripts/with-cpu-hogs.sh $(MAKE) --no-print-directory --keep-going test

demo: build ## the simulated lab, the daemon, and an experiment run through it (examples/demo.sh)
	examples/demo.sh

BENCH_VENV := build/bench-venv

$(BENCH_VENV)/.stamp: bench/bluesky/requirements.txt bench/qcodes/requirements.txt
	rm -rf $(BENCH_VENV)
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --no-input --disable-pip-version-check -r bench/bluesky/requirements.txt -r bench/qcodes/requirements.txt
	@touch $@

bench-venv: $(BENCH_VENV)/.stamp ## the Python venv with Bluesky + ophyd and QCoDeS, the baselines of the scan benchmark

bench: build bench-venv python ## run the benchmarks (they print their figures, and ratios against Bluesky and QCoDeS; docs/benchmarks.md)
	node dist/bench/run.js

# POINTS=N for a shorter check (default 1,000,000 points a run); takes many minutes.
bench-cluster: build system ## documents on NATS JetStream: published/s with acks, consumer lag at 10 kHz, a run with and without a cluster (docs/cluster.md)
	node dist/bench/cluster.js

bench-long: build ## a 1,000,000-point plan and script loop through the daemon: its RSS growth (not in make test nor make bench)
	node dist/bench/long.js $(if $(POINTS),--points $(POINTS))

bench-cli: build ## only the start-up of `daq` (--version, --help, status --remote) beside bare `node -e 0`
	node dist/bench/cli-startup.js

# FRAMES=N for a shorter or longer run (default 1000 frames: 10 s, 2 GiB).
bench-fly: build ## only the fly scan: 1024x1024 16-bit frames on 100 Hz pulses into the ring and the HDF5 file
	node dist/bench/fly.js $(if $(FRAMES),--frames $(FRAMES))

bench-daq: build ## only the DAQ card: hardware-timed analog input at 10, 50 and 100 kHz into the ring and the HDF5 file (samples/s, lost, CPU)
	node dist/bench/daq-card.js $(if $(SECONDS),--seconds $(SECONDS))

clean: ## remove build output, installed packages and venvs
	rm -rf dist node_modules build native/build $(VENV)

# The simulators' PTYs go into a fresh directory of this run (removed afterwards), and the lab
# config is examples/lab-serial.toml with its /tmp/daq-sim/ ports pointed there.
demo-serial: system build ## the serial lab: real drivers against wire simulators on PTYs (examples/lab-serial.toml)
	@set -e; SIM=$$(mktemp -d -t daq-sim.XXXXXX); \
	sed "s|/tmp/daq-sim/|$$SIM/|g" examples/lab-serial.toml > $$SIM/lab-serial.toml; \
	$(DAQ) sim-serial --dir $$SIM > $$SIM/sim.out & PID=$$!; \
	trap 'kill -TERM $$PID 2>/dev/null; wait $$PID 2>/dev/null || true; rm -rf $$SIM' EXIT; \
	until grep -q 'simulators ready' $$SIM/sim.out; do kill -0 $$PID 2>/dev/null || { echo "daq sim-serial exited" >&2; exit 1; }; sleep 0.1; done; \
	$(DAQ) devices --config $$SIM/lab-serial.toml; echo; \
	$(DAQ) run examples/multi_instrument.js --config $$SIM/lab-serial.toml --param wavelengths=760,800,840
