"""The catalog in the panel: products (live search, category filter, pages), the category tree,
add/edit forms, archive and restore. URL ids are our row ids; the POS's ids are shown as data."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _

from ...access import get_or_404, read_only, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render
from ...models import Category, Product
from ...models.base import row_id
from ...services.catalog import editing, listing, tree
from ...transaction import flashed_errors, form_errors
from . import bp
from .forms import CategoryForm, ProductForm, category_choices, vat_text

PAGE_SIZE = 50


# --- products ---------------------------------------------------------------------------------

@bp.get("/")
@require_role("manager")
@read_only
def index():
    q = " ".join(request.args.get("q", "").split())[:100]
    category = _category_filter(request.args.get("category"))
    archived = request.args.get("archived") == "1"
    after_id = row_id(request.args.get("after"))  # the previous page's last product (our id)
    after = db.session.get(Product, after_id) if after_id else None
    page = listing.products(q=q, category=category, archived=archived, limit=PAGE_SIZE, after=after)
    args = {k: v for k, v in (("q", q), ("category", category.id if category else None),
                              ("archived", "1" if archived else None)) if v}
    resp = render("catalog/index.html", block="product_table", page=page, q=q, category=category,
                  archived=archived, args=args, choices=category_choices(), vat_text=vat_text, after=after)
    if is_htmx():
        # The address bar follows the list, the page included, so reload and back show the same.
        resp.headers["HX-Push-Url"] = url_for("catalog.index", **args, **({"after": after.id} if after else {}))
    return resp


def _category_filter(value: str | None) -> Category | None:
    known = row_id(value) if value else None
    return db.session.get(Category, known) if known else None


@bp.route("/products/new", methods=["GET", "POST"])
@require_role("manager")
def new_product():
    form = ProductForm()
    if request.method == "POST" and (saved := _save_product(form, None)) is not None:
        flash(_("%(name)s was added to the catalog.", name=saved.name), "success")
        return redirect_to(url_for("catalog.index"))
    return render("catalog/product_form.html", form=form, product=None,
                  status=422 if request.method == "POST" else 200)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@require_role("manager")
def edit_product(product_id: int):
    product = get_or_404(Product, product_id)
    current = db.session.get(Category, product.category_id) if product.category_id else None
    form = ProductForm(product=product, current_category=current)
    if request.method == "POST":
        if (saved := _save_product(form, product)) is not None:
            flash(_("Changes to %(name)s were saved.", name=saved.name), "success")
            return redirect_to(url_for("catalog.index"))
        product = get_or_404(Product, product_id)  # a rolled-back save expired it
    return render("catalog/product_form.html", form=form, product=product,
                  status=422 if request.method == "POST" else 200)


def _save_product(form: ProductForm, product: Product | None) -> Product | None:
    if not form.validate_on_submit():
        return None
    values, errors = form.parsed()
    category = None
    if form.category_id.data:
        category = _category_filter(form.category_id.data)
        if category is None:
            errors["category_id"] = _("Choose a category from the list.")
    if errors:
        for name, message in errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        return None
    with form_errors(form):
        return editing.save_product(product, category=category, **values)
    return None


@bp.post("/products/<int:product_id>/archive")
@require_role("manager")
def archive_product(product_id: int):
    return _set_archived(get_or_404(Product, product_id), True, url_for("catalog.edit_product", product_id=product_id))


@bp.post("/products/<int:product_id>/restore")
@require_role("manager")
def restore_product(product_id: int):
    return _set_archived(get_or_404(Product, product_id), False, url_for("catalog.edit_product", product_id=product_id))


def _set_archived(row, archived: bool, back: str):
    with flashed_errors():
        editing.set_archived(row, archived)
        if archived:
            flash(_("%(name)s was archived: hidden from lists and pickers; discounts that name it still read it.",
                    name=row.name), "success")
        else:
            flash(_("%(name)s was restored.", name=row.name), "success")
    return redirect_to(back)


# --- categories -------------------------------------------------------------------------------

@bp.get("/categories")
@require_role("manager")
@read_only
def categories():
    archived = request.args.get("archived") == "1"
    return render("catalog/categories.html", nodes=tree.nodes(archived=archived), archived=archived)


@bp.route("/categories/new", methods=["GET", "POST"])
@require_role("manager")
def new_category():
    form = CategoryForm()
    if request.method == "POST" and (saved := _save_category(form, None)) is not None:
        flash(_("%(name)s was added to the catalog.", name=saved.name), "success")
        return redirect_to(url_for("catalog.categories"))
    return render("catalog/category_form.html", form=form, category=None,
                  status=422 if request.method == "POST" else 200)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@require_role("manager")
def edit_category(category_id: int):
    category = get_or_404(Category, category_id)
    form = CategoryForm(category=category)
    if request.method == "POST":
        if (saved := _save_category(form, category)) is not None:
            flash(_("Changes to %(name)s were saved.", name=saved.name), "success")
            return redirect_to(url_for("catalog.categories"))
        category = get_or_404(Category, category_id)
    return render("catalog/category_form.html", form=form, category=category,
                  status=422 if request.method == "POST" else 200)


def _save_category(form: CategoryForm, category: Category | None) -> Category | None:
    if not form.validate_on_submit():
        return None
    parent = _category_filter(form.parent_id.data) if form.parent_id.data else None
    if form.parent_id.data and parent is None:
        form.parent_id.errors = [_("Choose a category from the list.")]
        return None
    if not (form.name.data or "").strip():
        form.name.errors = [_("Name the category.")]
        return None
    with form_errors(form):
        return editing.save_category(category, external_id=form.external_id.data or "", name=form.name.data,
                                     parent=parent)
    return None


@bp.post("/categories/<int:category_id>/archive")
@require_role("manager")
def archive_category(category_id: int):
    return _set_archived(get_or_404(Category, category_id), True,
                         url_for("catalog.edit_category", category_id=category_id))


@bp.post("/categories/<int:category_id>/restore")
@require_role("manager")
def restore_category(category_id: int):
    return _set_archived(get_or_404(Category, category_id), False,
                         url_for("catalog.edit_category", category_id=category_id))
