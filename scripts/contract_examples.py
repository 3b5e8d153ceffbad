"""Fixed examples the contract run always sends, beside schemathesis's
generated ones: requests a fuzzer once found answered wrongly.

Usage: contract_examples.py BASE_URL TOKEN
"""
import json
import sys
import urllib.error
import urllib.request

base, token = sys.argv[1], sys.argv[2]
failures = []


def send(method, path, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def expect(status, method, path, body=None, headers=None):
    got, response_headers, text = send(method, path, body, headers)
    if got != status:
        failures.append(f"{method} {path} {headers or ''} {body}: {got}, expected {status}: {text[:200]!r}")
    elif status >= 400 and not response_headers.get("Content-Type", "").startswith("application/problem+json"):
        failures.append(f"{method} {path}: a {got} that is not problem+json")


# The upsert validates its body before any precondition, for every form
# of If-Match; an empty body is refused like any length limit.
blank_body = {"headline": "0", "body": ""}
expect(422, "PUT", "/v1/articles/external/0", blank_body)
for if_match in ['"v1"', "*", 'W/"v1"', ""]:
    expect(422, "PUT", "/v1/articles/external/0", blank_body, {"If-Match": if_match})
expect(422, "PUT", "/v1/articles/external/0", {"headline": "h" * 301, "body": "<p>x</p>"})
expect(422, "POST", "/v1/articles", {"headline": "h", "body": "<div>" * 500})
# Parameters an operation does not take are refused, not cached.
expect(400, "GET", "/v1/sections?x=1")
expect(400, "GET", "/v1/articles?limit=5&cachebuster=1")

if failures:
    print("contract examples failed:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("contract examples: every fixed example answered as expected")
