"""The application factory of the knowledge graph's web service: `create_app` reads the settings, opens the backend
and registers the blueprints of web/, one per concern (see docs/architecture.md).

Everything HTTP lives in web/; everything that holds or queries the graph lives in graph/.
"""
import os
from pathlib import Path

from flask import Flask

from graph.backend import create_backend
from graph.named import load_named_queries
from nzc_twinning.files import shipped
from web import (
    browse,
    changes,
    cors,
    errors,
    limits,
    linked_data,
    memento,
    metadata,
    named_queries,
    protocol,
    releases,
    search,
    workbench,
    writes,
)
from web.address import public_address
from web.cache import AnswerCache, replaying
from web.limits import RateLimiter
from web.settings import SETTINGS, check_ranges, settings_from_environment

BLUEPRINTS = (protocol.bp, named_queries.bp, writes.bp, linked_data.bp, metadata.bp, workbench.bp, limits.bp, changes.bp,
              releases.bp, memento.bp, search.bp, browse.bp)
WEB = Path(protocol.__file__).parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, then TWINNING_* environment variables, then `test_config`. Raises ValueError
    (SettingError) for a setting that does not fit."""
    app = Flask(__name__, instance_relative_config=True, template_folder=WEB / "templates",
                static_folder=WEB / "static")
    app.config.from_mapping({name: default for name, (default, _) in SETTINGS.items()})
    app.config.update(settings_from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    check_ranges(app.config)
    app.config["STORE"] = app.config["STORE"] or str(Path(app.instance_path) / "store")
    app.config["DATA_DIR"] = app.config["DATA_DIR"] or str(shipped("data"))
    app.extensions["twinning.queries"] = load_named_queries(shipped("queries"))
    app.extensions["twinning.page_queries"] = {path.stem: path.read_text(encoding="utf-8")
                                               for path in sorted((shipped("queries") / "pages").glob("*.rq"))}
    app.extensions["twinning.backend"] = create_backend(app.config)
    app.extensions["twinning.cache"] = AnswerCache(int(app.config["ANSWER_CACHE_BYTES"]),
                                                   int(app.config["ANSWER_CACHE_ENTRY_BYTES"]))
    app.extensions["twinning.rate"] = RateLimiter(float(app.config["RATE_LIMIT"]), float(app.config["RATE_BURST"]))
    app.wsgi_app = public_address(replaying(app.wsgi_app, app.extensions["twinning.cache"],
                                            app.extensions["twinning.backend"], app.extensions["twinning.rate"]),
                                  app.config)
    errors.register(app)
    app.after_request(cors.allow_cross_origin)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
