"""The POS API's OpenAPI document: served at /api/v1/openapi.json, rendered as the API page,
and the contract the test suite checks the API against (schemathesis)."""
from __future__ import annotations

ERROR_CODES = [
    ("unauthorized", 401, "No token, a malformed header, an unknown or a revoked token."),
    ("card_not_found", 404, "No card of your restaurant has this code or printed number."),
    ("customer_not_found", 404, "No customer of your restaurant has this id."),
    ("invalid_parameter", 400, "A query parameter is malformed (e.g. limit is not 1-100)."),
    ("bad_request", 400, "The body is not a JSON object."),
    ("invalid", 422, "A field breaks a rule; `fields` names each field with its message."),
    ("card_taken", 409, "The card code is already on another customer's card; `customer_id` says whose."),
]


def _error(description: str, example_code: str, example_message: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": {"error": {"code": example_code, "message": example_message}},
        }},
    }


UNAUTHORIZED = _error("The token is missing, unknown or revoked.", "unauthorized",
                      "Send a valid API token: Authorization: Bearer <token>.")

CARD_EXAMPLE = {"id": 17, "code": "3220338716", "number": "000123", "status": "active", "reason": None,
                "usable": True, "expires_on": "2027-03-31"}
CUSTOMER_EXAMPLE = {"id": 42, "name": "Jan Kowalski", "first_name": "Jan", "last_name": "Kowalski",
                    "company_name": "Kowalski Sp. z o.o.", "nip": "5260250274", "email": "jan@example.com",
                    "phone": "+48 600 100 200", "archived": False, "group": None, "tier": None}


def document() -> dict:
    """The OpenAPI 3.0 document (a fresh dict each time: callers may not mutate a shared one)."""
    nullable_str = {"type": "string", "nullable": True}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Regulars POS API",
            "version": "1.0.0",
            "description": (
                "For POS terminals and tills: find the customer behind a scanned loyalty card, search "
                "customers, and add a customer with a card at the till.\n\n"
                "Authenticate every request with `Authorization: Bearer <token>`; the restaurant's owner "
                "creates tokens in Settings → API tokens. The token decides the restaurant: you only ever "
                "see that restaurant's data. A revoked token stops working at once.\n\n"
                "Errors always have the shape `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`; "
                "act on `code`, show `message` (it follows the request's Accept-Language: en, pl, cs)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/cards/{code}": {
                "get": {
                    "operationId": "getCard",
                    "summary": "Find a card and its customer",
                    "description": (
                        "Looks the code up exactly as the panel's terminal does: a card UID matches in any "
                        "format your readers type (10-digit decimal, hex in either byte order, with or "
                        "without separators); other codes (barcodes) match exactly after trimming. When no "
                        "card has the code, the card's printed number is tried.\n\n"
                        "`status` is what the till must act on: only `active` cards may be used. Blocked, "
                        "lost and replaced cards all report `blocked`, with `reason` saying which; an expired "
                        "card reports `expired`."
                    ),
                    "parameters": [{
                        "name": "code", "in": "path", "required": True,
                        "description": "What the reader typed (URL-encoded).",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                        "example": "3220338716",
                    }],
                    "responses": {
                        "200": {"description": "The card and its customer.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/CardLookup"},
                            "example": {"card": CARD_EXAMPLE, "customer": CUSTOMER_EXAMPLE}}}},
                        "401": UNAUTHORIZED,
                        "404": _error("No card has this code.", "card_not_found", "No card has this code."),
                    },
                },
            },
            "/customers": {
                "get": {
                    "operationId": "searchCustomers",
                    "summary": "Search customers",
                    "description": (
                        "By name, company, NIP, phone, e-mail or card code, as the panel's search does. "
                        "Archived, merged and erased customers are left out. Without `q`, the first "
                        "customers by name."
                    ),
                    "parameters": [
                        {"name": "q", "in": "query", "required": False, "description": "What to search for.",
                         "schema": {"type": "string", "maxLength": 100}, "example": "kowalski"},
                        {"name": "limit", "in": "query", "required": False,
                         "description": "How many customers at most (1-100, default 20).",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                    ],
                    "responses": {
                        "200": {"description": "The matching customers, by name.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/CustomerList"},
                            "example": {"customers": [CUSTOMER_EXAMPLE]}}}},
                        "400": _error("A parameter is malformed.", "invalid_parameter",
                                      "limit must be a whole number from 1 to 100."),
                        "401": UNAUTHORIZED,
                    },
                },
                "post": {
                    "operationId": "createCustomer",
                    "summary": "Add a customer (quick add at the till)",
                    "description": (
                        "Creates a customer, optionally with a card. A name (first, last or company) is "
                        "required. The card is checked first: a code already on someone's card answers 409 "
                        "`card_taken` and creates nobody (a retried request therefore never creates a "
                        "second customer with the same card)."
                    ),
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/CustomerCreate"},
                        "example": {"first_name": "Jan", "last_name": "Kowalski", "phone": "600100200",
                                    "card_code": "3220338716"}}}},
                    "responses": {
                        "201": {"description": "The new customer (and card).", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/CustomerCreated"},
                            "example": {"customer": CUSTOMER_EXAMPLE, "card": CARD_EXAMPLE}}}},
                        "400": _error("The body is not a JSON object.", "bad_request", "Send a JSON object."),
                        "401": UNAUTHORIZED,
                        "409": _error("The card is on another customer's card.", "card_taken",
                                      "Already on Jan Kowalski's card, expires 2027-03-31."),
                        "422": _error("A field breaks a rule.", "invalid", "A NIP has 10 digits."),
                    },
                },
            },
            "/customers/{customer_id}": {
                "get": {
                    "operationId": "getCustomer",
                    "summary": "A customer with their cards",
                    "parameters": [{"name": "customer_id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1}, "example": 42}],
                    "responses": {
                        "200": {"description": "The customer and all their cards (history included).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/CustomerDetail"},
                                    "example": {"customer": {**CUSTOMER_EXAMPLE, "cards": [CARD_EXAMPLE]}}}}},
                        "401": UNAUTHORIZED,
                        "404": _error("No such customer.", "customer_not_found", "No customer has this id."),
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from Settings → API tokens."}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "description": "Stable, for programs: "
                                     + ", ".join(code for code, _s, _d in ERROR_CODES) + "."},
                            "message": {"type": "string", "description": "For people, in the request's language."},
                            "field": {"type": "string", "description": "The field at fault, when one is."},
                            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                       "description": "422: every field at fault with its message."},
                            "customer_id": {"type": "integer", "description": "409 card_taken: the card's holder."},
                        },
                    }},
                },
                "Card": {
                    "type": "object",
                    "required": ["id", "code", "number", "status", "reason", "usable", "expires_on"],
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string", "description": "As first scanned, trimmed."},
                        "number": {**nullable_str, "description": "The number printed on the card."},
                        "status": {"type": "string", "enum": ["active", "blocked", "expired"],
                                   "description": "Only active cards may be used."},
                        "reason": {"type": "string", "nullable": True,
                                   "enum": ["blocked", "lost", "replaced", "expired", None],
                                   "description": "Why the card is not active; null when it is."},
                        "usable": {"type": "boolean", "description": "status == active."},
                        "expires_on": {"type": "string", "format": "date", "nullable": True},
                    },
                },
                "Customer": {
                    "type": "object",
                    "required": ["id", "name", "first_name", "last_name", "company_name", "nip", "email", "phone",
                                 "archived", "group", "tier"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string", "description": "The person's name, else the company's."},
                        "first_name": {"type": "string"},
                        "last_name": {"type": "string"},
                        "company_name": {"type": "string"},
                        "nip": {"type": "string", "description": "Polish tax id, 10 digits, or empty."},
                        "email": {"type": "string"},
                        "phone": {"type": "string"},
                        "archived": {"type": "boolean"},
                        "group": {"type": "object", "nullable": True, "description": "Not available yet: null.",
                                  "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                        "tier": {"type": "object", "nullable": True, "description": "Not available yet: null.",
                                 "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                    },
                },
                "CustomerDetail": {
                    "type": "object", "required": ["customer"],
                    "properties": {"customer": {"allOf": [
                        {"$ref": "#/components/schemas/Customer"},
                        {"type": "object", "required": ["cards"], "properties": {
                            "cards": {"type": "array", "items": {"$ref": "#/components/schemas/Card"}}}},
                    ]}},
                },
                "CardLookup": {
                    "type": "object", "required": ["card", "customer"],
                    "properties": {"card": {"$ref": "#/components/schemas/Card"},
                                   "customer": {"$ref": "#/components/schemas/Customer"}},
                },
                "CustomerList": {
                    "type": "object", "required": ["customers"],
                    "properties": {"customers": {"type": "array", "items": {"$ref": "#/components/schemas/Customer"}}},
                },
                "CustomerCreate": {
                    "type": "object",
                    "description": "Give at least one of first_name, last_name, company_name.",
                    "properties": {
                        "first_name": {"type": "string", "maxLength": 100},
                        "last_name": {"type": "string", "maxLength": 100},
                        "company_name": {"type": "string", "maxLength": 250},
                        "nip": {"type": "string", "maxLength": 20, "description": "Checked (10 digits, check digit)."},
                        "email": {"type": "string", "maxLength": 254},
                        "phone": {"type": "string", "maxLength": 40},
                        "card_code": {"type": "string", "maxLength": 64, "description": "A card to put on the customer."},
                        "card_number": {"type": "string", "maxLength": 40},
                        "card_expires_on": {"type": "string", "format": "date"},
                    },
                },
                "CustomerCreated": {
                    "type": "object", "required": ["customer", "card"],
                    "properties": {"customer": {"$ref": "#/components/schemas/Customer"},
                                   "card": {"allOf": [{"$ref": "#/components/schemas/Card"}], "nullable": True}},
                },
            },
        },
    }
