from __future__ import annotations

import pytest

from panel.extensions import db

from ..api.conftest import make_token
from ..conftest import as_tenant
from .factories import make_catalog


@pytest.fixture
def catalog_a(app, world_a) -> dict:
    with app.app_context(), as_tenant(world_a):
        ids = make_catalog()
        db.session.commit()
        return ids


@pytest.fixture
def manage_a(app, world_a):
    return make_token(app, world_a, "Integrator", scopes=("manage", "pos"))


@pytest.fixture
def pos_a(app, world_a):
    return make_token(app, world_a, "Bar till", scopes=("pos",))
