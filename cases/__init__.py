"""The case domain: orders, tracking, evidence, messages, cases and their assessment, imports, the admin."""
