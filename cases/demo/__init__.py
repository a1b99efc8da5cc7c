"""The demo data of `make run`: suppliers, products and orders whose facts tell every case type."""
