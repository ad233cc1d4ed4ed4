"""Browser contexts confined to the local site (used by conftest's ``guarded`` fixture and by tests that keep a
page across tests)."""

from __future__ import annotations

import interactions


class Guarded:
    """A browser context whose requests outside ``origin`` are aborted and recorded in ``outside``.
    Every page keeps a copy of its console (``interactions.CONSOLE_CAPTURE_JS``) for ``interactions.kernel_errors``."""

    def __init__(self, browser, origin: str, *, intercept: bool = True, **kw):
        self.origin, self.outside, self.errors = origin, [], []
        self.pending: dict[int, str] = {}  # requests still waiting for an answer (diagnostics: a page never starts)
        self.ctx = browser.new_context(viewport=kw.pop("viewport", {"width": 1366, "height": 768}), **kw)
        self.ctx.add_init_script(interactions.CONSOLE_CAPTURE_JS)
        if intercept:
            self.ctx.route("**/*", self._route)
        else:
            # Playwright's routing turns off the HTTP cache and changes what the service worker manages to cache,
            # so tests of caching only watch (and record) requests leaving the origin.
            self.ctx.on("request", self._watch)

    def _watch(self, request):
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:"))):
            self.outside.append(url)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def new_page(self):
        page = self.ctx.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.pending.__setitem__(id(r), r.url))
        page.on("requestfinished", lambda r: self.pending.pop(id(r), None))
        page.on("requestfailed", lambda r: self.pending.pop(id(r), None))
        return page

    def close(self):
        self.ctx.close()
