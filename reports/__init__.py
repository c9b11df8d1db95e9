"""Responsible for reports made from cogrant's records: celebration reports for communities, the round
portfolio and the 360Giving open-data export for funders, and the SVG charts they show."""
