# Helpers every benchmark uses: wrk report parsing, ratios, free ports.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"  # free_port, wait_for
# wrk_summary: wrk's report on stdin -> "requests/s errors requests mean-latency p50 p99"
# (errors = non-2xx/3xx answers + socket errors; the percentiles need
# wrk --latency, else "-").
wrk_summary() {
  awk '/requests in/ {r = $1} /Requests\/sec/ {rps = $2} /Latency/ && !lat {lat = $2}
       $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
       /Non-2xx or 3xx/ {e += $NF} /Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10}
       END {print rps, e + 0, r, lat, (p50 ? p50 : "-"), (p99 ? p99 : "-")}'
}
# wrk_rps ARGS...: runs wrk, prints "requests/s errors".
wrk_rps() { wrk "$@" 2>&1 | wrk_summary | cut -d' ' -f1,2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
