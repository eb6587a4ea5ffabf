"""A TestClient for the review desk that posts forms the way its pages do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from web.csrf import CSRF_COOKIE

if TYPE_CHECKING:
    # Starlette's TestClient answers with httpx2's Response when httpx2 is installed (it is here).
    from httpx2 import Response


class DeskClient(TestClient):
    """A TestClient that echoes its CSRF cookie in forms (load any page first to get one)."""

    def csrf_token(self) -> str:
        return str(self.cookies[CSRF_COOKIE])

    def submit(self, path: str, *, htmx: bool = False, **fields: Any) -> Response:
        """POST a form the way the page does: with the CSRF token, and without following the
        redirect so tests can see it."""
        headers = {"HX-Request": "true"} if htmx else {}
        data = {"csrf_token": self.csrf_token(), **fields}
        return self.post(path, data=data, headers=headers, follow_redirects=False)
