"""The workbench: the case queue, the case page and its actions, money decisions, and a case's timeline."""
