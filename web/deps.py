"""Dependencies shared by the routes: the database session and htmx detection (who is acting:
``web.auth``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from bidflow.db import session_scope


def get_session(request: Request) -> Iterator[Session]:
    """A session on the app's database, committed when the route returns without an error."""
    with session_scope(request.app.state.database_url) as session:
        yield session


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request, so a partial (not a full page) is the right answer."""
    return request.headers.get("HX-Request") == "true"


# scope="function" commits before the response leaves, so a redirected browser sees the change.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
