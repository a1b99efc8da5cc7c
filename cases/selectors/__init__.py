"""Reads of the case domain: plain rows and facts in a bounded number of queries, never writes."""
