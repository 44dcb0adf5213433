"""Customer import from CSV or Excel (XLSX): mapping, preview and the import.

The flow: the upload is kept on a draft JobRun (kind "customer_import_draft", the file in
`file_data`, what was learnt about it in `params`: drafts.py); the user maps columns to
customer fields and chooses what to do with duplicates (columns.py); the preview runs the
importer on the first rows without saving; "Start" moves the file to a `customer_import` job
(panel/jobs/imports.py), which imports every row in ONE transaction (importer.py): a crash, or
any row error in strict mode, leaves nothing half-imported. Reading the file is panel.tabular's.

Rules about customers and cards stay in their services: rows are validated by
services/customers.py (validate) and saved by it (add_validated for a new customer, update),
and cards are added by services/cards (add_checked once the import has checked the code
against the tenant's cards and the file, assign for an existing customer), so an imported
customer obeys exactly the rules of the form. New customers and their cards go in a chunk
at a time: one INSERT each for CHUNK rows.
"""
from __future__ import annotations

from datetime import timedelta

from ...tabular import Limits

KIND = "customer_import"
DRAFT_KIND = "customer_import_draft"
DRAFT_TTL = timedelta(days=1)
PREVIEW_ROWS = 20
MAX_ROWS = 100_000
# Checked on the upload before its rows are parsed, and again by the job that reads every row.
LIMITS = Limits(rows=MAX_ROWS)
JOB_TIMEOUT = 3600
CHUNK = 500                 # rows whose duplicates are looked up with one query per key
MAX_REPORTED_ERRORS = 500   # kept on the run for the page; the downloadable report has all
