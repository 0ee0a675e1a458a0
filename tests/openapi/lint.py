#!/usr/bin/env python3
"""Lints docs/openapi.yaml: valid against the official OpenAPI 3.0 JSON
Schema (Debian package openapi-specification), every $ref resolves, every
schema is a valid JSON Schema (2020-12), every operation documents its
responses with descriptions, path parameters are declared, errors use the
Problem response, and examples validate against their schemas. Exit 1 and one
line per finding when anything is wrong."""
import re
import sys

import openapi_lib as lib

raw = lib.load(sys.argv[1])
doc = lib.as_json_schema(raw)
findings = []
OFFICIAL = "/usr/share/openapi-specification/schemas/v3.0/schema.json"


def finding(where, what):
    findings.append(f"{where}: {what}")


if not str(raw.get("openapi", "")).startswith("3.0"):
    finding("openapi", "must be 3.0.x (the version Debian ships the official schema of)")
import json  # noqa: E402

with open(OFFICIAL) as f:
    official = json.load(f)
for e in sorted(lib.jsonschema.Draft4Validator(official).iter_errors(raw), key=lambda e: list(e.absolute_path)):
    finding("/".join(map(str, e.absolute_path)) or "(root)", f"not valid OpenAPI 3.0: {e.message[:200]}")
for key in ("info", "paths", "components"):
    if key not in doc:
        finding(key, "missing")

text = open(sys.argv[1]).read()
for ref in sorted(set(re.findall(r'\$ref: "?(#/[^"\s}]+)"?', text))):
    try:
        lib.resolve(doc, {"$ref": ref})
    except (KeyError, ValueError) as e:
        finding(ref, f"does not resolve ({e})")

for name, schema in doc.get("components", {}).get("schemas", {}).items():
    try:
        lib.jsonschema.Draft202012Validator.check_schema(schema)
    except lib.jsonschema.exceptions.SchemaError as e:
        finding(f"components.schemas.{name}", f"not a valid JSON Schema: {e.message}")
    if "example" in schema:
        errors = list(lib.validator_for(doc, schema).iter_errors(schema["example"]))
        for e in errors:
            finding(f"components.schemas.{name}.example", e.message)

methods = {"get", "post", "put", "patch", "delete"}
for template, item in doc.get("paths", {}).items():
    params = set(re.findall(r"\{([^}]+)\}", template))
    declared = {lib.resolve(doc, p).get("name") for p in item.get("parameters", [])}
    for method, op in item.items():
        if method not in methods:
            continue
        where = f"{method.upper()} {template}"
        op_params = {lib.resolve(doc, p).get("name") for p in op.get("parameters", [])}
        for p in params - declared - op_params:
            finding(where, f"path parameter {{{p}}} is not declared")
        if not op.get("summary"):
            finding(where, "no summary")
        responses = op.get("responses", {})
        if not responses:
            finding(where, "no responses")
        for status, resp in responses.items():
            resp = lib.resolve(doc, resp)
            if not resp.get("description"):
                finding(f"{where} {status}", "response without a description")
            problem = "application/problem+json" in resp.get("content", {})
            if str(status)[0] in "45" and not problem and not resp.get("x-not-a-problem"):
                finding(f"{where} {status}", "an error must be application/problem+json")
        if not any(str(s).startswith("2") for s in responses):
            finding(where, "no success response")

for f in findings:
    print("openapi lint:", f)
print(f"openapi lint: {len(findings)} finding(s) in {sys.argv[1]}")
sys.exit(1 if findings else 0)
