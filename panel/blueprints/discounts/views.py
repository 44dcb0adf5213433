"""Discounts in the panel: the list with live search, the form that says the rule back in words
as it is typed, pickers for categories and products, the discount's page, archive and delete."""
from __future__ import annotations

from babel.numbers import get_currency_symbol
from flask import flash, g, request, url_for
from flask_babel import gettext as _

from ...access import get_or_404, read_only, require_role
from ...htmx import is_htmx, redirect_to, render
from ...i18n import locale_code
from ...models import Discount
from ...services import discounts
from ...services.discounts import words
from ...transaction import flashed_errors, service_errors
from . import bp
from .forms import DiscountForm, draft_rule, from_discount, from_request

PICKER_RESULTS = 20
PICKERS = {"category_ids": "categories", "excluded_category_ids": "categories",
           "product_ids": "products", "excluded_product_ids": "products"}


def _currency() -> str:
    return g.tenant.currency


# --- the list ----------------------------------------------------------------------------------

@bp.get("/")
@require_role("manager")
@read_only
def index():
    q = request.args.get("q", "")[:100]
    show = request.args.get("status", "active")
    show = show if show in discounts.listing.STATUSES else "active"
    found = discounts.load(discounts.search(q, show))
    currency, locale = _currency(), locale_code()
    rows = [(x, x.describe(currency, locale)) for x in found]
    resp = render("discounts/index.html", block="discount_table", q=q, show=show, rows=rows)
    if is_htmx():
        args = {k: v for k, v in (("q", q), ("status", show if show != "active" else "")) if v}
        resp.headers["HX-Push-Url"] = url_for("discounts.index", **args)
    return resp


# --- create and edit ---------------------------------------------------------------------------

def _form_page(f: DiscountForm, discount: Discount | None, status: int = 200):
    sentence = words.describe(draft_rule(f, _currency()), _currency(), locale_code())
    return render("discounts/form.html", f=f, discount=discount, sentence=sentence, status=status,
                  day_names=words.day_names(locale_code()),
                  currency_symbol=get_currency_symbol(_currency(), locale=locale_code()))


def _save(f: DiscountForm, discount: Discount | None):
    with service_errors() as refused:
        if discount is None:
            return discounts.create(f.service_data(), currency=_currency())
        return discounts.update(discount, f.service_data(), currency=_currency())
    f.show_errors(getattr(refused.error, "errors", None) or {refused.error.field: refused.error.message})
    return None


@bp.route("/new", methods=["GET", "POST"])
@require_role("manager")
def new():
    if request.method == "GET":
        return _form_page(DiscountForm(), None)
    f = from_request(request.form)
    saved = _save(f, None)
    if saved is not None:
        flash(_("The discount %(name)s was added.", name=saved.name), "success")
        return redirect_to(url_for("discounts.detail", discount_id=saved.id))
    return _form_page(f, None, status=422)


@bp.route("/<int:discount_id>/edit", methods=["GET", "POST"])
@require_role("manager")
def edit(discount_id: int):
    discount = get_or_404(Discount, discount_id)
    if request.method == "GET":
        return _form_page(from_discount(discount, _currency(), locale_code()), discount)
    f = from_request(request.form)
    saved = _save(f, discount)
    if saved is not None:
        flash(_("Changes to %(name)s were saved.", name=saved.name), "success")
        return redirect_to(url_for("discounts.detail", discount_id=saved.id))
    return _form_page(f, get_or_404(Discount, discount_id), status=422)


@bp.post("/sentence")
@require_role("manager")
def sentence():
    """The rule in words for the form as typed so far (htmx, on every change); saves nothing."""
    f = from_request(request.form)
    text = words.describe(draft_rule(f, _currency()), _currency(), locale_code())
    return render("discounts/_sentence.html", sentence=text)


@bp.get("/pick/categories")
@require_role("manager")
@read_only
def pick_categories():
    return _pick("categories")


@bp.get("/pick/products")
@require_role("manager")
@read_only
def pick_products():
    """The product picker's options as the owner types: the catalog may hold thousands."""
    return _pick("products")


def _pick(kind: str):
    target = request.args.get("field", "")
    if PICKERS.get(target) != kind:
        target = "category_ids" if kind == "categories" else "product_ids"
    q = request.args.get("q", "")[:100]
    chosen = set(request.args.getlist(target))  # the chips already there (hx-include)
    find = discounts.categories_matching if kind == "categories" else discounts.products_matching
    options = [row for row in find(q, PICKER_RESULTS + len(chosen)) if row.external_id not in chosen]
    return render("discounts/_options.html", options=options[:PICKER_RESULTS], kind=kind, target=target, q=q)


# --- the discount's page -----------------------------------------------------------------------

@bp.get("/<int:discount_id>")
@require_role("manager")
@read_only
def detail(discount_id: int):
    discount = get_or_404(Discount, discount_id)
    loaded = discounts.load([discount])[0]
    return render("discounts/detail.html", discount=discount, x=loaded,
                  sentence=loaded.describe(_currency(), locale_code()), groups=discounts.granted_by(discount),
                  used=discounts.used(discount))


@bp.post("/<int:discount_id>/archive")
@require_role("manager")
def archive(discount_id: int):
    discount = get_or_404(Discount, discount_id)
    with flashed_errors():
        discounts.archive(discount)
        flash(_("%(name)s was archived: it is off every bill and picker.", name=discount.name), "success")
    return redirect_to(url_for("discounts.detail", discount_id=discount_id))


@bp.post("/<int:discount_id>/restore")
@require_role("manager")
def restore(discount_id: int):
    discount = get_or_404(Discount, discount_id)
    with flashed_errors():
        discounts.unarchive(discount)
        flash(_("%(name)s is in use again.", name=discount.name), "success")
    return redirect_to(url_for("discounts.detail", discount_id=discount_id))


@bp.post("/<int:discount_id>/delete")
@require_role("manager")
def delete(discount_id: int):
    discount = get_or_404(Discount, discount_id)
    name = discount.name
    with flashed_errors():
        if discounts.delete(discount):
            flash(_("%(name)s was deleted.", name=name), "success")
            return redirect_to(url_for("discounts.index"))
        flash(_("%(name)s is granted by a group, so it was archived instead of deleted.", name=name), "success")
    return redirect_to(url_for("discounts.detail", discount_id=discount_id))
