#!/usr/bin/python3
# tests/lib/prom.py -- reads a Prometheus text exposition (stdin) with the
# real parser (Debian's python3-prometheus-client) and prints every sample
# as one line, `name{label="value",...} value`, labels sorted; exits 1 when
# the text does not parse or a family is not of its declared type.
import sys

from prometheus_client.parser import text_string_to_metric_families

KINDS = {"counter", "gauge", "histogram"}
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        if family.type not in KINDS:
            sys.exit(f"{family.name}: type {family.type}")
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            value = s.value
            print(f"{s.name}{{{labels}}} {int(value) if value == int(value) else value}")
except ValueError as e:
    sys.exit(f"does not parse: {e}")
