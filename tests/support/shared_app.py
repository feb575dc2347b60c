"""One app for the tests of a run, made again only after a test changed more than its settings.

Creating the app costs more than most tests: every URL rule is compiled, each template a test renders
is compiled again, and a new engine compiles each SQL statement again. So the tests share one app and
its engine. Between tests the database is emptied, the engine's connections are closed (each test
starts on new ones, as with an engine of its own) and the settings are put back as they were. A test
that changed the app itself (a route, a request hook, an error handler, a template global, an engine
listener) has the app thrown away after it: the next test gets a new one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from flask import Flask

from crm.extensions import db


def _size(value) -> object:
    """The shape of a registry (nested dicts and lists of hooks): its keys and how many items, recursively.

    Empty entries do not count: Flask's registries are defaultdicts that grow an empty one on each lookup.
    """
    if isinstance(value, dict):
        sizes = ((repr(key), _size(item)) for key, item in value.items())
        return tuple(sorted(((key, size) for key, size in sizes if size not in ((), 0)), key=repr))
    if isinstance(value, list | tuple | set):
        return len(value)
    return id(value)


def fingerprint(app: Flask) -> tuple:
    """What a test could add to an app besides settings; equal before and after a test that added nothing."""
    with app.app_context():
        engine = db.engine
        listeners = tuple(len(getattr(engine.dispatch, name)) for name in engine.dispatch._event_names)
        listeners += tuple(len(getattr(engine.pool.dispatch, name)) for name in engine.pool.dispatch._event_names)
    hooks = (
        app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs, app.teardown_appcontext_funcs,
        app.template_context_processors, app.url_value_preprocessors, app.url_default_functions,
        app.error_handler_spec,
    )
    names = (app.view_functions, app.blueprints, app.extensions, app.jinja_env.globals, app.jinja_env.filters,
             app.jinja_env.tests)
    return (
        sum(1 for _ in app.url_map.iter_rules()),
        tuple(_size(hook) for hook in hooks),
        tuple(tuple(sorted((key, id(value)) for key, value in namespace.items())) for namespace in names),
        listeners,
    )


class SharedApp:
    def __init__(self, make: Callable[[], Flask]) -> None:
        self._make = make
        self._app: Flask | None = None
        self._settings: dict = {}
        self._fingerprint: tuple = ()

    def get(self) -> Flask:
        if self._app is None:
            self._app = self._make()
            self._settings = copy.deepcopy(dict(self._app.config))
            self._fingerprint = fingerprint(self._app)
        # Flask refuses new routes once an app has served a request. A test may still add one to "its" app,
        # as it could to a new app; the app is replaced after that test.
        self._app._got_first_request = False
        return self._app

    def reset(self) -> None:
        """After a test: the settings as they were, or a new app next time if the test changed the app."""
        app = self._app
        if app is None:
            return
        if fingerprint(app) != self._fingerprint:
            self.discard()
            return
        app.config.clear()
        app.config.update(copy.deepcopy(self._settings))

    def discard(self) -> None:
        if self._app is not None:
            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app = None
