"""The agents' API for cases: the queue, one case's packet, timeline and parcels, and proposals."""
