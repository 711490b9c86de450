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
# the run files), bsdutils (`script`: a pseudo-terminal for the CLI's terminal tests). Installed
# with apt-get when one is missing (CI runs as root).
SYSTEM_PACKAGES := socat chromium hdf5-tools bsdutils
SYSTEM_COMMANDS := socat chromium h5dump script

.PHONY: help system install generate native build typecheck lint unit python python-stubs pytest test demo demo-serial bench bench-venv clean web

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

install: $(NODE_STAMP) ## install npm packages (npm ci)

generate: install ## generate TypeScript from the API contract (proto/ -> src/api/gen/)
	$(BUF) generate

# The ring buffer's N-API addon (native/), built by node-gyp against the headers of the Node
# that runs it: the nodejs package installs them under <prefix>/include/node (prefix = two levels
# above the node binary, /usr here). Nothing is downloaded.
NATIVE_ADDON := native/build/Release/ts_daq_mmap.node
NODE_PREFIX := $(shell node -p "require('path').resolve(process.execPath, '..', '..')")

$(NATIVE_ADDON): native/mmap.c native/binding.gyp $(NODE_STAMP)
	@test -f $(NODE_PREFIX)/include/node/node_api.h || { echo "no Node.js headers at $(NODE_PREFIX)/include/node/node_api.h: install the headers of Node $$(node --version) (Debian/NodeSource: the nodejs package has them)" >&2; exit 1; }
	npx --no-install node-gyp rebuild --directory=native --nodedir=$(NODE_PREFIX) --loglevel=warn

native: $(NATIVE_ADDON) ## build the ring buffer's native addon (node-gyp, C compiler)

build: generate native ## compile TypeScript to dist/ (and the native addon)
	rm -rf dist
	npx tsc -p tsconfig.build.json
	chmod +x dist/src/cli/main.js
	$(bundle-web)

# The web dashboard (web/): one bundle with its CSS, by esbuild, into dist/web; no CDN, works offline.
define bundle-web
rm -rf dist/web
npx esbuild web/src/main.ts --bundle --format=esm --target=es2022 --minify --sourcemap --outdir=dist/web --log-level=warning
cp web/index.html dist/web/index.html
endef

web: generate ## bundle the web dashboard into dist/web (served by the daemon at / of --http-listen)
	$(bundle-web)

typecheck: generate ## type-check everything, tests and type-level tests included
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p web/tsconfig.json --noEmit

lint: generate ## ESLint, buf lint of the API contract, and the layer rules (dependency-cruiser)
	$(BUF) lint
	npx eslint .
	npx depcruise src web/src --config .dependency-cruiser.cjs --output-type err

unit: system build ## run the test suites (vitest)
	npx vitest run

# The Python client (clients/python) in .venv: pinned dev requirements, then the package itself
# (editable, without build isolation: setuptools is pinned in the requirements).
VENV := .venv
PY_STAMP := $(VENV)/.install-stamp

$(PY_STAMP): clients/python/requirements-dev.txt clients/python/pyproject.toml $(wildcard proto/daq/v1/*.proto)
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --no-input --disable-pip-version-check -r clients/python/requirements-dev.txt
	$(MAKE) --no-print-directory python-stubs
	$(VENV)/bin/pip install --quiet --no-input --disable-pip-version-check --no-build-isolation --no-deps -e clients/python
	@touch $@

# Python stubs of the API, from the same proto as the TypeScript (clients/python/daq/v1/, not committed).
python-stubs:
	$(VENV)/bin/python -m grpc_tools.protoc -Iproto --python_out=clients/python --grpc_python_out=clients/python --pyi_out=clients/python proto/daq/v1/*.proto
	touch clients/python/daq/__init__.py clients/python/daq/v1/__init__.py

python: $(PY_STAMP) ## the Python venv (.venv) with daq_client and its test tools

# The Python client's tests: the ring reader (driving the built TypeScript writer) and the gRPC
# client (against a real daemon from dist/).
pytest: system build python ## the Python client's tests
	cd clients/python && ../../$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests

test: system build typecheck lint unit pytest ## install everything, then type-check, lint and run every test

demo: build ## the simulated lab, the daemon, and an experiment run through it (examples/demo.sh)
	examples/demo.sh

BENCH_VENV := build/bench-venv

$(BENCH_VENV)/.stamp: bench/bluesky/requirements.txt
	rm -rf $(BENCH_VENV)
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --no-input --disable-pip-version-check -r bench/bluesky/requirements.txt
	@touch $@

bench-venv: $(BENCH_VENV)/.stamp ## the Python venv with Bluesky + ophyd, the baseline of the scan benchmark

bench: build bench-venv python ## run the benchmarks (they print their figures, and ratios against Bluesky)
	node dist/bench/run.js

clean: ## remove build output, installed packages and venvs
	rm -rf dist node_modules build native/build $(VENV)

demo-serial: system build ## the serial lab: real drivers against wire simulators on PTYs (examples/lab-serial.toml)
	@set -e; node dist/src/cli/main.js sim-serial --dir /tmp/daq-sim & PID=$$!; \
	trap 'kill -TERM $$PID 2>/dev/null; wait $$PID 2>/dev/null || true' EXIT; \
	for _ in $$(seq 1 50); do [ -e /tmp/daq-sim/scpi ] && break; sleep 0.1; done; \
	$(DAQ) devices --config examples/lab-serial.toml; echo; \
	$(DAQ) run examples/multi_instrument.js --config examples/lab-serial.toml --param wavelengths=760,800,840
