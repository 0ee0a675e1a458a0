#!/usr/bin/env python3
"""Validates the JSON answers an integration test received against
docs/openapi.yaml: the operation and its status must be documented, and the
body must match the documented schema of its media type. Input: JSON lines
{"method","path","status","type","body"} (tests/integration/lib.sh writes
them). Prints one line per finding (deduplicated) and exits 1 if any."""
import json
import sys

import openapi_lib as lib

doc = lib.as_json_schema(lib.load(sys.argv[1]))
findings = {}
checked = 0
with open(sys.argv[2]) as f:
    for line in f:
        rec = json.loads(line)
        method, path, status, ctype = rec["method"], rec["path"].split("?")[0], str(rec["status"]), rec["type"]
        template, op = lib.find_operation(doc, method, path)
        if op is None:
            # The router's own answers to paths or methods that do not exist.
            if status in ("404", "405") and ctype.startswith("application/problem+json"):
                problem = doc["components"]["schemas"]["Problem"]
                checked += 1
                if list(lib.validator_for(doc, problem).iter_errors(rec["body"])):
                    findings[f"{method} {path} {status}"] = "router answer is not a Problem"
                continue
            findings[f"{method} {path}"] = "no documented operation"
            continue
        where = f"{method} {template} {status}"
        responses = op.get("responses", {})
        resp = responses.get(status) or responses.get(status[0] + "XX") or responses.get("default")
        if resp is None:
            findings[where] = f"status not documented (documented: {', '.join(sorted(responses))})"
            continue
        resp = lib.resolve(doc, resp)
        media = (ctype or "").split(";")[0].strip()
        content = resp.get("content", {})
        if media not in content:
            findings[where] = f"media type {media} not documented ({', '.join(content) or 'none'})"
            continue
        schema = content[media].get("schema")
        if schema is None:
            continue
        checked += 1
        errors = list(lib.validator_for(doc, schema).iter_errors(rec["body"]))
        if errors:
            e = errors[0]
            at = "/".join(str(p) for p in e.absolute_path) or "(root)"
            findings[where] = f"body does not match the schema at {at}: {e.message[:200]}"
for where, what in sorted(findings.items()):
    print(f"openapi: {where}: {what}")
print(f"openapi: {checked} JSON answers validated, {len(findings)} finding(s)")
sys.exit(1 if findings else 0)
