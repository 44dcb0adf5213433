"""The catalog over the API: the POS syncs it (PUT /catalog) and reads it (GET /products, /categories).

Categories and products are named by the POS's own ids (strings; a whole number is taken as its
digits). The upload's rules (what is checked, what a left-out field means) live in
services/catalog; this module only declares the contract.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from ....models import Category, Product
from ....services.catalog import listing, refs, sync, tree
from .. import bp
from ..declare import api_operation
from ..schemas import TenantRef


def _digits(value):
    """A POS id or a VAT rate sent as a JSON number, as its text (the service parses the text)."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# The POS's ids are strings; many tills number them, so a whole number is taken as its digits.
PosId = Annotated[str, BeforeValidator(_digits)]

CATALOG_EXAMPLE = {
    "categories": [{"id": "10", "name": "Drinks"}, {"id": "11", "name": "Beer", "parent_id": "10"},
                   {"id": "20", "name": "Tobacco"}],
    "products": [{"id": "1001", "name": "Pilsner 0.5 l", "category_id": "11", "price": 1400, "vat_rate": "23"},
                 {"id": "2001", "name": "Marlboro Gold", "category_id": "20", "price": 1899, "vat_rate": "23",
                  "discountable": False, "earns_points": False}],
}
PRODUCT_EXAMPLE = {"id": "1001", "name": "Pilsner 0.5 l", "category_id": "11", "category_name": "Beer",
                   "price": 1400, "vat_rate": "23", "discountable": True, "earns_points": True, "archived": False}


class CategoryIn(BaseModel):
    id: PosId = Field(description="The POS's id of the category.")
    name: str
    parent_id: PosId | None = TenantRef(
        "category", default=None,
        description="The parent's POS id: a category of this upload or already in the catalog. "
                    "Left out: kept (new: none); null: no parent.")
    archived: StrictBool | None = Field(default=None, description="Left out: kept (new: false).")


class ProductIn(BaseModel):
    id: PosId = Field(description="The POS's id of the product.")
    name: str
    category_id: PosId | None = TenantRef(
        "category", default=None,
        description="The category's POS id: in this upload or already in the catalog. Left out: kept.")
    price: StrictInt | None = Field(default=None, description="Gross unit price in minor units; null: priced at the till.")
    vat_rate: Annotated[str | None, BeforeValidator(_digits)] = Field(default=None, description="Percent, exact: \"23\", \"5.5\".")
    discountable: StrictBool | None = Field(default=None, description="False for tobacco, top-ups, vouchers, "
                                                                       "deposits, tips. New: true; left out: kept.")
    earns_points: StrictBool | None = Field(default=None, description="New: true; left out: kept.")
    archived: StrictBool | None = Field(default=None, description="Left out: kept (new: false).")


class CatalogUpload(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CATALOG_EXAMPLE]})

    categories: list[CategoryIn] = Field(default_factory=list, description="Up to 10,000 categories.")
    products: list[ProductIn] = Field(default_factory=list, description="Up to 10,000 products.")


class Counts(BaseModel):
    created: int
    updated: int
    unchanged: int


class CatalogSynced(BaseModel):
    created: int
    updated: int
    unchanged: int
    categories: Counts
    products: Counts


class ProductOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    id: str
    name: str
    category_id: str | None
    category_name: str | None
    price: int | None
    vat_rate: str | None
    discountable: bool
    earns_points: bool
    archived: bool

    @classmethod
    def of(cls, p: Product, category: Category | None) -> ProductOut:
        return cls.model_construct(
            id=p.external_id, name=p.name, category_id=category.external_id if category else None,
            category_name=category.name if category else None, price=p.price,
            vat_rate=_percent(p.vat_rate), discountable=p.discountable, earns_points=p.earns_points,
            archived=p.archived_at is not None)


class ProductPage(BaseModel):
    products: list[ProductOut]
    next_cursor: str | None


class ProductSearch(BaseModel):
    q: Annotated[str, Field(max_length=100, description="Part of the name, or the exact POS id.")] = ""
    category_id: Annotated[str | None, TenantRef(
        "category", max_length=64,
        description="The POS id of a category: its products and its subcategories'.")] = None
    archived: Annotated[bool, Field(description="Include archived products.")] = False
    limit: Annotated[int, Field(ge=1, le=200, description="How many products at most (1-200).")] = 50
    cursor: Annotated[str | None, TenantRef(
        "product", max_length=64, description="The previous page's next_cursor (its last product's id).")] = None


class CategoryOut(BaseModel):
    id: str
    name: str
    parent_id: str | None
    depth: int
    products: int
    archived: bool


class CategoryList(BaseModel):
    categories: list[CategoryOut]


class CategoryQuery(BaseModel):
    archived: Annotated[bool, Field(description="Include archived categories.")] = False


def _percent(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@bp.put("/catalog")
@api_operation(
    operation_id="syncCatalog", scope="manage", summary="Upsert the catalog (categories and products)",
    body=CatalogUpload, response=CatalogSynced, idempotency="optional",
    answer="How many items were created, updated and left unchanged, in all and per kind.",
    errors=("category_not_found",),
    example={"created": 5, "updated": 0, "unchanged": 0, "categories": {"created": 3, "updated": 0, "unchanged": 0},
             "products": {"created": 2, "updated": 0, "unchanged": 0}},
    description=(
        "Creates or updates categories and products by your POS's ids, up to 10,000 of each in one "
        "call. Everything is checked before anything is written: a bad item answers 422 `invalid` "
        "with `field` naming it (`products[12].price`) and changes nothing. Sending the same "
        "catalog again reports everything `unchanged`.\n\n"
        "A field an item leaves out keeps its current value (a new item gets the default), so the "
        "flags a manager set in the panel survive a sync; a field sent as null is cleared. Parents "
        "may name a category later in the same upload; a loop of parents is refused. A category "
        "that is neither in the upload nor in the catalog answers 404 `category_not_found`. Nothing "
        "is deleted: send `archived: true` to hide a product from lists and pickers."))
def sync_catalog(body: CatalogUpload):
    result = sync.upsert([c.model_dump(exclude_unset=True) for c in body.categories],
                         [p.model_dump(exclude_unset=True) for p in body.products])
    total = result.total()
    return CatalogSynced.model_construct(
        created=total.created, updated=total.updated, unchanged=total.unchanged,
        categories=Counts.model_construct(**vars(result.categories)),
        products=Counts.model_construct(**vars(result.products)))


@bp.get("/products")
@api_operation(
    operation_id="listProducts", scope="pos", summary="List and search products", query=ProductSearch,
    response=ProductPage, answer="A page of products by name; next_cursor is null on the last page.",
    errors=("category_not_found", "product_not_found"),
    example={"products": [PRODUCT_EXAMPLE], "next_cursor": None},
    description="By name or POS id, in a category (with its subcategories). Archived products are "
                "left out unless asked for.")
def products(query: ProductSearch):
    category = refs.categories([query.category_id], field="category_id")[query.category_id] \
        if query.category_id else None
    after = refs.products([query.cursor], field="cursor")[query.cursor] if query.cursor else None
    page = listing.products(q=query.q, category=category, archived=query.archived, limit=query.limit, after=after)
    return ProductPage.model_construct(
        products=[ProductOut.of(p, page.categories.get(p.category_id)) for p in page.products],
        next_cursor=page.products[-1].external_id if page.more else None)


@bp.get("/categories")
@api_operation(
    operation_id="listCategories", scope="pos", summary="List the categories as a tree", query=CategoryQuery,
    response=CategoryList, answer="Every category, each under its parent (depth-first), with its product count.",
    example={"categories": [{"id": "10", "name": "Drinks", "parent_id": None, "depth": 0, "products": 0,
                             "archived": False},
                            {"id": "11", "name": "Beer", "parent_id": "10", "depth": 1, "products": 12,
                             "archived": False}]})
def categories(query: CategoryQuery):
    nodes = tree.nodes(archived=query.archived)
    ext = {n.category.id: n.category.external_id for n in nodes}
    return CategoryList.model_construct(categories=[CategoryOut.model_construct(
        id=n.category.external_id, name=n.category.name, parent_id=ext.get(n.category.parent_id),
        depth=n.depth, products=n.products, archived=n.category.archived_at is not None) for n in nodes])
