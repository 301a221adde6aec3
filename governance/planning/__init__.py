"""Capacity, cost and vendor planning for labeling: forecasts with stated uncertainty."""
