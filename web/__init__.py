"""The applicant portal: FastAPI with server-rendered GOV.UK Frontend pages that work without JavaScript."""
