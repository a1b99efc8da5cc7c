"""The store policy: versions and overrides, the values the rules read, and the what-if of a draft."""
