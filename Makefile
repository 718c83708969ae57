# dnssync: the Makefile is the front door. `make help` lists the targets.

COREDNS_VERSION := v1.15.0
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO      ?= go
PREFIX  ?= /usr/local
DESTDIR ?=
# Where make install puts the unit: the admin's directory for a local
# install; make deb puts it where packages do (/usr/lib/systemd/system).
UNITDIR ?= /etc/systemd/system
# make deb's install tree and where the .deb goes.
DEB_ROOT ?= build/deb
DIST     ?= dist

GO_SOURCES := $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum internal/config/config.defaults.toml

.PHONY: help build man coredns run test test-short fuzz bench lint fmt install deb clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

build: bin/dnssync ## build bin/dnssync

bin/dnssync: $(GO_SOURCES)
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $@ ./cmd/dnssync

# The pages come from the commands' own help (a hidden `dnssync gen-man`),
# so the two never disagree. `man build/man/dnssync.1` reads one.
man: bin/dnssync ## man pages into build/man (dnssync.1, dnssync-plan.1, ...)
	rm -rf build/man
	bin/dnssync gen-man build/man

coredns: bin/coredns ## build the pinned CoreDNS into bin/ (once; about 5 minutes)

# The stamp names the version, so changing COREDNS_VERSION rebuilds it.
bin/coredns: bin/.coredns-$(COREDNS_VERSION)
bin/.coredns-$(COREDNS_VERSION):
	mkdir -p bin
	GOBIN=$(CURDIR)/bin $(GO) install github.com/coredns/coredns@$(COREDNS_VERSION)
	rm -f bin/.coredns-* && touch $@

run: bin/dnssync bin/coredns ## serve records.d with CoreDNS on 127.0.0.1:1053 (Ctrl-C stops)
	./scripts/dev-run.sh

test: bin/coredns ## every test, end-to-end ones against the real CoreDNS included
	$(GO) test -race -count=1 -timeout 20m ./...

bench: bin/coredns bin/dnssync ## benchmarks: Go ones, then dnssync beside CoreDNS alone (writes docs/BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...
	$(GO) test -run '^$$' -bench OneChange -benchtime 10x -timeout 30m ./e2e/
	$(GO) test -run '^$$' -bench ColdSync -benchtime 1x -timeout 30m ./e2e/
	$(GO) build -o bin/dnssync-bench ./cmd/dnssync-bench
	bin/dnssync-bench -dnssync bin/dnssync -coredns bin/coredns -out docs/BENCHMARKS.md

# Each fuzz target runs for FUZZTIME on its own (go test -fuzz takes one
# target at a time); the seed corpora in testdata/fuzz also run in make test.
FUZZTIME ?= 30s
fuzz: ## run every Go fuzz target for FUZZTIME each (default 30s)
	@set -e; for pkg in $$($(GO) list ./... | grep -v /e2e); do \
	  for fn in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$fn"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

test-short: ## the tests that start no DNS server (no CoreDNS or BIND needed)
	$(GO) test $$($(GO) list ./... | grep -v -e /e2e -e /internal/observed -e /internal/verify -e /internal/corednstest)

# The gate .ci/run passes before the tests. staticcheck is pinned in go.mod
# as a tool, so it needs nothing installed; the darwin build catches a
# Linux-only file without its fallback.
lint: ## gofmt, go vet, staticcheck, go mod tidy -diff, and a darwin build
	@out=$$(gofmt -l .); test -z "$$out" || { echo "gofmt -l: not formatted:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff
	GOOS=darwin $(GO) build ./...

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

# The directories get the modes systemd/dnssync.tmpfiles gives them (read
# from it: one place says them); their owners are users of
# dnssync.sysusers, which may not exist yet, so `systemd-tmpfiles --create
# dnssync.conf` sets those on the real system (the README, the package's
# postinst).
install: bin/dnssync man ## install binary, man pages, units, users, dirs, config, examples (PREFIX, DESTDIR)
	install -D -m 0755 bin/dnssync $(DESTDIR)$(PREFIX)/bin/dnssync
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 build/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d
	sed 's#/usr/local/bin#$(PREFIX)/bin#g' systemd/dnssync.service > $(DESTDIR)$(UNITDIR)/dnssync.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dnssync.service
	install -m 0644 systemd/dnssync.sysusers $(DESTDIR)/usr/lib/sysusers.d/dnssync.conf
	install -m 0644 systemd/dnssync.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/dnssync.conf
	install -d -m 0755 $(DESTDIR)/etc/dnssync
	awk '$$1 == "d" { print $$3, $$2 }' systemd/dnssync.tmpfiles | while read -r mode dir; do \
	  install -d -m "$$mode" "$(DESTDIR)$$dir" || exit 1; \
	done
	test -e $(DESTDIR)/etc/dnssync/config.toml || install -m 0644 systemd/config.toml $(DESTDIR)/etc/dnssync/config.toml
	install -d $(DESTDIR)$(PREFIX)/share/doc/dnssync/examples/records.d
	install -m 0644 README.md LICENSE internal/config/config.defaults.toml $(DESTDIR)$(PREFIX)/share/doc/dnssync/
	install -m 0644 systemd/coredns.service systemd/Corefile systemd/coredns-resolver.service systemd/Corefile.resolver $(DESTDIR)$(PREFIX)/share/doc/dnssync/examples/
	install -m 0644 records.d/*.yaml $(DESTDIR)$(PREFIX)/share/doc/dnssync/examples/records.d/

# The package is the install tree (PREFIX=/usr) plus packaging/deb's
# control data, built by dpkg-deb alone: no network, no debhelper.
deb: ## a Debian package from the install tree, dist/dnssync_VERSION_ARCH.deb (DIST)
	rm -rf $(DEB_ROOT)
	$(MAKE) install DESTDIR=$(abspath $(DEB_ROOT)) PREFIX=/usr UNITDIR=/usr/lib/systemd/system
	packaging/deb/build.sh $(DEB_ROOT) $(DIST) '$(VERSION)'

clean: ## remove what the build made (keeps bin/coredns)
	rm -f bin/dnssync
	rm -rf .run build dist
