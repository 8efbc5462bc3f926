# corebridge: the top-level entry points. CMake does the building.
#   make deps   install the Debian packages the project needs (as root)
#   make        build everything into build/bin/
#   make test   deps if missing, build, run every test
#   make demo   the demo on embedded defaults
#   make bench  benchmarks that print figures
#   make crash-test  the durable dual-write path under SIGKILL (docs/crash-test.md)
#   make fuzz   run each libFuzzer target for FUZZ_SECONDS
#   make lint   clang-format check and clang-tidy

BUILD       ?= build
FUZZ_BUILD  ?= build-fuzz
JOBS        ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CMAKE_FLAGS ?=

DEB_PACKAGES := build-essential cmake pkg-config clang clang-format clang-tidy \
  libclang-rt-14-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libspdlog-dev libfmt-dev libyaml-cpp-dev gnucobol3 libcob4-dev python3 xxd \
  unixodbc-dev libsqliteodbc odbc-postgresql odbc-mariadb postgresql mariadb-server \
  thrift-compiler libthrift-dev libboost-dev libevent-dev python3-thrift \
  libpoco-dev haproxy curl openssl chromium chromium-driver

.PHONY: all build deps test demo bench crash-test fuzz lint clean configure

all: build

# dpkg-query first so that a machine with everything installed stays quiet
# and needs neither root nor the network.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

demo: deps
	$(MAKE) build
	./scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) build
	./scripts/bench.sh $(BUILD)

# The long form (about 10 minutes); `make test` runs the short one.
CRASH_TEST_FLAGS ?=
crash-test: deps
	$(MAKE) build
	./scripts/crash-test.sh --build $(BUILD) --keep out/crash-test $(CRASH_TEST_FLAGS)

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

lint: configure
	@files=$$(git ls-files '*.cc' '*.h'); \
	clang-format --dry-run --Werror $$files && echo "clang-format: clean"
	@files=$$(git ls-files 'common/*.cc' 'mappings/*.cc' 'adapters/*.cc' 'legacy/*.cc' 'newcore/*.cc' 'dualwrite/*.cc' 'bridge/*.cc' 'tools/*.cc'); \
	clang-tidy -p $(BUILD) --quiet $$files

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
