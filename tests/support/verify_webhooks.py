"""Verifies captured webhook deliveries with the Standard Webhooks library
for Python (the `standardwebhooks` package from PyPI), not byline's code.

Reads JSON from standard input: {"secret": "whsec_...", "deliveries":
[{"headers": {...}, "body": "..."}]}. Prints one JSON line: for each
delivery, true when the library accepts it, else the library's error.
"""

import json
import sys

from standardwebhooks import Webhook, WebhookVerificationError

request = json.load(sys.stdin)
hook = Webhook(request["secret"])
results = []
for delivery in request["deliveries"]:
    try:
        hook.verify(delivery["body"], delivery["headers"])
        results.append(True)
    except WebhookVerificationError as e:
        results.append(str(e))
print(json.dumps(results))
