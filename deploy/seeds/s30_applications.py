"""Applications: check that the current rules edition loads (it is data shipped in the service's
package, ``applications/rules/*.json``) and remember its code. Idempotent: reads only.

The demo teacher's application is deliberately not created here: the teacher walks through
acknowledging the rules and applying (``tests/e2e/test_applications.py``, or by hand in ``make run``).

Stores ``ctx["rules_edition"]`` = the current edition's code.
"""


def run(ctx) -> None:
    edition = ctx["rpc"].applications.get_current_rules_edition()
    ctx["rules_edition"] = edition["code"]
