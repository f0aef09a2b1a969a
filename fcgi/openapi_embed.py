#!/usr/bin/env python3
"""
Build steps for the OpenAPI description (run by make; needs PyYAML, Debian's
python3-yaml):

  openapi_embed.py json openapi.yaml openapi.json VERSION
      YAML to compact JSON, with info.version set to the package's version.
      Refuses duplicate keys (PyYAML would keep the last one silently) and
      values JSON cannot hold (a date YAML read from an unquoted 2026-01-01).
  openapi_embed.py c openapi.json openapi_json.c
      The JSON as a C array, which dq-fcgi serves at GET /v1/openapi.json.

Each output is written to a temporary file and renamed, so a failed step
leaves nothing that make would take for up to date.
"""
import json
import os
import sys

C_HEAD = """/* Made from openapi.yaml by fcgi/openapi_embed.py at build time; do not edit. */
#include <stddef.h>

extern const char openapi_json[];
extern const size_t openapi_json_len;

const size_t openapi_json_len = %d;
const char openapi_json[] = {
"""


def load_yaml(path):
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicate key %r" % (key,), key_node.start_mark)
            seen.add(key)
        return loader.construct_mapping(node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def to_json(src, dst, version):
    doc = load_yaml(src)
    doc["info"]["version"] = version
    write(dst, json.dumps(doc, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False) + "\n")


def to_c(src, dst):
    with open(src, "rb") as f:
        data = f.read()
    json.loads(data)
    lines = [C_HEAD % len(data)]
    for i in range(0, len(data), 16):
        lines.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 16]) + "\n")
    lines.append("\t0x00\n};\n")
    write(dst, "".join(lines))


def main(argv):
    if len(argv) == 5 and argv[1] == "json":
        to_json(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "c":
        to_c(argv[2], argv[3])
    else:
        sys.stderr.write("usage: openapi_embed.py json YAML JSON VERSION | c JSON C\n")
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:      # one line, as make shows it
        sys.stderr.write("openapi_embed.py: %s\n" % e)
        sys.exit(1)
