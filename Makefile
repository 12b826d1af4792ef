# The front door. A newcomer needs two commands: `make run` and `make test`.
SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8765
DATA_DIR ?= ./var

# Flink, its connectors, Kafka and the tiny test job are fetched by scripts/provision/ into
# ${SLUICE_CACHE_DIR:-~/.cache/sluice} (see scripts/provision/README.md); a warm run takes well
# under a second.
PROVISION := scripts/provision

.PHONY: all deps deps-test build run test unit functional format format-check bench fuzz clean \
	provision provision-test web web-test

all: build

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

# ccache, when installed (scripts/install-deps.sh installs it), keeps compiled objects in
# ~/.cache/ccache. Paths are made relative to this checkout, so another clone of the same commit
# (a CI run) reuses them instead of compiling everything again.
CCACHE := $(shell command -v ccache 2>/dev/null)
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
		$(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))

build: $(BUILD_DIR)/build.ninja web
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The web console (web/README.md): `npm ci` when the lock file changed, `vite build` into web/dist
# when a source changed; both are skipped when nothing did. `sluice serve` finds web/dist itself.
# SLUICE_SKIP_WEB=1 skips it (a server without the console answers only the API).
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/package.json
web/node_modules/.package-lock.json: web/package-lock.json web/package.json
	@scripts/check-node.sh
	cd web && npm ci --no-audit --no-fund --prefer-offline
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run --silent build
ifeq ($(SLUICE_SKIP_WEB),1)
web:
	@echo "web: skipped (SLUICE_SKIP_WEB=1)"
else
web: web/dist/index.html
endif

# The console's own tests alone: vitest, then Playwright against a real server (needs `make build`).
web-test: deps-test build
	@scripts/run-tests.sh web

# Installs what is missing, builds, provisions the default Flink (1.20.5, with connectors) and
# starts Sluice on SQLite in $(DATA_DIR), with that Flink as its first runtime. Sluice's MySQL
# dialect for Flink 2.0 (connectors/jdbc-mysql) is installed into ~/.m2, so an app on a 2.0
# runtime can name dev.sluice:sluice-connector-jdbc-mysql:1.0.0-2.0 without any network.
run: deps build
	@home=$$($(PROVISION)/flink.sh --with-connectors default) && \
	runner=$$($(PROVISION)/runner.sh) && \
	$(PROVISION)/jdbc-mysql.sh >/dev/null && \
	echo "Starting Sluice at http://$(LISTEN)  (data in $(DATA_DIR); stop with Ctrl-C)" && \
	echo "First start: the admin password is printed below and saved in $(DATA_DIR)/admin-password" && \
	echo "$(BUILD_DIR)/sluice serve --listen $(LISTEN) --data-dir $(DATA_DIR) --bootstrap-flink-home $$home --runner-jar $$runner" && \
	exec $(BUILD_DIR)/sluice serve --listen $(LISTEN) --data-dir $(DATA_DIR) \
		--bootstrap-flink-home "$$home" --runner-jar "$$runner"

# What `make run` provisions, alone.
provision: deps
	@$(PROVISION)/flink.sh --with-connectors default && $(PROVISION)/runner.sh && \
	$(PROVISION)/jdbc-mysql.sh

# What `make test` provisions, alone: Flink 1.20.5 and 2.0.2 with connectors (2.0's include Sluice's
# MySQL dialect, which flink.sh builds and installs into ~/.m2 with jdbc-mysql.sh), Kafka, the
# tiny job.
provision-test: deps-test
	@$(PROVISION)/flink.sh --with-connectors all && $(PROVISION)/kafka.sh install && \
	$(PROVISION)/test-job.sh all && $(PROVISION)/runner.sh

# Installs what the tests need and runs every test: unit, functional on SQLite, PostgreSQL and
# MariaDB, crash safety, and the bounded fuzz run. The tests find the provisioned Flink homes in
# SLUICE_TEST_FLINK_HOMES (colon-separated, 1.20.5 first) and the tiny job's jars
# (tiny-job-VERSION.jar) in SLUICE_TEST_JOB_DIR and the SQL runner in SLUICE_TEST_RUNNER_JAR; Kafka
# is installed for scripts/provision/kafka.sh.
test: deps-test build
	@homes=$$($(PROVISION)/flink.sh --with-connectors all) && \
	$(PROVISION)/kafka.sh install >/dev/null && \
	jobs=$$($(PROVISION)/test-job.sh all) && \
	export SLUICE_TEST_RUNNER_JAR="$$($(PROVISION)/runner.sh)" && \
	export SLUICE_TEST_FLINK_HOMES="$$(paste -sd: <<<"$$homes")" && \
	export SLUICE_TEST_JOB_DIR="$$(dirname "$$(head -1 <<<"$$jobs")")" && \
	echo "SLUICE_TEST_FLINK_HOMES=$$SLUICE_TEST_FLINK_HOMES SLUICE_TEST_JOB_DIR=$$SLUICE_TEST_JOB_DIR" && \
	scripts/run-tests.sh

unit: build
	$(BUILD_DIR)/sluice_tests

format:
	find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

bench:
	@scripts/run-bench.sh

clean:
	rm -rf $(BUILD_DIR) build-fuzz build-bench
