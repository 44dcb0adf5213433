"""Names that must be unique per tenant (groups, discounts, price lists) compare by their key."""


def name_key(name: str) -> str:
    """"  Stali  Goście " and "stali goście" are one name: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()
