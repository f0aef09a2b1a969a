"""
The OpenAPI description as a test oracle.  dqtest.py passes every answer the
integration tests receive through check_response(), and every request the
target server receives from dq through check_delivery(): the status must be
one the operation lists, the headers it marks required must be there and
match their schemas, and the body must match the schema of its media type
(JSON Schema 2020-12, checked with the jsonschema library: Debian's
python3-jsonschema).  So an answer that drifts from openapi.yaml fails the
test that received it, and the script (dqtest.run() reports every problem
once more at the end, also those found in threads).

The document is the build's openapi.json (made from openapi.yaml), or the
file named by $DQ_OPENAPI.
"""
import json
import os
import re

_problems = []          # every problem found, for dqtest.run()
_counts = {"answers": 0, "deliveries": 0}

# What a path answers before its operation is known: no route (404), a
# method the path lacks (405), and what the router decides first.
_UNROUTED = {401: "Unauthorized", 404: "NotFound", 413: "PayloadTooLarge",
             429: "RateLimited", 500: "InternalError", 503: "Unavailable"}
_NO_METHOD = dict(_UNROUTED)
_NO_METHOD[405] = "MethodNotAllowed"
del _NO_METHOD[404]


class Spec:
    """One OpenAPI document and the validators made from it."""

    def __init__(self, doc):
        from jsonschema import Draft202012Validator
        self.doc = doc
        self._cls = Draft202012Validator
        self._validators = {}
        self.paths = []
        for template, item in doc.get("paths", {}).items():
            parts = template.strip("/").split("/")
            rx = "^/" + "/".join("[^/]+" if p.startswith("{") else re.escape(p)
                                 for p in parts) + "$"
            literal = sum(1 for p in parts if not p.startswith("{"))
            self.paths.append((-literal, template, re.compile(rx), item))
        self.paths.sort(key=lambda t: t[0])

    # -- the document
    def deref(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            node = self.doc
            for part in obj["$ref"].lstrip("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            obj = node
        return obj

    def find_paths(self, path):
        """(template, path item) of every path that matches, the most
        literal first (as /v1/jobs/batch before /v1/jobs/{id})."""
        return [(t, item) for _, t, rx, item in self.paths if rx.match(path)]

    def validator(self, schema):
        key = id(schema)
        v = self._validators.get(key)
        if v is None:
            # The schema's "#/components/schemas/..." references resolve
            # against this wrapper, which carries the document's schemas.
            wrapper = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                       "allOf": [schema],
                       "components": {"schemas": self.doc["components"]["schemas"]}}
            v = self._validators[key] = (self._cls(wrapper), schema)
        return v[0]

    def schema_errors(self, schema, value, where):
        errs = sorted(self.validator(schema).iter_errors(value),
                      key=lambda e: list(e.absolute_path))
        out = []
        for e in errs[:5]:
            at = "/".join(str(p) for p in e.absolute_path)
            out.append("%s%s: %s" % (where, "/" + at if at else "", e.message[:300]))
        return out

    # -- answers
    def response_for(self, method, path, status):
        """(response object, label) the document gives for this answer, or
        (None, why not)."""
        matches = self.find_paths(path)
        comps = self.doc["components"]["responses"]
        if not matches:
            if status in _UNROUTED:
                return comps[_UNROUTED[status]], "no route, %d" % status
            return None, "no path in the document matches %s, yet it answered %d" % (
                path, status)
        # As dq's router: the first path that has the method.
        ops = [(t, item[method.lower()]) for t, item in matches if method.lower() in item]
        if not ops:
            label = "%s %s" % (method, matches[0][0])
            if status in _NO_METHOD:
                return comps[_NO_METHOD[status]], label + " (not an operation)"
            return None, "%s is not an operation, yet it answered %d" % (label, status)
        template, op = ops[0]
        label = "%s %s" % (method, template)
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get("%dXX" % (status // 100)) or \
            responses.get("default")
        if resp is None:
            return None, "%s answered %d, which it does not list (%s)" % (
                label, status, ", ".join(sorted(responses)))
        return self.deref(resp), label

    def check_headers(self, declared, headers, where):
        out = []
        for name, h in (declared or {}).items():
            h = self.deref(h)
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    out.append("%s: header %s is missing" % (where, name))
                continue
            out += self.header_errors(h.get("schema", {}), name, value, where)
        return out

    def header_errors(self, schema, name, value, where):
        typ = self.deref(schema).get("type")
        if typ == "integer":
            if not re.match(r"^-?[0-9]+$", value):
                return ["%s: header %s is %r, not an integer" % (where, name, value)]
            value = int(value)
        return self.schema_errors(schema, value, "%s: header %s" % (where, name))

    def check_body(self, content, headers, body, where):
        if not content:
            return []
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        media = content.get(ctype)
        if media is None:
            return ["%s: Content-Type %r is not one of %s" % (where, ctype, sorted(content))]
        schema = media.get("schema")
        if schema is None:
            return []
        if ctype.endswith("json"):
            try:
                value = json.loads(body)
            except ValueError:
                return ["%s: the body is not JSON: %r" % (where, body[:200])]
        else:
            value = body
        return self.schema_errors(schema, value, where + " body")

    def check_response(self, method, path, status, headers, body):
        resp, label = self.response_for(method, path, status)
        if resp is None:
            return [label]
        where = "%s -> %d" % (label, status)
        out = self.check_headers(resp.get("headers"), headers, where)
        out += self.check_body(resp.get("content"), headers, body, where)
        if status == 405 and "allow" in headers:
            want = sorted({m.upper() for _, item in self.find_paths(path) for m in item
                           if m in ("get", "put", "post", "delete", "patch")})
            got = sorted(x.strip() for x in headers["allow"].split(","))
            if got != want:
                out.append("%s: Allow is %s, the document has %s" % (where, got, want))
        out += _check_request_id(headers, body, where)
        return out

    # -- deliveries (the document's webhooks)
    def check_delivery(self, headers, body):
        """A request dq sent to a target: a job's delivery, or its callback
        when the body is the job object (its id is X-DispatchQ-Job-Id)."""
        hook = "jobDelivery"
        try:
            value = json.loads(body) if body else None
        except ValueError:
            value = None
        if isinstance(value, dict) and value.get("id") == headers.get("x-dispatchq-job-id"):
            hook = "jobCallback"
        op = self.doc["webhooks"][hook]["post"]
        where = "webhook " + hook
        out = []
        for p in op.get("parameters", []):
            p = self.deref(p)
            if p.get("in") != "header":
                continue
            value_h = headers.get(p["name"].lower())
            if value_h is None:
                if p.get("required"):
                    out.append("%s: header %s is missing" % (where, p["name"]))
                continue
            out += self.header_errors(p.get("schema", {}), p["name"], value_h, where)
        if hook == "jobCallback":
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            out += self.schema_errors(schema, value, where + " body")
        return out


def _check_request_id(headers, body, where):
    """An error's request_id is the answer's X-Request-Id."""
    try:
        err = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return []
    if isinstance(err, dict) and "request_id" in err and \
            err["request_id"] != headers.get("x-request-id"):
        return ["%s: error.request_id %r is not X-Request-Id %r" % (
            where, err["request_id"], headers.get("x-request-id"))]
    return []


_spec = None
_load_error = None


def spec(path=None):
    """The document the checks use (loaded once)."""
    global _spec, _load_error
    if _spec is None and _load_error is None:
        if path is None:
            build = os.environ.get("DQ_BUILDDIR") or os.path.join(
                os.path.dirname(os.path.abspath(__file__)), "..", "..")
            path = os.environ.get("DQ_OPENAPI") or os.path.join(build, "openapi.json")
        try:
            with open(path, encoding="utf-8") as f:
                _spec = Spec(json.load(f))
        except ImportError:
            _load_error = "the answers cannot be checked against %s: no jsonschema " \
                "module (apt-get install python3-jsonschema)" % path
        except (OSError, ValueError) as e:
            _load_error = "cannot read the OpenAPI document %s: %s" % (path, e)
    return _spec


# The ports of the stacks under test (dqtest.Stack adds its own): answers
# from elsewhere (the target server, say) are not dq's.
dq_ports = set()


def _from_dq(port, headers):
    """dq (and the web server snippets, in dq's name) answer with an
    X-Request-Id or JSON; a web server's own error page is not dq's."""
    ctype = headers.get("content-type") or ""
    return port in dq_ports and ("x-request-id" in headers or
                                 ctype.startswith("application/json"))


def check_response(port, method, path, status, headers, body):
    """Problems of one answer from port (raw path, query included); also
    recorded.  headers: name -> value with lower-case names."""
    if not _from_dq(port, headers):
        return []
    s = spec()
    if s is None:
        out = [_load_error]
    else:
        _counts["answers"] += 1
        out = s.check_response(method, path.split("?")[0], status, headers, body)
    _problems.extend(out)
    return out


def check_delivery(headers, body):
    """Problems of one request dq sent to a target; also recorded."""
    s = spec()
    out = [_load_error] if s is None else s.check_delivery(headers, body)
    _counts["deliveries"] += 1
    _problems.extend(out)
    return out


def problems():
    """Every problem recorded so far, each once."""
    return list(dict.fromkeys(_problems))


def counts():
    return dict(_counts)
