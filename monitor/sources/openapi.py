"""An OpenAPI spec (JSON or YAML, OpenAPI 3.x or Swagger 2.0) → one Notice with a canonical text.

The text is the minimal, sorted JSON of what a consumer's code depends on: servers, operations
with their parameters and response schemas, and the component schemas those refer to. Prose
(descriptions, summaries, examples) and key order are dropped, so re-serialising or rewording a
spec changes nothing; `monitor.docs.apidiff.spec_diff` compares two such texts.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import yaml

from monitor.config.types import SourceConfig
from monitor.model import Notice
from monitor.sources import SourceFormatError, decode_text
from monitor.sources.yamlload import YamlLimitError, load_bounded

log = logging.getLogger(__name__)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Schema keywords that change what a client sends or receives; everything else is prose.
SCHEMA_KEYS = (
    "type", "format", "enum", "required", "items", "properties", "additionalProperties",
    "allOf", "oneOf", "anyOf", "nullable", "$ref",
)  # fmt: skip
SPEC_NOTICE_ID = "openapi"


def parse(body: bytes, source: SourceConfig, *, content_type: str | None = None) -> list[Notice]:
    """Return one Notice whose text is `canonical_text(spec)`; notice_id "<url>#openapi".

    Raises SourceFormatError when the body is not valid JSON/YAML or not an OpenAPI/Swagger document.
    """
    spec = load_spec(body, source.url, content_type)
    text = canonical_text(spec)
    raw_info = spec.get("info")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    title = str(info.get("title") or source.name)
    version = info.get("version")
    return [
        Notice(
            source=source.name,
            notice_id=f"{source.url.split('#', 1)[0]}#{SPEC_NOTICE_ID}",
            title=f"{title} (OpenAPI {version})" if version else f"{title} (OpenAPI)",
            text=text,
            link=source.url,
            tags=(source.api,) if source.api else (),
        )
    ]


def load_spec(body: bytes, where: str, content_type: str | None = None) -> dict[str, Any]:
    """Decode a JSON or YAML spec; raises SourceFormatError saying what is wrong with it."""
    text = decode_text(body, content_type)
    try:
        loaded = json.loads(text) if text.lstrip().startswith("{") else load_bounded(text)
    except YamlLimitError as error:
        raise SourceFormatError(
            f"{where}: the YAML spec is refused: {error} (a real spec is far smaller; "
            "is the URL the raw spec, and is the file intact?)"
        ) from None
    except RecursionError:
        raise SourceFormatError(f"{where}: the JSON spec is nested too deeply to read") from None
    except (ValueError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0]
        raise SourceFormatError(
            f"{where}: not valid JSON or YAML ({reason}); is the URL the raw spec?"
        ) from None
    if not isinstance(loaded, dict) or not ("openapi" in loaded or "swagger" in loaded):
        raise SourceFormatError(
            f"{where}: not an OpenAPI document (no 'openapi' or 'swagger' key); "
            "point the source at the raw JSON/YAML spec, not an HTML page"
        )
    if not isinstance(loaded.get("paths"), dict):
        raise SourceFormatError(f"{where}: the OpenAPI document has no 'paths' object")
    return loaded


def canonical(spec: dict[str, Any]) -> dict[str, Any]:
    """The parts of `spec` that matter, in one shape for OpenAPI 3 and Swagger 2."""
    swagger2 = "swagger" in spec
    operations: dict[str, Any] = {}
    for path, item in sorted(spec["paths"].items()):
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                operations[f"{method.upper()} {path}"] = _operation(spec, shared, operation, swagger2)
    schemas = (spec.get("definitions") if swagger2 else (spec.get("components") or {}).get("schemas")) or {}
    info = spec.get("info") or {}
    return {
        "version": str(info.get("version", "")),
        "servers": _servers(spec),
        "operations": operations,
        "schemas": {name: _schema(schema) for name, schema in sorted(schemas.items())},
    }


def canonical_text(spec: dict[str, Any]) -> str:
    """`canonical(spec)` as compact JSON with sorted keys (stable across re-serialisation)."""
    return json.dumps(canonical(spec), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _servers(spec: dict[str, Any]) -> list[str]:
    if "swagger" in spec:
        host = spec.get("host")
        if not host:
            return []
        schemes = spec.get("schemes") or ["https"]
        return sorted(f"{scheme}://{host}{spec.get('basePath', '')}".rstrip("/") for scheme in schemes)
    servers = spec.get("servers") or []
    return sorted({str(server.get("url", "")).rstrip("/") for server in servers if isinstance(server, dict)})


def _operation(
    spec: dict[str, Any], shared: list[Any], operation: dict[str, Any], swagger2: bool
) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for raw in [*shared, *(operation.get("parameters") or [])]:  # operation-level wins
        parameter = _resolve(spec, raw)
        if not isinstance(parameter, dict) or "name" not in parameter:
            continue
        where = str(parameter.get("in", "query"))
        if where == "body":
            continue  # Swagger 2 request bodies are not compared
        schema = (
            parameter.get("schema")
            if not swagger2
            else {k: v for k, v in parameter.items() if k in SCHEMA_KEYS}
        )
        parameters[f"{where}:{parameter['name']}"] = {
            "required": bool(parameter.get("required", where == "path")),
            "schema": _schema(schema or {}),
        }
    responses: dict[str, Any] = {}
    for status, raw in (operation.get("responses") or {}).items():
        response = _resolve(spec, raw)
        if not isinstance(response, dict):
            continue
        if swagger2:
            schema = response.get("schema")
            responses[str(status)] = {"schema": _schema(schema)} if schema else {}
            continue
        content = response.get("content") or {}
        media = next((content[key] for key in sorted(content) if "json" in key), None)
        media = media if media is not None else next(iter(content.values()), None)
        schema = media.get("schema") if isinstance(media, dict) else None
        responses[str(status)] = {"schema": _schema(schema)} if schema else {}
    result: dict[str, Any] = {"parameters": parameters, "responses": responses}
    if operation.get("deprecated"):
        result["deprecated"] = True
    return result


def _resolve(spec: dict[str, Any], value: Any) -> Any:
    """Follow a local "$ref" (parameters, responses) once; schemas keep their $ref."""
    if isinstance(value, dict) and isinstance(value.get("$ref"), str) and value["$ref"].startswith("#/"):
        target: Any = spec
        for part in value["$ref"][2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
            )
        return target
    return value


def _schema(schema: Any) -> Any:
    """Keep only SCHEMA_KEYS, recursively; Swagger 2 refs are rewritten to OpenAPI 3 form."""
    if isinstance(schema, list):
        return [_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key in SCHEMA_KEYS:
        if key not in schema:
            continue
        value = schema[key]
        if key == "$ref" and isinstance(value, str):
            kept[key] = value.replace("#/definitions/", "#/components/schemas/")
        elif key == "properties" and isinstance(value, dict):
            kept[key] = {name: _schema(sub) for name, sub in sorted(value.items())}
        elif key == "enum" and isinstance(value, list):
            unique = {json.dumps(item, sort_keys=True, ensure_ascii=False): item for item in value}
            kept[key] = [unique[text] for text in sorted(unique)]
        elif key == "required" and isinstance(value, list):
            kept[key] = sorted({str(item) for item in value})
        else:
            kept[key] = _schema(value)
    return kept
