"""Wholesale: items, barcodes, warehouses, customer groups and price rules."""
