"""The catalog: categories and products as the POS sells them."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, job_titles, nav_items

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

nav_items.register("catalog.index", _l("Catalog"), role="manager", order=56)

job_titles.register({"catalog_import": _l("Catalog import")})
audit_labels.register(
    actions={
        "catalog.synced": _l("synced the catalog"),
        "product.added": _l("added a product"),
        "product.updated": _l("edited a product"),
        "product.archived": _l("archived a product"),
        "product.restored": _l("restored a product"),
        "category.added": _l("added a category"),
        "category.updated": _l("edited a category"),
        "category.archived": _l("archived a category"),
        "category.restored": _l("restored a category"),
    },
    groups={"catalog": _l("Catalog syncs"), "product": _l("Products"), "category": _l("Categories")},
)

from . import imports, views  # noqa: E402,F401  (routes register on import)
