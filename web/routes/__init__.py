"""The portal's routes, grouped by job: sign-in, rounds, writing pages, team, budget, documents, status."""
