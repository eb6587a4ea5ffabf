"""The review desk: a small server-rendered web app where a person reviews drafted proposals.

Pages are Jinja templates extending ``base.html``; htmx swaps in ``partials/`` for quick actions,
and every form also works without JavaScript. Nothing here sends anything to a marketplace.
"""
