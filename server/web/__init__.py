"""The HTTP API v1 (DESIGN §4), in small modules: settings and uvicorn options
(:mod:`.settings`, :mod:`.protocol`), request guards (:mod:`.middleware`, :mod:`.auth`), the
server state (:mod:`.state`, :mod:`.engines`), running work off the event loop
(:mod:`.work`, :mod:`.answer`), the routers (``routes_*``) and error answers (:mod:`.errors`).
``accellium.server.app`` assembles them (``create_app(settings)``)."""
