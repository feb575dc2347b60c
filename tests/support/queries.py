"""Count the SQL statements a block of code sends, to prove a page's query count is constant."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from crm.extensions import db


class QueryLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries():
    log = QueryLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        log.statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def page_statements(client, url: str) -> int:
    """The number of SQL statements one GET of `url` sends; the page must answer 200."""
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200, url
    return log.count
