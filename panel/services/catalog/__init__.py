"""The catalog: categories and products, keyed by the POS's external ids.

items.py checks an upload, sync.py upserts it, editing.py is the panel's one-at-a-time edit,
listing.py pages products, tree.py holds the category chain (`ancestors`) and the indented
tree, refs.py resolves the POS's ids for the other areas.
"""
