"""The metrics of the generated FastAPI model service, exported by the real
python prometheus_client (Debian python3-prometheus-client) on a free
127.0.0.1 port. The test drives it through stdin, one JSON command a line:
  {"status": "200", "latency": 0.3, "n": 10}   count n requests and observe their latency
Answers "ok" after each command; prints "listening <port>" at start.
"""
import json
import sys

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

registry = CollectorRegistry()
latency = Histogram(
    "model_request_latency_seconds",
    "Latency of model requests",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=registry,
)
requests = Counter("model_requests", "Model requests by HTTP status", ["status"], registry=registry)
for status in ("200", "500"):
    requests.labels(status=status)  # present at 0 before the first request

port = int(sys.argv[1])
start_http_server(port, addr="127.0.0.1", registry=registry)
print(f"listening {port}", flush=True)

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    cmd = json.loads(line)
    for _ in range(int(cmd.get("n", 1))):
        requests.labels(status=str(cmd["status"])).inc()
        if "latency" in cmd:
            latency.observe(float(cmd["latency"]))
    print("ok", flush=True)
