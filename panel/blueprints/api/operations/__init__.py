"""The API's operations by area, one module each (catalog, discounts, price lists, groups,
bills, wallets...). Every module here is imported, so an area adds its module and touches no
central list: its routes and its error codes (errors.register) register on import."""
import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
