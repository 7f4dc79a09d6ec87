"""One emulator front per test module, a fresh application per test: the front serves an AppSlot, which forwards
everything to whichever application the current test put in it."""


class AppSlot:
    """Stands in for an application (``name``, ``handles``, ``label_for``, ``handle``, ``control``) and forwards to
    ``self.app``."""

    def __init__(self, name, app=None):
        self.name = name
        self.app = app

    def handles(self, host):
        return self.app is not None and self.app.handles(host)

    def label_for(self, request):
        return self.app.label_for(request)

    def handle(self, request):
        return self.app.handle(request)

    def control(self, request, subpath):
        return self.app.control(request, subpath)
