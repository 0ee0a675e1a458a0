"""Shared helpers: load docs/openapi.yaml, resolve its $refs, find the
operation that answers a concrete request path."""
import re
import warnings

import yaml

warnings.filterwarnings("ignore", category=DeprecationWarning)
import jsonschema  # noqa: E402


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def as_json_schema(node):
    """OpenAPI 3.0 Schema Objects -> JSON Schema: `nullable: true` becomes a
    "null" member of `type` (the only 3.0 keyword we use that JSON Schema
    lacks). Applied to the whole document, so $refs keep working."""
    if isinstance(node, list):
        return [as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def resolve(doc, node):
    """Follows local $refs ("#/a/b") until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"non-local $ref {ref}")
        target = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            raise ValueError(f"$ref loop at {ref}")
    return node


def template_regex(template):
    """/api/v1/cas/{id} -> ^/api/v1/cas/[^/]+$; {name...} matches the rest."""
    out = "^"
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            out += ".+" if part.endswith("...}") else "[^/]+"
        else:
            out += re.escape(part)
    return re.compile(out + "$")


def find_operation(doc, method, path):
    """The (template, operation) documented for a concrete path, most specific first."""
    best = None
    for template, item in doc.get("paths", {}).items():
        if method.lower() not in item:
            continue
        if template_regex(template).match(path):
            score = (template.count("{"), -len(template))
            if best is None or score < best[0]:
                best = (score, template, item[method.lower()])
    return (best[1], best[2]) if best else (None, None)


def validator_for(doc, schema):
    resolver = jsonschema.RefResolver.from_schema(doc)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)
