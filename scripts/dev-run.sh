#!/usr/bin/env bash
# Starts CoreDNS and dnssync on loopback with the example records.d.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run/zones

bin/coredns -conf dev/Corefile -quiet > .run/coredns.log 2>&1 &
coredns=$!
bin/dnssync run --config dev/config.toml &
dnssync=$!
trap 'kill $dnssync $coredns 2>/dev/null; wait 2>/dev/null; echo; echo stopped.' INT TERM EXIT

cat <<MSG

  CoreDNS answers on 127.0.0.1:1053 (log: .run/coredns.log); dnssync syncs records.d into it.
  Try, in another terminal:
    dig @127.0.0.1 -p 1053 web-01.example.com A +short
    dig @127.0.0.1 -p 1053 app.example.com A +short
    dig @127.0.0.1 -p 1053 example.com AXFR
  Edit or add a file in records.d/ and ask again: it is served within about a second.
  Ctrl-C stops both.

MSG
wait -n $coredns $dnssync
