"""Responsible for the Prefect flows that carry applications through every stage of a funding round."""
