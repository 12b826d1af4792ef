# The front door. A newcomer needs two commands: `make run` and `make test`.
SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8765
DATA_DIR ?= ./var

.PHONY: all deps deps-test build run test unit functional format format-check bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh run

deps-test:
	@scripts/install-deps.sh test

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Installs what is missing, builds, and starts Sluice on SQLite in $(DATA_DIR).
run: deps build
	@echo "Starting Sluice at http://$(LISTEN)  (data in $(DATA_DIR); stop with Ctrl-C)"
	@echo "First start: the admin password is printed below and saved in $(DATA_DIR)/admin-password"
	$(BUILD_DIR)/sluice serve --listen $(LISTEN) --data-dir $(DATA_DIR)

# Installs what the tests need and runs every test: unit, functional on SQLite, PostgreSQL and
# MariaDB, crash safety, and the bounded fuzz run.
test: deps-test build
	@scripts/run-tests.sh

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
